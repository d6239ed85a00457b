import { Testing } from 'cdk8s';
import { Chart } from 'cdk8s';
import { HelmApp, HelmAppProps, PulumiEscStore, SyncedSecret } from '../../constructs';

function setup(change: (props: HelmAppProps, secrets: Record<string, SyncedSecret>) => HelmAppProps = (props) => props) {
  const chart: Chart = Testing.chart();
  const store = new PulumiEscStore(chart, 'store', { organization: 'o', project: 'p', environment: 'e', namespaces: ['apps', 'other'] });
  const settings = new SyncedSecret(chart, 'settings', { name: 'settings', namespace: 'apps', store, data: { HOST: 'app.host' } });
  const password = new SyncedSecret(chart, 'password', { name: 'password', namespace: 'apps', store, data: { PASSWORD: 'app.password' } });
  const elsewhere = new SyncedSecret(chart, 'elsewhere', { name: 'elsewhere', namespace: 'other', store, data: { KEY: 'other.key' } });
  const props: HelmAppProps = {
    name: 'web', namespace: 'apps', source: { repository: 'https://charts.example.org/', chart: 'web', version: '1.2.3' },
    values: { replicas: 2 }, valuesFrom: [{ secret: settings, key: 'HOST', targetPath: 'db.host' }], secrets: [password],
  };
  new HelmApp(chart, 'app', change(props, { settings, password, elsewhere }));
  const objects = Testing.synth(chart);
  return { repository: objects.find((o) => o.kind === 'HelmRepository'), release: objects.find((o) => o.kind === 'HelmRelease') };
}

describe('HelmApp', () => {
  test('a HelmRepository and a HelmRelease pinning the exact version, values and verbatim valuesFrom', () => {
    const { repository, release } = setup();
    expect(repository).toMatchObject({ metadata: { name: 'web', namespace: 'apps' }, spec: { url: 'https://charts.example.org/', interval: '1h' } });
    expect(release.spec).toMatchObject({
      releaseName: 'web',
      chart: { spec: { chart: 'web', version: '1.2.3', sourceRef: { kind: 'HelmRepository', name: 'web', namespace: 'apps' } } },
      values: { replicas: 2 },
      valuesFrom: [{ kind: 'Secret', name: 'settings', valuesKey: 'HOST', targetPath: 'db.host', literal: true }],
      driftDetection: { mode: 'enabled' },
    });
  });

  test('an OCI repository is declared as one', () => {
    const { repository } = setup((props) => ({ ...props, source: { ...props.source, repository: 'oci://ghcr.io/example/charts' } }));
    expect(repository.spec.type).toBe('oci');
  });

  test.each([
    ['a version range', (props: HelmAppProps) => ({ ...props, source: { ...props.source, version: '1.x' } }), 'app web: chart version "1.x" is not an exact version'],
    ['a Secret of another namespace', (props: HelmAppProps, s: Record<string, SyncedSecret>) => ({ ...props, secrets: [s.elsewhere] }),
      'app web: Secret other/elsewhere is in another namespace than the app (apps)'],
    ['a key the Secret lacks', (props: HelmAppProps, s: Record<string, SyncedSecret>) => ({ ...props, valuesFrom: [{ secret: s.settings, key: 'PORT', targetPath: 'db.port' }] }),
      'app web: valuesFrom reads key PORT of Secret settings, which holds only HOST'],
    ['a plain-http repository name', (props: HelmAppProps) => ({ ...props, source: { ...props.source, repository: 'charts.example.org' } }),
      'app web: repository "charts.example.org" must be an https:// (or oci://) URL'],
  ])('refuses %s', (_what, change, message) => {
    expect(() => setup(change as never)).toThrow(message);
  });
});
