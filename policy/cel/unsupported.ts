/**
 * What the CEL check shares without loading the CEL library (which costs about 100 ms to load, paid
 * only when some object reaches a rule).
 */

/** Marks an error as "this gate cannot evaluate the rule", as opposed to "the rule fails". */
export class UnsupportedCelError extends Error {}

/** The Kubernetes CEL extension functions the gate implements (policy/cel/kubernetes-library.ts), for the README. */
export const SUPPORTED_EXTENSIONS = {
  strings: 'charAt, indexOf, lastIndexOf, lowerAscii, upperAscii, replace, split, substring, trim, join, strings.quote, format',
  lists: 'isSorted, sum, min, max, indexOf, lastIndexOf',
  regex: 'find, findAll',
  urls: 'url, isURL, getScheme, getHost, getHostname, getPort, getEscapedPath, getQuery',
  sets: 'sets.contains, sets.equivalent, sets.intersects',
} as const;
