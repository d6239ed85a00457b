/**
 * Helm and helm-controller facts, as pure functions: what an exact chart version is, the release name
 * and namespaces helm-controller uses, and how it merges `spec.values` with `valuesFrom`. Each one
 * follows fluxcd/helm-controller v1.6.3 (the one Flux v2.9.4 ships) and fluxcd/pkg chartutil v1.27.1;
 * the README's "How rendering works" cites the lines.
 */
import { createHash } from 'node:crypto';

/** An exact SemVer version. A range (`2.x`, `>=2.0.0`, `~2.9`) makes Flux float: not a pin. */
export const EXACT_CHART_VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/** Why `version` is not an exact chart version, or undefined when it is. */
export function chartVersionProblem(version: string): string | undefined {
  if (EXACT_CHART_VERSION.test(version)) return undefined;
  return `${JSON.stringify(version)} is not an exact version (such as 2.0.5): Flux would float on a range, and the gate could not know what it renders`;
}

/** Helm release names longer than this are shortened by helm-controller (internal/release/name.go). */
const MAX_RELEASE_NAME = 53;
const SHORT_HASH_LENGTH = 12;

/**
 * The Helm release name helm-controller installs: `spec.releaseName`, else `[targetNamespace-]name`
 * (api/v2/helmrelease_types.go GetReleaseName), shortened past 53 characters to its first 40, a dash
 * and 12 hex digits of its SHA-256 (internal/release/name.go ShortenName).
 */
export function helmReleaseName(name: string, spec: { releaseName?: unknown; targetNamespace?: unknown }): string {
  const full = typeof spec.releaseName === 'string' && spec.releaseName !== '' ? spec.releaseName
    : typeof spec.targetNamespace === 'string' && spec.targetNamespace !== '' ? `${spec.targetNamespace}-${name}` : name;
  if (full.length <= MAX_RELEASE_NAME) return full;
  const hash = createHash('sha256').update(full).digest('hex');
  return `${full.slice(0, MAX_RELEASE_NAME - (SHORT_HASH_LENGTH + 1))}-${hash.slice(0, SHORT_HASH_LENGTH)}`;
}

/** Namespace the release's objects land in: `spec.targetNamespace`, else the HelmRelease's (GetReleaseNamespace). */
export function helmReleaseNamespace(namespace: string, spec: { targetNamespace?: unknown }): string {
  return typeof spec.targetNamespace === 'string' && spec.targetNamespace !== '' ? spec.targetNamespace : namespace;
}

/** helm-controller's CRD policies (api/v2 CRDsPolicy); an empty policy means Create (internal/action/crds.go). */
export type CrdPolicy = 'Skip' | 'Create' | 'CreateReplace';

/**
 * Whether the chart's `crds/` folder reaches the cluster. helm-controller always tells Helm to skip
 * them (`install.SkipCRDs = true`) and applies them itself unless the policy is Skip; an unset
 * policy means Create for install and, despite the API docs saying otherwise, for upgrade too
 * (crdPolicyOrDefault is called with the upgrade policy in internal/action/upgrade.go).
 */
export function chartCrdsApplied(install: unknown, upgrade: unknown): boolean {
  const policy = (value: unknown) => (typeof value === 'string' && value !== '' ? value : 'Create');
  return policy(install) !== 'Skip' || policy(upgrade) !== 'Skip';
}

type Values = Record<string, unknown>;

function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * fluxcd/pkg chartutil MergeMaps, line for line: `b` wins, maps merge recursively, and a map only `b`
 * has is shared, not copied. The sharing is part of the semantics: a `targetPath` written into the
 * result lands in `spec.values` too when the path runs through such a map.
 */
export function mergeMaps(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] = isMap(value) && isMap(existing) ? mergeMaps(existing, value) : value;
  }
  return out;
}

/** A path segment of Helm's `--set` syntax: a key, or a list index. */
type SetSegment = { key: string } | { index: number };

/** Splits `a.b\.c[0].d` into segments, as Helm's strvals parser does (`\.` escapes a dot). */
export function parseSetPath(path: string): SetSegment[] {
  const segments: SetSegment[] = [];
  let key = '';
  let pendingKey = true;
  for (let i = 0; i < path.length; i++) {
    const char = path[i];
    if (char === '\\' && i + 1 < path.length) {
      key += path[++i];
    } else if (char === '.') {
      if (pendingKey) segments.push({ key });
      key = '';
      pendingKey = true;
    } else if (char === '[') {
      const close = path.indexOf(']', i);
      if (close < 0) throw new Error(`targetPath ${JSON.stringify(path)}: unclosed [`);
      const index = path.slice(i + 1, close);
      if (!/^(0|[1-9][0-9]*)$/.test(index)) throw new Error(`targetPath ${JSON.stringify(path)}: list index ${JSON.stringify(index)} is not a number`);
      if (pendingKey) segments.push({ key });
      segments.push({ index: Number(index) });
      key = '';
      pendingKey = false;
      i = close;
    } else if (char === ',' || char === '=') {
      throw new Error(`targetPath ${JSON.stringify(path)}: ${JSON.stringify(char)} is --set syntax, not part of a path`);
    } else {
      key += char;
      pendingKey = true;
    }
  }
  if (pendingKey) segments.push({ key });
  if (segments.some((segment) => 'key' in segment && segment.key === '')) throw new Error(`targetPath ${JSON.stringify(path)} has an empty key`);
  return segments;
}

