/**
 * The Kubernetes CEL extension functions the gate implements, on top of @bufbuild/cel's standard
 * library and its `strings` extension (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace,
 * split, substring, trim, join, strings.quote, format: cel-go's ext.Strings, which the API server
 * enables at version 2 from Kubernetes 1.29, k8s.io/apiserver v0.33.13 pkg/cel/environment/base.go:125-131).
 *
 * Implemented here, with the semantics of k8s.io/apiserver v0.33.13 pkg/cel/library/:
 * - lists.go: `<list>.isSorted()`, `.sum()`, `.min()`, `.max()`, `.indexOf(x)`, `.lastIndexOf(x)`
 * - regex.go: `<string>.find(regex)`, `.findAll(regex)`, `.findAll(regex, limit)`
 * - urls.go: `url(string)`, `isURL(string)`, and on a URL `getScheme()`, `getHost()`, `getHostname()`,
 *   `getPort()`, `getEscapedPath()`, `getQuery()`
 * - cel-go ext.Sets (base.go:133-137): `sets.contains(a, b)`, `sets.equivalent(a, b)`, `sets.intersects(a, b)`
 *
 * A URL is represented by its string (url() checks it and returns it): CRDs reach the gate already
 * type-checked by the API server that accepted them, so the gate does not need the distinct type.
 *
 * Not implemented (a rule that calls them is reported as not evaluated, never as passing): quantity,
 * ip/cidr, format, semver, authz, two-variable comprehensions, cel.bind, optional types.
 */
import { CelList, celFunc, celMethod, CelScalar, CelValue, isCelList, isCelMap, listType, mapType } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import type { CelFunc } from '@bufbuild/cel';
import { RE2JS } from '@bufbuild/re2';
import { UnsupportedCelError } from './unsupported';

const LIST = listType(CelScalar.DYN);

/** CEL equality over the values the gate feeds in (scalars, lists, maps). */
export function celEquals(a: CelValue, b: CelValue): boolean {
  // CEL compares numbers across int and double by value (heterogeneous equality).
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) return Number(a) === Number(b);
  if (isCelList(a) && isCelList(b)) {
    if (a.size !== b.size) return false;
    for (let index = 0; index < a.size; index++) if (!celEquals(a.get(index)!, b.get(index)!)) return false;
    return true;
  }
  if (isCelMap(a) && isCelMap(b)) {
    if (a.size !== b.size) return false;
    for (const [key, value] of a) if (!b.has(key) || !celEquals(value, b.get(key)!)) return false;
    return true;
  }
  return a === b;
}

type Comparable = bigint | number | string | boolean;

function comparable(list: CelList, what: string): Comparable[] {
  const values = [...list];
  for (const value of values) {
    if (!['bigint', 'number', 'string', 'boolean'].includes(typeof value)) throw new UnsupportedCelError(`${what}() on a list of ${typeof value}`);
  }
  return values as Comparable[];
}

function extreme(list: CelList, what: 'min' | 'max'): CelValue {
  const values = comparable(list, what);
  if (values.length === 0) throw new Error(`${what} called on empty list`);
  return values.reduce((best, value) => ((what === 'min' ? value < best : value > best) ? value : best));
}

/** lists.go: sum of ints is an int, of doubles a double; an empty list sums to 0. */
function sum(list: CelList): CelValue {
  const values = [...list];
  if (values.length === 0) return 0n;
  if (values.every((value) => typeof value === 'bigint')) return (values as bigint[]).reduce((total, value) => total + value, 0n);
  if (values.every((value) => typeof value === 'number')) return (values as number[]).reduce((total, value) => total + value, 0);
  throw new UnsupportedCelError('sum() on a list that is neither all int nor all double');
}

const LISTS: CelFunc[] = [
  celMethod('isSorted', LIST, [], CelScalar.BOOL, function () {
    const values = comparable(this, 'isSorted');
    return values.every((value, index) => index === 0 || values[index - 1] <= value);
  }),
  celMethod('sum', LIST, [], CelScalar.DYN, function () {
    return sum(this);
  }),
  celMethod('min', LIST, [], CelScalar.DYN, function () {
    return extreme(this, 'min');
  }),
  celMethod('max', LIST, [], CelScalar.DYN, function () {
    return extreme(this, 'max');
  }),
  celMethod('indexOf', LIST, [CelScalar.DYN], CelScalar.INT, function (item) {
    return BigInt([...this].findIndex((value) => celEquals(value, item)));
  }),
  celMethod('lastIndexOf', LIST, [CelScalar.DYN], CelScalar.INT, function (item) {
    const values = [...this];
    for (let index = values.length - 1; index >= 0; index--) if (celEquals(values[index], item)) return BigInt(index);
    return -1n;
  }),
];

/**
 * RE2 decides whether a pattern is valid (as the API server's Go regexp does); the match positions
 * come from JavaScript's engine, which agrees with RE2 on patterns without inline flags, `\C`,
 * `\pN`-style classes or other RE2-only syntax. Patterns with such syntax are not evaluated.
 */
