import { Testing } from 'cdk8s';
import { SuccessCriteria, SuccessCriteriaProps } from '../../constructs';

const base: SuccessCriteriaProps = {
  namespace: 'verify', tailnetNamespace: 'tailscale', expectedEgressIp: '157.173.210.123', echoUrl: 'https://ipinfo.io/ip',
  egressFrom: { node: 'srv712429' }, endpoints: [{ name: 'label-studio', host: 'label-studio-ls-app.apps.svc.cluster.local', port: 80 }],
  intervalSeconds: 120,
};

function synth(props: Partial<SuccessCriteriaProps> = {}) {
  const chart = Testing.chart();
  new SuccessCriteria(chart, 'verify', { ...base, ...props });
  const objects = Testing.synth(chart);
  const daemonSet = (name: string) => objects.find((object) => object.kind === 'DaemonSet' && object.metadata.name === name);
  const env = (name: string) => Object.fromEntries(daemonSet(name).spec.template.spec.containers[0].env
    .map((e: { name: string; value?: string }) => [e.name, e.value ?? e]));
  return { objects, daemonSet, env };
}

describe('SuccessCriteria', () => {
  test('the egress check runs on every node as a restricted pod whose readiness is the check', () => {
    const { daemonSet } = synth();
    const pod = daemonSet('verify-egress').spec.template.spec;
    expect(daemonSet('verify-egress').metadata.namespace).toBe('verify');
    expect(pod.affinity).toBeUndefined();
    expect(pod.tolerations).toContainEqual({ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' });
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.containers[0].image).toBe('tailscale/tailscale:v1.102.3');
    expect(pod.containers[0].readinessProbe).toEqual({
      exec: { command: ['/bin/sh', '/checks/check-egress.sh'] }, periodSeconds: 120, timeoutSeconds: 30, failureThreshold: 2,
    });
    expect(pod.hostNetwork).toBeUndefined();
  });

  test('the egress check gets the declared IP, the echo URL, which nodes must show it, and the endpoints', () => {
    expect(synth().env('verify-egress')).toMatchObject({
      EXPECTED_EGRESS_IP: '157.173.210.123', EGRESS_NODES: 'srv712429', ECHO_URL: 'https://ipinfo.io/ip',
      ENDPOINTS: 'label-studio=label-studio-ls-app.apps.svc.cluster.local:80',
    });
    expect(synth({ egressFrom: { allNodes: true } }).env('verify-egress').EGRESS_NODES).toBe('*');
    expect(synth({ expectedEgressIp: undefined }).env('verify-egress').EXPECTED_EGRESS_IP).toBeUndefined();
  });

  test('the tailnet check asks the node\'s tailscaled over its socket, with no privilege and no host network', () => {
    const { daemonSet, env } = synth({ exitNode: { tailnetIp: '100.81.237.43', nodeName: 'srv712429' } });
    const pod = daemonSet('verify-tailnet').spec.template.spec;
    expect(daemonSet('verify-tailnet').metadata.namespace).toBe('tailscale');
    expect(pod.volumes).toContainEqual({ name: 'socket', hostPath: { path: '/var/run/oceanid-tailscale', type: 'Directory' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.hostNetwork).toBeUndefined();
    expect(env('verify-tailnet')).toMatchObject({ TS_SOCKET: '/run/oceanid-tailscale/tailscaled.sock', EXIT_NODE_IP: '100.81.237.43', EXIT_NODE_NAME: 'srv712429' });
  });

  test('refuses bad input', () => {
    expect(() => synth({ expectedEgressIp: 'tethys' })).toThrow('verify: expectedEgressIp "tethys" must be an IPv4 address');
    expect(() => synth({ intervalSeconds: 5 })).toThrow('verify: intervalSeconds 5 must be an integer of at least 10');
    expect(() => synth({ echoUrl: 'ipinfo.io/ip' })).toThrow('verify: echoUrl "ipinfo.io/ip" must be an http(s) URL');
    expect(() => synth({ endpoints: [{ name: 'db', host: 'db', port: 0 }] })).toThrow('verify: endpoint db: port 0 is out of range');
  });
});
