import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  CONTROL_PLANE_TAINT_KEYS, CRITICAL_ADDONS_ONLY_TAINT_KEY, NODE_NETWORK_ANNOTATION, NodeNetwork, RECOMMENDED_LABELS, TAILNET_IPV4_RANGE,
  TAILSCALE_IMAGE,
} from '../lib/constants';
import { imagePinProblem } from '../lib/images';
import { assertValid, dnsLabelProblem, dnsSubdomainProblem, hostPathProblem, secretKeyProblem } from '../lib/kubernetes-names';
import { cidrContains, isCanonicalCidr, isIpv4Address } from '../lib/network';
import {
  CONTAINERBOOT_HEALTH_PATH, HOST_TAILSCALED_SOCKET_DIR, HOSTNAME_SUFFIX, mssClampRules, TAILSCALE_INTERFACE, TAILSCALE_RESET_FLAG,
  TAILSCALE_SOCKET_HOST_DIR, TAILSCALE_TAG,
  TAILSCALED_SOCKET_NAME,
} from '../lib/tailscale';

/** Where the node's state directory is mounted inside the container (TS_STATE_DIR). */
const STATE_MOUNT_PATH = '/var/lib/tailscale';
const TUN_DEVICE = '/dev/net/tun';
/** Where the host's tailscaled socket directory is mounted in the host-daemon check. */
const HOST_SOCKET_MOUNT_PATH = '/host/run/tailscale';
const SOCKET_MOUNT_PATH = '/run/oceanid-tailscale';
/** How long `tailscale up` in the postStart hook may wait for Running. */
const APPLY_TIMEOUT = '60s';
/** Loopback, so the health endpoint of a hostNetwork pod is not exposed on the node's public address. */
const DEFAULT_HEALTH_ADDRESS = { host: '127.0.0.1', port: 9002 };

/**
 * Which nodes a DaemonSet runs on. Selection is by node name (`metadata.name`), the field the
 * DaemonSet controller itself matches on, so no node label has to be added by hand.
 */
export class NodeSelection {
  /** Every node of the cluster. */
  static all(): NodeSelection {
    return new NodeSelection([], 'all nodes');
  }

  /** Exactly one node. */
  static only(nodeName: string): NodeSelection {
    assertValid('node name', nodeName, dnsSubdomainProblem);
    return new NodeSelection([{ key: 'metadata.name', operator: 'In', values: [nodeName] }], `node ${nodeName}`);
  }

  /** Every node except these; a node that joins later is included without any change. */
  static allExcept(nodeNames: readonly string[]): NodeSelection {
    if (nodeNames.length === 0) return NodeSelection.all();
    nodeNames.forEach((name) => assertValid('node name', name, dnsSubdomainProblem));
    return new NodeSelection([{ key: 'metadata.name', operator: 'NotIn', values: [...nodeNames].sort() }], `all nodes except ${nodeNames.join(', ')}`);
  }

  private constructor(private readonly matchFields: k8s.NodeSelectorRequirement[], readonly description: string) {}

  /** @internal the pod affinity that implements the selection, if any */
  _toAffinity(): k8s.Affinity | undefined {
    if (this.matchFields.length === 0) return undefined;
    return { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: this.matchFields }] } } };
  }
}

export interface TailscaleResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly memory: string };
}

export interface TailscaleDaemonSetProps {
  /** DaemonSet name, e.g. `tailscale-exit-node`. */
  readonly name: string;
  readonly namespace: string;
  /** Value of the `app.kubernetes.io/component` label that tells this DaemonSet's pods apart. */
  readonly component: string;
  /** The nodes to run on. */
  readonly nodes: NodeSelection;

  /** Secret and key holding a reusable auth key (every node of the DaemonSet reads the same one). */
  readonly authKeySecret: { readonly name: string; readonly key: string };
  /** Appended to the node name to form the tailnet hostname, e.g. `-oceanid`. */
  readonly hostnameSuffix: string;
  /** Host directory that keeps each node's Tailscale identity across pod restarts. */
  readonly stateDir: string;

