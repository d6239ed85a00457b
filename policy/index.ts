/**
 * The synth gate: the selected rules of policy/rules.ts, run over one universe of objects, with
 * exemptions applied. Pure functions over plain objects; the only I/O is the schema registry's
 * validator cache.
 */
import { celNotes, RuleOutcomeCache } from './cel';
import { printable } from '../lib/printable';
import { applyExemptions, Exemption } from './exemptions';
import { GateContext, Rule } from './rule';
import { RULES } from './rules';
import { SchemaRegistry } from './schema';
import { NEWEST_KUBERNETES_SCHEMA_VERSION } from '../lib/kubernetes-versions';
import { Finding, GateNote, ManifestObject } from './types';
import { Universe } from './universe';

export * from './types';
export type { Exemption } from './exemptions';
export type { Rule, RuleGroup } from './rule';
export { RULE_GROUPS } from './rule';
export { RULES, ruleById, selectionVocabulary, selectRules } from './rules';
export type { RuleSelection } from './rules';
export { SchemaRegistry } from './schema';
export { SUPPORTED_EXTENSIONS } from './cel';
export type { RuleOutcome, RuleOutcomeCache } from './cel';
export { HELM_RENDER_RULE, HELM_VALUES_REFERENCE_RULE } from './helm-render';
export { NEWEST_POLICY_MINOR } from './pod-security';

export interface GateOptions {
  /** Validates objects against the vendored schemas. */
  readonly schemas: SchemaRegistry;
  /**
   * Minor version of the cluster's API server. Pod Security never evaluates a policy newer than the
   * server knows, whatever the labels say; objects are validated against that version's schema,
   * which must be bundled (lib/kubernetes-versions.ts).
   * @default - NEWEST_POLICY_MINOR for Pod Security, NEWEST_KUBERNETES_SCHEMA_VERSION for schemas
   */
  readonly kubernetesMinor?: number;
  /**
   * Outcomes of CEL rules from earlier runs, so an unchanged tree does not load the CEL library.
   * @default - no cache: every rule runs
   */
  readonly celCache?: RuleOutcomeCache;
  /**
   * Source files that are not manifests (cluster configs), scanned for credential-shaped strings.
   * @default - none
   */
  readonly texts?: ReadonlyArray<{ readonly file: string; readonly text: string }>;
  /**
   * Documents the reader could not turn into objects, as findings (rule yaml-syntax).
   * @default - none
   */
  readonly unreadable?: readonly Finding[];
  /**
   * What kustomize generates or patches in (generator Secrets and ConfigMaps, patches): not objects
   * as written, so only the secret rules (secret-data, credential-leak) read them.
   * @default - none
   */
  readonly generated?: readonly ManifestObject[];
  /**
   * The rules to run.
   * @default RULES, every rule
   */
  readonly rules?: readonly Rule[];
}

export interface GateResult {
  /** What stands, in a stable order. */
  readonly findings: readonly Finding[];
  /** Exemptions of the selected rules found on the objects, each with the findings it kept out. */
  readonly exemptions: readonly Exemption[];
  /** What the selected rules could not check (CEL transition rules, ...), for the summary; not findings. */
  readonly notes: readonly GateNote[];
}

const sortKey = (finding: Finding) => [
  finding.source?.file ?? '', String(finding.source?.line ?? 0).padStart(8, '0'), finding.object?.kind ?? '', finding.object?.namespace ?? '',
  finding.object?.name ?? '', finding.path ?? '', finding.rule, finding.message,
].join('\u0000');

function sorted(findings: readonly Finding[]): Finding[] {
  return findings.map((finding) => ({ finding, key: sortKey(finding) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ finding }) => finding);
}

/** Every finding of the selected rules for the universe made of `objects`, after exemptions. */
export function runGate(objects: readonly ManifestObject[], options: GateOptions): GateResult {
  const universe = new Universe(objects);
  const schemas = options.schemas.at(options.kubernetesMinor === undefined ? NEWEST_KUBERNETES_SCHEMA_VERSION : `1.${options.kubernetesMinor}`);
  const context: GateContext = {
    universe, schemas, celCache: options.celCache, kubernetesMinor: options.kubernetesMinor, texts: options.texts ?? [], unreadable: options.unreadable ?? [],
    generated: options.generated ?? [],
  };
  const selected = options.rules ?? RULES;
  const found = selected.flatMap((rule) => rule.check(context));
  const { findings, exemptions } = applyExemptions(universe, found, selected, RULES);
  return {
    findings: sorted(findings),
    exemptions: exemptions.map((exemption) => ({ ...exemption, findings: sorted(exemption.findings) })),
    notes: celNotes(context),
  };
}

/** One note as one line: `note: [prod] Widget apps/w (file:12) spec: CEL rule not evaluated: ...`. */
export function formatNote(note: GateNote, cluster?: string): string {
  const object = note.object ? `${note.object.kind} ${note.object.namespace ? `${note.object.namespace}/` : ''}${note.object.name}` : undefined;
  const file = note.source ? `${note.source.file}${note.source.line ? `:${note.source.line}` : ''}` : undefined;
  const where = [cluster ? `[${cluster}]` : undefined, object, file ? `(${file})` : undefined, note.path].filter(Boolean).join(' ');
  return `note: ${where}: ${note.message}`;
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
  // A rendered object is named through the HelmRelease that renders it: `HelmRelease apps/x → Deployment apps/y (chart x 1.0.0)`.
  const subject = finding.source?.renderedBy && object ? `${finding.source.renderedBy} → ${object}` : object;
  const where = [cluster ? `[${cluster}]` : undefined, subject, file ? `(${file})` : undefined, finding.path].filter(Boolean).join(' ');
  return `${printable(where, 1000)}: ${printable(finding.message, 1000)}\n    fix: ${printable(finding.fix, 1000)}`;
}

/** One exemption as a line: `[prod] exempted image-pinned: Deployment shop/shop (file:line): reason (1 finding)`. */
export function formatExemption(exemption: Exemption, cluster?: string): string {
  const object = `${exemption.object.kind} ${exemption.object.namespace ? `${exemption.object.namespace}/` : ''}${exemption.object.name}`;
  const file = exemption.source ? ` (${exemption.source.file}${exemption.source.line ? `:${exemption.source.line}` : ''})` : '';
  const count = exemption.findings.length === 0 ? 'nothing to exempt' : `${exemption.findings.length} finding(s) exempted`;
  return printable(`${cluster ? `[${cluster}] ` : ''}exempted ${exemption.rule}: ${object}${file}: ${JSON.stringify(exemption.reason)} (${count})`, 2000);
}
