/**
 * Gate rules for Namespaces' own labels and annotations: the Pod Security label values the API server
 * accepts (admission), and our policy on top: each Namespace states its level for enforce, audit and
 * warn, each with a pinned version (no reliance on cluster defaults, no `latest` that moves with an
 * upgrade), and carries Flux's prune guard so that removing it from Git never deletes its contents.
 */
import {
  FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED, POD_SECURITY_LEVELS, POD_SECURITY_MODES, podSecurityLabel, podSecurityVersionLabel,
} from '../lib/constants';
import { isValidVersionLabel } from './pod-security';
import { Rule } from './rule';
import { Finding } from './types';
import { asRecord, findingAt, metadataOf, nameOf, Universe } from './universe';

const namespaceLabels = (universe: Universe) => universe.ofKind('', 'Namespace').map((namespace) => ({
  namespace, name: nameOf(namespace), labels: asRecord(metadataOf(namespace).labels) ?? {},
}));

export const podSecurityLabels: Rule = {
  id: 'pod-security-labels',
  group: 'admission',
  description: 'Pod Security labels on a Namespace have values the API server accepts (a level of privileged, baseline or restricted; a version of latest or v1.x).',
  check: ({ universe }) => {
    const findings: Finding[] = [];
    for (const { namespace, labels } of namespaceLabels(universe)) {
      for (const mode of POD_SECURITY_MODES) {
        const levelKey = podSecurityLabel(mode);
        const versionKey = podSecurityVersionLabel(mode);
        const level = labels[levelKey];
        const version = labels[versionKey];
        if (level !== undefined && !(POD_SECURITY_LEVELS as readonly unknown[]).includes(level)) {
          findings.push(findingAt('pod-security-labels', namespace, ['metadata', 'labels', levelKey],
            `Invalid value: ${JSON.stringify(level)}: must be one of ${POD_SECURITY_LEVELS.join(', ')} (the API server refuses this Namespace)`,
            `set ${levelKey} to one of ${POD_SECURITY_LEVELS.join(', ')}`));
        }
        if (version !== undefined && (typeof version !== 'string' || !isValidVersionLabel(version))) {
          findings.push(findingAt('pod-security-labels', namespace, ['metadata', 'labels', versionKey],
            `Invalid value: ${JSON.stringify(version)}: must be "latest" or "v1.x" (the API server refuses this Namespace)`, `set ${versionKey} to a version such as v1.33`));
        }
      }
    }
    return findings;
  },
};

export const podSecurityPinned: Rule = {
  id: 'pod-security-pinned',
  group: 'house',
  description: 'Every Namespace states its Pod Security level for enforce, audit and warn, each with a pinned version (not latest).',
  check: ({ universe }) => {
    const findings: Finding[] = [];
    for (const { namespace, name, labels } of namespaceLabels(universe)) {
      for (const mode of POD_SECURITY_MODES) {
        const levelKey = podSecurityLabel(mode);
        const versionKey = podSecurityVersionLabel(mode);
        if (labels[levelKey] === undefined) {
          findings.push(findingAt('pod-security-pinned', namespace, ['metadata', 'labels'], `namespace ${name} does not state its Pod Security ${mode} level`,
            `add the label ${levelKey}: restricted (or baseline/privileged)`));
        }
        const version = labels[versionKey];
        if (version === undefined || version === 'latest') {
          findings.push(findingAt('pod-security-pinned', namespace, ['metadata', 'labels', ...(version === undefined ? [] : [versionKey])],
            `namespace ${name} does not pin its Pod Security ${mode} version${version === 'latest' ? ' (latest changes meaning on every upgrade)' : ''}`,
            `set ${versionKey} to the cluster's version, e.g. v1.33`));
        }
      }
    }
    return findings;
  },
};

export const namespacePruneDisabled: Rule = {
  id: 'namespace-prune-disabled',
  group: 'house',
  description: `Every Namespace carries ${FLUX_PRUNE_ANNOTATION}: ${FLUX_PRUNE_DISABLED}, so Flux never deletes it and what runs in it.`,
  check: ({ universe }) => namespaceLabels(universe)
    .filter(({ namespace, labels }) => asRecord(metadataOf(namespace).annotations)?.[FLUX_PRUNE_ANNOTATION] !== FLUX_PRUNE_DISABLED
      && labels[FLUX_PRUNE_ANNOTATION] !== FLUX_PRUNE_DISABLED)
    .map(({ namespace, name }) => findingAt('namespace-prune-disabled', namespace, ['metadata', 'annotations'],
      `namespace ${name} can be pruned: if it leaves Git (or its Kustomization is deleted), Flux deletes it and everything in it`,
      `annotate it ${FLUX_PRUNE_ANNOTATION}: ${FLUX_PRUNE_DISABLED}`)),
};