  /**
   * Subnets this node advertises (TS_ROUTES).
   * @default - none; TS_ROUTES is not set
   */
  readonly advertiseRoutes?: readonly string[];
  /**
   * Offer this node as an exit node.
   * @default false
   */
  readonly advertiseExitNode?: boolean;
  /**
   * Tailscale IP of the exit node to send internet traffic through (an IP, because a hostname does
   * not resolve before the first netmap arrives).
   * @default - no exit node
   */
  readonly exitNodeIp?: string;
  /**
   * Keep the local network reachable while using the exit node.
   * @default false
   */
  readonly exitNodeAllowLanAccess?: boolean;
  /**
   * Accept subnet routes other nodes advertise.
   * @default false
   */
  readonly acceptRoutes?: boolean;
  /**
   * Tags to advertise; the auth key must be allowed to use them.
   * @default - none
   */
  readonly advertiseTags?: readonly string[];
  /**
   * How the cluster's nodes reach each other, stated on the DaemonSet (NODE_NETWORK_ANNOTATION) so
   * that the gate can check exit-node use in the tree itself. Over `public` addresses no node may use
   * an exit node: flannel and inbound traffic on public addresses would take the tunnel.
   * @default - not stated: exit-node use is not checked against it
   */
  readonly nodeNetwork?: NodeNetwork;

  /**
   * Enable IPv4 and IPv6 forwarding on the node before tailscaled starts. containerboot enables
   * forwarding only for the address families of TS_ROUTES (forwarding.go:53-66 at v1.102.3), while
   * exit-node clients route ::/0 to the exit node too (ipn/ipnlocal/local.go:6546-6564): without this,
   * IPv6 from dual-stack clients is dropped at the exit node.
   * @default - true when advertiseExitNode, else false
   */
  readonly enableForwarding?: boolean;
  /**
   * Clamp the MSS of forwarded TCP handshakes on tailscale0 (both directions, IPv4 and IPv6), so pod
   * traffic entering the 1280-byte tunnel does not stall on full-size segments. containerboot clamps
   * only in its proxy modes (forwarding.go:123,187,239).
   * @default true
   */
  readonly clampMss?: boolean;

  /**
   * Container image, pinned by tag or digest.
   * @default TAILSCALE_IMAGE
   */
  readonly image?: string;
  /**
   * Requests and limits. No CPU limit: throttling a router drops packets.
   * @default - 20m CPU and 64Mi memory requested, 256Mi memory limit
   */
  readonly resources?: TailscaleResources;
}

const DEFAULT_RESOURCES: TailscaleResources = { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '256Mi' } };

/**
 * Tailscale on every selected node, as a privileged hostNetwork DaemonSet in kernel mode: the node
 * itself joins the tailnet, under a hostname derived from its node name, with its identity kept in a
 * host directory. A new node gets a pod, logs in with the shared auth key and joins; nobody SSHes
 * anywhere.
 *
 * Configured only through variables containerboot reads (see lib/tailscale.ts); everything that is a
 * `tailscale up` flag goes into TS_EXTRA_ARGS.
 */
export class TailscaleDaemonSet extends Construct {
  readonly name: string;
  readonly namespace: string;
  /** The `tailscale up` flags, in the order they are passed. */
  readonly upFlags: readonly string[];

