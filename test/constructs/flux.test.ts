import { Testing } from 'cdk8s';
import { FluxLayer } from '../../constructs';
import { EXTERNAL_SECRET_HEALTH } from '../../lib/health-checks';

const timing = { interval: '10m', retryInterval: '1m', timeout: '5m' };

describe('FluxLayer', () => {
  function layers() {
    const chart = Testing.chart();
    const controllers = new FluxLayer(chart, 'controllers', { ...timing, name: 'controllers', path: './flux/infrastructure/prod/controllers' });
    new FluxLayer(chart, 'configs', { ...timing, name: 'configs', path: './flux/infrastructure/prod/configs', dependsOn: [controllers], wait: false, prune: false });
    return Testing.synth(chart);
  }

  test('is a v1 Kustomization in flux-system reading the bootstrap GitRepository', () => {
    const [controllers] = layers();
    expect(controllers.apiVersion).toBe('kustomize.toolkit.fluxcd.io/v1');
    expect(controllers.metadata).toMatchObject({ name: 'controllers', namespace: 'flux-system' });
    expect(controllers.spec.sourceRef).toEqual({ kind: 'GitRepository', name: 'flux-system' });
  });

  test('states interval, retryInterval, timeout, prune and wait explicitly', () => {
    const [controllers, configs] = layers();
    expect(controllers.spec).toMatchObject({ ...timing, path: './flux/infrastructure/prod/controllers', prune: true, wait: true });
    expect(configs.spec).toMatchObject({ prune: false, wait: false });
  });

  test('depends on the layers it names', () => {
    const [controllers, configs] = layers();
    expect(controllers.spec.dependsOn).toBeUndefined();
    expect(configs.spec.dependsOn).toEqual([{ name: 'controllers' }]);
  });

  test('carries CEL health checks, which Flux evaluates only with wait', () => {
    const chart = Testing.chart();
    new FluxLayer(chart, 'configs', { ...timing, name: 'configs', path: './flux/c', healthCheckExprs: [EXTERNAL_SECRET_HEALTH] });
    const [configs] = Testing.synth(chart);
    expect(configs.spec.healthCheckExprs).toEqual([{
      apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', current: EXTERNAL_SECRET_HEALTH.current, failed: EXTERNAL_SECRET_HEALTH.failed,
    }]);
    expect(() => new FluxLayer(Testing.chart(), 'x', { ...timing, name: 'x', path: './flux/x', wait: false, healthCheckExprs: [EXTERNAL_SECRET_HEALTH] }))
      .toThrow('layer x: healthCheckExprs are evaluated only with wait: true');
  });

  test('fails on a path outside the repository or not relative', () => {
    const chart = Testing.chart();
    expect(() => new FluxLayer(chart, 'a', { ...timing, name: 'a', path: 'flux/a' })).toThrow('layer a: path "flux/a" must start with ./');
    expect(() => new FluxLayer(chart, 'b', { ...timing, name: 'b', path: './../elsewhere' })).toThrow('stay inside the repository');
  });

  test('fails on a malformed duration', () => {
    expect(() => new FluxLayer(Testing.chart(), 'a', { ...timing, retryInterval: '1 minute', name: 'a', path: './flux/a' }))
      .toThrow('layer a: retryInterval "1 minute" must be a Go duration');
  });

  test('sets nothing beyond what it states', () => {
    const [controllers] = layers();
    expect(Object.keys(controllers)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(controllers.metadata).toEqual({ name: 'controllers', namespace: 'flux-system' });
    expect(Object.keys(controllers.spec).sort()).toEqual(['interval', 'path', 'prune', 'retryInterval', 'sourceRef', 'timeout', 'wait']);
  });
});
