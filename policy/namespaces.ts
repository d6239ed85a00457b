/**
 * Gate check, our own policy for Namespaces: each states its Pod Security level for enforce, audit and
 * warn, each with a pinned version (no reliance on cluster defaults, no `latest` that moves with an
 * upgrade), and carries Flux's prune guard so that removing it from Git never deletes its contents.
 */
import {
  FLUX_PRUNE_ANNOTATION, FLUX_PRUNE_DISABLED, POD_SECURITY_LEVELS, POD_SECURITY_MODES, podSecurityLabel, podSecurityVersionLabel,
} from '../lib/constants';
import { isValidVersionLabel } from './pod-security';
import { CheckId, Finding } from './types';
import { asRecord, findingAt, metadataOf, nameOf, Universe } from './universe';

export function checkNamespaces(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  for (const namespace of universe.ofKind('', 'Namespace')) {
    const metadata = metadataOf(namespace);
    const labels = asRecord(metadata.labels) ?? {};
    const name = nameOf(namespace);
    for (const mode of POD_SECURITY_MODES) {
      const levelKey = podSecurityLabel(mode);
      const versionKey = podSecurityVersionLabel(mode);
      const level = labels[levelKey];
      const version = labels[versionKey];
      if (level === undefined) {
        findings.push(findingAt(CheckId.NAMESPACE_POLICY, namespace, ['metadata', 'labels'], `namespace ${name} does not state its Pod Security ${mode} level`,
          `add the label ${levelKey}: restricted (or baseline/privileged)`));
      } else if (!(POD_SECURITY_LEVELS as readonly unknown[]).includes(level)) {
        findings.push(findingAt(CheckId.NAMESPACE_POLICY, namespace, ['metadata', 'labels', levelKey],
          `Invalid value: ${JSON.stringify(level)}: must be one of ${POD_SECURITY_LEVELS.join(', ')} (the API server refuses this Namespace)`,
          `set ${levelKey} to one of ${POD_SECURITY_LEVELS.join(', ')}`));
      }
      if (version === undefined || version === 'latest') {
        findings.push(findingAt(CheckId.NAMESPACE_POLICY, namespace, ['metadata', 'labels', ...(version === undefined ? [] : [versionKey])],
          `namespace ${name} does not pin its Pod Security ${mode} version${version === 'latest' ? ' (latest changes meaning on every upgrade)' : ''}`,
          `set ${versionKey} to the cluster's version, e.g. v1.33`));
      } else if (typeof version !== 'string' || !isValidVersionLabel(version)) {
        findings.push(findingAt(CheckId.NAMESPACE_POLICY, namespace, ['metadata', 'labels', versionKey],
          `Invalid value: ${JSON.stringify(version)}: must be "latest" or "v1.x" (the API server refuses this Namespace)`, `set ${versionKey} to a version such as v1.33`));
      }
    }
    const annotations = asRecord(metadata.annotations) ?? {};
    if (annotations[FLUX_PRUNE_ANNOTATION] !== FLUX_PRUNE_DISABLED && labels[FLUX_PRUNE_ANNOTATION] !== FLUX_PRUNE_DISABLED) {
      findings.push(findingAt(CheckId.NAMESPACE_POLICY, namespace, ['metadata', 'annotations'],
        `namespace ${name} can be pruned: if it leaves Git (or its Kustomization is deleted), Flux deletes it and everything in it`,
        `annotate it ${FLUX_PRUNE_ANNOTATION}: ${FLUX_PRUNE_DISABLED}`));
    }
  }
  return findings;
}