  constructor(scope: Construct, id: string, props: TailscaleDaemonSetProps) {
    super(scope, id);
    assertValid('DaemonSet name', props.name, dnsSubdomainProblem);
    assertValid('namespace', props.namespace, dnsLabelProblem);
    assertValid('auth key Secret name', props.authKeySecret.name, dnsSubdomainProblem);
    assertValid('auth key Secret key', props.authKeySecret.key, secretKeyProblem);
    this.name = props.name;
    this.namespace = props.namespace;
    const where = `tailscale DaemonSet ${props.name}`;

    if (!HOSTNAME_SUFFIX.test(props.hostnameSuffix)) {
      throw new Error(`${where}: hostnameSuffix ${JSON.stringify(props.hostnameSuffix)} must be a dash followed by a DNS label, e.g. "-oceanid"`);
    }
    const stateDirProblem = hostPathProblem(props.stateDir);
    if (stateDirProblem) throw new Error(`${where}: stateDir ${JSON.stringify(props.stateDir)} ${stateDirProblem}`);
    const routes = props.advertiseRoutes ?? [];
    for (const route of routes) {
      if (!isCanonicalCidr(route)) throw new Error(`${where}: route ${JSON.stringify(route)} must be a CIDR with its host bits zero, e.g. 10.42.0.0/16`);
    }
    if (props.exitNodeIp !== undefined && !(isIpv4Address(props.exitNodeIp) && cidrContains(TAILNET_IPV4_RANGE, props.exitNodeIp))) {
      throw new Error(`${where}: exitNodeIp ${JSON.stringify(props.exitNodeIp)} must be a Tailscale IPv4 address in ${TAILNET_IPV4_RANGE}`);
    }
    if (props.advertiseExitNode && props.exitNodeIp !== undefined) {
      throw new Error(`${where}: a node cannot both offer an exit node (advertiseExitNode) and use one (exitNodeIp)`);
    }
    if (props.exitNodeIp !== undefined && props.nodeNetwork === 'public') {
      throw new Error(`${where}: nodes that reach each other over public addresses cannot use an exit node (flannel and inbound traffic would take the tunnel)`);
    }
    if (props.exitNodeAllowLanAccess && props.exitNodeIp === undefined) {
      throw new Error(`${where}: exitNodeAllowLanAccess needs exitNodeIp (tailscale up rejects --exit-node-allow-lan-access alone)`);
    }
    const tags = props.advertiseTags ?? [];
    for (const tag of tags) {
      if (!TAILSCALE_TAG.test(tag)) throw new Error(`${where}: tag ${JSON.stringify(tag)} must look like "tag:k8s"`);
    }
    const image = props.image ?? TAILSCALE_IMAGE;
    const pinProblem = imagePinProblem(image);
    if (pinProblem) throw new Error(`${where}: image ${JSON.stringify(image)} ${pinProblem}`);

    this.upFlags = [
      // Unmentioned settings (host-era --ssh, --operator, --accept-routes, or a flag removed from
      // config later) reset to defaults instead of making `tailscale up` refuse and the pod crash-loop.
      TAILSCALE_RESET_FLAG,
      ...(props.advertiseExitNode ? ['--advertise-exit-node'] : []),
      ...(props.exitNodeIp !== undefined ? [`--exit-node=${props.exitNodeIp}`] : []),
      ...(props.exitNodeAllowLanAccess ? ['--exit-node-allow-lan-access'] : []),
      ...(props.acceptRoutes ? ['--accept-routes'] : []),
      ...(tags.length > 0 ? [`--advertise-tags=${tags.join(',')}`] : []),
    ];

    const forwarding = props.enableForwarding ?? props.advertiseExitNode ?? false;
    const clampMss = props.clampMss ?? true;

    const selector = { [RECOMMENDED_LABELS.name]: 'tailscale', [RECOMMENDED_LABELS.component]: props.component };
    const resources = props.resources ?? DEFAULT_RESOURCES;
    const healthProbe = (periodSeconds: number, failureThreshold: number): k8s.Probe => ({
      httpGet: { host: DEFAULT_HEALTH_ADDRESS.host, port: k8s.IntOrString.fromNumber(DEFAULT_HEALTH_ADDRESS.port), path: CONTAINERBOOT_HEALTH_PATH },
      periodSeconds,
      failureThreshold,
      timeoutSeconds: 5,
    });

    const env: k8s.EnvVar[] = [
      // Must come before TS_HOSTNAME: Kubernetes only expands $(VAR) for variables defined earlier.
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      // Optional: with TS_AUTH_ONCE containerboot runs `tailscale up` (the only use of the key) only
      // in NeedsLogin (main.go:526-546), and an empty TS_AUTHKEY is valid: settings.go:96 reads it,
      // nothing requires it, and tailscaled.go:120-122 passes --authkey only when set. So a node that
      // is already logged in starts even when ESO or ESC is down and the Secret is missing.
      { name: 'TS_AUTHKEY', valueFrom: { secretKeyRef: { name: props.authKeySecret.name, key: props.authKeySecret.key, optional: true } } },
      { name: 'TS_HOSTNAME', value: `$(NODE_NAME)${props.hostnameSuffix}` },
      // Kernel networking: the node gets tailscale0 and its own traffic can use the exit node.
      { name: 'TS_USERSPACE', value: 'false' },
      // State on the host, per node. An empty TS_KUBE_SECRET turns off the default shared Secret,
      // which would clone one machine key onto every node.
      { name: 'TS_STATE_DIR', value: STATE_MOUNT_PATH },
      { name: 'TS_KUBE_SECRET', value: '' },
      // Log in with the key only while the node needs login; restarts reuse the state and never
      // send the key (an expired key in the Secret cannot log a running node out). The declared
      // flags are applied on every start by the postStart hook below.
      { name: 'TS_AUTH_ONCE', value: 'true' },
      // A socket in a host directory of our own: the verify layer asks it, and it never collides
      // with a host daemon's /var/run/tailscale.
      { name: 'TS_SOCKET', value: `${SOCKET_MOUNT_PATH}/${TAILSCALED_SOCKET_NAME}` },
      // containerboot's default; written out because accepting DNS would only rewrite the
      // container's resolv.conf, never the node's.
      { name: 'TS_ACCEPT_DNS', value: 'false' },
      ...(routes.length > 0 ? [{ name: 'TS_ROUTES', value: routes.join(',') }] : []),
      ...(this.upFlags.length > 0 ? [{ name: 'TS_EXTRA_ARGS', value: this.upFlags.join(' ') }] : []),
      // The image's iptables is the legacy backend; let tailscaled pick what the host uses.
      { name: 'TS_DEBUG_FIREWALL_MODE', value: 'auto' },
      { name: 'TS_ENABLE_HEALTH_CHECK', value: 'true' },
      { name: 'TS_LOCAL_ADDR_PORT', value: `${DEFAULT_HEALTH_ADDRESS.host}:${DEFAULT_HEALTH_ADDRESS.port}` },
    ];

    new k8s.KubeDaemonSet(this, 'Resource', {
      metadata: {
        name: this.name, namespace: this.namespace, labels: selector,
        ...(props.nodeNetwork ? { annotations: { [NODE_NETWORK_ANNOTATION]: props.nodeNetwork } } : {}),
      },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(1) } },
        template: {
          metadata: { labels: selector },
          spec: {
            hostNetwork: true,
            dnsPolicy: 'ClusterFirstWithHostNet',
            priorityClassName: 'system-node-critical',
            // Nothing here talks to the API server (no Secret state), so no token is mounted.
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            affinity: props.nodes._toAffinity(),
            tolerations: [
              ...CONTROL_PLANE_TAINT_KEYS.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' })),
              { key: CRITICAL_ADDONS_ONLY_TAINT_KEY, operator: 'Exists' },
            ],
            initContainers: [
              {
                name: 'host-daemon-check',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', hostDaemonCheckScript()],
                env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                // Reads only: a socket answer and `ip link show` need no privilege.
                securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
                resources: INIT_RESOURCES,
                volumeMounts: [
                  { name: 'host-tailscale-run', mountPath: HOST_SOCKET_MOUNT_PATH, readOnly: true },
                  { name: 'socket', mountPath: SOCKET_MOUNT_PATH },
                ],
              },
              ...(forwarding || clampMss ? [{
                name: 'kernel-settings',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', kernelSettingsScript({ forwarding, clampMss })],
                // Privileged: writes node sysctls (/proc/sys is read-only otherwise) and node firewall rules.
                securityContext: { privileged: true },
                resources: INIT_RESOURCES,
              }] : []),
            ],
            containers: [{
              name: 'tailscale',
              image,
              imagePullPolicy: 'IfNotPresent',
              env,
              securityContext: { privileged: true },
              resources: {
                requests: { cpu: k8s.Quantity.fromString(resources.requests.cpu), memory: k8s.Quantity.fromString(resources.requests.memory) },
                limits: { memory: k8s.Quantity.fromString(resources.limits.memory) },
              },
              lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', applySettingsScript()] } } },
              readinessProbe: healthProbe(10, 3),
              // Generous: /healthz turns 503 while the node has no tailnet IP, e.g. during a
              // coordination-server outage, and restarting every node's agent at once would not help.
              livenessProbe: healthProbe(30, 10),
              volumeMounts: [
                { name: 'dev-net-tun', mountPath: TUN_DEVICE },
                { name: 'state', mountPath: STATE_MOUNT_PATH },
                { name: 'socket', mountPath: SOCKET_MOUNT_PATH },
              ],
            }],
            volumes: [
              { name: 'dev-net-tun', hostPath: { path: TUN_DEVICE, type: 'CharDevice' } },
              { name: 'state', hostPath: { path: props.stateDir, type: 'DirectoryOrCreate' } },
              { name: 'socket', hostPath: { path: TAILSCALE_SOCKET_HOST_DIR, type: 'DirectoryOrCreate' } },
              { name: 'host-tailscale-run', hostPath: { path: HOST_TAILSCALED_SOCKET_DIR, type: 'DirectoryOrCreate' } },
            ],
          },
        },
      },
    });
  }
}

