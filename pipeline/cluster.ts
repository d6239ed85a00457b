/**
 * Builds one cluster's Flux tree from its config: a cdk8s App with one Chart per Flux layer, and the
 * cluster's entry folder holding the Kustomizations that apply the layers in order.
 *
 *   controllers  Namespaces and External Secrets Operator        wait: CRDs and webhook must serve
 *        ↓
 *   configs      Pulumi ESC store and ExternalSecrets             wait: Secrets must be synced
 *        ↓                 ↓
 *   network      Tailscale DaemonSets      apps   workloads
 *                egress proxies
 *        ↓                 ↓
 *   verify       the success criteria, checked on every node (nothing depends on it)
 */
import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterConfig } from '../config/schema';
import {
  EgressProxy, ExternalSecretsOperator, FluxAlerts, FluxLayer, HelmApp, NodeSelection, PodSecurityNamespace, PulumiEscStore, SuccessCriteria,
  SyncedSecret, TailscaleDaemonSet, TcpEndpoint,
} from '../constructs';
import {
  ALERTS_NAMESPACE, DEFAULT_ECHO_URL, EGRESS_NAMESPACE, EXTERNAL_SECRETS_NAMESPACE, FLUX_WATCH_ENABLED, FLUX_WATCH_LABEL, MANAGED_BY, PART_OF,
  RECOMMENDED_LABELS, TAILSCALE_NAMESPACE, VERIFY_NAMESPACE,
} from '../lib/constants';
import { CLUSTER_SECRET_STORE_HEALTH, EXTERNAL_SECRET_HEALTH } from '../lib/health-checks';
import { CLUSTER_ENTRY, kustomizationPath, Layer, LAYER_DEPENDENCIES, LAYERS, TreeFolder, treeFolder } from '../lib/layout';

const TAILSCALE_PRIVILEGED_REASON = 'Tailscale joins every node to the tailnet in kernel mode: hostNetwork, a privileged container '
  + 'for /dev/net/tun, routes, IP forwarding and MSS clamping, and hostPath directories for the node identity and the tailscaled '
  + 'socket, which the unprivileged verify-tailnet check reads.';

/** A chart whose objects land in one folder of flux/. */
export class LayerChart extends Chart {
  constructor(scope: Construct, readonly layer: TreeFolder, readonly folder: string) {
    super(scope, layer, {
      disableResourceNameHashes: true,
      labels: { [RECOMMENDED_LABELS.partOf]: PART_OF, [RECOMMENDED_LABELS.managedBy]: MANAGED_BY },
    });
  }
}

export interface SynthesizedCluster {
  readonly cluster: string;
  readonly charts: readonly LayerChart[];
}

function addControllers(chart: LayerChart, config: ClusterConfig, policyVersion: string): void {
  new PodSecurityNamespace(chart, 'namespace-external-secrets', { name: EXTERNAL_SECRETS_NAMESPACE, policyVersion });
  new PodSecurityNamespace(chart, 'namespace-tailscale', {
    name: TAILSCALE_NAMESPACE, level: 'privileged', privilegedReason: TAILSCALE_PRIVILEGED_REASON, policyVersion,
  });
  if ((config.egress?.proxies.length ?? 0) > 0) {
    new PodSecurityNamespace(chart, 'namespace-egress', { name: EGRESS_NAMESPACE, policyVersion });
  }
  new PodSecurityNamespace(chart, 'namespace-verify', { name: VERIFY_NAMESPACE, policyVersion });
  if (config.alerts) new PodSecurityNamespace(chart, 'namespace-alerts', { name: ALERTS_NAMESPACE, policyVersion });
  for (const namespace of config.namespaces) {
    new PodSecurityNamespace(chart, `namespace-${namespace.name}`, {
      name: namespace.name, level: namespace.podSecurity, privilegedReason: namespace.privilegedReason, policyVersion,
    });
  }
  new ExternalSecretsOperator(chart, 'external-secrets', { namespace: EXTERNAL_SECRETS_NAMESPACE });
}