function jsRegex(pattern: string): RegExp {
  RE2JS.compile(pattern);
  if (/\(\?[a-zA-Z]|\\[CzQE]|\\p[A-Z]|\[\[:/.test(pattern)) throw new UnsupportedCelError(`regex ${JSON.stringify(pattern)} uses RE2 syntax the gate does not run`);
  return new RegExp(pattern.replace(/\(\?P</g, '(?<'), 'gu');
}

function findAll(text: string, pattern: string, limit: bigint): string[] {
  if (limit === 0n) return [];
  const out: string[] = [];
  for (const match of text.matchAll(jsRegex(pattern))) {
    out.push(match[0]);
    if (limit > 0n && BigInt(out.length) >= limit) break;
  }
  return out;
}

const REGEX: CelFunc[] = [
  celMethod('find', CelScalar.STRING, [CelScalar.STRING], CelScalar.STRING, function (pattern) {
    return findAll(this, pattern, 1n)[0] ?? '';
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING], LIST, function (pattern) {
    return findAll(this, pattern, -1n);
  }),
  celMethod('findAll', CelScalar.STRING, [CelScalar.STRING, CelScalar.INT], LIST, function (pattern, limit) {
    return findAll(this, pattern, limit);
  }),
];

/**
 * urls.go accepts what Go's url.ParseRequestURI accepts: an absolute URL (scheme and anything after
 * it) or an absolute path, with no fragment.
 */
function parseUrl(text: string): { scheme: string; host: string; hostname: string; port: string; path: string; query: string } | undefined {
  if (text.includes('#') || [...text].some((char) => char.charCodeAt(0) <= 0x20 || char.charCodeAt(0) === 0x7f)) return undefined;
  if (text.startsWith('/')) {
    const [path, query = ''] = text.split(/\?(.*)/s);
    return { scheme: '', host: '', hostname: '', port: '', path, query };
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):(.*)$/s.exec(text);
  if (!scheme) return undefined;
  const rest = scheme[2];
  const authority = /^\/\/([^/?]*)(.*)$/s.exec(rest);
  const host = authority ? authority[1].replace(/^.*@/, '') : '';
  const afterHost = authority ? authority[2] : rest;
  const [path, query = ''] = afterHost.split(/\?(.*)/s);
  const bracketed = /^\[([^\]]*)\](?::(\d*))?$/.exec(host);
  const plain = /^([^:]*)(?::(\d*))?$/.exec(host);
  if (!bracketed && !plain) return undefined;
  const hostname = bracketed ? bracketed[1] : plain![1];
  const port = (bracketed ? bracketed[2] : plain![2]) ?? '';
  return { scheme: scheme[1], host, hostname, port, path, query };
}

function checkedUrl(text: string): ReturnType<typeof parseUrl> & object {
  const parsed = parseUrl(text);
  if (!parsed) throw new Error(`URL parse error during conversion from string: ${JSON.stringify(text)}`);
  return parsed;
}

function queryMap(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (query === '') return out;
  for (const [key, value] of new URLSearchParams(query)) out.set(key, [...(out.get(key) ?? []), value]);
  return out;
}

const URLS: CelFunc[] = [
  celFunc('url', [CelScalar.STRING], CelScalar.STRING, (text) => {
    checkedUrl(text);
    return text;
  }),
  celFunc('isURL', [CelScalar.STRING], CelScalar.BOOL, (text) => parseUrl(text) !== undefined),
  celMethod('getScheme', CelScalar.STRING, [], CelScalar.STRING, function () {
    return checkedUrl(this).scheme;
  }),
  celMethod('getHost', CelScalar.STRING, [], CelScalar.STRING, function () {
    return checkedUrl(this).host;
  }),
  celMethod('getHostname', CelScalar.STRING, [], CelScalar.STRING, function () {
    return checkedUrl(this).hostname;
  }),
  celMethod('getPort', CelScalar.STRING, [], CelScalar.STRING, function () {
    return checkedUrl(this).port;
  }),
  celMethod('getEscapedPath', CelScalar.STRING, [], CelScalar.STRING, function () {
    return checkedUrl(this).path;
  }),
  celMethod('getQuery', CelScalar.STRING, [], mapType(CelScalar.STRING, LIST), function () {
    return queryMap(checkedUrl(this).query);
  }),
];

const contains = (a: CelList, b: CelList) => [...b].every((item) => [...a].some((value) => celEquals(value, item)));

const SETS: CelFunc[] = [
  celFunc('sets.contains', [LIST, LIST], CelScalar.BOOL, (a, b) => contains(a, b)),
  celFunc('sets.equivalent', [LIST, LIST], CelScalar.BOOL, (a, b) => contains(a, b) && contains(b, a)),
  celFunc('sets.intersects', [LIST, LIST], CelScalar.BOOL, (a, b) => [...a].some((value) => [...b].some((item) => celEquals(value, item)))),
];

/** Every extension function the gate evaluates CRD rules with. */
export const KUBERNETES_CEL_FUNCTIONS: readonly CelFunc[] = [...strings, ...LISTS, ...REGEX, ...URLS, ...SETS];
