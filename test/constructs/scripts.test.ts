/**
 * The shell the DaemonSets run, executed for real: busybox sh (the shell of the Alpine-based
 * Tailscale image) with busybox's tr, sed, grep and wget, OpenBSD nc for `nc -z` (Debian's busybox
 * lacks it; Alpine's has the same flags), 127.0.0.1 servers started here, and recording stand-ins only
 * for what cannot run in a test: the tailscale CLI (with `tailscale status --json` output in the
 * shape ipn/ipnstate writes), ip, sysctl and iptables.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { applySettingsScript, hostDaemonCheckScript, kernelSettingsScript } from '../../constructs/tailscale';
import { egressCheckScript, tailnetCheckScript } from '../../constructs/verify';
import { tempDir } from '../helpers';

const run = promisify(execFile);
const BUSYBOX = '/usr/bin/busybox';
const APPLETS = ['sh', 'tr', 'sed', 'grep', 'sleep', 'cat', 'rm', 'wget', 'test', 'timeout'];
const haveTools = fs.existsSync(BUSYBOX) && fs.existsSync('/usr/bin/nc.openbsd');
const describeWithTools = haveTools ? describe : describe.skip;

interface Result { readonly code: number; readonly stdout: string; readonly stderr: string }

/** A PATH of busybox applets plus the given stand-ins (name → shell body). */
function sandbox(standIns: Record<string, string>): { dir: string; env: NodeJS.ProcessEnv; calls: () => string[] } {
  const dir = tempDir();
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  for (const applet of APPLETS.filter((name) => !(name in standIns))) fs.symlinkSync(BUSYBOX, path.join(bin, applet));
  fs.symlinkSync('/usr/bin/nc.openbsd', path.join(bin, 'nc'));
  const log = path.join(dir, 'calls');
  fs.writeFileSync(log, '');
  for (const [name, body] of Object.entries(standIns)) {
    fs.writeFileSync(path.join(bin, name), `#!${BUSYBOX} sh\necho "${name} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
  }
  return { dir, env: { PATH: bin }, calls: () => fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

async function sh(script: string, env: NodeJS.ProcessEnv): Promise<Result> {
  try {
    const { stdout, stderr } = await run(BUSYBOX, ['sh', '-c', script], { env, timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** `tailscale status --json` as the CLI prints it (tab-indented), trimmed to the fields the checks read. */
function statusJson(state: string, exitNodeOnline?: boolean): string {
  const exitNode = exitNodeOnline === undefined ? '' : `,\n\t"ExitNodeStatus": {\n\t\t"ID": "nKWZpB4CNTRL",\n\t\t"Online": ${exitNodeOnline},\n\t\t"TailscaleIPs": [\n\t\t\t"100.81.237.43/32"\n\t\t]\n\t}`;
  return `{\n\t"Version": "1.102.3-t53a0d659a",\n\t"BackendState": "${state}",\n\t"Self": {\n\t\t"HostName": "worker-1-oceanid",\n\t\t"Online": true\n\t}${exitNode}\n}`;
}
const printStatus = (json: string) => `if [ "$3" = status ] || [ "$2" = status ]; then cat <<'EOF'\n${json}\nEOF\nfi`;

describeWithTools('host daemon check (init container)', () => {
  const scriptIn = (dir: string) => hostDaemonCheckScript().replaceAll('/host/run/tailscale', `${dir}/host`).replaceAll('/run/oceanid-tailscale', `${dir}/own`);

  function listenOn(socketPath: string): Promise<net.Server> {
    return new Promise((resolve) => { const server = net.createServer(); server.listen(socketPath, () => resolve(server)); });
  }

  test('a host tailscaled that answers on its socket stops the pod with the runbook', async () => {
    const box = sandbox({ tailscale: 'exit 0', ip: 'exit 1' });
    fs.mkdirSync(path.join(box.dir, 'host'));
    const server = await listenOn(path.join(box.dir, 'host', 'tailscaled.sock'));
    try {
      const result = await sh(scriptIn(box.dir), { ...box.env, NODE_NAME: 'worker-1' });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('node worker-1: a host tailscaled answers on /var/run/tailscale/tailscaled.sock; two tailscaled would fight over '
        + 'tailscale0 and the firewall. Stop the host daemon (systemctl disable --now tailscaled), keep its state; see README.md, section \'Retire host Tailscale\'\n');
      expect(box.calls()[0]).toBe(`tailscale --socket=${box.dir}/host/tailscaled.sock status --json`);
    } finally {
      server.close();
    }
  });

  test('a tailscale0 owned by another process stops the pod', async () => {
    const box = sandbox({ tailscale: 'exit 1', ip: 'exit 0' });
    const result = await sh(scriptIn(box.dir), { ...box.env, NODE_NAME: 'worker-1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('node worker-1: tailscale0 already exists and is owned by a tailscaled outside this pod');
  });

  test('a stale host socket with no daemon and no tailscale0 passes, and our own stale socket is removed', async () => {
    const box = sandbox({ tailscale: 'exit 1', ip: 'exit 1' });
    fs.mkdirSync(path.join(box.dir, 'host'));
    fs.mkdirSync(path.join(box.dir, 'own'));
    fs.writeFileSync(path.join(box.dir, 'own', 'tailscaled.sock'), '');
    const server = await listenOn(path.join(box.dir, 'host', 'tailscaled.sock'));
    try {
      const result = await sh(scriptIn(box.dir), { ...box.env, NODE_NAME: 'worker-1' });
      expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(fs.existsSync(path.join(box.dir, 'own', 'tailscaled.sock'))).toBe(false);
    } finally {
      server.close();
    }
  });
});

describeWithTools('postStart: apply the declared settings without the key', () => {
  const script = applySettingsScript().replace('exec >/proc/1/fd/1 2>&1', '');
  const env = {
    TS_SOCKET: '/run/oceanid-tailscale/tailscaled.sock', TS_HOSTNAME: 'worker-1-oceanid', TS_AUTHKEY: 'k',
    TS_EXTRA_ARGS: '--reset --exit-node=100.81.237.43 --exit-node-allow-lan-access --advertise-tags=tag:k8s',
  };
  const up = 'tailscale --socket=/run/oceanid-tailscale/tailscaled.sock up --timeout=60s --accept-dns=false --hostname=worker-1-oceanid '
    + '--reset --exit-node=100.81.237.43 --exit-node-allow-lan-access --advertise-tags=tag:k8s';

  test.each(['Running', 'Stopped'])('%s: runs tailscale up --reset with every declared flag and no key', async (state) => {
    const box = sandbox({ tailscale: printStatus(statusJson(state)) });
    const result = await sh(script, { ...box.env, ...env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`postStart: tailscaled is ${state}; applying the declared settings\n`);
    expect(box.calls()).toEqual(['tailscale --socket=/run/oceanid-tailscale/tailscaled.sock status --json', up]);
  });

  test('the exit node\'s routes go with the flags when TS_ROUTES is set', async () => {
    const box = sandbox({ tailscale: printStatus(statusJson('Running')) });
    await sh(script, { ...box.env, ...env, TS_ROUTES: '10.42.0.0/16,10.43.0.0/16', TS_EXTRA_ARGS: '--reset --advertise-exit-node --advertise-tags=tag:k8s' });
    expect(box.calls()[1]).toBe('tailscale --socket=/run/oceanid-tailscale/tailscaled.sock up --timeout=60s --accept-dns=false '
      + '--advertise-routes=10.42.0.0/16,10.43.0.0/16 --hostname=worker-1-oceanid --reset --advertise-exit-node --advertise-tags=tag:k8s');
  });

  test('NeedsLogin is left to containerboot, which logs in with the key', async () => {
    const box = sandbox({ tailscale: printStatus(statusJson('NeedsLogin')) });
    expect((await sh(script, { ...box.env, ...env })).code).toBe(0);
    expect(box.calls()).toEqual(['tailscale --socket=/run/oceanid-tailscale/tailscaled.sock status --json']);
  });

  test('waits while tailscaled is starting, then applies', async () => {
    // sleep is a recording stand-in: the wait is asserted as a call, not spent.
    const box = sandbox({
      tailscale: `if [ -f ${'$0'}.started ]; then ${printStatus(statusJson('Running'))}; else touch ${'$0'}.started; exit 1; fi`,
      sleep: 'exit 0',
    });
    fs.symlinkSync(BUSYBOX, path.join(box.env.PATH!, 'touch'));
    const result = await sh(script, { ...box.env, ...env });
    expect(result.code).toBe(0);
    expect(box.calls()).toEqual(['tailscale --socket=/run/oceanid-tailscale/tailscaled.sock status --json', 'sleep 1',
      'tailscale --socket=/run/oceanid-tailscale/tailscaled.sock status --json', up]);
  });

  test('a refused tailscale up is logged, not fatal to the container', async () => {
    const box = sandbox({ tailscale: `${printStatus(statusJson('Running'))}\n[ "$2" = up ] && exit 1; exit 0` });
    const result = await sh(script, { ...box.env, ...env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('postStart: tailscale up failed; the verify layer reports this node');
  });
});

describeWithTools('kernel settings (privileged init container)', () => {
  const standIns = (nftRules: number, legacyRules: number, clampPresent: boolean) => ({
    'sysctl': 'exit 0',
    'iptables-legacy-save': `i=0; while [ $i -lt ${legacyRules} ]; do echo "-A KUBE-FORWARD -j ACCEPT"; i=$((i+1)); done`,
    'iptables-nft-save': `i=0; while [ $i -lt ${nftRules} ]; do echo "-A KUBE-FORWARD -j ACCEPT"; i=$((i+1)); done`,
    'ip6tables-legacy-save': 'exit 0',
    'ip6tables-nft-save': 'exit 0',
    'iptables-nft': `[ "$3" = -C ] && exit ${clampPresent ? 0 : 1}; exit 0`,
    'iptables-legacy': `[ "$3" = -C ] && exit ${clampPresent ? 0 : 1}; exit 0`,
    'ip6tables-nft': `[ "$3" = -C ] && exit ${clampPresent ? 0 : 1}; exit 0`,
    'ip6tables-legacy': `[ "$3" = -C ] && exit ${clampPresent ? 0 : 1}; exit 0`,
  });
  const rule = (direction: string) => `FORWARD ${direction} tailscale0 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu`;

  test('exit node: forwarding for both families, then MSS clamping in the backend that holds the node\'s rules', async () => {
    const box = sandbox(standIns(0, 12, false));
    const result = await sh(kernelSettingsScript({ forwarding: true, clampMss: true }), box.env);
    expect(result.code).toBe(0);
    const calls = box.calls();
    expect(calls.slice(0, 3)).toEqual(['sysctl -w net.ipv4.ip_forward=1', 'sysctl net.ipv6.conf.all.forwarding', 'sysctl -w net.ipv6.conf.all.forwarding=1']);
    expect(calls).toContain(`iptables-legacy -t mangle -A ${rule('-o')}`);
    expect(calls).toContain(`iptables-legacy -t mangle -A ${rule('-i')}`);
    expect(calls.filter((call) => call.startsWith('iptables-nft '))).toEqual([]);
    // IPv6: no rules anywhere, nft is the tie-breaker (the backend of current distributions)
    expect(calls).toContain(`ip6tables-nft -t mangle -A ${rule('-o')}`);
  });

  test('a missing iptables tool is reported and skipped, not fatal: the node still joins the tailnet', async () => {
    const standIn = standIns(0, 12, false);
    delete (standIn as Record<string, string>)['ip6tables-nft'];
    const box = sandbox(standIn);
    const result = await sh(kernelSettingsScript({ forwarding: false, clampMss: true }), box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('kernel-settings: ip6tables-nft not found, MSS of ip6tables traffic through tailscale0 is not clamped\n');
    expect(box.calls()).toContain(`iptables-legacy -t mangle -A ${rule('-o')}`);
  });

  test('clients: no sysctl; a clamp that is already there is not added twice', async () => {
    const box = sandbox(standIns(30, 0, true));
    const result = await sh(kernelSettingsScript({ forwarding: false, clampMss: true }), box.env);
    expect(result.code).toBe(0);
    const calls = box.calls();
    expect(calls.some((call) => call.startsWith('sysctl'))).toBe(false);
    expect(calls).toContain(`iptables-nft -t mangle -C ${rule('-o')}`);
    expect(calls.some((call) => call.includes(' -A FORWARD'))).toBe(false);
  });
});

describeWithTools('verify: tailnet check', () => {
  const env = { TS_SOCKET: '/run/oceanid-tailscale/tailscaled.sock', NODE_NAME: 'worker-1', EXIT_NODE_IP: '100.81.237.43', EXIT_NODE_NAME: 'srv712429' };

  test('Running with its exit node online passes', async () => {
    const box = sandbox({ tailscale: printStatus(statusJson('Running', true)) });
    expect(await sh(tailnetCheckScript(), { ...box.env, ...env })).toEqual({ code: 0, stdout: 'ok   tailnet: Running\nok   exit node 100.81.237.43 online\n', stderr: '' });
  });

  test('an offline exit node fails the client', async () => {
    const box = sandbox({ tailscale: printStatus(statusJson('Running', false)) });
    const result = await sh(tailnetCheckScript(), { ...box.env, ...env });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAIL exit node: worker-1 routes through 100.81.237.43, which is not online (or not selected)');
  });

  test('the exit node itself is not asked for an exit node', async () => {
    const box = sandbox({ tailscale: printStatus(statusJson('Running')) });
    expect((await sh(tailnetCheckScript(), { ...box.env, ...env, NODE_NAME: 'srv712429' })).code).toBe(0);
  });

  test.each([['Stopped', 'Stopped'], ['NeedsLogin', 'NeedsLogin']])('%s fails', async (state, shown) => {
    const box = sandbox({ tailscale: printStatus(statusJson(state, true)) });
    const result = await sh(tailnetCheckScript(), { ...box.env, ...env });
    expect(result).toEqual({ code: 1, stdout: `FAIL tailnet: tailscaled on worker-1 is ${shown}, not Running\n`, stderr: '' });
  });

  test('no answer from tailscaled fails', async () => {
    const box = sandbox({ tailscale: 'exit 1' });
    expect((await sh(tailnetCheckScript(), { ...box.env, ...env })).stdout).toBe('FAIL tailnet: tailscaled on worker-1 is not answering, not Running\n');
  });
});

describeWithTools('verify: egress and reachability check', () => {
  let echo: http.Server;
  let open: net.Server;
  let echoUrl = '';
  let openPort = 0;
  let closedPort = 0;
  let answer = '157.173.210.123\n';

  beforeAll(async () => {
    echo = http.createServer((_request, response) => { response.end(answer); });
    open = net.createServer((socket) => socket.end());
    const closed = net.createServer();
    await Promise.all([echo, open, closed].map((server) => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))));
    echoUrl = `http://127.0.0.1:${(echo.address() as net.AddressInfo).port}/ip`;
    openPort = (open.address() as net.AddressInfo).port;
    closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
  });
  afterAll(() => { echo.close(); open.close(); });

  const env = () => ({
    NODE_NAME: 'worker-1', EXPECTED_EGRESS_IP: '157.173.210.123', EGRESS_NODES: '*', ECHO_URL: echoUrl,
    ENDPOINTS: `label-studio=127.0.0.1:${openPort} database=localhost:${openPort}`,
  });

  test('the declared egress IP and reachable endpoints pass', async () => {
    answer = '157.173.210.123\n';
    const box = sandbox({});
    expect(await sh(egressCheckScript(), { ...box.env, ...env() })).toEqual({
      code: 0, stderr: '', stdout: `ok   egress 157.173.210.123\nok   label-studio 127.0.0.1:${openPort}\nok   database localhost:${openPort}\n`,
    });
  });

  test('another egress IP fails, naming both addresses', async () => {
    answer = '203.0.113.7';
    const box = sandbox({});
    const result = await sh(egressCheckScript(), { ...box.env, ...env() });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL egress: ${echoUrl} sees 203.0.113.7, expected 157.173.210.123`);
  });

  test('an unreachable endpoint fails, naming it', async () => {
    answer = '157.173.210.123';
    const box = sandbox({});
    const result = await sh(egressCheckScript(), { ...box.env, ...env(), ENDPOINTS: `database=127.0.0.1:${closedPort}` });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`FAIL database: no TCP connection to 127.0.0.1:${closedPort} within 5s`);
  });

  test('with egress through proxies only, other nodes skip the egress check', async () => {
    answer = '203.0.113.7';
    const box = sandbox({});
    const result = await sh(egressCheckScript(), { ...box.env, ...env(), EGRESS_NODES: 'srv712429', ENDPOINTS: '' });
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
  });
});
