/**
 * The synth gate: every check, run over one universe of objects. Pure functions over plain objects;
 * the only I/O is the schema registry's validator cache.
 */
import { checkImages } from './images';
import { checkNamespaces } from './namespaces';
import { checkPodSecurity } from './pod-security';
import { checkNoPulumi } from './pulumi';
import { checkReferences } from './references';
import { checkSchemas, SchemaRegistry } from './schema';
import { checkObjectSecrets, checkTextSecrets } from './secret-hygiene';
import { checkTailscale } from './tailscale';
import { Finding, ManifestObject } from './types';
import { Universe } from './universe';

export * from './types';
export { SchemaRegistry } from './schema';
export { NEWEST_POLICY_MINOR } from './pod-security';

export interface GateOptions {
  /** Validates objects against the vendored schemas. */
  readonly schemas: SchemaRegistry;
  /**
   * Minor version of the cluster's API server. Pod Security never evaluates a policy newer than the
   * server knows, whatever the labels say.
   * @default NEWEST_POLICY_MINOR
   */
  readonly kubernetesMinor?: number;
  /**
   * Source files that are not manifests (cluster configs), scanned for credential-shaped strings.
   * @default - none
   */
  readonly texts?: ReadonlyArray<{ readonly file: string; readonly text: string }>;
}

/** Every finding for the universe made of `objects`, in a stable order. */
export function runGate(objects: readonly ManifestObject[], options: GateOptions): Finding[] {
  const universe = new Universe(objects);
  const findings = [
    ...checkSchemas(universe, options.schemas),
    ...checkPodSecurity(universe, { maxMinor: options.kubernetesMinor }),
    ...checkNamespaces(universe),
    ...checkReferences(universe),
    ...checkObjectSecrets(objects),
    ...checkTextSecrets(options.texts ?? []),
    ...checkNoPulumi(universe),
    ...checkImages(universe),
    ...checkTailscale(universe),
  ];
  const key = (finding: Finding) => [
    finding.source?.file ?? '', String(finding.source?.line ?? 0).padStart(8, '0'), finding.object?.kind ?? '', finding.object?.namespace ?? '',
    finding.object?.name ?? '', finding.path ?? '', finding.check, finding.message,
  ].join('\u0000');
  return findings.map((finding) => ({ finding, sortKey: key(finding) }))
    .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0))
    .map(({ finding }) => finding);
}

/**
 * One finding as two lines: where (cluster, object, file, field) and what, then the fix.
 * `[prod] DaemonSet tailscale/tailscale-client (flux/…/daemonset-….yaml) spec.template…: message`
 */
export function formatFinding(finding: Finding, cluster?: string): string {
  const object = finding.object
    ? `${finding.object.kind} ${finding.object.namespace ? `${finding.object.namespace}/` : ''}${finding.object.name}`
    : undefined;
  const file = finding.source ? `${finding.source.file}${finding.source.line ? `:${finding.source.line}` : ''}` : undefined;
  const where = [cluster ? `[${cluster}]` : undefined, object, file ? `(${file})` : undefined, finding.path].filter(Boolean).join(' ');
  return `${where}: ${finding.message}\n    fix: ${finding.fix}`;
}
