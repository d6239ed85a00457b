import { Testing } from 'cdk8s';
import { PodSecurityNamespace } from '../../constructs';

const synth = (props: ConstructorParameters<typeof PodSecurityNamespace>[2]) => {
  const chart = Testing.chart();
  new PodSecurityNamespace(chart, 'ns', props);
  return Testing.synth(chart);
};

describe('PodSecurityNamespace', () => {
  test('defaults to restricted on enforce, audit and warn, each with the pinned version', () => {
    const [namespace] = synth({ name: 'apps', policyVersion: 'v1.33' });
    expect(namespace.metadata.labels).toEqual({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.33',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.33',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.33',
    });
    expect(namespace.metadata.name).toBe('apps');
  });

  test('is never pruned by Flux', () => {
    const [namespace] = synth({ name: 'apps', policyVersion: 'v1.33' });
    expect(namespace.metadata.annotations['kustomize.toolkit.fluxcd.io/prune']).toBe('disabled');
  });

  test('keeps the reason of a privileged namespace as an annotation', () => {
    const [namespace] = synth({ name: 'tailscale', level: 'privileged', policyVersion: 'v1.33', privilegedReason: 'needs the host network to route' });
    expect(namespace.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('privileged');
    expect(namespace.metadata.annotations['oceanid.goldfish.inc/privileged-reason']).toBe('needs the host network to route');
  });

  test('fails when privileged has no reason', () => {
    expect(() => synth({ name: 'x', level: 'privileged', policyVersion: 'v1.33' }))
      .toThrow('namespace x: a privileged namespace needs a privilegedReason saying why its pods may run privileged');
    expect(() => synth({ name: 'x', level: 'privileged', policyVersion: 'v1.33', privilegedReason: '   ' })).toThrow('needs a privilegedReason');
  });

  test('fails when a reason is given for a non-privileged level', () => {
    expect(() => synth({ name: 'x', level: 'baseline', policyVersion: 'v1.33', privilegedReason: 'because' }))
      .toThrow('namespace x: privilegedReason is only for privileged namespaces (this one is baseline)');
  });

  test.each(['latest', '1.33', 'v1.033', 'v2.0', ''])('fails on the unpinned or invalid version %j', (version) => {
    expect(() => synth({ name: 'x', policyVersion: version })).toThrow(`policyVersion ${JSON.stringify(version)} must be a pinned version such as "v1.33"`);
  });

  test('fails on an invalid name', () => {
    expect(() => synth({ name: 'Apps', policyVersion: 'v1.33' })).toThrow('namespace name "Apps" must consist of lower-case letters');
  });

  test('a privileged namespace keeps its reason and extra labels, and is protected from pruning', () => {
    const objects = synth({ name: 'tailscale', level: 'privileged', policyVersion: 'v1.33', privilegedReason: 'routes for the tailnet', labels: { team: 'platform' } });
    expect(objects).toHaveLength(1);
    expect(objects[0].metadata.annotations).toEqual({
      'kustomize.toolkit.fluxcd.io/prune': 'disabled', 'oceanid.goldfish.inc/privileged-reason': 'routes for the tailnet',
    });
    expect(objects[0].metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/warn-version': 'v1.33', team: 'platform' });
  });
});