/** How Helm's strvals types a `--set` value: booleans, null, and integers without a leading zero. */
function typedValue(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (raw === '0') return 0;
  if (/^-?[1-9][0-9]*$/.test(raw) && Number.isSafeInteger(Number(raw))) return Number(raw);
  return raw;
}

/**
 * chartutil ReplacePathValue: sets `path` in `values` as `helm --set path=value` would; a value in
 * single or double quotes is set as a string, unquoted. `literal` (valuesFrom `literal: true`) always
 * sets the string as it is. Values holding `,` (several assignments to strvals) are refused: the
 * placeholders rendered offline never hold one.
 */
export function replacePathValue(values: Values, path: string, raw: string, literal = false): void {
  const quoted = raw.length >= 2 && ((raw.startsWith('"') && raw.endsWith('"')) || (raw.startsWith('\'') && raw.endsWith('\'')));
  if (!literal && !quoted && raw.includes(',')) {
    throw new Error(`value for ${path} holds a comma, which helm's --set syntax splits; set literal: true on the valuesFrom entry`);
  }
  const value = literal ? raw : quoted ? raw.replace(/^['"]+|['"]+$/g, '') : typedValue(raw);
  const segments = parseSetPath(path);
  let holder: Values | unknown[] = values;
  segments.forEach((segment, position) => {
    const last = position === segments.length - 1;
    const next = segments[position + 1];
    const fresh = () => (next && 'index' in next ? [] : {});
    if ('key' in segment) {
      if (Array.isArray(holder)) throw new Error(`targetPath ${path}: ${segment.key} is set on a list`);
      if (last) {
        holder[segment.key] = value;
      } else {
        const child = holder[segment.key];
        if (!(isMap(child) || Array.isArray(child)) || (next && 'index' in next) !== Array.isArray(child)) holder[segment.key] = fresh();
        holder = holder[segment.key] as Values | unknown[];
      }
    } else {
      if (!Array.isArray(holder)) throw new Error(`targetPath ${path}: [${segment.index}] is set on a map`);
      while (holder.length <= segment.index) holder.push(null);
      if (last) {
        holder[segment.index] = value;
      } else {
        const child = holder[segment.index];
        if (!(isMap(child) || Array.isArray(child))) holder[segment.index] = fresh();
        holder = holder[segment.index] as Values | unknown[];
      }
    }
  });
}

/** One `valuesFrom` entry, with its data resolved (undefined when the object or key is absent). */
export interface ResolvedValuesReference {
  readonly kind: string;
  readonly name: string;
  readonly valuesKey: string;
  readonly targetPath?: string;
  readonly optional?: boolean;
  readonly literal?: boolean;
  /** The raw data at `valuesKey`, or undefined when the object or the key does not exist. */
  readonly data?: string;
  /** Parsed YAML of `data` when there is no targetPath (the caller parses, so lib/ needs no YAML reader). */
  readonly parsed?: Values;
}

/**
 * chartutil ChartValuesFromReferences: references merged in order, each whole document over the
 * result, each targetPath value set after `spec.values` is merged in; `spec.values` merged last.
 * `specValues` is copied first and the caller's object left as it was: helm-controller composes from
 * the HelmRelease it just read, so the sharing mergeMaps describes happens within that copy.
 * @throws Error naming the reference, as helm-controller's ValuesError would
 */
export function composeValues(specValuesGiven: Values, references: readonly ResolvedValuesReference[]): Values {
  const specValues = structuredClone(specValuesGiven);
  let result: Values = {};
  for (const ref of references) {
    if (ref.data === undefined) {
      if (ref.optional) continue;
      throw new Error(`could not resolve ${ref.kind} chart values reference '${ref.name}' with key '${ref.valuesKey}': not found`);
    }
    if (ref.targetPath) {
      result = mergeMaps(result, specValues);
      replacePathValue(result, ref.targetPath, ref.data, ref.literal);
      continue;
    }
    result = mergeMaps(result, ref.parsed ?? {});
  }
  return mergeMaps(result, specValues);
}

/** The key helm-controller reads when `valuesKey` is empty (meta.ValuesReference GetValuesKey). */
export const DEFAULT_VALUES_KEY = 'values.yaml';

/**
 * What the render uses for a `valuesFrom` key whose Secret is produced by an ExternalSecret: the
 * value lives in ESC and is never read here. Visible in rendered output and in messages.
 */
export function valuesPlaceholder(secretName: string, key: string): string {
  return `placeholder-from-secret-${secretName}-${key}`.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
}
