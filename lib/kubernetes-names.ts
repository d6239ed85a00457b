/**
 * Name, label and annotation syntax as the API server validates it (k8s.io/apimachinery
 * pkg/util/validation). Each check returns the problem in words, or undefined when the value is valid.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** RFC 1123 label: Namespaces, Services, and most names that end up in DNS. */
export function dnsLabelProblem(value: string): string | undefined {
  if (value.length > 63) return `must be at most 63 characters (is ${value.length})`;
  if (!DNS_LABEL.test(value)) return 'must consist of lower-case letters, digits and \'-\', and start and end with a letter or digit';
  return undefined;
}

/** RFC 1123 subdomain: the name of most objects (ConfigMap, Secret, DaemonSet, CRs...). */
export function dnsSubdomainProblem(value: string): string | undefined {
  if (value.length > 253) return `must be at most 253 characters (is ${value.length})`;
  if (!DNS_SUBDOMAIN.test(value)) return 'must consist of lower-case letters, digits, \'-\' and \'.\', and start and end with a letter or digit';
  return undefined;
}

/** Label and annotation keys: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined) {
    const problem = prefix === '' ? 'must not be empty' : dnsSubdomainProblem(prefix);
    if (problem) return `prefix ${JSON.stringify(prefix)} ${problem}`;
  }
  if (name.length === 0 || name.length > 63) return `name part must be 1 to 63 characters (is ${name.length})`;
  if (!QUALIFIED_NAME_PART.test(name)) return 'name part must consist of letters, digits, \'-\', \'_\' or \'.\', and start and end with a letter or digit';
  return undefined;
}

/** Label values: empty, or at most 63 characters of the qualified-name alphabet. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `must be at most 63 characters (is ${value.length})`;
  if (!QUALIFIED_NAME_PART.test(value)) return 'must consist of letters, digits, \'-\', \'_\' or \'.\', and start and end with a letter or digit';
  return undefined;
}

/** Throws `<what> "<value>" <problem>` when `problem` found one. For construct props. */
export function assertValid(what: string, value: string, check: (value: string) => string | undefined): void {
  const problem = check(value);
  if (problem) throw new Error(`${what} ${JSON.stringify(value)} ${problem}`);
}

/** A hostPath: absolute, without a trailing slash or white space. */
export function hostPathProblem(value: string): string | undefined {
  return /^\/[^\s]*[^/\s]$/.test(value) ? undefined : 'must be an absolute host path without a trailing slash';
}

/** Keys of Secret and ConfigMap data. */
export function secretKeyProblem(key: string): string | undefined {
  if (key.length === 0 || key.length > 253) return `must be 1 to 253 characters (is ${key.length})`;
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) return 'must consist of letters, digits, \'-\', \'_\' or \'.\'';
  return undefined;
}
