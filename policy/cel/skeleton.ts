/**
 * The part of a CRD's OpenAPI schema that CEL validation needs, small enough to keep in the gate's
 * cached kind index (parsing the ESO CRDs themselves takes about a second, which synth must not pay).
 *
 * A node that declares `x-kubernetes-validations` keeps its whole subtree: the rules see `self` as
 * the API server does, pruned to the declared fields, defaulted, and with integers as CEL ints, so
 * types, properties, defaults and nested rules below it matter. Above such a node only the path to
 * it is kept (with defaults, which can create the object the rule sits on).
 */

/** One `x-kubernetes-validations` entry (apiextensions.k8s.io/v1 ValidationRule). */
export interface CelRule {
  readonly rule: string;
  readonly message?: string;
  readonly messageExpression?: string;
  readonly fieldPath?: string;
  readonly reason?: string;
  readonly optionalOldSelf?: boolean;
}

/** A pruned structural schema node. */
export interface CelSchema {
  readonly type?: string;
  readonly properties?: Readonly<Record<string, CelSchema>>;
  readonly items?: CelSchema;
  readonly additionalProperties?: CelSchema | boolean;
  readonly default?: unknown;
  readonly nullable?: boolean;
  readonly 'x-kubernetes-validations'?: readonly CelRule[];
  readonly 'x-kubernetes-int-or-string'?: boolean;
  readonly 'x-kubernetes-preserve-unknown-fields'?: boolean;
  readonly 'x-kubernetes-embedded-resource'?: boolean;
}

const RULE_KEYS = ['rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'optionalOldSelf'] as const;
const SCALAR_KEYS = ['type', 'default', 'nullable', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rulesOf(node: Record<string, unknown>): CelRule[] | undefined {
  const rules = node['x-kubernetes-validations'];
  if (!Array.isArray(rules) || rules.length === 0) return undefined;
  return rules.filter(isRecord)
    .map((rule) => Object.fromEntries(RULE_KEYS.filter((key) => rule[key] !== undefined).map((key) => [key, rule[key]])) as unknown as CelRule);
}

/**
 * @param keepAll keep every property (we are inside a node with rules)
 * @returns the pruned node, or undefined when no rule is declared in this subtree and keepAll is false
 */
function prune(node: unknown, keepAll: boolean): CelSchema | undefined {
  if (!isRecord(node)) return undefined;
  const rules = rulesOf(node);
  const inside = keepAll || rules !== undefined;
  const out: Record<string, unknown> = {};
  for (const key of SCALAR_KEYS) if (node[key] !== undefined) out[key] = node[key];
  if (rules) out['x-kubernetes-validations'] = rules;
  let found = rules !== undefined;
  if (isRecord(node.properties)) {
    const properties: Record<string, CelSchema> = {};
    for (const [name, child] of Object.entries(node.properties)) {
      const pruned = prune(child, inside);
      if (pruned) properties[name] = pruned;
    }
    if (Object.keys(properties).length > 0 || inside) {
      out.properties = properties;
      found ||= Object.keys(properties).length > 0;
    }
  }
  const items = prune(node.items, inside);
  if (items) {
    out.items = items;
    found = true;
  }
  if (isRecord(node.additionalProperties)) {
    const values = prune(node.additionalProperties, inside);
    if (values) {
      out.additionalProperties = values;
      found = true;
    }
  } else if (typeof node.additionalProperties === 'boolean' && inside) {
    out.additionalProperties = node.additionalProperties;
  }
  return found || inside ? (out as CelSchema) : undefined;
}

/** The CEL skeleton of a CRD version's `openAPIV3Schema`, or undefined when it declares no rule. */
export function celSkeleton(openApiV3Schema: unknown): CelSchema | undefined {
  const pruned = prune(openApiV3Schema, false);
  return pruned && hasRule(pruned) ? pruned : undefined;
}

function hasRule(node: CelSchema): boolean {
  if (node['x-kubernetes-validations']) return true;
  const children = [...Object.values(node.properties ?? {}), node.items, typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined];
  return children.some((child) => child !== undefined && hasRule(child));
}
