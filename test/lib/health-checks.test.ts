import { run } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { CLUSTER_SECRET_STORE_HEALTH, EXTERNAL_SECRET_HEALTH, HealthCheckExpression } from '../../lib/health-checks';

/**
 * Flux evaluates the expressions on the unstructured object: maps, lists, strings, and int64 for
 * integers (fluxcd/pkg runtime/cel binds the object's top-level fields as variables). Mirror that.
 */
function toCel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (value !== null && typeof value === 'object') return new Map(Object.entries(value).map(([key, inner]) => [key, toCel(inner)]));
  return value;
}

type Health = 'Failed' | 'Current' | 'InProgress' | 'Unknown';

/** fluxcd/pkg runtime/cel StatusEvaluator.Evaluate: inProgress, failed, current, else InProgress; an error is Unknown. */
function evaluate(check: HealthCheckExpression, object: Record<string, unknown>): Health {
  const variables = Object.fromEntries(Object.entries(object).map(([key, value]) => [key, toCel(value)]));
  for (const [expression, health] of [[check.inProgress, 'InProgress'], [check.failed, 'Failed'], [check.current, 'Current']] as const) {
    if (expression === undefined) continue;
    const result = run(expression, variables as never, { funcs: strings });
    if (typeof result !== 'boolean') return 'Unknown';
    if (result) return health;
  }
  return 'InProgress';
}

// Shapes written by external-secrets v2.9.0: markAsDone / markAsFailed in
// pkg/controllers/externalsecret/externalsecret_controller.go, GetResourceVersion in
// pkg/controllers/util/util.go ("<generation>-<sha3-224 of labels and annotations>"), the CRD's
// status fields (tests/__snapshot__/externalsecret-v1.yaml).
const metaHash = 'b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8';
function externalSecret(generation: number, status?: Record<string, unknown>) {
  return {
    apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret',
    metadata: { name: 'tailscale-auth', namespace: 'tailscale', generation, resourceVersion: '48213' },
    spec: { refreshInterval: '1h' },
    ...(status ? { status } : {}),
  };
}
const synced = (generation: number) => ({
  binding: { name: 'tailscale-auth' },
  conditions: [{ type: 'Ready', status: 'True', reason: 'SecretSynced', message: 'secret synced', lastTransitionTime: '2026-12-01T08:00:00Z' }],
  refreshTime: '2026-12-01T08:00:00Z',
  syncedResourceVersion: `${generation}-${metaHash}`,
});
const failing = (lastSynced?: number) => ({
  binding: { name: '' },
  conditions: [{
    type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider', lastTransitionTime: '2026-12-01T08:00:00Z',
  }],
  ...(lastSynced ? { refreshTime: '2026-12-01T07:00:00Z', syncedResourceVersion: `${lastSynced}-${metaHash}` } : {}),
});

describe('ExternalSecret health', () => {
  test('Current once synced for the current generation', () => {
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(1, synced(1)))).toBe('Current');
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(12, synced(12)))).toBe('Current');
  });

  test('a Ready=True left from the previous spec is not Current (ESO has no observedGeneration)', () => {
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(2, synced(1)))).toBe('InProgress');
    // generation 1 must not match a version of generation 12 or 10
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(1, synced(12)))).toBe('InProgress');
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(1, synced(10)))).toBe('InProgress');
  });

  test('Failed while ESO reports Ready=False, synced before or not', () => {
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(1, failing()))).toBe('Failed');
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(2, failing(1)))).toBe('Failed');
  });

  test('not healthy before ESO has written any status (kstatus would say Current)', () => {
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(1, {}))).toBe('InProgress');
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(1, { conditions: [] }))).toBe('InProgress');
    // No status at all: cel-go errors (Flux: Unknown), @bufbuild/cel yields false; never Current.
    expect(evaluate(EXTERNAL_SECRET_HEALTH, externalSecret(1))).not.toBe('Current');
  });
});

describe('ClusterSecretStore health', () => {
  const store = (status?: Record<string, unknown>) => ({
    apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'pulumi-esc', generation: 1 }, ...(status ? { status } : {}),
  });
  test('Current when Ready=True, Failed when Ready=False, waiting otherwise', () => {
    // pkg/controllers/secretstore/common.go: Ready True "Valid" / "store validated"
    expect(evaluate(CLUSTER_SECRET_STORE_HEALTH, store({
      capabilities: 'ReadOnly', conditions: [{ type: 'Ready', status: 'True', reason: 'Valid', message: 'store validated' }],
    }))).toBe('Current');
    expect(evaluate(CLUSTER_SECRET_STORE_HEALTH, store({
      conditions: [{ type: 'Ready', status: 'False', reason: 'InvalidProviderConfig', message: 'unable to create client' }],
    }))).toBe('Failed');
    expect(evaluate(CLUSTER_SECRET_STORE_HEALTH, store({}))).toBe('InProgress');
  });
});
