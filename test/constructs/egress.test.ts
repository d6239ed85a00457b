import { Testing } from 'cdk8s';
import { EgressProxy, EgressProxyProps, egressProxyConfig, NodeSelection } from '../../constructs';

const base: EgressProxyProps = {
  name: 'database', namespace: 'egress', node: NodeSelection.only('srv712429'), port: 5432,
  target: { secret: 'database-endpoint', hostKey: 'DB_HOST', portKey: 'DB_PORT' },
};

function synth(props: Partial<EgressProxyProps> = {}) {
  const chart = Testing.chart();
  const proxy = new EgressProxy(chart, 'proxy', { ...base, ...props });
  const objects = Testing.synth(chart);
  const of = (kind: string) => objects.find((object) => object.kind === kind);
  return { proxy, configMap: of('ConfigMap'), deployment: of('Deployment'), service: of('Service') };
}

describe('EgressProxy', () => {
  test('runs one HAProxy on the exit node only, reading the target from the Secret', () => {
    const { deployment, proxy } = synth();
    const pod = deployment.spec.template.spec;
    expect(deployment.spec.replicas).toBe(1);
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['srv712429'] }] }]);
    expect(pod.containers[0].image).toBe('haproxy:3.0.5-alpine');
    expect(pod.containers[0].env).toEqual([
      { name: 'TARGET_HOST', valueFrom: { secretKeyRef: { name: 'database-endpoint', key: 'DB_HOST' } } },
      { name: 'TARGET_PORT', valueFrom: { secretKeyRef: { name: 'database-endpoint', key: 'DB_PORT' } } },
    ]);
    expect(proxy.host).toBe('database.egress.svc.cluster.local');
  });

  test('meets Pod Security restricted: non-root, no capabilities, read-only root, RuntimeDefault seccomp', () => {
    const pod = synth().deployment.spec.template.spec;
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 99, runAsGroup: 99, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
  });

  test('the Service maps the declared port to the unprivileged container port', () => {
    const { service } = synth();
    expect(service.metadata).toMatchObject({ name: 'database', namespace: 'egress' });
    expect(service.spec.ports).toEqual([{ name: 'proxy', port: 5432, targetPort: 8080, protocol: 'TCP' }]);
  });

  test('HAProxy refuses connections while the target does not answer the exit node, so a TCP check through it means something', () => {
    const config = synth().configMap.data['haproxy.cfg'];
    expect(config).toBe(egressProxyConfig());
    expect(config).toContain('  bind :8080\n');
    expect(config).toContain('  tcp-request connection reject if { nbsrv(target) eq 0 }\n');
    expect(config).toContain('  server target "${TARGET_HOST}:${TARGET_PORT}" check inter 30s init-addr last,libc,none\n');
  });

  test('a stated target port goes in as a value', () => {
    const env = synth({ target: { secret: 'database-endpoint', hostKey: 'DB_HOST', port: 5432 } }).deployment.spec.template.spec.containers[0].env;
    expect(env[1]).toEqual({ name: 'TARGET_PORT', value: '5432' });
    expect(() => synth({ target: { secret: 'database-endpoint', hostKey: 'DB_HOST' } })).toThrow('state the target port exactly once');
    expect(() => synth({ target: { secret: 'database-endpoint', hostKey: 'DB_HOST', port: 0 } })).toThrow('target port 0 must be an integer from 1 to 65535');
  });

  test('refuses a bad port, an unpinned image or a bad Secret key', () => {
    expect(() => synth({ port: 70000 })).toThrow('egress proxy database: port 70000 must be an integer from 1 to 65535');
    expect(() => synth({ image: 'haproxy:latest' })).toThrow('egress proxy database: image "haproxy:latest" uses :latest');
    expect(() => synth({ target: { secret: 'db', hostKey: 'DB HOST', portKey: 'DB_PORT' } })).toThrow('target host key "DB HOST"');
  });
});
