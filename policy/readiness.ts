/**
 * Gate check: a Flux layer that applies ExternalSecrets (or SecretStores) and waits proves only what
 * kstatus can see, and kstatus calls an ExternalSecret Current before ESO wrote any status and after a
 * spec edit while the old Ready=True stands (ESO writes no observedGeneration; see
 * lib/health-checks.ts). Such a layer must carry `healthCheckExprs` for those kinds, so a hand edit
 * that drops them is refused too.
 */
import { folderOfKustomizationPath } from '../lib/layout';
import { Rule } from './rule';
import { Finding } from './types';
import { asArray, asRecord, findingAt, groupOf, kindOf, Universe } from './universe';

const FLUX_KUSTOMIZE_GROUP = 'kustomize.toolkit.fluxcd.io';
const ESO_GROUP = 'external-secrets.io';
/** The ESO kinds whose readiness kstatus misjudges. */
const NEEDS_EXPRESSION = ['ExternalSecret', 'ClusterSecretStore', 'SecretStore'];

const RULE_ID = 'flux-readiness';

function checkReadiness(universe: Universe): Finding[] {
  const findings: Finding[] = [];
  for (const layer of universe.ofKind(FLUX_KUSTOMIZE_GROUP, 'Kustomization')) {
    const spec = asRecord(layer.manifest.spec);
    const folder = typeof spec?.path === 'string' ? folderOfKustomizationPath(spec.path) : undefined;
    if (!spec || !folder || (spec.wait !== true && asArray(spec.healthChecks).length === 0)) continue;
    const applied = universe.objects.filter((object) => object.source?.file.replace(/\\/g, '/').includes(`/${folder}/`)
      && groupOf(object) === ESO_GROUP && NEEDS_EXPRESSION.includes(kindOf(object)));
    const covered = new Set(asArray(spec.healthCheckExprs).map(asRecord)
      .filter((check) => typeof check?.apiVersion === 'string' && check.apiVersion.split('/')[0] === ESO_GROUP && typeof check.current === 'string')
      .map((check) => check!.kind ?? '*'));
    const missing = [...new Set(applied.map(kindOf))].filter((kind) => !covered.has(kind) && !covered.has('*')).sort();
    if (missing.length > 0) {
      findings.push(findingAt(RULE_ID, layer, ['spec', 'healthCheckExprs'],
        `this layer waits on ${missing.join(', ')} without a health check expression for them: kstatus calls them Current before ESO has synced `
        + 'anything and after a spec edit while the old Ready=True stands, so the layer would turn Ready with Secrets missing or stale',
        `add healthCheckExprs for ${missing.join(', ')} (see lib/health-checks.ts)`));
    }
  }
  return findings;
}

export const fluxReadiness: Rule = {
  id: RULE_ID,
  group: 'house',
  description: 'A Flux layer that waits on ExternalSecrets or secret stores carries healthCheckExprs for them, since kstatus calls them Current before any sync.',
  check: ({ universe }) => checkReadiness(universe),
};
