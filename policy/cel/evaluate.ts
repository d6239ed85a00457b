/**
 * Evaluates the `x-kubernetes-validations` rules of one CRD version against one object, as the API
 * server's apiextensions validator does on create:
 *
 * 1. The object is defaulted first (OpenAPI `default`s of the structural schema). The API server
 *    decodes, prunes and defaults a request before it validates it
 *    (k8s.io/apiextensions-apiserver customresource_handler.go: the defaulting codec runs in
 *    decoding; validation runs in the registry strategy's Validate), so a rule sees the defaults.
 * 2. Each rule runs at the schema node that declares it, with `self` bound to that node's value (for
 *    every item of a list, every value of a map), pruned to the declared fields, integers as CEL
 *    ints. A rule on an absent or null value does not run.
 * 3. A rule that is false fails with its `messageExpression` (if it evaluates to a string), else its
 *    `message`, else "failed rule: <rule>", at the node's path plus `fieldPath`.
 *
 * Transition rules (they read `oldSelf`) compare with the stored object, which a gate does not have:
 * they are returned as skipped, with the reason, like rules that call a function the gate does not
 * implement.
 */
import * as crypto from 'node:crypto';
import type { CelEnv, CelValue } from '@bufbuild/cel';
import { PathSegment } from '../../lib/field-path';
import { CelRule, CelSchema } from './skeleton';
import { UnsupportedCelError } from './unsupported';

/** A rule that held false (or failed to evaluate) for one value. */
export interface RuleViolation {
  readonly path: readonly PathSegment[];
  readonly rule: CelRule;
  readonly message: string;
}

/** A rule the gate could not evaluate, and why. */
export interface SkippedRule {
  readonly path: readonly PathSegment[];
  readonly rule: CelRule;
  readonly reason: string;
}

export interface RuleResults {
  readonly violations: RuleViolation[];
  readonly skipped: SkippedRule[];
}

/** What one rule made of one value: held, failed (with the message to show), or was not evaluated. */
export type RuleOutcome = { readonly held: true } | { readonly failed: string } | { readonly skipped: string };

/**
 * Outcomes of earlier runs, keyed by rule, schema node and value. Evaluation is deterministic, so a
 * synth whose rules all hit the cache never loads the CEL library (about 100 ms).
 */
export interface RuleOutcomeCache {
  get(key: string): RuleOutcome | undefined;
  set(key: string, outcome: RuleOutcome): void;
}

// Part of every cache key: bump it when the evaluation (this file, the extension library, the CEL
// library's version) changes, so outcomes of the old evaluator are not reused.
const OUTCOME_FORMAT = 1;

type Program = (bindings: { self: unknown }) => unknown;

type Compiled = { readonly program: Program } | { readonly skip: string };

interface CelRuntime {
  readonly cel: typeof import('@bufbuild/cel');
  readonly env: CelEnv;
}
let runtime: CelRuntime | undefined;

/** The CEL library, loaded on the first rule that runs: a synth whose objects reach no rule never pays for it. */
function celRuntime(): CelRuntime {
  if (!runtime) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const cel = require('@bufbuild/cel') as typeof import('@bufbuild/cel');
    const { KUBERNETES_CEL_FUNCTIONS } = require('./kubernetes-library') as typeof import('./kubernetes-library');
    /* eslint-enable @typescript-eslint/no-require-imports */
    runtime = { cel, env: cel.celEnv({ funcs: [...KUBERNETES_CEL_FUNCTIONS] }) };
  }
  return runtime;
}
/** Operators the planner evaluates itself rather than through a function. */
const PLANNER_OPERATORS = new Set(['_&&_', '_||_', '_?_:_', '@not_strictly_false', '_[_]']);
const compiled = new Map<string, Compiled>();

/* eslint-disable @typescript-eslint/no-explicit-any -- the parsed AST is a protobuf message tree */

/** Identifiers and called function names of a parsed expression. */
function references(env: CelEnv, node: any, out: { idents: Set<string>; calls: Set<string>; bound: Set<string> }): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    node.forEach((child) => references(env, child, out));
    return;
  }
  const kind = node.exprKind;
  if (kind?.case === 'identExpr') out.idents.add(kind.value.name);
  if (kind?.case === 'comprehensionExpr') {
    for (const variable of [kind.value.iterVar, kind.value.iterVar2, kind.value.accuVar]) if (variable) out.bound.add(variable);
  }
  if (kind?.case === 'callExpr') {
    const target = kind.value.target?.exprKind;
    const qualified = target?.case === 'identExpr' ? `${target.value.name}.${kind.value.function}` : undefined;
    out.calls.add(qualified && env.funcs.find(qualified) ? qualified : kind.value.function);
    if (qualified && env.funcs.find(qualified)) {
      references(env, kind.value.args, out);
      return;
    }
  }
  for (const [key, value] of Object.entries(node)) if (key !== '$typeName') references(env, value, out);
}

