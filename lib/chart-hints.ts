/**
 * Where a chart lets you set what the gate found wrong in its rendered objects: per chart, which
 * values keys hold the pod and container security contexts (and the image) of each workload it
 * renders. Read from each chart's values.yaml and templates at the vendored version; a chart or
 * workload not listed here gets the plain fix without a values key.
 */

interface WorkloadValues {
  /** Name of the rendered workload, given the release name. */
  readonly name: (release: string) => RegExp;
  /** Values key of the pod-level securityContext. */
  readonly pod: string;
  /** Values key of the container-level securityContext. */
  readonly container: string;
  /** Values key of the image tag. */
  readonly image?: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CHART_VALUES: Readonly<Record<string, readonly WorkloadValues[]>> = {
  // HumanSignal label-studio 2.0.5: templates/app-deployment.yaml, rqworker-deployment.yaml; bitnami subcharts.
  'label-studio': [
    { name: (release) => new RegExp(`^${escape(release)}(-ls-app)?$`), pod: 'app.podSecurityContext', container: 'app.containerSecurityContext', image: 'global.image.tag' },
    { name: (release) => new RegExp(`^${escape(release)}-ls-rqworker-`), pod: 'rqworker.podSecurityContext', container: 'rqworker.containerSecurityContext', image: 'global.image.tag' },
    { name: (release) => new RegExp(`^${escape(release)}-postgresql`), pod: 'postgresql.primary.podSecurityContext (or postgresql.enabled: false)',
      container: 'postgresql.primary.containerSecurityContext (or postgresql.enabled: false)', image: 'postgresql.image.tag' },
    { name: (release) => new RegExp(`^${escape(release)}-redis`), pod: 'redis.master.podSecurityContext (or redis.enabled: false)',
      container: 'redis.master.containerSecurityContext (or redis.enabled: false)', image: 'redis.image.tag' },
  ],
  // external-secrets 2.9.0: values.yaml podSecurityContext/securityContext, webhook.*, certController.*.
  'external-secrets': [
    { name: (release) => new RegExp(`^${escape(release)}-webhook$`), pod: 'webhook.podSecurityContext', container: 'webhook.securityContext', image: 'webhook.image.tag' },
    { name: (release) => new RegExp(`^${escape(release)}-cert-controller$`), pod: 'certController.podSecurityContext', container: 'certController.securityContext',
      image: 'certController.image.tag' },
    { name: (release) => new RegExp(`^${escape(release)}$`), pod: 'podSecurityContext', container: 'securityContext', image: 'image.tag' },
  ],
};

/**
 * The values keys to change for a finding on a rendered workload, or undefined when the chart has
 * none listed. `check` is the id of the rule that found it.
 */
export function chartValuesHint(chart: string, release: string, kind: string, name: string, check: string): string | undefined {
  const workload = CHART_VALUES[chart]?.find((candidate) => candidate.name(release).test(name));
  if (!workload) return undefined;
  if (check === 'image-pinned' && workload.image) return workload.image;
  if (check !== 'pod-security') return undefined;
  return `${workload.pod} (pod: runAsNonRoot, seccompProfile) and ${workload.container} (each container: allowPrivilegeEscalation, capabilities)`
    + (kind === 'Pod' ? '' : ` of ${kind} ${name}`);
}
