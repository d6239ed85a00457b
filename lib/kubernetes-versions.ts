/**
 * The Kubernetes versions whose schema the gate bundles. Each has its definitions vendored in
 * imports/k8s-<version>/_definitions.json (cdk8s-team/cdk8s kubernetes-schemas, see imports/README.md);
 * `npm run import` turns them into imports/schemas.json. A cluster's `kubernetesVersion` and
 * `check --kubernetes-version` must name one of them.
 */

/** Oldest first. Adding a version: vendor its _definitions.json, list it here, run `npm run import`. */
export const KUBERNETES_SCHEMA_VERSIONS = ['1.28', '1.33', '1.34', '1.35', '1.36'] as const;
export type KubernetesSchemaVersion = (typeof KUBERNETES_SCHEMA_VERSIONS)[number];

/**
 * What `npm run check` validates against when no `--kubernetes-version` is given: the newest bundled
 * schema. Fields are added far more often than removed, so the newest schema reports the fewest
 * fields as unknown in manifests written for some other cluster; pass the version to be exact.
 */
export const NEWEST_KUBERNETES_SCHEMA_VERSION: KubernetesSchemaVersion = KUBERNETES_SCHEMA_VERSIONS[KUBERNETES_SCHEMA_VERSIONS.length - 1];

export function isKubernetesSchemaVersion(version: string): version is KubernetesSchemaVersion {
  return (KUBERNETES_SCHEMA_VERSIONS as readonly string[]).includes(version);
}

/** The vendored definitions of one version, relative to the repo root. */
export function kubernetesDefinitionsFile(version: KubernetesSchemaVersion): string {
  return `imports/k8s-${version}/_definitions.json`;
}

/** "1.28, 1.33, ..." for messages. */
export function describeKubernetesSchemaVersions(): string {
  return KUBERNETES_SCHEMA_VERSIONS.join(', ');
}
