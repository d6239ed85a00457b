/**
 * What a gate rule is: a stable id, the group that says who would object (the cluster itself, or this
 * repo), a one-line description, and a function from the universe to findings. The list of every
 * rule is policy/rules.ts.
 */
import type { RuleOutcomeCache } from './cel/evaluate';
import type { VersionedSchemas } from './schema/validator';
import { Finding, ManifestObject } from './types';
import { Universe } from './universe';

/**
 * `admission`: the API server, an admission plugin or webhook, or a controller would refuse the
 * object or silently drop part of it. `house`: this repository's policy; the cluster would take it.
 */
export const RULE_GROUPS = ['admission', 'house'] as const;
export type RuleGroup = (typeof RULE_GROUPS)[number];

/** Everything a rule may look at. Built once per gate run. */
export interface GateContext {
  readonly universe: Universe;
  /** The bundled schemas at the cluster's Kubernetes version. */
  readonly schemas: VersionedSchemas;
  /** Minor version of the cluster's API server; undefined means the newest policy the gate knows. */
  readonly kubernetesMinor?: number;
  /** Source files that are not manifests (cluster configs), scanned for credential-shaped strings. */
  readonly texts: ReadonlyArray<{ readonly file: string; readonly text: string }>;
  /** Outcomes of CEL rules from earlier runs (see policy/cel/evaluate.ts); none means every rule runs. */
  readonly celCache?: RuleOutcomeCache;
  /** Documents that could not be read as objects, already reported as findings by the reader. */
  readonly unreadable: readonly Finding[];
  /** What kustomize generates or patches in from kustomization files: read by the secret rules only. */
  readonly generated: readonly ManifestObject[];
}

export interface Rule {
  /** Stable, kebab-case; what `--only`, `--skip`, exemption annotations, JSON and SARIF name. */
  readonly id: string;
  readonly group: RuleGroup;
  /** One sentence: what must hold, and for admission rules who refuses it otherwise. */
  readonly description: string;
  /** Every finding of this rule (and only of this rule: each finding's `rule` is `id`). */
  readonly check: (context: GateContext) => Finding[];
}