/** Synced Secrets by `namespace/name`, for the apps that read them. */
type SyncedSecrets = ReadonlyMap<string, SyncedSecret>;

function addConfigs(chart: LayerChart, config: ClusterConfig): SyncedSecrets {
  const store = new PulumiEscStore(chart, 'pulumi-esc', {
    organization: config.esc.organization,
    project: config.esc.project,
    environment: config.esc.environment,
    namespaces: config.secrets.map((secret) => secret.namespace),
  });
  // Secrets a HelmRelease reads through valuesFrom carry Flux's watch label: a change in ESC then
  // upgrades the release as soon as ESO syncs it, not at the release's next interval.
  const watched = new Set(config.apps.flatMap((app) => app.valuesFrom.map((entry) => `${app.namespace}/${entry.secret}`)));
  const synced = new Map<string, SyncedSecret>();
  for (const secret of config.secrets) {
    const id = `${secret.namespace}/${secret.name}`;
    synced.set(id, new SyncedSecret(chart, `secret-${secret.namespace}-${secret.name}`, {
      name: secret.name, namespace: secret.namespace, store, data: secret.data, refreshInterval: secret.refreshInterval,
      secretLabels: watched.has(id) ? { [FLUX_WATCH_LABEL]: FLUX_WATCH_ENABLED } : undefined,
    }));
  }
  if (config.alerts) {
    // Beside the Secret it reads; the Alert and Provider kinds come with Flux itself.
    new FluxAlerts(chart, 'alerts', {
      namespace: ALERTS_NAMESPACE, providerType: config.alerts.provider, channel: config.alerts.channel, secret: config.alerts.secret,
      severity: config.alerts.severity,
      helmReleaseNamespaces: [EXTERNAL_SECRETS_NAMESPACE, ...config.namespaces.map((namespace) => namespace.name)],
    });
  }
  return synced;
}

function addApps(chart: LayerChart, config: ClusterConfig, secrets: SyncedSecrets): void {
  for (const app of config.apps) {
    const secret = (name: string) => secrets.get(`${app.namespace}/${name}`)!;
    new HelmApp(chart, `app-${app.namespace}-${app.name}`, {
      name: app.name,
      namespace: app.namespace,
      source: { repository: app.repository, chart: app.chart, version: app.version },
      values: app.values,
      valuesFrom: app.valuesFrom.map((entry) => ({ secret: secret(entry.secret), key: entry.key, targetPath: entry.targetPath })),
      secrets: app.secrets.map(secret),
    });
  }

}

function addNetwork(chart: LayerChart, config: ClusterConfig): EgressProxy[] {
  const { tailscale } = config;
  const common = {
    namespace: TAILSCALE_NAMESPACE,
    authKeySecret: tailscale.authKeySecret,
    hostnameSuffix: tailscale.hostnameSuffix,
    stateDir: tailscale.stateDir,
    nodeNetwork: config.cluster.nodeNetwork,
  };
  const exitNode = tailscale.exitNode;
  if (exitNode) {
    new TailscaleDaemonSet(chart, 'tailscale-exit-node', {
      ...common,
      name: 'tailscale-exit-node',
      component: 'exit-node',
      nodes: NodeSelection.only(exitNode.nodeName),
      advertiseExitNode: true,
      advertiseRoutes: exitNode.advertiseRoutes,
      advertiseTags: exitNode.advertiseTags,
    });
  }
  new TailscaleDaemonSet(chart, 'tailscale-client', {
    ...common,
    name: 'tailscale-client',
    component: 'client',
    nodes: exitNode ? NodeSelection.allExcept([exitNode.nodeName]) : NodeSelection.all(),
    exitNodeIp: tailscale.clients.useExitNode ? exitNode?.tailnetIp : undefined,
    exitNodeAllowLanAccess: tailscale.clients.exitNodeAllowLanAccess,
    acceptRoutes: tailscale.clients.acceptRoutes,
    advertiseTags: tailscale.clients.advertiseTags,
  });
  return (config.egress?.proxies ?? []).map((proxy) => new EgressProxy(chart, `egress-${proxy.name}`, {
    name: proxy.name, namespace: EGRESS_NAMESPACE, node: NodeSelection.only(exitNode!.nodeName), port: proxy.port, target: proxy.target,
  }));
}

