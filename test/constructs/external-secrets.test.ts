import { Testing } from 'cdk8s';
import { ExternalSecretsOperator, PulumiEscStore, PulumiEscStoreProps, SyncedSecret } from '../../constructs';

function operator(props: Partial<ConstructorParameters<typeof ExternalSecretsOperator>[2]> = {}) {
  const chart = Testing.chart();
  new ExternalSecretsOperator(chart, 'eso', { namespace: 'external-secrets-system', ...props });
  const objects = Testing.synth(chart);
  return { repository: objects.find((o) => o.kind === 'HelmRepository'), release: objects.find((o) => o.kind === 'HelmRelease'), objects };
}

const storeProps: PulumiEscStoreProps = { organization: 'goldfish-inc', project: 'oceanid-cluster', environment: 'prod', namespaces: ['tailscale', 'apps', 'apps'] };

function storeChart(props: Partial<PulumiEscStoreProps> = {}) {
  const chart = Testing.chart();
  const store = new PulumiEscStore(chart, 'store', { ...storeProps, ...props });
  return { chart, store };
}

describe('ExternalSecretsOperator', () => {
  test('installs the pinned chart from its HelmRepository with the v2/v1 Flux APIs', () => {
    const { repository, release } = operator();
    expect(repository.apiVersion).toBe('source.toolkit.fluxcd.io/v1');
    expect(repository.spec.url).toBe('https://charts.external-secrets.io');
    expect(release.apiVersion).toBe('helm.toolkit.fluxcd.io/v2');
    expect(release.metadata.namespace).toBe('external-secrets-system');
    expect(release.spec.chart.spec).toMatchObject({
      chart: 'external-secrets', version: '2.9.0',
      sourceRef: { kind: 'HelmRepository', name: 'external-secrets', namespace: 'external-secrets-system' },
    });
  });

  test('installs and upgrades the CRDs with the chart, and keeps them on uninstall', () => {
    const { release } = operator();
    expect(release.spec.install.crds).toBe('CreateReplace');
    expect(release.spec.upgrade.crds).toBe('CreateReplace');
    expect(release.spec.values.installCRDs).toBe(true);
    expect(release.spec.values.crds.annotations).toEqual({ 'helm.sh/resource-policy': 'keep' });
  });

  test('remediates failed installs and upgrades', () => {
    const { release } = operator({ retries: 5 });
    expect(release.spec.install.remediation).toEqual({ retries: 5 });
    expect(release.spec.upgrade.remediation).toEqual({ retries: 5, remediateLastFailure: true, strategy: 'rollback' });
  });

  test('gives every container requests and a memory limit', () => {
    const { release } = operator();
    const expected = { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '256Mi' } };
    expect(release.spec.values.resources).toEqual(expected);
    expect(release.spec.values.webhook.resources).toEqual(expected);
    expect(release.spec.values.certController.resources).toEqual(expected);
  });

  test.each(['2.x', '>=2.9.0', '2.9', 'latest'])('fails on the version range %j', (chartVersion) => {
    expect(() => operator({ chartVersion })).toThrow(`chartVersion ${JSON.stringify(chartVersion)} is not an exact version`);
  });

  test('fails on a bad interval or retry count', () => {
    expect(() => operator({ interval: 'hourly' })).toThrow('interval "hourly" must be a Go duration');
    expect(() => operator({ retries: 0 })).toThrow('retries must be a positive integer, got 0');
  });

  test('corrects drift, cleans up a failed upgrade, and is only these two objects', () => {
    const { release, repository, objects } = operator();
    expect(release.spec.driftDetection).toEqual({ mode: 'enabled' });
    expect(release.spec.upgrade.cleanupOnFail).toBe(true);
    expect(release.spec.releaseName).toBe('external-secrets');
    expect([release.spec.interval, release.spec.chart.spec.interval, repository.spec.interval]).toEqual(['1h', '1h', '1h']);
    expect(objects.map((object) => object.kind)).toEqual(['HelmRepository', 'HelmRelease']);
  });
});

