/**
 * Every rule of the gate, in one list: what `synth` and `check` run, what `--only` and `--skip`
 * select from, what exemption annotations may name, and what the README's table of checks, the JSON
 * report and SARIF's tool.driver.rules are generated from.
 *
 * To add a rule: write it next to the code it checks (or in its own file) as a `Rule` with a new
 * kebab-case `id`, its `group` (`admission` if the API server, an admission plugin or webhook, or a
 * controller would refuse or drop what it finds; `house` if it is this repo's policy), a one-sentence
 * `description`, and a `check` that returns findings whose `rule` is that id (build them with
 * `findingAt(id, …)` from ./universe). Append it to RULES below, then run `npm run docs` to refresh
 * the README's table. A plain `(universe) => Finding[]` function becomes an entry as
 * `{ id, group, description, check: ({ universe }) => myCheck(universe) }`.
 * Ids are an interface (annotations in other repos name them): never rename or reuse one.
 */
import { crdCelRules } from './cel';
import { EXEMPTION_RULE, exemptionProblems } from './exemptions';
import { externalSecretData } from './external-secrets-webhook';
import { helmRender, helmValuesReference } from './helm-render';
import { containerImage, imagePinned } from './images';
import { namespacePruneDisabled, podSecurityLabels, podSecurityPinned } from './namespaces';
import { podSecurity } from './pod-security';
import { noPulumi } from './pulumi';
import { fluxReadiness } from './readiness';
import {
  configMapReference, duplicateObject, fluxDependencies, fluxSourceReference, namespaceDeclared, secretReference, secretStoreConditions,
  secretStoreReference, serviceAccountReferenceRule,
} from './references';
import { Rule, RULE_GROUPS, RuleGroup } from './rule';
import {
  metadataLabels, metadataName, metadataNamespace, namespaceStated, schemaApiVersion, schemaInvalidValue, schemaKind, schemaUnknownField,
} from './schema';
import { credentialLeak, secretData } from './secret-hygiene';
import { tailscaleContainerboot } from './tailscale';
import { kustomizeResources, yamlSyntax } from './yaml-syntax';

/** Defined here, not in ./exemptions, because it checks exemption annotations against this list. */
const exemptionRule: Rule = {
  id: EXEMPTION_RULE,
  group: 'house',
  description: 'Every exemption annotation names a house rule and gives a reason; otherwise it does not apply.',
  check: ({ universe }) => exemptionProblems(universe, RULES),
};

export const RULES: readonly Rule[] = [
  // admission: the cluster itself would refuse or drop it
  yamlSyntax,
  kustomizeResources,
  schemaKind,
  schemaApiVersion,
  schemaUnknownField,
  schemaInvalidValue,
  crdCelRules,
  metadataName,
  metadataNamespace,
  metadataLabels,
  podSecurity,
  podSecurityLabels,
  containerImage,
  secretStoreConditions,
  externalSecretData,
  helmRender,
  // house: this repo's policy
  namespaceStated,
  podSecurityPinned,
  namespacePruneDisabled,
  namespaceDeclared,
  secretReference,
  configMapReference,
  serviceAccountReferenceRule,
  secretStoreReference,
  helmValuesReference,
  fluxSourceReference,
  fluxDependencies,
  duplicateObject,
  secretData,
  credentialLeak,
  noPulumi,
  imagePinned,
  tailscaleContainerboot,
  fluxReadiness,
  exemptionRule,
];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}

export interface RuleSelection {
  /** The rules to run, in list order. */
  readonly rules: readonly Rule[];
  /** The rules left out, in list order. */
  readonly leftOut: readonly Rule[];
  /** Rule ids named in --skip (not via a group). */
  readonly skippedById: ReadonlySet<string>;
}

/** The valid names for --only and --skip, for usage messages. */
export function selectionVocabulary(): string {
  return `groups: ${RULE_GROUPS.join(', ')}\nrules:  ${RULES.map((rule) => rule.id).join(', ')}`;
}

/**
 * The rules that `--only` and `--skip` select. Each name is a rule id or a group; values may also be
 * comma-separated. Without `only`, every rule is selected; `skip` then removes.
 * @returns the selection, or the names that are neither a rule nor a group
 */
export function selectRules(only: readonly string[], skip: readonly string[]): RuleSelection | { readonly unknown: readonly string[] } {
  const split = (names: readonly string[]) => names.flatMap((name) => name.split(',')).map((name) => name.trim()).filter((name) => name !== '');
  const onlyNames = split(only);
  const skipNames = split(skip);
  const unknown = [...onlyNames, ...skipNames].filter((name) => !(RULE_GROUPS as readonly string[]).includes(name) && !ruleById(name));
  if (unknown.length > 0) return { unknown: [...new Set(unknown)] };
  const matches = (names: readonly string[], rule: Rule) => names.includes(rule.id) || names.includes(rule.group satisfies RuleGroup);
  const rules = RULES.filter((rule) => (onlyNames.length === 0 || matches(onlyNames, rule)) && !matches(skipNames, rule));
  return {
    rules,
    leftOut: RULES.filter((rule) => !rules.includes(rule)),
    skippedById: new Set(skipNames.filter((name) => ruleById(name) !== undefined)),
  };
}
