import { Testing } from 'cdk8s';
import { NodeSelection, TailscaleDaemonSet, TailscaleDaemonSetProps } from '../../constructs';
import { CONTAINERBOOT_ENV } from '../../lib/tailscale';

const base: TailscaleDaemonSetProps = {
  name: 'tailscale-client',
  namespace: 'tailscale',
  component: 'client',
  nodes: NodeSelection.all(),
  authKeySecret: { name: 'tailscale-auth', key: 'TS_AUTHKEY' },
  hostnameSuffix: '-oceanid',
  stateDir: '/var/lib/tailscale',
};

function synth(props: Partial<TailscaleDaemonSetProps> = {}) {
  const chart = Testing.chart();
  new TailscaleDaemonSet(chart, 'ds', { ...base, ...props });
  const [daemonSet] = Testing.synth(chart);
  const pod = daemonSet.spec.template.spec;
  const container = pod.containers[0];
  const env = Object.fromEntries(container.env.map((entry: { name: string; value?: string }) => [entry.name, entry]));
  return { daemonSet, pod, container, env, names: container.env.map((entry: { name: string }) => entry.name) as string[] };
}

const exitNode: Partial<TailscaleDaemonSetProps> = {
  name: 'tailscale-exit-node', component: 'exit-node', nodes: NodeSelection.only('srv712429'),
  advertiseExitNode: true, advertiseRoutes: ['10.42.0.0/16', '10.43.0.0/16'], advertiseTags: ['tag:k8s'],
};
const client: Partial<TailscaleDaemonSetProps> = {
  nodes: NodeSelection.allExcept(['srv712429']), exitNodeIp: '100.81.237.43', exitNodeAllowLanAccess: true, advertiseTags: ['tag:k8s'],
};

