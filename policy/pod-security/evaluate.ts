/**
 * Pod Security admission's decision for one pod: which checks are in force for a level and policy
 * version, how a Namespace's labels resolve to that level and version, and the message the API
 * server prints. Mirrors k8s.io/pod-security-admission api/helpers.go, policy/registry.go and
 * admission/response.go.
 */
import { NEWEST_POD_SECURITY_VERSION, POD_SECURITY_LEVELS, PodSecurityLevel, podSecurityLabel, podSecurityVersionLabel } from '../../lib/constants';
import { CHECKS, Check, CheckResult } from './checks';

/** The minor number of the newest policy version this port implements (v1.<minor>). */
export const NEWEST_POLICY_MINOR = Number(NEWEST_POD_SECURITY_VERSION.slice('v1.'.length));

const VERSION_LABEL = /^v1\.(0|[1-9][0-9]*)$/;

/** A policy as the API server applies it: level, the version to evaluate, and the version as written. */
export interface Policy {
  readonly level: PodSecurityLevel;
  /** Minor of the policy version evaluated (v1.<minor>), after `latest` and capping are resolved. */
  readonly minor: number;
  /** The version as the label spells it, or `latest`; used in messages, like the API server does. */
  readonly versionLabel: string;
}

export interface Violation {
  readonly checkId: string;
  readonly reason: string;
  readonly detail?: string;
}

function isLevel(value: unknown): value is PodSecurityLevel {
  return (POD_SECURITY_LEVELS as readonly unknown[]).includes(value);
}

/** Whether a `*-version` label value is one the API server accepts. */
export function isValidVersionLabel(value: string): boolean {
  return value === 'latest' || VERSION_LABEL.test(value);
}

/**
 * The enforce policy of a Namespace with these labels. No labels means the cluster default,
 * privileged on a stock API server. An invalid level fails closed to restricted and an invalid
 * version means latest, as the API server does with Namespaces labelled before PodSecurity existed.
 *
 * @param maxMinor the API server's own newest policy version (its minor), which caps `latest` and
 *   any newer label
 */
export function enforcePolicy(labels: Readonly<Record<string, unknown>> | undefined, maxMinor = NEWEST_POLICY_MINOR): Policy {
  const levelLabel = labels?.[podSecurityLabel('enforce')];
  const versionLabel = labels?.[podSecurityVersionLabel('enforce')];
  const level: PodSecurityLevel = levelLabel === undefined ? 'privileged' : isLevel(levelLabel) ? levelLabel : 'restricted';
  const cap = Math.min(maxMinor, NEWEST_POLICY_MINOR);
  if (typeof versionLabel === 'string' && VERSION_LABEL.test(versionLabel)) {
    return { level, minor: Math.min(Number(versionLabel.slice('v1.'.length)), cap), versionLabel };
  }
  return { level, minor: cap, versionLabel: 'latest' };
}

function activeVersion(check: Check, minor: number) {
  let active;
  for (const version of check.versions) if (version.minVersion <= minor) active = version;
  return active;
}

/** The checks in force for a level at a policy version, in the order messages list them. */
export function checksFor(level: PodSecurityLevel, minor: number): Array<{ id: string; evaluate: (metadata: unknown, spec: unknown) => CheckResult }> {
  if (level === 'privileged') return [];
  const inForce = CHECKS
    .filter((check) => check.level === 'baseline' || level === 'restricted')
    .map((check) => ({ check, version: activeVersion(check, minor) }))
    .filter((entry): entry is { check: Check; version: NonNullable<ReturnType<typeof activeVersion>> } => entry.version !== undefined);
  const overridden = new Set(inForce.flatMap((entry) => entry.version.overrides ?? []));
  const byId = (a: { check: Check }, b: { check: Check }) => (a.check.id < b.check.id ? -1 : a.check.id > b.check.id ? 1 : 0);
  const kept = inForce.filter((entry) => !overridden.has(entry.check.id));
  return [
    ...kept.filter((entry) => entry.check.level === 'baseline').sort(byId),
    ...kept.filter((entry) => entry.check.level === 'restricted').sort(byId),
  ].map((entry) => ({ id: entry.check.id, evaluate: entry.version.evaluate }));
}

/** Every violation of `policy` by a pod with this metadata and spec. */
export function evaluatePod(policy: Policy, podMetadata: unknown, podSpec: unknown): Violation[] {
  const violations: Violation[] = [];
  for (const check of checksFor(policy.level, policy.minor)) {
    const result = check.evaluate(podMetadata ?? {}, podSpec ?? {});
    if (!result.allowed) violations.push({ checkId: check.id, reason: result.reason ?? check.id, detail: result.detail });
  }
  return violations;
}

/** `violates PodSecurity "restricted:v1.33": reason (detail), reason (detail)`, as the API server words it. */
export function violationMessage(policy: Policy, violations: readonly Violation[]): string {
  const items = violations.map((violation) => (violation.detail ? `${violation.reason} (${violation.detail})` : violation.reason));
  return `violates PodSecurity "${policy.level}:${policy.versionLabel}": ${items.join(', ')}`;
}
