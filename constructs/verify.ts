import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  CONTROL_PLANE_TAINT_KEYS, CRITICAL_ADDONS_ONLY_TAINT_KEY, RECOMMENDED_LABELS, VERIFY_IMAGE,
} from '../lib/constants';
import { imagePinProblem } from '../lib/images';
import { assertValid, dnsLabelProblem } from '../lib/kubernetes-names';
import { isIpv4Address } from '../lib/network';
import { TAILSCALE_SOCKET_HOST_DIR, TAILSCALED_SOCKET_NAME } from '../lib/tailscale';

const SCRIPTS_DIR = '/checks';
const SOCKET_MOUNT_PATH = '/run/oceanid-tailscale';
/** Every check finishes in a few seconds; a probe that takes longer counts as failed. */
const PROBE_TIMEOUT_SECONDS = 30;
/** Two failed rounds in a row turn a pod unready, so one lost packet does not. */
const FAILURE_THRESHOLD = 2;

const TOLERATIONS: k8s.Toleration[] = [
  ...CONTROL_PLANE_TAINT_KEYS.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' })),
  { key: CRITICAL_ADDONS_ONLY_TAINT_KEY, operator: 'Exists' },
];

export interface TcpEndpoint {
  /** Short name, printed with the result. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/**
 * Egress and reachability, from the pod network of every node: the public address an echo service
 * sees (busybox wget), and a TCP connect to each endpoint (busybox nc). Exit code 0 only if all pass;
 * each result is one line, which kubelet puts in the probe's event when it fails.
 */
export function egressCheckScript(): string {
  return [
    'fail=0',
    'if [ -n "${EXPECTED_EGRESS_IP:-}" ] && { [ "${EGRESS_NODES:-}" = "*" ] || [ "${EGRESS_NODES:-}" = "$NODE_NAME" ]; }; then',
    '  seen=$(timeout 10 wget -q -O - "$ECHO_URL" 2>/dev/null | tr -d "[:space:]")',
    '  if [ "$seen" = "$EXPECTED_EGRESS_IP" ]; then echo "ok   egress $seen"; '
      + 'else echo "FAIL egress: $ECHO_URL sees ${seen:-nothing}, expected $EXPECTED_EGRESS_IP"; fail=1; fi',
    'fi',
    'for endpoint in ${ENDPOINTS:-}; do',
    '  name=${endpoint%%=*}; target=${endpoint#*=}; host=${target%:*}; port=${target##*:}',
    '  if nc -z -w 5 "$host" "$port" >/dev/null 2>&1; then echo "ok   $name $host:$port"; '
      + 'else echo "FAIL $name: no TCP connection to $host:$port within 5s"; fail=1; fi',
    'done',
    'exit $fail',
    '',
  ].join('\n');
}

/**
 * The node's tailscaled, asked over its LocalAPI socket: logged in and Running, online, and (for
 * nodes that use one) its exit node online. `tailscale status --json` fields: BackendState,
 * Self.Online, ExitNodeStatus.Online (ipn/ipnstate).
 */
export function tailnetCheckScript(): string {
  return [
    'status=$(tailscale --socket="$TS_SOCKET" status --json 2>/dev/null | tr -d "[:space:]")',
    'state=$(echo "$status" | sed -n \'s/.*"BackendState":"\\([A-Za-z]*\\)".*/\\1/p\')',
    'if [ "$state" != Running ]; then echo "FAIL tailnet: tailscaled on $NODE_NAME is ${state:-not answering}, not Running"; exit 1; fi',
    'echo "ok   tailnet: Running"',
    'if [ -n "${EXIT_NODE_IP:-}" ] && [ "$NODE_NAME" != "${EXIT_NODE_NAME:-}" ]; then',
    '  if echo "$status" | grep -q \'"ExitNodeStatus":{[^}]*"Online":true\'; then echo "ok   exit node $EXIT_NODE_IP online"; '
      + 'else echo "FAIL exit node: $NODE_NAME routes through $EXIT_NODE_IP, which is not online (or not selected)"; exit 1; fi',
    'fi',
    '',
  ].join('\n');
}

export interface SuccessCriteriaProps {
  /** Namespace of the egress checks (Pod Security restricted is enough). */
  readonly namespace: string;
  /** Namespace of the tailnet check: it reads the tailscaled socket from a host directory. */
  readonly tailnetNamespace: string;
  /**
   * The public IPv4 address egress must show.
   * @default - the egress check is skipped
   */
  readonly expectedEgressIp?: string;
  /** URL answering with the caller's public IP, e.g. https://ipinfo.io/ip. */
  readonly echoUrl: string;
  /**
   * Nodes whose pods must leave from expectedEgressIp: every node when they use the exit node,
   * only the exit node when only proxied traffic does.
   */
  readonly egressFrom: { readonly allNodes: true } | { readonly node: string };
  /** TCP endpoints every node's pods must reach. */
  readonly endpoints: readonly TcpEndpoint[];
  /**
   * The exit node the clients use, if any: its Tailscale IP and node name.
   * @default - no exit-node check
   */
  readonly exitNode?: { readonly tailnetIp: string; readonly nodeName: string };
  /** Seconds between two rounds of checks (also the readiness period). */
  readonly intervalSeconds: number;
  /**
   * Image with busybox and the tailscale CLI, pinned.
   * @default VERIFY_IMAGE
   */
  readonly image?: string;
}

/**
 * The success criteria of the Tailscale migration, checked continuously on every node: DaemonSets
 * whose readiness probe is the check. A failing check turns the pod unready within
 * `intervalSeconds × 2`, the DaemonSet stops being Current, and the `verify` Flux layer (wait: true)
 * turns Ready=False at its next reconcile: `flux get kustomizations` shows which layer, and
 * `kubectl get events -n <namespace>` shows which node and which check.
 */
export class SuccessCriteria extends Construct {
  constructor(scope: Construct, id: string, props: SuccessCriteriaProps) {
    super(scope, id);
    assertValid('namespace', props.namespace, dnsLabelProblem);
    assertValid('namespace', props.tailnetNamespace, dnsLabelProblem);
    if (props.expectedEgressIp !== undefined && !isIpv4Address(props.expectedEgressIp)) {
      throw new Error(`verify: expectedEgressIp ${JSON.stringify(props.expectedEgressIp)} must be an IPv4 address`);
    }
    if (!/^https?:\/\/[^\s]+$/.test(props.echoUrl)) throw new Error(`verify: echoUrl ${JSON.stringify(props.echoUrl)} must be an http(s) URL`);
    if (!Number.isInteger(props.intervalSeconds) || props.intervalSeconds < 10) {
      throw new Error(`verify: intervalSeconds ${props.intervalSeconds} must be an integer of at least 10`);
    }
    for (const endpoint of props.endpoints) {
      assertValid('endpoint name', endpoint.name, dnsLabelProblem);
      if (!/^[A-Za-z0-9.-]+$/.test(endpoint.host)) throw new Error(`verify: endpoint ${endpoint.name}: host ${JSON.stringify(endpoint.host)} is not a host name or IPv4 address`);
      if (!Number.isInteger(endpoint.port) || endpoint.port < 1 || endpoint.port > 65535) throw new Error(`verify: endpoint ${endpoint.name}: port ${endpoint.port} is out of range`);
    }
    const image = props.image ?? VERIFY_IMAGE;
    const pinProblem = imagePinProblem(image);
    if (pinProblem) throw new Error(`verify: image ${JSON.stringify(image)} ${pinProblem}`);

    const nodeName: k8s.EnvVar = { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } };
    const probe = (script: string): k8s.Probe => ({
      exec: { command: ['/bin/sh', `${SCRIPTS_DIR}/${script}`] },
      periodSeconds: props.intervalSeconds,
      timeoutSeconds: PROBE_TIMEOUT_SECONDS,
      failureThreshold: FAILURE_THRESHOLD,
    });
    const resources = {
      requests: { cpu: k8s.Quantity.fromString('5m'), memory: k8s.Quantity.fromString('16Mi') },
      limits: { memory: k8s.Quantity.fromString('64Mi') },
    };
    // The container only keeps the pod alive; the checks run as its readiness probe.
    const idle = ['/bin/sh', '-c', 'while true; do sleep 3600; done'];