describe('PulumiEscStore', () => {
  test('is a v1 ClusterSecretStore for one ESC environment', () => {
    const { chart } = storeChart();
    const [store] = Testing.synth(chart);
    expect(store.apiVersion).toBe('external-secrets.io/v1');
    expect(store.kind).toBe('ClusterSecretStore');
    expect(store.spec.provider.pulumi).toMatchObject({ organization: 'goldfish-inc', project: 'oceanid-cluster', environment: 'prod' });
  });

  test('authenticates with the bootstrap token Secret, naming its namespace as a cluster store must', () => {
    const [store] = Testing.synth(storeChart().chart);
    expect(store.spec.provider.pulumi.auth).toEqual({
      accessToken: { secretRef: { name: 'pulumi-api-token', key: 'accessToken', namespace: 'external-secrets-system' } },
    });
    expect(store.spec.provider.pulumi.accessToken).toBeUndefined();
  });

  test('admits only the namespaces that declare secrets, sorted and unique', () => {
    const { chart, store } = storeChart();
    expect(Testing.synth(chart)[0].spec.conditions).toEqual([{ namespaces: ['apps', 'tailscale'] }]);
    expect(store.admits('apps')).toBe(true);
    expect(store.admits('default')).toBe(false);
  });

  test('fails without namespaces or with an environment that is not a Pulumi name', () => {
    expect(() => storeChart({ namespaces: [] })).toThrow('store pulumi-esc: list at least one namespace');
    expect(() => storeChart({ environment: ' ' })).toThrow('store pulumi-esc: environment " " may only contain letters, digits, hyphens, underscores and periods');
    expect(() => storeChart({ environment: '..' })).toThrow('store pulumi-esc: environment ".." is only periods');
  });

  test('reads ESC with the Pulumi token Secret, and is the only object', () => {
    const objects = Testing.synth(storeChart().chart);
    expect(objects).toHaveLength(1);
    expect(objects[0].spec.provider.pulumi).toEqual({
      organization: 'goldfish-inc', project: 'oceanid-cluster', environment: 'prod',
      auth: { accessToken: { secretRef: { name: 'pulumi-api-token', key: 'accessToken', namespace: 'external-secrets-system' } } },
    });
  });
});

describe('SyncedSecret', () => {
  function secret(props: Partial<ConstructorParameters<typeof SyncedSecret>[2]> = {}) {
    const { chart, store } = storeChart();
    new SyncedSecret(chart, 'secret', {
      name: 'labelstudio-s3-credentials', namespace: 'apps', store,
      data: { AWS_SECRET_ACCESS_KEY: 'aws.labelStudio.secretAccessKey', AWS_ACCESS_KEY_ID: 'aws.labelStudio.accessKeyId' },
      ...props,
    });
    return Testing.synth(chart).find((object) => object.kind === 'ExternalSecret');
  }

  test('creates the Secret owned by the ExternalSecret (deleted with it) and kept when the value disappears from ESC', () => {
    expect(secret().spec.target).toEqual({ name: 'labelstudio-s3-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain' });
  });

  test('maps each key to an ESC property path, sorted by key, through the store', () => {
    const spec = secret().spec;
    expect(spec.data).toEqual([
      { secretKey: 'AWS_ACCESS_KEY_ID', remoteRef: { key: 'aws.labelStudio.accessKeyId' } },
      { secretKey: 'AWS_SECRET_ACCESS_KEY', remoteRef: { key: 'aws.labelStudio.secretAccessKey' } },
    ]);
    expect(spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'pulumi-esc' });
    expect(spec.refreshInterval).toBe('1h');
  });

  test('fails when the store does not admit the namespace', () => {
    expect(() => secret({ namespace: 'default' }))
      .toThrow('secret default/labelstudio-s3-credentials: store pulumi-esc does not admit namespace default (it admits apps, tailscale)');
  });

  test('fails on project:path keys, with the property path to write instead', () => {
    expect(() => secret({ data: { KEY: 'oceanid-cluster:aws.key' } }))
      .toThrow('key KEY: ESC path "oceanid-cluster:aws.key" is "project:path" syntax; ESC keys are property paths inside the store\'s environment: write "aws.key"');
  });

  test('accepts the bracket forms of Pulumi paths', () => {
    expect(() => secret({ data: { A: 'a["key with ."]', B: '["root key"].x', C: 'a.list[0]' } })).not.toThrow();
  });

  test('fails on a key Kubernetes would refuse', () => {
    expect(() => secret({ data: { 'AWS KEY': 'aws.key' } })).toThrow('secret apps/labelstudio-s3-credentials: key "AWS KEY" must consist of letters, digits');
  });

  test('fails with no keys', () => {
    expect(() => secret({ data: {} })).toThrow('data must map at least one key to an ESC path');
  });

  test('is named for its Secret, in its namespace', () => {
    expect(secret().metadata).toMatchObject({ name: 'labelstudio-s3-credentials', namespace: 'apps' });
    expect(secret().apiVersion).toBe('external-secrets.io/v1');
  });
});
