/**
 * CEL health checks for kustomize-controller's `spec.healthCheckExprs` (kustomize-controller v1.9.4,
 * evaluated by fluxcd/pkg runtime/cel v0.110.1): what "Ready" means for ESO's custom resources.
 *
 * Why they are needed: without them Flux judges a custom resource with kstatus, which calls a
 * resource without conditions Current ("Resource is current", fluxcd/cli-utils
 * pkg/kstatus/status/status.go:130-138), so `wait: true` passes before ESO has written any status,
 * and ESO writes no `status.observedGeneration`, so a `Ready=True` left from the previous spec passes
 * after an edit (status.go:38-41 checks generation only when observedGeneration exists).
 *
 * What ESO writes (external-secrets v2.9.0): on every successful sync `markAsDone` sets the `Ready`
 * condition True and `status.syncedResourceVersion = "<metadata.generation>-<hash of labels and
 * annotations>"` (pkg/controllers/externalsecret/externalsecret_controller.go:765-771,
 * pkg/controllers/util/util.go:30-32); a failed sync sets `Ready=False` and leaves
 * syncedResourceVersion alone (controller.go:788-793). So "Ready=True and syncedResourceVersion
 * starts with the current generation" means "synced for this spec".
 *
 * When neither `failed` nor `current` holds the resource is InProgress (runtime/cel/status_evaluator.go:103-125),
 * which is what a resource waiting for its first sync, or for a sync of its new spec, is.
 * The expressions are parsed, not type-checked, with the object's top-level fields as variables
 * (runtime/cel/expression.go:70-125); an evaluation error (no `status` yet) counts as not healthy.
 * They are tested with @bufbuild/cel against the status shapes ESO writes.
 */

export interface HealthCheckExpression {
  readonly apiVersion: string;
  readonly kind: string;
  readonly current: string;
  readonly failed?: string;
  readonly inProgress?: string;
}

const readyIs = (value: 'True' | 'False') => `status.conditions.exists(c, c.type == 'Ready' && c.status == '${value}')`;

/** An ExternalSecret is healthy once ESO has synced its current spec. */
export const EXTERNAL_SECRET_HEALTH: HealthCheckExpression = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ExternalSecret',
  failed: `has(status.conditions) && ${readyIs('False')}`,
  current: `has(status.conditions) && ${readyIs('True')} && has(status.syncedResourceVersion)`
    + ' && status.syncedResourceVersion.startsWith(string(metadata.generation) + \'-\')',
};

/**
 * A ClusterSecretStore reports only a Ready condition (no generation of any kind,
 * apis/externalsecrets/v1/secretstore_types.go:382-387), so Ready=True is all that can be asked. For
 * the Pulumi provider that proves little (its Validate always succeeds); the ExternalSecrets prove
 * the token and paths.
 */
export const CLUSTER_SECRET_STORE_HEALTH: HealthCheckExpression = {
  apiVersion: 'external-secrets.io/v1',
  kind: 'ClusterSecretStore',
  failed: `has(status.conditions) && ${readyIs('False')}`,
  current: `has(status.conditions) && ${readyIs('True')}`,
};