    /** One check: a ConfigMap with its script, and a DaemonSet whose readiness probe runs it on every node. */
    const addCheck = (check: {
      readonly id: string;
      readonly component: string;
      readonly namespace: string;
      readonly script: { readonly name: string; readonly text: string };
      readonly podSecurityContext: k8s.PodSecurityContext;
      readonly env: readonly k8s.EnvVar[];
      readonly extraMounts?: readonly { readonly mount: k8s.VolumeMount; readonly volume: k8s.Volume }[];
    }) => {
      const name = `verify-${check.component}`;
      const labels = { [RECOMMENDED_LABELS.name]: 'verify', [RECOMMENDED_LABELS.component]: check.component };
      new k8s.KubeConfigMap(this, `${check.id}Script`, {
        metadata: { name, namespace: check.namespace, labels },
        data: { [check.script.name]: check.script.text },
      });
      new k8s.KubeDaemonSet(this, check.id, {
        metadata: { name, namespace: check.namespace, labels },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              tolerations: TOLERATIONS,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: check.podSecurityContext,
              containers: [{
                name: 'check',
                image,
                imagePullPolicy: 'IfNotPresent',
                command: idle,
                env: [nodeName, ...check.env],
                // No privilege and no capability in either check.
                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
                resources,
                readinessProbe: probe(check.script.name),
                volumeMounts: [{ name: 'checks', mountPath: SCRIPTS_DIR, readOnly: true }, ...(check.extraMounts ?? []).map((extra) => extra.mount)],
              }],
              volumes: [{ name: 'checks', configMap: { name } }, ...(check.extraMounts ?? []).map((extra) => extra.volume)],
            },
          },
        },
      });
    };

    addCheck({
      id: 'Egress',
      component: 'egress',
      namespace: props.namespace,
      script: { name: 'check-egress.sh', text: egressCheckScript() },
      // Pod Security restricted: the checks need no privilege at all.
      podSecurityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: 'RuntimeDefault' } },
      env: [
        ...(props.expectedEgressIp !== undefined ? [
          { name: 'EXPECTED_EGRESS_IP', value: props.expectedEgressIp },
          { name: 'EGRESS_NODES', value: 'allNodes' in props.egressFrom ? '*' : props.egressFrom.node },
          { name: 'ECHO_URL', value: props.echoUrl },
        ] : []),
        { name: 'ENDPOINTS', value: props.endpoints.map((endpoint) => `${endpoint.name}=${endpoint.host}:${endpoint.port}`).join(' ') },
      ],
    });
    addCheck({
      id: 'Tailnet',
      component: 'tailnet',
      namespace: props.tailnetNamespace,
      script: { name: 'check-tailnet.sh', text: tailnetCheckScript() },
      // It only talks to the node's tailscaled socket, which needs the hostPath below (hence the
      // privileged namespace) and root's file access.
      podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      env: [
        { name: 'TS_SOCKET', value: `${SOCKET_MOUNT_PATH}/${TAILSCALED_SOCKET_NAME}` },
        ...(props.exitNode ? [{ name: 'EXIT_NODE_IP', value: props.exitNode.tailnetIp }, { name: 'EXIT_NODE_NAME', value: props.exitNode.nodeName }] : []),
      ],
      extraMounts: [{
        mount: { name: 'socket', mountPath: SOCKET_MOUNT_PATH },
        volume: { name: 'socket', hostPath: { path: TAILSCALE_SOCKET_HOST_DIR, type: 'Directory' } },
      }],
    });
  }
}