/* eslint-enable @typescript-eslint/no-explicit-any */

function compile(expression: string): Compiled {
  let cached = compiled.get(expression);
  if (cached) return cached;
  const { cel, env } = celRuntime();
  try {
    const parsed = cel.parse(expression);
    const found = { idents: new Set<string>(), calls: new Set<string>(), bound: new Set<string>() };
    references(env, parsed.expr, found);
    const unsupported = [...found.calls].filter((name) => !PLANNER_OPERATORS.has(name) && !env.funcs.find(name));
    if (found.idents.has('oldSelf')) {
      cached = { skip: 'transition rule (reads oldSelf, the stored object, which the gate does not have)' };
    } else if (unsupported.length > 0) {
      cached = { skip: `calls ${unsupported.join(', ')}, which the gate does not implement` };
    } else {
      const unknown = [...found.idents].filter((name) => name !== 'self' && !found.bound.has(name));
      cached = unknown.length > 0
        ? { skip: `reads ${unknown.join(', ')}, which the gate does not provide` }
        : { program: cel.plan(env, parsed) as unknown as Program };
    }
  } catch (error) {
    cached = { skip: `does not parse: ${(error as Error).message.split('\n')[0]}` };
  }
  compiled.set(expression, cached);
  return cached;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone(value: unknown): unknown {
  return value === undefined ? undefined : structuredClone(value);
}

/**
 * Applies the schema's defaults, as the API server's structural defaulting does: a missing property
 * (or a null one that is not nullable) takes its default, then defaults apply inside it.
 */
export function applyDefaults(value: unknown, schema: CelSchema | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) return schema.items ? value.map((item) => applyDefaults(item, schema.items)) : value;
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    const missing = out[name] === undefined || (out[name] === null && property.nullable !== true);
    if (missing && property.default !== undefined) out[name] = clone(property.default);
    if (out[name] !== undefined) out[name] = applyDefaults(out[name], property);
  }
  if (isRecord(schema.additionalProperties)) {
    for (const [name, item] of Object.entries(out)) {
      if (!schema.properties?.[name]) out[name] = applyDefaults(item, schema.additionalProperties);
    }
  }
  return out;
}

/**
 * A value as CEL sees it under its schema: objects and maps as maps (only declared fields, as the
 * API server prunes the rest), lists as lists, integers as ints, other numbers as doubles.
 */
export function toCel(value: unknown, schema: CelSchema | undefined, root = false): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map((item) => toCel(item, schema?.items));
  if (typeof value === 'number') {
    const integral = schema?.type === 'integer' || schema?.['x-kubernetes-int-or-string'] === true || (schema?.type === undefined && Number.isInteger(value));
    return integral && Number.isInteger(value) ? BigInt(value) : value;
  }
  if (!isRecord(value)) return value;
  const out = new Map<string, unknown>();
  const keepUnknown = !schema || schema['x-kubernetes-preserve-unknown-fields'] === true || schema.additionalProperties === true;
  const values = isRecord(schema?.additionalProperties) ? schema.additionalProperties : undefined;
  for (const [key, item] of Object.entries(value)) {
    if (root && key === 'metadata' && isRecord(item)) {
      // At the root, CEL sees only metadata.name and metadata.generateName.
      const metadata = new Map<string, unknown>();
      for (const field of ['name', 'generateName']) if (typeof item[field] === 'string') metadata.set(field, item[field]);
      out.set(key, metadata);
      continue;
    }
    const property = schema?.properties?.[key] ?? values;
    if (property || keepUnknown || (root && (key === 'apiVersion' || key === 'kind'))) out.set(key, toCel(item, property));
  }
  return out;
}

/** Parses a rule's `fieldPath` (`.spec.items['a.b'][0]`) into path segments. */
export function parseFieldPath(fieldPath: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const pattern = /\.([A-Za-z_$][\w$-]*)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(fieldPath)) !== null) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(match[2].replace(/\\(.)/g, '$1'));
    else segments.push(Number(match[3]));
  }
  return segments;
}

