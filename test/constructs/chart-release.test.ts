import { Testing } from 'cdk8s';
import { ChartRelease, ChartReleaseProps } from '../../constructs';

const base: ChartReleaseProps = { name: 'web', namespace: 'shop', source: { repository: 'https://charts.example.org/', chart: 'web', version: '1.2.3' } };

function synth(props: Partial<ChartReleaseProps> = {}) {
  const chart = Testing.chart();
  new ChartRelease(chart, 'web', { ...base, ...props });
  const [repository, release] = Testing.synth(chart);
  return { repository, release };
}

describe('ChartRelease', () => {
  test('pins the exact version from its own HelmRepository, remediates by rollback and corrects drift', () => {
    const { repository, release } = synth();
    expect(repository).toMatchObject({ kind: 'HelmRepository', metadata: { name: 'web', namespace: 'shop' }, spec: { url: 'https://charts.example.org/', interval: '1h' } });
    expect(repository.spec.type).toBeUndefined();
    expect(release.spec).toEqual({
      releaseName: 'web', interval: '1h',
      chart: { spec: { chart: 'web', version: '1.2.3', interval: '1h', sourceRef: { kind: 'HelmRepository', name: 'web', namespace: 'shop' } } },
      install: { crds: 'Create', remediation: { retries: 3 } },
      upgrade: { crds: 'Create', cleanupOnFail: true, remediation: { retries: 3, remediateLastFailure: true, strategy: 'rollback' } },
      driftDetection: { mode: 'enabled' },
    });
  });

  test('CreateReplace applies to install and upgrade; an oci:// repository is typed OCI', () => {
    const { repository, release } = synth({ crds: 'CreateReplace', source: { ...base.source, repository: 'oci://ghcr.io/example/charts' } });
    expect([release.spec.install.crds, release.spec.upgrade.crds]).toEqual(['CreateReplace', 'CreateReplace']);
    expect(repository.spec.type).toBe('oci');
  });

  test('valuesFrom entries are read literally from the Secret key into their target path', () => {
    const { release } = synth({ valuesFrom: [{ secretName: 'web-settings', key: 'DB_NAME', targetPath: 'db.name' }] });
    expect(release.spec.valuesFrom).toEqual([{ kind: 'Secret', name: 'web-settings', valuesKey: 'DB_NAME', targetPath: 'db.name', literal: true }]);
  });

  test('fails on a version range or a bad interval, with the given prefix', () => {
    expect(() => synth({ source: { ...base.source, version: '1.x' }, errorPrefix: 'app web: ' })).toThrow('app web: chart version "1.x" is not an exact version');
    expect(() => synth({ interval: 'hourly' })).toThrow('interval "hourly" must be a Go duration');
  });
});
