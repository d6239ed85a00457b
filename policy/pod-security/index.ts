/**
 * Gate check: every pod template against the enforce policy of its Namespace, as the API server's
 * PodSecurity admission would judge the pods the workload creates. The API server only *warns* when
 * it admits a Deployment or DaemonSet whose pods it will later refuse; the gate refuses it outright,
 * because that warning is how the cluster got stuck for days.
 */
import { PathSegment } from '../../lib/field-path';
import { Rule } from '../rule';
import { Finding } from '../types';
import { findingAt, kindOf, nameOf, namespaceOf, podTemplateOf, Universe } from '../universe';
import { enforcePolicy, evaluatePod, violationMessage, Violation } from './evaluate';

export { enforcePolicy, evaluatePod, violationMessage, isValidVersionLabel, NEWEST_POLICY_MINOR } from './evaluate';

/** What to set, per check, phrased for the pod template at `spec`. */
const FIXES: Readonly<Record<string, string>> = {
  appArmorProfile: 'remove the Unconfined AppArmor profile (use RuntimeDefault or Localhost)',
  capabilities_baseline: 'add no capabilities beyond the default set',
  hostNamespaces: 'drop hostNetwork/hostPID/hostIPC',
  hostPathVolumes: 'replace hostPath volumes',
  hostPorts: 'drop hostPort from the container ports',
  hostProbesAndHostLifecycle: 'remove `host` from probes and lifecycle handlers',
  privileged: 'drop securityContext.privileged',
  procMount: 'leave securityContext.procMount unset (Default)',
  procMount_restricted: 'leave securityContext.procMount unset (Default)',
  seLinuxOptions: 'use an allowed SELinux type and no user or role',
  seccompProfile_baseline: 'do not set an Unconfined seccomp profile',
  sysctls: 'set only safe sysctls',
  windowsHostProcess: 'drop windowsOptions.hostProcess',
  allowPrivilegeEscalation: 'set securityContext.allowPrivilegeEscalation: false on every container',
  capabilities_restricted: 'set securityContext.capabilities.drop: [ALL] on every container (add at most NET_BIND_SERVICE)',
  restrictedVolumes: 'use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret volumes',
  runAsNonRoot: 'set securityContext.runAsNonRoot: true on the pod',
  runAsUser: 'do not run as UID 0',
  seccompProfile_restricted: 'set securityContext.seccompProfile.type: RuntimeDefault on the pod',
};

function fixFor(violations: readonly Violation[], namespace: string): string {
  const steps = violations.map((violation) => FIXES[violation.checkId] ?? violation.reason);
  return `${steps.join('; ')}; or, if these pods really need it, lower the enforce level of namespace ${namespace} (privileged needs a stated reason)`;
}

export interface PodSecurityOptions {
  /** The API server's newest policy version (its minor), which caps `latest` and newer labels. */
  readonly maxMinor?: number;
}

export function checkPodSecurity(universe: Universe, options: PodSecurityOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const object of universe.objects) {
    const template = podTemplateOf(object);
    if (!template) continue;
    const namespaceName = namespaceOf(object);
    // A Namespace outside the universe has labels we cannot know; the reference check reports it.
    const namespace = namespaceName === undefined ? undefined : universe.namespace(namespaceName);
    if (!namespace || !namespaceName) continue;
    const labels = (namespace.manifest.metadata as { labels?: Record<string, unknown> } | undefined)?.labels;
    const policy = enforcePolicy(labels, options.maxMinor);
    const violations = evaluatePod(policy, template.metadata, template.spec);
    if (violations.length === 0) continue;
    const subject = kindOf(object) === 'Pod' ? `pods ${JSON.stringify(nameOf(object))} is forbidden` : 'its pods would be forbidden';
    findings.push(findingAt('pod-security', object, template.specPath as PathSegment[], `${subject}: ${violationMessage(policy, violations)}`,
      fixFor(violations, namespaceName)));
  }
  return findings;
}

export const podSecurity: Rule = {
  id: 'pod-security',
  group: 'admission',
  description: 'Every pod template meets the enforce level and version of its Namespace, as the PodSecurity admission plugin judges the pods it creates.',
  check: ({ universe, kubernetesMinor }) => checkPodSecurity(universe, { maxMinor: kubernetesMinor }),
};