function errorMessage(result: unknown): string {
  return result instanceof Error ? result.message : String(result);
}

function outcomeOf(rule: CelRule, self: unknown): RuleOutcome {
  const compiledRule = compile(rule.rule);
  if ('skip' in compiledRule) return { skipped: compiledRule.skip };
  let result: unknown;
  try {
    result = compiledRule.program({ self });
  } catch (error) {
    result = error;
  }
  const { isCelError } = celRuntime().cel;
  const cause = isCelError(result) ? (result as Error & { cause?: unknown }).cause : result;
  if (cause instanceof UnsupportedCelError || (result instanceof Error && /unbound function|unresolved attribute/.test(result.message))) {
    return { skipped: `the gate cannot evaluate it here: ${errorMessage(result)}` };
  }
  if (isCelError(result) || result instanceof Error) return { failed: `rule ${JSON.stringify(rule.rule)} fails to evaluate: ${errorMessage(result)}` };
  return result === true ? { held: true } : { failed: ruleMessage(rule, self) };
}

const schemaKeys = new WeakMap<CelSchema, string>();

function cacheKey(rule: CelRule, schema: CelSchema, value: unknown, root: boolean): string {
  let schemaKey = schemaKeys.get(schema);
  if (schemaKey === undefined) {
    schemaKey = JSON.stringify(schema);
    schemaKeys.set(schema, schemaKey);
  }
  return crypto.createHash('sha256')
    .update(`${OUTCOME_FORMAT}\0${JSON.stringify(rule)}\0${root}\0${schemaKey}\0${JSON.stringify(value)}`)
    .digest('base64url').slice(0, 24);
}

interface WalkContext {
  readonly results: RuleResults;
  readonly cache?: RuleOutcomeCache;
}

function runRule(rule: CelRule, value: unknown, schema: CelSchema, path: readonly PathSegment[], root: boolean, context: WalkContext): void {
  const key = context.cache ? cacheKey(rule, schema, value, root) : undefined;
  let outcome = key === undefined ? undefined : context.cache!.get(key);
  if (!outcome) {
    outcome = outcomeOf(rule, toCel(value, schema, root));
    if (key !== undefined) context.cache!.set(key, outcome);
  }
  if ('skipped' in outcome) {
    context.results.skipped.push({ path, rule, reason: outcome.skipped });
  } else if ('failed' in outcome) {
    const where = rule.fieldPath ? [...path, ...parseFieldPath(rule.fieldPath)] : path;
    context.results.violations.push({ path: where, rule, message: outcome.failed });
  }
}

function ruleMessage(rule: CelRule, self: unknown): string {
  if (rule.messageExpression) {
    const compiledMessage = compile(rule.messageExpression);
    if ('program' in compiledMessage) {
      try {
        const message = compiledMessage.program({ self }) as CelValue;
        if (typeof message === 'string' && message.trim() !== '') return message;
      } catch {
        // The API server falls back to `message` when messageExpression fails.
      }
    }
  }
  return rule.message && rule.message !== '' ? rule.message : `failed rule: ${rule.rule}`;
}

function walk(value: unknown, schema: CelSchema, path: PathSegment[], context: WalkContext, root: boolean): void {
  if (value === undefined || value === null) return;
  for (const rule of schema['x-kubernetes-validations'] ?? []) runRule(rule, value, schema, path, root, context);
  if (Array.isArray(value)) {
    if (schema.items) value.forEach((item, index) => walk(item, schema.items!, [...path, index], context, false));
    return;
  }
  if (!isRecord(value)) return;
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (root && name === 'metadata') continue;
    walk(value[name], property, [...path, name], context, false);
  }
  if (isRecord(schema.additionalProperties)) {
    for (const [name, item] of Object.entries(value)) {
      if (!schema.properties?.[name]) walk(item, schema.additionalProperties, [...path, name], context, false);
    }
  }
}

/** Every rule of the skeleton evaluated against one object (the whole custom resource). */
export function evaluateRules(object: unknown, skeleton: CelSchema, cache?: RuleOutcomeCache): RuleResults {
  const results: RuleResults = { violations: [], skipped: [] };
  walk(applyDefaults(object, skeleton), skeleton, [], { results, cache }, true);
  return results;
}
