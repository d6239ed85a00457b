import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  CONTROL_PLANE_TAINT_KEYS, CRITICAL_ADDONS_ONLY_TAINT_KEY, EGRESS_PROXY_IMAGE, EGRESS_PROXY_UID, RECOMMENDED_LABELS,
} from '../lib/constants';
import { imagePinProblem } from '../lib/images';
import { assertValid, dnsLabelProblem, secretKeyProblem } from '../lib/kubernetes-names';
import { NodeSelection } from './tailscale';

/** The unprivileged port HAProxy listens on inside the pod; the Service maps the declared port to it. */
export const EGRESS_PROXY_CONTAINER_PORT = 8080;
const CONFIG_DIR = '/usr/local/etc/haproxy';

export interface EgressProxyProps {
  /** Name of the Deployment, ConfigMap and Service: apps connect to `<name>.<namespace>.svc.cluster.local:<port>`. */
  readonly name: string;
  readonly namespace: string;
  /** The node whose public address the traffic must leave from (the exit node). */
  readonly node: NodeSelection;
  /** Port the Service listens on, e.g. 5432. */
  readonly port: number;
  /**
   * The target: its host from a Secret synced from ESC, its port from the same Secret (`portKey`) or
   * stated (`port`); exactly one of the two.
   */
  readonly target: { readonly secret: string; readonly hostKey: string; readonly portKey?: string; readonly port?: number };
  /**
   * Container image, pinned.
   * @default EGRESS_PROXY_IMAGE
   */
  readonly image?: string;
}

/**
 * The HAProxy configuration: one TCP frontend, one backend whose address comes from the environment
 * (HAProxy expands "${VAR}" in quoted strings). The backend is health-checked from the proxy's pod,
 * that is from the exit node's address, and while it is down the frontend refuses connections: a
 * TCP connect to the Service then proves the target answers the exit node, which is what the verify
 * layer checks.
 */
export function egressProxyConfig(): string {
  return [
    'global',
    '  log stdout format raw local0 info',
    'defaults',
    '  mode tcp',
    '  log global',
    '  option tcplog',
    '  timeout connect 10s',
    // Database sessions idle for long stretches; the client and server decide when to close.
    '  timeout client 1h',
    '  timeout server 1h',
    'frontend proxy',
    `  bind :${EGRESS_PROXY_CONTAINER_PORT}`,
    '  tcp-request connection reject if { nbsrv(target) eq 0 }',
    '  default_backend target',
    'backend target',
    '  server target "${TARGET_HOST}:${TARGET_PORT}" check inter 30s init-addr last,libc,none',
    '',
  ].join('\n');
}

/**
 * A small TCP proxy pinned to the exit node. Pod traffic leaving that node is masqueraded to the
 * node's address by flannel, so connections through this proxy reach the target from the exit
 * node's public IP, without routing any node's whole traffic through a tunnel. Meets Pod Security
 * `restricted`: non-root, no capabilities, read-only root filesystem.
 */
export class EgressProxy extends Construct {
  readonly name: string;
  readonly namespace: string;
  readonly port: number;
  /** What apps use as the target's host. */
  readonly host: string;

  constructor(scope: Construct, id: string, props: EgressProxyProps) {
    super(scope, id);
    assertValid('egress proxy name', props.name, dnsLabelProblem);
    assertValid('namespace', props.namespace, dnsLabelProblem);
    assertValid('target Secret name', props.target.secret, dnsLabelProblem);
    assertValid('target host key', props.target.hostKey, secretKeyProblem);
    if ((props.target.portKey === undefined) === (props.target.port === undefined)) {
      throw new Error(`egress proxy ${props.name}: state the target port exactly once, as portKey or as port`);
    }
    if (props.target.portKey !== undefined) assertValid('target port key', props.target.portKey, secretKeyProblem);
    const targetPort = props.target.port;
    if (targetPort !== undefined && (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535)) {
      throw new Error(`egress proxy ${props.name}: target port ${targetPort} must be an integer from 1 to 65535`);
    }
    if (!Number.isInteger(props.port) || props.port < 1 || props.port > 65535) {
      throw new Error(`egress proxy ${props.name}: port ${props.port} must be an integer from 1 to 65535`);
    }
    const image = props.image ?? EGRESS_PROXY_IMAGE;
    const pinProblem = imagePinProblem(image);
    if (pinProblem) throw new Error(`egress proxy ${props.name}: image ${JSON.stringify(image)} ${pinProblem}`);
    this.name = props.name;
    this.namespace = props.namespace;
    this.port = props.port;
    this.host = `${props.name}.${props.namespace}.svc.cluster.local`;

    const labels = { [RECOMMENDED_LABELS.name]: 'egress-proxy', [RECOMMENDED_LABELS.component]: props.name };
    new k8s.KubeConfigMap(this, 'Config', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      data: { 'haproxy.cfg': egressProxyConfig() },
    });
    const fromSecret = (key: string) => ({ secretKeyRef: { name: props.target.secret, key } });
    new k8s.KubeDeployment(this, 'Deployment', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            affinity: props.node._toAffinity(),
            tolerations: [
              ...CONTROL_PLANE_TAINT_KEYS.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' })),
              { key: CRITICAL_ADDONS_ONLY_TAINT_KEY, operator: 'Exists' },
            ],
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: EGRESS_PROXY_UID, runAsGroup: EGRESS_PROXY_UID, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'haproxy',
              image,
              imagePullPolicy: 'IfNotPresent',
              args: ['-f', `${CONFIG_DIR}/haproxy.cfg`],
              env: [
                { name: 'TARGET_HOST', valueFrom: fromSecret(props.target.hostKey) },
                props.target.portKey !== undefined
                  ? { name: 'TARGET_PORT', valueFrom: fromSecret(props.target.portKey) }
                  : { name: 'TARGET_PORT', value: String(props.target.port) },
              ],
              ports: [{ name: 'proxy', containerPort: EGRESS_PROXY_CONTAINER_PORT }],
              securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
              resources: {
                requests: { cpu: k8s.Quantity.fromString('10m'), memory: k8s.Quantity.fromString('32Mi') },
                limits: { memory: k8s.Quantity.fromString('128Mi') },
              },
              readinessProbe: { tcpSocket: { port: k8s.IntOrString.fromNumber(EGRESS_PROXY_CONTAINER_PORT) }, periodSeconds: 10 },
              volumeMounts: [{ name: 'config', mountPath: CONFIG_DIR, readOnly: true }],
            }],
            volumes: [{ name: 'config', configMap: { name: props.name } }],
          },
        },
      },
    });
    new k8s.KubeService(this, 'Service', {
      metadata: { name: props.name, namespace: props.namespace, labels },
      spec: {
        selector: labels,
        ports: [{ name: 'proxy', port: props.port, targetPort: k8s.IntOrString.fromNumber(EGRESS_PROXY_CONTAINER_PORT), protocol: 'TCP' }],
      },
    });
  }
}