const INIT_RESOURCES = { requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('16Mi') }, limits: { memory: k8s.Quantity.fromString('64Mi') } };

/** The README section that tells an operator how to retire a host install. */
export const HOST_DAEMON_RUNBOOK = "README.md, section 'Retire host Tailscale'";

/**
 * Fails the pod, before tailscaled starts, when a tailscaled outside this pod owns the node: a host
 * daemon answering on its socket, or a tailscale0 that exists while no pod of ours runs (a TUN device
 * disappears with the process that holds it). Also clears our own stale socket, which would
 * otherwise make containerboot talk to a dead daemon (it only waits for the file, tailscaled.go:44-58).
 */
export function hostDaemonCheckScript(): string {
  const hostSocket = `${HOST_SOCKET_MOUNT_PATH}/${TAILSCALED_SOCKET_NAME}`;
  const fail = (what: string) => `echo "node $NODE_NAME: ${what}; two tailscaled would fight over ${TAILSCALE_INTERFACE} and the firewall. `
    + `Stop the host daemon (systemctl disable --now tailscaled), keep its state; see ${HOST_DAEMON_RUNBOOK}" >&2; exit 1`;
  return [
    'set -u',
    `if [ -S ${hostSocket} ] && tailscale --socket=${hostSocket} status --json >/dev/null 2>&1; then`,
    `  ${fail(`a host tailscaled answers on ${HOST_TAILSCALED_SOCKET_DIR}/${TAILSCALED_SOCKET_NAME}`)}`,
    'fi',
    `if ip link show ${TAILSCALE_INTERFACE} >/dev/null 2>&1; then`,
    `  ${fail(`${TAILSCALE_INTERFACE} already exists and is owned by a tailscaled outside this pod`)}`,
    'fi',
    `rm -f ${SOCKET_MOUNT_PATH}/${TAILSCALED_SOCKET_NAME}`,
  ].join('\n');
}

