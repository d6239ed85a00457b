/** The smaller gate rules: namespace policy, secret hygiene, no Pulumi, images. */
import { runGate } from '../../policy';
import { credentialIn } from '../../policy/secret-hygiene';
import { fakeCredentials, findingsOf, objects, schemas } from '../helpers';

const labelled = (overrides: Record<string, string> = {}) => Object.fromEntries(['enforce', 'audit', 'warn'].flatMap((mode) => [
  [`pod-security.kubernetes.io/${mode}`, 'restricted'], [`pod-security.kubernetes.io/${mode}-version`, 'v1.33'],
]).concat(Object.entries(overrides)));
const namespace = (metadata: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', ...metadata } });
const NAMESPACE_RULES = ['pod-security-labels', 'pod-security-pinned', 'namespace-prune-disabled'];
const checkNamespaces = (...manifests: Array<Record<string, unknown>>) => findingsOf(NAMESPACE_RULES, manifests);

describe('namespace policy', () => {
  test('explicit levels, pinned versions and the prune guard (annotation or label) pass', () => {
    expect(checkNamespaces((namespace({ labels: labelled(), annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } })))).toEqual([]);
    expect(checkNamespaces((namespace({ labels: labelled({ 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }) })))).toEqual([]);
  });

  test('each missing label is its own finding', () => {
    const findings = checkNamespaces((namespace({ annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } })));
    expect(findings.map((f) => `${f.rule}: ${f.message}`)).toEqual([
      'pod-security-pinned: namespace a does not pin its Pod Security audit version', 'pod-security-pinned: namespace a does not pin its Pod Security enforce version',
      'pod-security-pinned: namespace a does not pin its Pod Security warn version', 'pod-security-pinned: namespace a does not state its Pod Security audit level',
      'pod-security-pinned: namespace a does not state its Pod Security enforce level', 'pod-security-pinned: namespace a does not state its Pod Security warn level',
    ]);
  });

  test('an invalid version label is what the API server refuses', () => {
    const findings = checkNamespaces((namespace({ labels: labelled({ 'pod-security.kubernetes.io/warn-version': '1.33' }), annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } })));
    expect(findings.map((f) => `${f.rule}: ${f.message}`)).toEqual(['pod-security-labels: Invalid value: "1.33": must be "latest" or "v1.x" (the API server refuses this Namespace)']);
  });
});

describe('secret hygiene', () => {
  test('each credential shape is recognised, and ordinary text is not', () => {
    expect(credentialIn(fakeCredentials.tailscale())).toBe('a Tailscale key (tskey-…)');
    expect(credentialIn(fakeCredentials.aws())).toBe('an AWS access key ID (AKIA…)');
    expect(credentialIn(fakeCredentials.pulumi())).toBe('a Pulumi access token (pul-…)');
    expect(credentialIn(fakeCredentials.privateKey())).toBe('a private key block');
    for (const text of ['tailscale.authKey', 'aws.labelStudio.accessKeyId', 'pulumi-api-token', 'AKIA', 'BEGIN CERTIFICATE']) expect(credentialIn(text)).toBeUndefined();
    // Upstream CRD descriptions show a private key header around a placeholder: not a key.
    const header = ['-----BEGIN', 'PRIVATE KEY-----'].join(' ');
    expect(credentialIn(`"private-key": "${header}\\n<private-key>\\n-----END PRIVATE KEY-----\\n"`)).toBeUndefined();
  });

  test('a Secret without data is fine; with data or stringData it is not', () => {
    const secret = (extra: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'a' }, ...extra });
    expect(findingsOf(['secret-data'], [secret({ type: 'kubernetes.io/service-account-token' })])).toEqual([]);
    expect(findingsOf(['secret-data'], [secret({ data: { a: 'YQ==' } })]).map((f) => f.path)).toEqual(['data']);
    expect(findingsOf(['secret-data'], [secret({ stringData: { a: 'b' } })]).map((f) => f.path)).toEqual(['stringData']);
  });

  test('credentials in config text are reported by line, without repeating them', () => {
    const [finding] = findingsOf(['credential-leak'], [], { texts: [{ file: 'config/prod.yaml', text: `a: 1\nb: ${fakeCredentials.aws()}\n` }] });
    expect(finding.source).toEqual({ file: 'config/prod.yaml', line: 2 });
    expect(finding.rule).toBe('credential-leak');
    expect(finding.message).not.toContain(fakeCredentials.aws());
  });
});

describe('no Pulumi in the cluster path', () => {
  test('any pulumi.com group, the operator image and its namespace are refused', () => {
    const messages = findingsOf(['no-pulumi'], [
      { apiVersion: 'auto.pulumi.com/v1alpha1', kind: 'Workspace', metadata: { name: 'w', namespace: 'pulumi-system' } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pulumi-system' } },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'op', namespace: 'x' },
        spec: { template: { spec: { containers: [{ name: 'op', image: 'docker.io/pulumi/pulumi-kubernetes-operator:v2.0.0' }] } } } },
    ]).map((f) => f.message);
    expect(messages).toEqual([
      // In the gate's order: kind, namespace, name, then field path.
      'runs the Pulumi Kubernetes Operator (docker.io/pulumi/pulumi-kubernetes-operator:v2.0.0)', 'uses the pulumi-system namespace of the Pulumi Kubernetes Operator',
      'Workspace belongs to Pulumi\'s API group auto.pulumi.com', 'uses the pulumi-system namespace of the Pulumi Kubernetes Operator',
    ]);
  });

  test('Pulumi ESC behind the ESO store is fine', () => {
    expect(findingsOf(['no-pulumi'], [{ apiVersion: 'external-secrets.io/v1', kind: 'ClusterSecretStore', metadata: { name: 'pulumi-esc' }, spec: { provider: { pulumi: {} } } }]))
      .toEqual([]);
  });
});

describe('pinned images', () => {
  const pod = (image: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { initContainers: [{ name: 'i', image }], containers: [{ name: 'c', image: 'c:1.0' }] } });
  test.each([
    ['nginx:1.27.2', undefined], [`nginx@sha256:${'0'.repeat(64)}`, undefined], ['registry:5000/team/app:v2', undefined],
    ['nginx', 'has no tag'], ['nginx:latest', 'uses :latest'], ['nginx:stable', 'uses :stable'], ['registry:5000/app', 'has no tag'], ['nginx@sha256:abc', 'malformed digest'],
  ])('%s', (image, problem) => {
    const messages = findingsOf(['container-image', 'image-pinned'], [pod(image)]).map((f) => `${f.path}: ${f.message}`);
    expect(messages).toEqual(problem ? [expect.stringMatching(new RegExp(`^spec\\.initContainers\\[0\\]\\.image: image .* ${problem}`))] : []);
  });
});

test('the gate lists findings in a stable order and runs every check', () => {
  const manifests = [
    namespace({ labels: labelled() }),
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'a' }, spec: { containers: [{ name: 'c', image: 'c:latest' }] } },
  ];
  const first = runGate(objects(manifests), { schemas: schemas() }).findings;
  expect(new Set(first.map((f) => f.rule))).toEqual(new Set(['pod-security', 'namespace-prune-disabled', 'image-pinned']));
  expect(runGate(objects([...manifests].reverse()), { schemas: schemas() }).findings).toEqual(first);
});