describe('TailscaleDaemonSet', () => {
  test('runs the pinned image, privileged, on the host network', () => {
    const { container, pod } = synth();
    expect(container.image).toBe('tailscale/tailscale:v1.102.3');
    expect(container.securityContext).toEqual({ privileged: true });
    expect(pod.hostNetwork).toBe(true);
    expect(pod.dnsPolicy).toBe('ClusterFirstWithHostNet');
    expect(pod.priorityClassName).toBe('system-node-critical');
  });

  test('mounts /dev/net/tun, a per-node state directory, its own socket directory and the host daemon\'s socket directory', () => {
    const { pod, container, env } = synth({ stateDir: '/var/lib/tailscale-k8s' });
    expect(pod.volumes).toEqual([
      { name: 'dev-net-tun', hostPath: { path: '/dev/net/tun', type: 'CharDevice' } },
      { name: 'state', hostPath: { path: '/var/lib/tailscale-k8s', type: 'DirectoryOrCreate' } },
      { name: 'socket', hostPath: { path: '/var/run/oceanid-tailscale', type: 'DirectoryOrCreate' } },
      { name: 'host-tailscale-run', hostPath: { path: '/var/run/tailscale', type: 'DirectoryOrCreate' } },
    ]);
    expect(container.volumeMounts).toContainEqual({ name: 'state', mountPath: env.TS_STATE_DIR.value });
    expect(env.TS_SOCKET.value).toBe('/run/oceanid-tailscale/tailscaled.sock');
    expect(container.volumeMounts).toContainEqual({ name: 'socket', mountPath: '/run/oceanid-tailscale' });
    // The host daemon's directory is only read, by the check, never by tailscaled.
    expect(container.volumeMounts.map((mount: { name: string }) => mount.name)).not.toContain('host-tailscale-run');
  });

  test('keeps state on disk, not in a shared Secret, and logs in once', () => {
    const { env } = synth();
    expect(env.TS_STATE_DIR.value).toBe('/var/lib/tailscale');
    expect(env.TS_KUBE_SECRET).toEqual({ name: 'TS_KUBE_SECRET', value: '' });
    expect(env.TS_AUTH_ONCE.value).toBe('true');
    expect(env.TS_USERSPACE.value).toBe('false');
  });

  test('reads the auth key from the Secret, never inline, and starts without it (a logged-in node never reads it)', () => {
    const { env } = synth();
    expect(env.TS_AUTHKEY).toEqual({ name: 'TS_AUTHKEY', valueFrom: { secretKeyRef: { name: 'tailscale-auth', key: 'TS_AUTHKEY', optional: true } } });
    expect(env.TS_AUTH_ONCE.value).toBe('true');
  });

  test('every up flag set starts with --reset, so a re-login is never refused over an unmentioned setting', () => {
    for (const props of [{}, exitNode, client]) {
      expect(synth(props).env.TS_EXTRA_ARGS.value.split(' ')[0]).toBe('--reset');
    }
  });

  test('a postStart hook applies the declared flags without the key when the node is Running or Stopped, and leaves NeedsLogin to containerboot', () => {
    const { container } = synth(client);
    const [shell, flag, script] = container.lifecycle.postStart.exec.command;
    expect([shell, flag]).toEqual(['/bin/sh', '-c']);
    expect(script).toContain('Running|Stopped)');
    expect(script).toContain('NeedsLogin|NeedsMachineAuth) exit 0 ;;');
    expect(script).toContain('tailscale --socket="$TS_SOCKET" up --timeout=60s --accept-dns=false ${TS_ROUTES+--advertise-routes=$TS_ROUTES} --hostname="$TS_HOSTNAME" $TS_EXTRA_ARGS');
    expect(script).not.toMatch(/auth-?key|TS_AUTHKEY/);
  });

  test('an unprivileged init container refuses to start next to a host tailscaled, naming the runbook', () => {
    const { pod } = synth();
    const check = pod.initContainers[0];
    expect(check.name).toBe('host-daemon-check');
    expect(check.image).toBe('tailscale/tailscale:v1.102.3');
    expect(check.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true });
    expect(check.volumeMounts).toEqual([
      { name: 'host-tailscale-run', mountPath: '/host/run/tailscale', readOnly: true },
      { name: 'socket', mountPath: '/run/oceanid-tailscale' },
    ]);
    const script = check.command[2];
    expect(script).toContain('tailscale --socket=/host/run/tailscale/tailscaled.sock status --json');
    expect(script).toContain('ip link show tailscale0');
    expect(script).toContain("see README.md, section 'Retire host Tailscale'");
  });

  test('the exit node enables IPv4 and IPv6 forwarding and clamps MSS in a privileged init container; clients only clamp', () => {
    const exit = synth(exitNode).pod.initContainers[1];
    expect(exit.name).toBe('kernel-settings');
    expect(exit.securityContext).toEqual({ privileged: true });
    expect(exit.command[2]).toContain('sysctl -w net.ipv6.conf.all.forwarding=1');
    expect(exit.command[2]).toContain('$ipt -t mangle -C FORWARD -o tailscale0 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu');
    expect(exit.command[2]).toContain('$ipt -t mangle -A FORWARD -i tailscale0 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu');
    const clientInit = synth(client).pod.initContainers[1];
    expect(clientInit.command[2]).not.toContain('sysctl');
    expect(clientInit.command[2]).toContain('TCPMSS');
    expect(synth({ ...client, clampMss: false }).pod.initContainers.map((init: { name: string }) => init.name)).toEqual(['host-daemon-check']);
  });

  test('derives the hostname from the node name, defined before it is used', () => {
    const { env, names } = synth();
    expect(env.NODE_NAME.valueFrom).toEqual({ fieldRef: { fieldPath: 'spec.nodeName' } });
    expect(env.TS_HOSTNAME.value).toBe('$(NODE_NAME)-oceanid');
    expect(names.indexOf('NODE_NAME')).toBeLessThan(names.indexOf('TS_HOSTNAME'));
  });

  test('uses only variables containerboot reads', () => {
    for (const props of [{}, exitNode, client]) {
      const { names } = synth(props);
      expect(names.filter((name) => name !== 'NODE_NAME' && !CONTAINERBOOT_ENV.has(name))).toEqual([]);
      expect(names).not.toContain('TS_EXIT_NODE');
      expect(names).not.toContain('TS_ACCEPT_ROUTES');
    }
  });

  test('the exit node advertises routes in TS_ROUTES and itself as exit node in TS_EXTRA_ARGS', () => {
    const { env, pod } = synth(exitNode);
    expect(env.TS_ROUTES.value).toBe('10.42.0.0/16,10.43.0.0/16');
    expect(env.TS_EXTRA_ARGS.value).toBe('--reset --advertise-exit-node --advertise-tags=tag:k8s');
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['srv712429'] }] }]);
  });

  test('clients use the exit node by IP with LAN access, advertise their tag, and run on every other node', () => {
    const { env, pod } = synth(client);
    expect(env.TS_ROUTES).toBeUndefined();
    expect(env.TS_EXTRA_ARGS.value).toBe('--reset --exit-node=100.81.237.43 --exit-node-allow-lan-access --advertise-tags=tag:k8s');
    expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
      .toEqual([{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['srv712429'] }] }]);
  });

  test('plain clients on every node have no affinity and only --reset as up flag', () => {
    const { env, pod } = synth();
    expect(pod.affinity).toBeUndefined();
    expect(env.TS_EXTRA_ARGS.value).toBe('--reset');
  });

  test('tolerates control-plane nodes and rolls one node at a time', () => {
    const { daemonSet, pod } = synth();
    expect(pod.tolerations).toEqual(expect.arrayContaining([
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'CriticalAddonsOnly', operator: 'Exists' },
    ]));
    expect(daemonSet.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  });

  test('probes containerboot\'s health endpoint on loopback, which it is told to serve', () => {
    const { container, env } = synth();
    expect(env.TS_ENABLE_HEALTH_CHECK.value).toBe('true');
    expect(env.TS_LOCAL_ADDR_PORT.value).toBe('127.0.0.1:9002');
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ host: '127.0.0.1', port: 9002, path: '/healthz' });
    }
    expect(container.livenessProbe.periodSeconds * container.livenessProbe.failureThreshold).toBeGreaterThanOrEqual(300);
  });

  test('requests resources and limits memory, but not CPU', () => {
    const { container } = synth();
    expect(container.resources).toEqual({ requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } });
  });

  test('mounts no service account token', () => {
    expect(synth().pod.automountServiceAccountToken).toBe(false);
  });

  test('fails when a node both offers and uses an exit node', () => {
    expect(() => synth({ advertiseExitNode: true, exitNodeIp: '100.81.237.43' }))
      .toThrow('tailscale DaemonSet tailscale-client: a node cannot both offer an exit node (advertiseExitNode) and use one (exitNodeIp)');
  });

  test('states the node network on the DaemonSet, for the gate; none stated, no annotation', () => {
    expect(synth({ nodeNetwork: 'public' }).daemonSet.metadata.annotations).toEqual({ 'oceanid.goldfish.inc/node-network': 'public' });
    expect(synth().daemonSet.metadata.annotations).toBeUndefined();
  });

  test('fails when nodes that talk over public addresses would use an exit node', () => {
    expect(() => synth({ ...client, nodeNetwork: 'public' })).toThrow(
      'tailscale DaemonSet tailscale-client: nodes that reach each other over public addresses cannot use an exit node');
    expect(() => synth({ ...client, nodeNetwork: 'lan' })).not.toThrow();
  });

  test('fails on LAN access without an exit node', () => {
    expect(() => synth({ exitNodeAllowLanAccess: true })).toThrow('exitNodeAllowLanAccess needs exitNodeIp');
  });

  test('fails on an exit node IP outside the tailnet range', () => {
    expect(() => synth({ exitNodeIp: '10.0.0.1' })).toThrow('exitNodeIp "10.0.0.1" must be a Tailscale IPv4 address in 100.64.0.0/10');
  });

  test('fails on a route with host bits set or spaces', () => {
    expect(() => synth({ advertiseRoutes: ['10.42.0.1/16'] })).toThrow('route "10.42.0.1/16" must be a CIDR with its host bits zero');
    expect(() => synth({ advertiseRoutes: [' 10.43.0.0/16'] })).toThrow('route " 10.43.0.0/16"');
  });

  test('fails on a malformed tag', () => {
    expect(() => synth({ advertiseTags: ['k8s'] })).toThrow('tag "k8s" must look like "tag:k8s"');
  });

  test.each([
    ['tailscale/tailscale:latest', 'uses :latest'],
    ['tailscale/tailscale', 'has no tag'],
    ['tailscale/tailscale:stable', 'uses :stable, a tag that moves'],
  ])('fails on the unpinned image %s', (image, problem) => {
    expect(() => synth({ image })).toThrow(`image ${JSON.stringify(image)} ${problem}`);
  });

  test('accepts a digest-pinned image', () => {
    const image = `tailscale/tailscale:v1.102.3@sha256:${'a'.repeat(64)}`;
    expect(synth({ image }).container.image).toBe(image);
  });

  test('fails on an invalid hostname suffix or state directory', () => {
    expect(() => synth({ hostnameSuffix: 'oceanid' })).toThrow('hostnameSuffix "oceanid" must be a dash followed by a DNS label');
    expect(() => synth({ stateDir: 'var/lib/tailscale' })).toThrow('stateDir "var/lib/tailscale" must be an absolute host path');
  });

  test('selects its own pods by name and component, and is the only object', () => {
    for (const props of [exitNode, client]) {
      const chart = Testing.chart();
      new TailscaleDaemonSet(chart, 'ds', { ...base, ...props });
      const objects = Testing.synth(chart);
      expect(objects).toHaveLength(1);
      const labels = { 'app.kubernetes.io/name': 'tailscale', 'app.kubernetes.io/component': props.component ?? base.component };
      expect(objects[0].spec.selector.matchLabels).toEqual(labels);
      expect(objects[0].spec.template.metadata.labels).toEqual(labels);
      expect(objects[0].metadata).toEqual({ name: props.name ?? base.name, namespace: 'tailscale', labels });
    }
  });
});

describe('NodeSelection', () => {
  test('allExcept with no names is every node', () => {
    expect(NodeSelection.allExcept([])._toAffinity()).toBeUndefined();
  });

  test('sorts the excluded names so the output does not depend on input order', () => {
    expect(NodeSelection.allExcept(['b', 'a'])._toAffinity()).toEqual(NodeSelection.allExcept(['a', 'b'])._toAffinity());
  });

  test('fails on an invalid node name', () => {
    expect(() => NodeSelection.only('Tethys_1')).toThrow('node name "Tethys_1"');
  });
});