/**
 * Node kernel settings tailscaled does not make itself in this mode: IP forwarding for both
 * families (what Tailscale's operator proxies do in their privileged "sysctler" init container,
 * cmd/k8s-operator/deploy/manifests/proxy.yaml:14-18 at v1.102.3), and MSS clamping on tailscale0.
 * The clamp goes into the iptables backend that already holds the node's rules (K3s picks legacy or
 * nft per host), and is added only once.
 */
export function kernelSettingsScript(options: { forwarding: boolean; clampMss: boolean }): string {
  const lines = ['set -eu'];
  if (options.forwarding) {
    lines.push('sysctl -w net.ipv4.ip_forward=1', 'if sysctl net.ipv6.conf.all.forwarding >/dev/null 2>&1; then sysctl -w net.ipv6.conf.all.forwarding=1; fi');
  }
  if (options.clampMss) {
    lines.push(
      'for family in iptables ip6tables; do',
      '  legacy=$($family-legacy-save 2>/dev/null | grep -c "^-A" || true)',
      '  nft=$($family-nft-save 2>/dev/null | grep -c "^-A" || true)',
      '  if [ "${nft:-0}" -ge "${legacy:-0}" ]; then ipt=$family-nft; else ipt=$family-legacy; fi',
      // A missing tool must not keep the node off the tailnet: say so in the log and go on.
      '  if ! command -v $ipt >/dev/null 2>&1; then echo "kernel-settings: $ipt not found, MSS of $family traffic through tailscale0 is not clamped"; continue; fi',
      ...mssClampRules(TAILSCALE_INTERFACE).map((rule) => `  $ipt -t mangle -C ${rule.join(' ')} 2>/dev/null || $ipt -t mangle -A ${rule.join(' ')}`),
      'done',
    );
  }
  return lines.join('\n');
}

