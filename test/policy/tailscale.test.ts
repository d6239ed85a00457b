import { findingsOf } from '../helpers';

const GOOD_ENV = [
  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  { name: 'TS_AUTHKEY', valueFrom: { secretKeyRef: { name: 'tailscale-auth', key: 'TS_AUTHKEY', optional: true } } },
  { name: 'TS_HOSTNAME', value: '$(NODE_NAME)-oceanid' },
  { name: 'TS_USERSPACE', value: 'false' },
  { name: 'TS_STATE_DIR', value: '/var/lib/tailscale' },
  { name: 'TS_KUBE_SECRET', value: '' },
  { name: 'TS_AUTH_ONCE', value: 'true' },
  { name: 'TS_ROUTES', value: '10.42.0.0/16,10.43.0.0/16' },
  { name: 'TS_EXTRA_ARGS', value: '--reset --advertise-exit-node --advertise-tags=tag:k8s' },
  { name: 'TS_DEBUG_FIREWALL_MODE', value: 'auto' },
];

function findings(env: Array<Record<string, unknown>>, image = 'tailscale/tailscale:v1.102.3', annotations?: Record<string, string>) {
  const daemonSet = {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ts', namespace: 'tailscale', ...(annotations ? { annotations } : {}) },
    spec: { template: { spec: { containers: [{ name: 'tailscale', image, env }] } } },
  };
  return findingsOf(['tailscale-containerboot'], [daemonSet]).map((f) => `${f.path}: ${f.message} | ${f.fix}`);
}

const replace = (name: string, entry: Record<string, unknown> | undefined) =>
  GOOD_ENV.flatMap((e) => (e.name === name ? (entry ? [entry] : []) : [e]));

