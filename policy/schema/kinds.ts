/**
 * Facts about built-in Kubernetes kinds that the published OpenAPI schema does not carry.
 */

/**
 * Built-in kinds that live outside namespaces: Kubernetes 1.28 API discovery, plus the cluster-scoped
 * kinds added up to 1.36 (MutatingAdmissionPolicy and its binding, ServiceCIDR, DeviceClass,
 * DeviceTaintRule, ResourceSlice, ResourcePoolStatusRequest, VolumeAttributesClass,
 * StorageVersionMigration). The newer namespaced ones (LeaseCandidate, PodCertificateRequest,
 * Workload, PodGroup) are not listed.
 */
export const CLUSTER_SCOPED_BUILT_IN_KINDS: ReadonlySet<string> = new Set([
  'APIService', 'CSIDriver', 'CSINode', 'CertificateSigningRequest', 'ClusterCIDR', 'ClusterRole', 'ClusterRoleBinding',
  'ClusterTrustBundle', 'ComponentStatus', 'CustomResourceDefinition', 'DeviceClass', 'DeviceTaintRule', 'FlowSchema',
  'IPAddress', 'IngressClass', 'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'MutatingWebhookConfiguration',
  'Namespace', 'Node', 'PersistentVolume', 'PriorityClass', 'PriorityLevelConfiguration', 'ResourceClass',
  'ResourcePoolStatusRequest', 'ResourceSlice', 'RuntimeClass', 'SelfSubjectAccessReview', 'SelfSubjectReview',
  'SelfSubjectRulesReview', 'ServiceCIDR', 'StorageClass', 'StorageVersion', 'StorageVersionMigration', 'SubjectAccessReview',
  'TokenReview', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding', 'ValidatingWebhookConfiguration',
  'VolumeAttachment', 'VolumeAttributesClass',
]);

/** Kinds in the schema that are API plumbing, never stored objects in a manifest. */
export const NON_MANIFEST_KINDS: ReadonlySet<string> = new Set([
  'APIGroup', 'APIVersions', 'Binding', 'DeleteOptions', 'Eviction', 'Scale', 'Status', 'TokenRequest', 'WatchEvent',
]);

export type Scope = 'Namespaced' | 'Cluster';

/** One API version of a kind, as the schema bundle records it. */
export interface KindVersion {
  readonly served: boolean;
  /** Closed JSON Schema for this version; absent when the version is not served. */
  readonly schema?: unknown;
  /**
   * For CRDs: the part of the version's OpenAPI schema the CEL check needs (policy/cel/skeleton.ts),
   * absent when the version has no `x-kubernetes-validations` rule.
   */
  readonly cel?: unknown;
}

/** Everything the gate knows about one kind (group + kind), built-in or from a vendored CRD. */
export interface KindInfo {
  readonly scope: Scope;
  /** The file the kind's schema came from, relative to the repo root. */
  readonly source: string;
  readonly versions: Readonly<Record<string, KindVersion>>;
}

/** Kinds keyed by API group ('' for core), then kind. */
export type KindTable = Readonly<Record<string, Readonly<Record<string, KindInfo>>>>;

/** The built-in kinds of one Kubernetes version. */
export interface KubernetesSchemas {
  /** The vendored definitions file they come from. */
  readonly source: string;
  /**
   * Definitions whose closed schema differs from the bundle's entry of the same name: name → key of
   * this version's variant in `definitions` (`<name>@<version>`).
   */
  readonly variants: Readonly<Record<string, string>>;
  readonly kinds: KindTable;
}

/**
 * The schema bundle `npm run import` writes to imports/schemas.json: closed schemas of every built-in
 * kind of every bundled Kubernetes version and of every vendored CRD.
 *
 * Consecutive Kubernetes versions share most definitions, so each closed definition is stored once:
 * `definitions[name]` is the newest version's, `definitions["<name>@<version>"]` an older variant
 * (named after the newest version that has it), and each version lists in `variants` the names for
 * which it uses a variant. `$ref`s always use the plain name and resolve within one version.
 */
export interface SchemaBundle {
  readonly definitions: Readonly<Record<string, unknown>>;
  readonly kubernetes: Readonly<Record<string, KubernetesSchemas>>;
  /** Vendored CRDs; a CRD's kind takes precedence over a built-in kind of the same group and name. */
  readonly crds: KindTable;
}

/** The definitions `$ref`s resolve to at one Kubernetes version. */
export function definitionsAt(bundle: SchemaBundle, kubernetesVersion: string): Record<string, unknown> {
  const version = bundle.kubernetes[kubernetesVersion];
  if (!version) throw new Error(`no bundled Kubernetes ${kubernetesVersion} schema`);
  const resolved: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(bundle.definitions)) {
    if (!key.includes('@')) resolved[key] = schema;
  }
  for (const [name, key] of Object.entries(version.variants)) resolved[name] = bundle.definitions[key];
  return resolved;
}

/** Splits `apps/v1` into its group and version; the core group is ''. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