/**
 * postStart: applies the declared `tailscale up` flags on every start, without the auth key.
 *
 * With TS_AUTH_ONCE=true containerboot runs `tailscale up` (with the key) only in NeedsLogin and
 * otherwise only `tailscale set` for hostname, routes and DNS (main.go:589-596); it waits for Running
 * and never brings a node out of Stopped (main.go:517-563: any other state is logged as "waiting",
 * line 561, until TS_BOOT_TIMEOUT, 60s by default, ends the container: a crash loop). This hook waits for the daemon, then:
 * - Running: `tailscale up --reset <flags>` edits the prefs in place (up.go:463-485, no key, no reconnect);
 * - Stopped: the same command starts the node with WantRunning=true (up.go:332) from its stored node
 *   key, with no interactive login because the node has one (up.go:692);
 * - NeedsLogin: does nothing, containerboot logs in with the key and the same flags.
 * Its output goes to the container log; it never fails the container.
 */
export function applySettingsScript(): string {
  return [
    'exec >/proc/1/fd/1 2>&1',
    'i=0',
    'while [ $i -lt 120 ]; do',
    '  state=$(tailscale --socket="$TS_SOCKET" status --json 2>/dev/null | tr -d "[:space:]" | sed -n \'s/.*"BackendState":"\\([A-Za-z]*\\)".*/\\1/p\')',
    '  case "$state" in',
    '    Running|Stopped)',
    '      echo "postStart: tailscaled is $state; applying the declared settings"',
    `      tailscale --socket="$TS_SOCKET" up --timeout=${APPLY_TIMEOUT} --accept-dns=false \${TS_ROUTES+--advertise-routes=$TS_ROUTES} --hostname="$TS_HOSTNAME" $TS_EXTRA_ARGS`
      + ' || echo "postStart: tailscale up failed; the verify layer reports this node"',
    '      exit 0 ;;',
    '    NeedsLogin|NeedsMachineAuth) exit 0 ;;',
    '  esac',
    '  i=$((i+1)); sleep 1',
    'done',
    'echo "postStart: tailscaled never answered within 120s"',
  ].join('\n');
}
