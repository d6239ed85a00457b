import { findingsOf } from '../helpers';

const REFERENCE_RULES = [
  'secret-reference', 'config-map-reference', 'service-account-reference', 'secret-store-reference', 'secret-store-conditions', 'flux-source-reference',
  'flux-dependencies', 'namespace-declared', 'duplicate-object',
];

const ns = (name: string, labels: Record<string, string> = {}) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const store = (conditions?: unknown[]) => ({
  apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'esc' },
  spec: { ...(conditions ? { conditions } : {}), provider: { pulumi: { organization: 'o', project: 'p', environment: 'e',
    auth: { accessToken: { secretRef: { name: 'pulumi-api-token', key: 'accessToken', namespace: 'external-secrets-system' } } } } } },
});
const externalSecret = (namespace: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', metadata: { name: 'creds', namespace },
  spec: { secretStoreRef: { kind: 'ClusterSecretStore', name: 'esc' }, target: { name: 'creds' }, data: [{ secretKey: 'KEY', remoteRef: { key: 'a.b' } }], ...extra },
});
const pod = (namespace: string, spec: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { containers: [{ name: 'c', image: 'c:1' }], ...spec } });

const messages = (...manifests: Array<Record<string, unknown>>) => findingsOf(REFERENCE_RULES, manifests).map((f) => f.message);

describe('store conditions', () => {
  test('a store without conditions admits every namespace', () => {
    expect(messages(ns('a'), store(), externalSecret('a'))).toEqual([]);
  });

  test('namespaces, namespaceRegexes and namespaceSelector each admit', () => {
    expect(messages(ns('a'), store([{ namespaces: ['a'] }]), externalSecret('a'))).toEqual([]);
    expect(messages(ns('team-a'), store([{ namespaceRegexes: ['^team-'] }]), externalSecret('team-a'))).toEqual([]);
    expect(messages(ns('a', { secrets: 'yes' }), store([{ namespaceSelector: { matchLabels: { secrets: 'yes' } } }]), externalSecret('a'))).toEqual([]);
    expect(messages(ns('a', { tier: 'gold' }), store([{ namespaceSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] } }]), externalSecret('a')))
      .toEqual([]);
  });

  test('a namespace left out by every condition is refused', () => {
    expect(messages(ns('b'), store([{ namespaces: ['a'] }, { namespaceSelector: { matchLabels: { secrets: 'yes' } } }]), externalSecret('b')))
      .toEqual(['ClusterSecretStore esc does not admit namespace b (its conditions leave it out): ESO would refuse to sync']);
  });
});

describe('Secrets read by pods', () => {
  test('a Secret produced by an ExternalSecret in the namespace, with the key it writes, resolves', () => {
    expect(messages(ns('a'), store(), externalSecret('a'), pod('a', { containers: [{ name: 'c', image: 'c:1', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'creds', key: 'KEY' } } }] }] })))
      .toEqual([]);
  });

  test('a Secret of the same name in another namespace does not count', () => {
    expect(messages(ns('a'), ns('b'), store(), externalSecret('a'), pod('b', { volumes: [{ name: 'v', secret: { secretName: 'creds' } }] })))
      .toEqual(['reads Secret b/creds, which nothing here produces: the pods would wait in CreateContainerConfigError']);
  });

  test('optional references and the bootstrap token are allowed to be absent', () => {
    expect(messages(ns('a'), pod('a', { containers: [{ name: 'c', image: 'c:1', envFrom: [{ secretRef: { name: 'maybe', optional: true } }] }] }))).toEqual([]);
    expect(messages(ns('external-secrets-system'), pod('external-secrets-system', { volumes: [{ name: 't', secret: { secretName: 'pulumi-api-token' } }] }))).toEqual([]);
  });

  test('keys are not checked when the ExternalSecret extracts or templates them', () => {
    const extracting = externalSecret('a', { dataFrom: [{ extract: { key: 'app' } }] });
    expect(messages(ns('a'), store(), extracting, pod('a', { containers: [{ name: 'c', image: 'c:1', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'creds', key: 'ANY' } } }] }] })))
      .toEqual([]);
  });

  test('a template that only sets labels keeps the fetched keys, so they are checked; one with data is not', () => {
    const read = pod('a', { containers: [{ name: 'c', image: 'c:1', env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'creds', key: 'ANY' } } }] }] });
    const labelled = externalSecret('a', { target: { name: 'creds', template: { metadata: { labels: { 'reconcile.fluxcd.io/watch': 'Enabled' } } } } });
    expect(messages(ns('a'), store(), labelled, read)).toEqual(['reads key ANY of Secret a/creds, whose ExternalSecret writes only KEY']);
    const templating = externalSecret('a', { target: { name: 'creds', template: { data: { ANY: '{{ .KEY }}' } } } });
    expect(messages(ns('a'), store(), templating, read)).toEqual([]);
  });

  test('image pull secrets and projected volumes count as reads', () => {
    expect(messages(ns('a'), pod('a', { imagePullSecrets: [{ name: 'registry' }], volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 'tls' } }] } }] }))).toEqual([
      'reads Secret a/registry, which nothing here produces: the pods would wait in CreateContainerConfigError',
      'reads Secret a/tls, which nothing here produces: the pods would wait in CreateContainerConfigError',
    ]);
  });
});

describe('Flux references', () => {
  const kustomization = (name: string, dependsOn: string[] = [], sourceRef: Record<string, string> = { kind: 'GitRepository', name: 'flux-system' }) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' },
    spec: { interval: '1m', prune: true, sourceRef, dependsOn: dependsOn.map((d) => ({ name: d })) },
  });

  test('a chain of existing layers on the bootstrap source resolves', () => {
    expect(messages(kustomization('a'), kustomization('b', ['a']), kustomization('c', ['b']))).toEqual([]);
  });

  test('a three-layer cycle is reported once', () => {
    expect(messages(kustomization('a', ['c']), kustomization('b', ['a']), kustomization('c', ['b'])))
      .toEqual(['dependsOn forms a cycle: flux-system/a → flux-system/c → flux-system/b → flux-system/a; none of these layers would ever be applied']);
  });

  test('a source other than the bootstrap GitRepository must be declared', () => {
    expect(messages(kustomization('a', [], { kind: 'OCIRepository', name: 'manifests' }))).toEqual(['source OCIRepository flux-system/manifests is not declared']);
  });

  test('a HelmRelease with its HelmRepository in another namespace resolves', () => {
    const repository = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'charts', namespace: 'flux-system' }, spec: {} };
    const release = { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'r', namespace: 'flux-system' },
      spec: { chart: { spec: { chart: 'x', sourceRef: { kind: 'HelmRepository', name: 'charts', namespace: 'flux-system' } } } } };
    expect(messages(repository, release)).toEqual([]);
    expect(messages(release)).toEqual(['chart source HelmRepository flux-system/charts is not declared']);
  });
});

test('system namespaces need no declaration; objects of the same name in different namespaces are not duplicates', () => {
  const configMap = (namespace: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace } });
  expect(messages(configMap('kube-system'), configMap('default'))).toEqual([]);
});