describe('Tailscale containers', () => {
  test('the variables containerboot reads, in the forms it reads, pass', () => {
    expect(findings(GOOD_ENV)).toEqual([]);
  });

  test('a client with --exit-node and no --reset is refused: a re-login would be refused and the pod crash-loop', () => {
    expect(findings(replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--exit-node=100.81.237.43 --advertise-tags=tag:k8s' }))).toEqual([
      'spec.template.spec.containers[0].env[8].value: TS_EXTRA_ARGS has up flags (--exit-node=100.81.237.43 --advertise-tags=tag:k8s) but no --reset: '
      + 'once a control URL is stored, tailscale up refuses any run that leaves a non-default setting unmentioned ("requires mentioning all non-default '
      + 'flags"), e.g. host-era --ssh or a flag later removed, and containerboot exits on every start | put --reset first in TS_EXTRA_ARGS',
    ]);
    expect(findings(replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--exit-node=100.81.237.43 --reset' }))).toEqual([]);
  });

  test('an exit node is refused where the node network annotation says public, and needs LAN access on a LAN', () => {
    const client = replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--reset --exit-node=100.81.237.43 --advertise-tags=tag:k8s' })
      .filter((entry) => entry.name !== 'TS_ROUTES');
    const network = (value: string) => ({ 'oceanid.goldfish.inc/node-network': value });
    expect(findings(client, undefined, network('public'))).toEqual([
      'spec.template.spec.containers[0].env[7].value: --exit-node on nodes that reach each other over public addresses '
        + '(oceanid.goldfish.inc/node-network: public): flannel traffic between nodes would take the tunnel, and SSH, NodePort and ServiceLB on a '
        + 'worker\'s public address would answer through the exit node (tailscale#10940) | drop --exit-node and send only what needs the exit node\'s '
        + 'address through egress.proxies in config, or run K3s over the tailnet and set cluster.nodeNetwork: tailnet',
    ]);
    expect(findings(client, undefined, network('lan'))).toEqual([expect.stringContaining('--exit-node without --exit-node-allow-lan-access on nodes that share a LAN')]);
    const withLan = client.map((entry) => (entry.name === 'TS_EXTRA_ARGS' ? { ...entry, value: `${entry.value} --exit-node-allow-lan-access` } : entry));
    expect(findings(withLan, undefined, network('lan'))).toEqual([]);
    expect(findings(client, undefined, network('tailnet'))).toEqual([]);
    expect(findings(client)).toEqual([]);
  });

  test('a required auth key reference is refused when the key is only read at login', () => {
    const required = { name: 'TS_AUTHKEY', valueFrom: { secretKeyRef: { name: 'tailscale-auth', key: 'TS_AUTHKEY' } } };
    expect(findings(replace('TS_AUTHKEY', required))).toEqual([
      'spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef: TS_AUTHKEY is a required secretKeyRef, yet with TS_AUTH_ONCE=true a node '
      + 'that is logged in never reads it: a missing Secret (ESO or ESC down) would keep every tailscale pod from starting | set optional: true on the secretKeyRef',
    ]);
    // Without TS_AUTH_ONCE containerboot passes the key on every start: required is a choice then.
    expect(findings(replace('TS_AUTHKEY', required).filter((entry) => entry.name !== 'TS_AUTH_ONCE'))).toEqual([]);
  });

  test('TS_EXIT_NODE is refused, with the flag to use instead', () => {
    expect(findings([...GOOD_ENV, { name: 'TS_EXIT_NODE', value: '100.81.237.43' }])).toEqual([
      'spec.template.spec.containers[0].env[10].name: TS_EXIT_NODE is not an environment variable containerboot reads: it configures nothing'
      + ' | put --exit-node=<exit node tailnet IP> in TS_EXTRA_ARGS',
    ]);
  });

  test('any unknown TS_ variable is refused by name', () => {
    expect(findings([...GOOD_ENV, { name: 'TS_MAGIC', value: '1' }])[0]).toContain('TS_MAGIC is not an environment variable containerboot reads');
  });

  test('test-only variables are refused', () => {
    expect(findings([...GOOD_ENV, { name: 'TS_TEST_ONLY_ROOT', value: '/tmp' }])[0]).toContain('TS_TEST_ONLY_ROOT is read by containerboot\'s own tests only');
  });

  test.each(['yes', 'on', 'False ', 'enabled'])('the boolean %j is refused (Go would silently use the default)', (value) => {
    expect(findings(replace('TS_AUTH_ONCE', { name: 'TS_AUTH_ONCE', value }))[0]).toContain(`TS_AUTH_ONCE=${JSON.stringify(value)} is not a boolean Go can parse`);
  });

  test('TS_ROUTES with a space after the comma or host bits set is refused', () => {
    expect(findings(replace('TS_ROUTES', { name: 'TS_ROUTES', value: '10.42.0.0/16, 10.43.0.0/16' }))[0])
      .toContain('TS_ROUTES item " 10.43.0.0/16" is not a CIDR with its host bits zero (containerboot does not trim spaces)');
    expect(findings(replace('TS_ROUTES', { name: 'TS_ROUTES', value: '10.42.0.1/16' }))[0]).toContain('TS_ROUTES item "10.42.0.1/16"');
  });

  test('--advertise-routes next to TS_ROUTES is refused (it silently wins)', () => {
    expect(findings(replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--advertise-routes=10.0.0.0/8' }))[0])
      .toContain('--advertise-routes in TS_EXTRA_ARGS silently overrides TS_ROUTES');
  });

  test('an exit node by hostname, both exit-node roles, or LAN access alone is refused', () => {
    expect(findings(replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--exit-node=tethys' })).join('\n')).toContain('--exit-node=tethys is not a tailnet IP');
    expect(findings(replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--advertise-exit-node --exit-node=100.81.237.43' })).join('\n'))
      .toContain('a node cannot both advertise an exit node and use one');
    expect(findings(replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--exit-node-allow-lan-access' })).join('\n'))
      .toContain('--exit-node-allow-lan-access without --exit-node');
    expect(findings(replace('TS_EXTRA_ARGS', { name: 'TS_EXTRA_ARGS', value: '--reset --exit-node=100.81.237.43 --exit-node-allow-lan-access' }))).toEqual([]);
  });

  test('an inline auth key is refused', () => {
    expect(findings(replace('TS_AUTHKEY', { name: 'TS_AUTHKEY', value: 'not-a-real-key' }))[0]).toContain('TS_AUTHKEY is written inline: the key would live in Git');
  });

  test('TS_STATE_DIR without an empty TS_KUBE_SECRET is refused', () => {
    expect(findings(replace('TS_KUBE_SECRET', undefined))[0]).toContain('TS_STATE_DIR is ignored while TS_KUBE_SECRET names a Secret');
    expect(findings(replace('TS_KUBE_SECRET', { name: 'TS_KUBE_SECRET', value: 'tailscale' }))[0]).toContain('TS_STATE_DIR is ignored');
  });

  test('TS_HOSTNAME referring to a variable defined after it is refused', () => {
    const env = [...GOOD_ENV.filter((e) => e.name !== 'NODE_NAME'), GOOD_ENV[0]];
    expect(findings(env)[0]).toContain('TS_HOSTNAME uses $(NODE_NAME), which is not defined before it');
  });

  test('containers of other images are not checked', () => {
    expect(findings([{ name: 'TS_EXIT_NODE', value: 'x' }], 'ghcr.io/other/app:1.0')).toEqual([]);
    expect(findings([{ name: 'TS_EXIT_NODE', value: 'x' }], 'ghcr.io/tailscale/tailscale:v1.102.3')).toHaveLength(1);
  });
});
