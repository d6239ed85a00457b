/**
 * Facts about built-in Kubernetes kinds that the published OpenAPI schema does not carry.
 */

/** Built-in kinds that live outside namespaces (Kubernetes 1.28 API discovery). */
export const CLUSTER_SCOPED_BUILT_IN_KINDS: ReadonlySet<string> = new Set([
  'APIService', 'CSIDriver', 'CSINode', 'CertificateSigningRequest', 'ClusterCIDR', 'ClusterRole', 'ClusterRoleBinding',
  'ClusterTrustBundle', 'ComponentStatus', 'CustomResourceDefinition', 'FlowSchema', 'IPAddress', 'IngressClass',
  'MutatingWebhookConfiguration', 'Namespace', 'Node', 'PersistentVolume', 'PriorityClass', 'PriorityLevelConfiguration',
  'ResourceClass', 'RuntimeClass', 'SelfSubjectAccessReview', 'SelfSubjectReview', 'SelfSubjectRulesReview', 'StorageClass',
  'StorageVersion', 'SubjectAccessReview', 'TokenReview', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration', 'VolumeAttachment',
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
}

/** Everything the gate knows about one kind (group + kind), built-in or from a vendored CRD. */
export interface KindInfo {
  readonly scope: Scope;
  /** The file the kind's schema came from, relative to the repo root. */
  readonly source: string;
  readonly versions: Readonly<Record<string, KindVersion>>;
}

/**
 * The schema bundle `npm run import` writes to imports/schemas.json: closed schemas of every built-in
 * kind and every vendored CRD, keyed by API group ('' for core) and kind.
 */
export interface SchemaBundle {
  readonly definitions: Readonly<Record<string, unknown>>;
  readonly kinds: Readonly<Record<string, Readonly<Record<string, KindInfo>>>>;
}

/** Splits `apps/v1` into its group and version; the core group is ''. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