function addVerify(chart: LayerChart, config: ClusterConfig, proxies: readonly EgressProxy[]): void {
  const { exitNode, clients } = config.tailscale;
  const clientsUseExitNode = clients.useExitNode && exitNode !== undefined;
  const endpoints: TcpEndpoint[] = [
    ...config.verify.endpoints,
    ...proxies.map((proxy) => ({ name: proxy.name, host: proxy.host, port: proxy.port })),
  ];
  new SuccessCriteria(chart, 'verify', {
    namespace: VERIFY_NAMESPACE,
    tailnetNamespace: TAILSCALE_NAMESPACE,
    expectedEgressIp: config.egress?.ip,
    echoUrl: config.egress?.echoUrl ?? DEFAULT_ECHO_URL,
    // Whole-node exit: every node's pods leave from the exit node. Proxies only: the exit node's own.
    egressFrom: clientsUseExitNode || !exitNode ? { allNodes: true } : { node: exitNode.nodeName },
    endpoints,
    exitNode: clientsUseExitNode ? { tailnetIp: exitNode!.tailnetIp, nodeName: exitNode!.nodeName } : undefined,
    intervalSeconds: config.verify.intervalSeconds,
  });
}

/** The verify layer is re-evaluated often, so a lost egress shows in `flux get kustomizations` within minutes. */
const VERIFY_LAYER_TIMING = { interval: '2m', retryInterval: '1m', timeout: '1m' } as const;

function addEntry(chart: LayerChart, config: ClusterConfig): void {
  const timing = { interval: config.flux.interval, retryInterval: config.flux.retryInterval, timeout: config.flux.timeout };
  const layers = new Map<Layer, FluxLayer>();
  for (const layer of LAYERS) {
    const dependsOn = LAYER_DEPENDENCIES[layer].map((dependency) => layers.get(dependency)!);
    layers.set(layer, new FluxLayer(chart, layer, {
      ...(layer === Layer.VERIFY ? VERIFY_LAYER_TIMING : timing),
      name: layer,
      path: kustomizationPath(config.cluster.name, layer),
      dependsOn,
      // Ready only when every ExternalSecret has synced its current spec (kstatus alone would pass
      // them before ESO wrote any status); network and apps wait for this.
      ...(layer === Layer.CONFIGS ? { healthCheckExprs: [EXTERNAL_SECRET_HEALTH, CLUSTER_SECRET_STORE_HEALTH] } : {}),
    }));
  }
}

/** Builds the constructs of one cluster. Throws if a construct or a cdk8s validation refuses its input. */
export function synthesizeCluster(config: ClusterConfig): SynthesizedCluster {
  const cluster = config.cluster.name;
  const policyVersion = `v${config.cluster.kubernetesVersion}`;
  const app = new App();
  const chart = (layer: Layer) => new LayerChart(app, layer, treeFolder(cluster, layer));

  const controllers = chart(Layer.CONTROLLERS);
  addControllers(controllers, config, policyVersion);
  const configs = chart(Layer.CONFIGS);
  const secrets = addConfigs(configs, config);
  const network = chart(Layer.NETWORK);
  const proxies = addNetwork(network, config);
  const apps = chart(Layer.APPS);
  addApps(apps, config, secrets);
  const verify = chart(Layer.VERIFY);
  addVerify(verify, config, proxies);
  const entry = new LayerChart(app, CLUSTER_ENTRY, treeFolder(cluster, CLUSTER_ENTRY));
  addEntry(entry, config);

  const errors = app.node.findAll().flatMap((construct) => construct.node.validate().map((error) => `[${construct.node.path}] ${error}`));
  if (errors.length > 0) throw new Error(`cluster ${cluster}: construct validation failed:\n  ${errors.join('\n  ')}`);
  return { cluster, charts: [controllers, configs, network, apps, verify, entry] };
}
