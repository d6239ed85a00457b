import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  CONTROL_PLANE_TAINT_KEYS, CRITICAL_ADDONS_ONLY_TAINT_KEY, RECOMMENDED_LABELS, TAILNET_IPV4_RANGE, TAILSCALE_IMAGE,
} from '../lib/constants';
import { imagePinProblem } from '../lib/images';
import { assertValid, dnsLabelProblem, dnsSubdomainProblem, hostPathProblem, secretKeyProblem } from '../lib/kubernetes-names';
import { cidrContains, isCanonicalCidr, isIpv4Address } from '../lib/network';
import { CONTAINERBOOT_HEALTH_PATH, HOSTNAME_SUFFIX, TAILSCALE_TAG } from '../lib/tailscale';

/** Where the node's state directory is mounted inside the container (TS_STATE_DIR). */
const STATE_MOUNT_PATH = '/var/lib/tailscale';
const TUN_DEVICE = '/dev/net/tun';
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
      ...(props.advertiseExitNode ? ['--advertise-exit-node'] : []),
      ...(props.exitNodeIp !== undefined ? [`--exit-node=${props.exitNodeIp}`] : []),
      ...(props.exitNodeAllowLanAccess ? ['--exit-node-allow-lan-access'] : []),
      ...(props.acceptRoutes ? ['--accept-routes'] : []),
      ...(tags.length > 0 ? [`--advertise-tags=${tags.join(',')}`] : []),
    ];

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
      { name: 'TS_AUTHKEY', valueFrom: { secretKeyRef: { name: props.authKeySecret.name, key: props.authKeySecret.key } } },
      { name: 'TS_HOSTNAME', value: `$(NODE_NAME)${props.hostnameSuffix}` },
      // Kernel networking: the node gets tailscale0 and its own traffic can use the exit node.
      { name: 'TS_USERSPACE', value: 'false' },
      // State on the host, per node. An empty TS_KUBE_SECRET turns off the default shared Secret,
      // which would clone one machine key onto every node.
      { name: 'TS_STATE_DIR', value: STATE_MOUNT_PATH },
      { name: 'TS_KUBE_SECRET', value: '' },
      // Log in with the key only while the node has no identity; restarts reuse the state.
      { name: 'TS_AUTH_ONCE', value: 'true' },
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
      metadata: { name: this.name, namespace: this.namespace, labels: selector },
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
              readinessProbe: healthProbe(10, 3),
              // Generous: /healthz turns 503 while the node has no tailnet IP, e.g. during a
              // coordination-server outage, and restarting every node's agent at once would not help.
              livenessProbe: healthProbe(30, 10),
              volumeMounts: [
                { name: 'dev-net-tun', mountPath: TUN_DEVICE },
                { name: 'state', mountPath: STATE_MOUNT_PATH },
              ],
            }],
            volumes: [
              { name: 'dev-net-tun', hostPath: { path: TUN_DEVICE, type: 'CharDevice' } },
              { name: 'state', hostPath: { path: props.stateDir, type: 'DirectoryOrCreate' } },
            ],
          },
        },
      },
    });
  }
}
