/**
 * The schema of a cluster's config file (config/<cluster>.yaml). It is the only place the config's
 * shape and rules are written down: the TypeScript types are inferred from it, `npm run
 * config-schema` emits config/cluster.schema.json from it for editor completion, and
 * `loadClusterConfig` validates every file against it before anything is synthesized.
 */
import * as v from 'valibot';
import {
  ALERTS_NAMESPACE, DEFAULT_ECHO_URL, EGRESS_NAMESPACE, NODE_NETWORKS, NOTIFICATION_PROVIDER_TYPES, POD_SECURITY_LEVELS, PLATFORM_NAMESPACES,
  SYSTEM_NAMESPACES, TAILNET_IPV4_RANGE, TAILSCALE_NAMESPACE,
} from '../lib/constants';
import { GO_DURATION } from '../lib/durations';
import { describeKubernetesSchemaVersions, KUBERNETES_SCHEMA_VERSIONS } from '../lib/kubernetes-versions';
import { ESC_NAME, escNameProblem, escPathProblem } from '../lib/esc';
import { chartVersionProblem, parseSetPath } from '../lib/helm';
import { dnsLabelProblem, dnsSubdomainProblem, hostPathProblem, secretKeyProblem } from '../lib/kubernetes-names';
import { HOSTNAME_SUFFIX, TAILSCALE_TAG } from '../lib/tailscale';
import { cidrContains, cidrsOverlap, isCanonicalCidr, isIpv4Address } from '../lib/network';

const received = (issue: { input: unknown }) => JSON.stringify(issue.input);

const dnsLabel = (what: string) => v.pipe(
  v.string(),
  v.check((value) => dnsLabelProblem(value) === undefined, (issue) => `expected ${what}: ${received(issue)} ${dnsLabelProblem(String(issue.input))}`),
);
const secretKey = v.pipe(
  v.string(),
  v.check((key) => secretKeyProblem(key) === undefined, (issue) => `expected a Secret data key: ${received(issue)} ${secretKeyProblem(String(issue.input))}`),
);
const duration = (example: string) => v.pipe(
  v.string(),
  v.regex(GO_DURATION, (issue) => `expected a Go duration such as ${example}, got ${received(issue)}`),
);
const cidr = v.pipe(
  v.string(),
  v.check(isCanonicalCidr, (issue) => `expected a CIDR with its host bits zero, such as 10.42.0.0/16, got ${received(issue)}`),
);

const ClusterSchema = v.strictObject({
  name: v.pipe(dnsLabel('the cluster name'), v.description('Cluster name; must equal the file name (config/<name>.yaml).')),
  description: v.pipe(v.string(), v.minLength(1), v.description('What this cluster is, for people reading the tree.')),
  kubernetesVersion: v.pipe(
    v.picklist(KUBERNETES_SCHEMA_VERSIONS, (issue) =>
      `expected the cluster's Kubernetes minor version, one of those whose schema the gate bundles (${describeKubernetesSchemaVersions()}), got ${received(issue)}`),
    v.description('Minor version of the API server. Namespaces pin their Pod Security version to it, and the synth gate evaluates that version and validates against its schema.'),
  ),
  podCidr: v.pipe(cidr, v.description('Pod network (K3s --cluster-cidr, default 10.42.0.0/16).')),
  serviceCidr: v.pipe(cidr, v.description('Service network (K3s --service-cidr, default 10.43.0.0/16).')),
  nodeNetwork: v.pipe(
    v.picklist(NODE_NETWORKS, (issue) => `expected how the nodes reach each other, one of ${NODE_NETWORKS.join(', ')}, got ${received(issue)}`),
    v.description('How nodes reach each other (K3s node IPs, flannel): lan (a shared private network), public (public addresses), '
      + 'tailnet (--node-ip is the Tailscale IP, --flannel-iface=tailscale0). Decides whether clients may use an exit node.'),
  ),
});

const FluxSchema = v.strictObject({
  interval: v.optional(duration('10m'), '10m'),
  retryInterval: v.optional(duration('1m'), '1m'),
  timeout: v.optional(duration('5m'), '5m'),
});

const escName = (what: string, example: string) => v.pipe(
  v.string(),
  // The regex is what editors see (cluster.schema.json); the check adds what a regex says poorly.
  v.regex(ESC_NAME, (issue) => `expected ${what}, e.g. ${example}: ${received(issue)} ${escNameProblem(String(issue.input))}`),
  v.check((name) => escNameProblem(name) === undefined, (issue) => `expected ${what}, e.g. ${example}: ${received(issue)} ${escNameProblem(String(issue.input))}`),
);

const EscSchema = v.strictObject({
  organization: escName('the Pulumi organization', 'goldfish-inc'),
  project: escName('the ESC project', 'oceanid-cluster'),
  environment: escName('the ESC environment', 'prod'),
});

const TailscaleTags = v.array(v.pipe(v.string(), v.regex(TAILSCALE_TAG, (issue) => `expected a tag such as "tag:k8s", got ${received(issue)}`)));

const ExitNodeSchema = v.strictObject({
  nodeName: v.pipe(
    v.string(),
    v.check((name) => dnsSubdomainProblem(name) === undefined,
      (issue) => `expected a Kubernetes node name (as in \`kubectl get nodes\`): ${received(issue)} ${dnsSubdomainProblem(String(issue.input))}`),
    v.description('Kubernetes node that runs the exit node / subnet router. Only this node is named anywhere in config.'),
  ),
  tailnetIp: v.pipe(
    v.string(),
    v.check((ip) => isIpv4Address(ip) && cidrContains(TAILNET_IPV4_RANGE, ip),
      (issue) => `expected the exit node's Tailscale IPv4 address, inside ${TAILNET_IPV4_RANGE}, got ${received(issue)}`),
    v.description('Tailscale IP of the exit node. Clients pass it to --exit-node: a hostname does not resolve on first boot.'),
  ),
  advertiseRoutes: v.pipe(v.array(cidr), v.description('Subnets the exit node advertises (TS_ROUTES), typically the pod and service CIDRs.')),
  advertiseTags: v.optional(TailscaleTags, []),
});

const ClientsSchema = v.strictObject({
  useExitNode: v.pipe(v.boolean(), v.description('Route the node\'s internet traffic through the exit node (--exit-node).')),
  exitNodeAllowLanAccess: v.optional(v.boolean(), false),
  acceptRoutes: v.optional(v.boolean(), false),
  advertiseTags: v.optional(TailscaleTags, []),
});

/** Who may own a tag in the tailnet policy: a group, an autogroup, a tag, or a user's login. */
const TagOwner = v.pipe(v.string(), v.regex(/^(group:[A-Za-z0-9._-]+|autogroup:[a-z-]+|tag:[A-Za-z][A-Za-z0-9-]*|[^@\s]+@[^@\s]+)$/,
  (issue) => `expected a tag owner such as "autogroup:admin", "group:ops" or "someone@example.com", got ${received(issue)}`));

const TailscaleSchema = v.strictObject({
  hostnameSuffix: v.pipe(
    v.string(),
    v.regex(HOSTNAME_SUFFIX, (issue) => `expected a suffix such as "-oceanid" (a dash, then a DNS label), got ${received(issue)}`),
    v.description('Appended to each node name to form its tailnet hostname.'),
  ),
  stateDir: v.pipe(
    v.string(),
    v.check((dir) => hostPathProblem(dir) === undefined, (issue) => `expected a host directory: ${received(issue)} ${hostPathProblem(String(issue.input))}`),
    v.description('Host directory holding each node\'s Tailscale identity (hostPath). /var/lib/tailscale reuses a previous host install\'s identity.'),
  ),
  authKeySecret: v.strictObject({
    name: dnsLabel('the Secret name'),
    key: secretKey,
  }),
  exitNode: v.optional(ExitNodeSchema),
  clients: ClientsSchema,
  tagOwners: v.pipe(
    v.optional(v.record(v.pipe(v.string(), v.regex(TAILSCALE_TAG, (issue) => `expected a tag such as "tag:k8s", got ${received(issue)}`)),
      v.pipe(v.array(TagOwner), v.minLength(1, 'list at least one owner'))), {}),
    v.description('Tailnet policy tagOwners for every advertised tag: who may apply it. Written to tailnet/<cluster>.json for the tailnet policy.'),
  ),
});

const EgressProxySchema = v.strictObject({
  name: v.pipe(dnsLabel('the proxy name'), v.description('Service name in the egress namespace; apps use <name>.egress.svc.cluster.local as the host.')),
  port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535), v.description('Port the Service listens on.')),
  target: v.pipe(v.strictObject({
    secret: dnsLabel('the Secret (declared under secrets, namespace egress) holding the target'),
    hostKey: secretKey,
    portKey: v.optional(secretKey),
    port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1, (issue) => `expected a TCP port from 1 to 65535, got ${received(issue)}`),
      v.maxValue(65535, (issue) => `expected a TCP port from 1 to 65535, got ${received(issue)}`))),
  }), v.description('Where the proxy connects to: the host from a Secret synced from ESC, the port from the same Secret (portKey) or stated (port).')),
});

const EgressSchema = v.strictObject({
  ip: v.pipe(v.string(), v.check(isIpv4Address, (issue) => `expected the public IPv4 address traffic must leave from, got ${received(issue)}`),
    v.description('The public address traffic that needs it (the database allowlist) leaves from: the exit node\'s.')),
  echoUrl: v.pipe(v.optional(v.pipe(v.string(), v.url((issue) => `expected an https URL that answers with the caller's IP, got ${received(issue)}`)),
    DEFAULT_ECHO_URL), v.description('URL that answers with the caller\'s public IP, used by the verify layer.')),
  proxies: v.pipe(v.optional(v.array(EgressProxySchema), []),
    v.description('TCP proxies pinned to the exit node: connections to them leave from the exit node\'s address, without routing any node\'s whole traffic.')),
});

const VerifyEndpointSchema = v.strictObject({
  name: dnsLabel('the endpoint name'),
  host: v.pipe(v.string(), v.check((host) => dnsSubdomainProblem(host) === undefined || isIpv4Address(host), (issue) => `expected a host name or IPv4 address, got ${received(issue)}`)),
  port: v.pipe(v.number(), v.integer(), v.minValue(1, (issue) => `expected a TCP port from 1 to 65535, got ${received(issue)}`),
    v.maxValue(65535, (issue) => `expected a TCP port from 1 to 65535, got ${received(issue)}`)),
});

const AlertsSchema = v.strictObject({
  provider: v.pipe(v.picklist(NOTIFICATION_PROVIDER_TYPES, (issue) => `expected a notification-controller provider type (${NOTIFICATION_PROVIDER_TYPES.join(', ')}), `
    + `got ${received(issue)}`), v.description('notification-controller Provider type (slack, discord, msteams, generic, ...).')),
  channel: v.optional(v.pipe(v.string(), v.minLength(1))),
  secret: v.pipe(dnsLabel('the Secret (declared under secrets, namespace alerts) with the provider\'s address and token'),
    v.description('Secret with keys address (and token, where the provider needs one), synced from ESC.')),
  severity: v.optional(v.picklist(['info', 'error'], (issue) => `expected info or error, got ${received(issue)}`), 'error'),
});

const VerifySchema = v.strictObject({
  intervalSeconds: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(600)), 60),
  endpoints: v.pipe(v.optional(v.array(VerifyEndpointSchema), []), v.description('TCP endpoints every node\'s pods must reach (egress proxies are added by themselves).')),
});

const NamespaceSchema = v.strictObject({
  name: dnsLabel('the namespace name'),
  podSecurity: v.optional(v.picklist(POD_SECURITY_LEVELS, (issue) => `expected one of ${POD_SECURITY_LEVELS.join(', ')}, got ${received(issue)}`), 'restricted'),
  privilegedReason: v.optional(v.pipe(v.string(), v.minLength(10, 'a privileged reason must say why in a sentence'))),
});

const SecretSchema = v.strictObject({
  name: v.pipe(dnsLabel('the target Secret name'), v.description('Name of the Kubernetes Secret ESO creates.')),
  namespace: dnsLabel('the namespace'),
  refreshInterval: v.optional(duration('1h'), '1h'),
  data: v.pipe(
    v.record(
      secretKey,
      v.pipe(
        v.string(),
        v.check((path) => escPathProblem(path) === undefined, (issue) => `ESC path ${received(issue)} ${escPathProblem(String(issue.input))}`),
      ),
    ),
    v.check((data) => Object.keys(data).length > 0, 'expected at least one key: map each Secret key to an ESC property path'),
    v.description('Secret key → ESC property path (Pulumi path syntax, relative to the environment\'s values).'),
  ),
});

const AppSchema = v.strictObject({
  name: v.pipe(dnsLabel('the app name'), v.description('Name of the HelmRepository, the HelmRelease and the Helm release.')),
  namespace: v.pipe(dnsLabel('the namespace'), v.description('Namespace of the release; declare it under namespaces: with its Pod Security level.')),
  // Flat, one field per line: the Renovate manager in .github/renovate.json5 reads repository, chart and version here.
  repository: v.pipe(
    v.string(),
    v.regex(/^(https?|oci):\/\/[^\s/]+/, (issue) => `expected the chart repository URL (https://… or oci://…), got ${received(issue)}`),
    v.description('Helm repository URL, as `helm repo add` takes it.'),
  ),
  chart: v.pipe(dnsLabel('the chart name'), v.description('Chart name in the repository.')),
  version: v.pipe(
    v.string(),
    v.check((version) => chartVersionProblem(version) === undefined, (issue) => `chart version ${chartVersionProblem(String(issue.input))}`),
    v.description('Exact chart version; its archive must be vendored in charts/ (npm run charts).'),
  ),
  secrets: v.pipe(
    v.optional(v.array(dnsLabel('the name of a Secret declared under secrets:')), []),
    v.description('Synced Secrets (declared under secrets:, same namespace) the chart\'s pods read, as configured in values.'),
  ),
  valuesFrom: v.pipe(
    v.optional(v.array(v.strictObject({
      secret: dnsLabel('the name of a Secret declared under secrets:'),
      key: secretKey,
      targetPath: v.pipe(
        v.string(),
        v.check((path) => {
          try {
            parseSetPath(path);
            return true;
          } catch {
            return false;
          }
        }, (issue) => `expected a values path such as global.pgConfig.host, got ${received(issue)}`),
      ),
    })), []),
    v.description('Chart values that live in ESC: each reads one key of a synced Secret into a values path (HelmRelease valuesFrom, targetPath).'),
  ),
  values: v.pipe(v.optional(v.record(v.string(), v.unknown()), {}), v.description('Chart values (HelmRelease spec.values). Never a credential: use secrets and valuesFrom.')),
});

type PathItem = v.IssuePathItem;

/** Builds valibot path items for `keys` inside `input`, so cross-field issues point at a field. */
function pathTo(input: unknown, keys: ReadonlyArray<string | number>): [PathItem, ...PathItem[]] {
  const items: PathItem[] = [];
  let current: unknown = input;
  for (const key of keys) {
    const container = current as Record<string | number, unknown>;
    const value = container?.[key];
    items.push(typeof key === 'number'
      ? { type: 'array', origin: 'value', input: container as unknown as unknown[], key, value }
      : { type: 'object', origin: 'value', input: container as Record<string, unknown>, key, value });
    current = value;
  }
  return items as [PathItem, ...PathItem[]];
}

type ClusterConfigShape = v.InferOutput<typeof ClusterConfigShapeSchema>;

const ClusterConfigShapeSchema = v.strictObject({
  cluster: ClusterSchema,
  flux: v.optional(FluxSchema, {}),
  esc: EscSchema,
  tailscale: TailscaleSchema,
  egress: v.optional(EgressSchema),
  verify: v.optional(VerifySchema, {}),
  alerts: v.pipe(v.optional(AlertsSchema), v.description('Flux alerts for failing layers and HelmReleases; leave out for none.')),
  namespaces: v.optional(v.array(NamespaceSchema), []),
  secrets: v.array(SecretSchema),
  apps: v.optional(v.array(AppSchema), []),
});

/** Rules that relate one field to another; each issue points at the field to change. */
function checkRelations(config: ClusterConfigShape, report: (keys: Array<string | number>, message: string) => void): void {
  const { cluster, tailscale, namespaces, secrets, apps } = config;
  const clusterCidrs = [['podCidr', cluster.podCidr], ['serviceCidr', cluster.serviceCidr]] as const;

  if (cidrsOverlap(cluster.podCidr, cluster.serviceCidr)) {
    report(['cluster', 'serviceCidr'], `${cluster.serviceCidr} overlaps the pod CIDR ${cluster.podCidr}: K3s needs them disjoint`);
  }

  const { exitNode, clients } = tailscale;
  if (clients.useExitNode && exitNode) {
    if (cluster.nodeNetwork === 'public') {
      report(['tailscale', 'clients', 'useExitNode'],
        'clients would send every destination that is not on a local network through the exit node, and this cluster\'s nodes reach each other '
        + 'over public addresses (cluster.nodeNetwork: public): flannel traffic between nodes would take the tunnel, and SSH, NodePort and '
        + 'ServiceLB on a worker\'s public address would answer through the exit node and break (tailscale#10940). Set useExitNode: false and '
        + 'send only what needs the exit node\'s address through egress.proxies (a TCP proxy pinned to the exit node), or run K3s over the tailnet '
        + '(--node-ip=<Tailscale IP> --flannel-iface=tailscale0) and set nodeNetwork: tailnet');
    } else if (cluster.nodeNetwork === 'lan' && !clients.exitNodeAllowLanAccess) {
      report(['tailscale', 'clients', 'exitNodeAllowLanAccess'],
        'with an exit node and no LAN access, tailscaled routes the node\'s own LAN prefixes into the tunnel too (ipn/ipnlocal/local.go:6576-6578), '
        + 'so traffic between nodes on the shared LAN would go through the exit node: set exitNodeAllowLanAccess: true, or useExitNode: false and egress.proxies');
    }
  }
  if (clients.useExitNode && !exitNode) {
    report(['tailscale', 'clients', 'useExitNode'], 'clients cannot use an exit node when tailscale.exitNode is not configured: set useExitNode: false or declare the exit node');
  }
  if (clients.exitNodeAllowLanAccess && !clients.useExitNode) {
    report(['tailscale', 'clients', 'exitNodeAllowLanAccess'], 'LAN access only applies with an exit node (tailscale up rejects --exit-node-allow-lan-access alone): set useExitNode: true or drop it');
  }
  if (exitNode && exitNode.advertiseTags.length === 0) {
    report(['tailscale', 'exitNode', 'advertiseTags'], 'the exit node advertises no tag, so the tailnet policy cannot auto-approve its routes and exit node '
      + '(autoApprovers name tags): advertise a tag such as tag:k8s, with an owner under tailscale.tagOwners');
  }
  if (exitNode) {
    const seen = new Set<string>();
    exitNode.advertiseRoutes.forEach((route, index) => {
      if (seen.has(route)) report(['tailscale', 'exitNode', 'advertiseRoutes', index], `route ${route} is listed twice`);
      seen.add(route);
    });
    if (clients.acceptRoutes) {
      for (const route of exitNode.advertiseRoutes) {
        for (const [field, own] of clusterCidrs) {
          if (cidrsOverlap(route, own)) {
            report(['tailscale', 'clients', 'acceptRoutes'],
              `clients would accept the exit node's route ${route}, which overlaps this cluster's ${field} ${own}: Tailscale installs accepted routes `
              + 'in its own routing table ahead of the main one, so pod and service traffic from every client node would leave through the tailnet '
              + 'instead of flannel. Set acceptRoutes: false (cluster nodes already reach pods directly) or stop advertising the overlapping route');
          }
        }
      }
    }
  }

  const advertised = new Set([...(exitNode?.advertiseTags ?? []), ...clients.advertiseTags]);
  for (const tag of [...advertised].sort()) {
    if (!tailscale.tagOwners[tag]) {
      report(['tailscale', 'tagOwners'], `${tag} is advertised but has no owner: the tailnet policy needs tagOwners for it, or nodes fail to log in `
        + `("requested tags [${tag}] are invalid or not permitted"). Add ${JSON.stringify(tag)}: [<owner>] (e.g. autogroup:admin or a group of your tailnet)`);
    }
  }
  for (const tag of Object.keys(tailscale.tagOwners)) {
    if (!advertised.has(tag)) report(['tailscale', 'tagOwners', tag], `${tag} has owners but no node advertises it: drop it or advertise it`);
  }

  const { egress } = config;
  if (egress && egress.proxies.length > 0 && !exitNode) {
    report(['egress', 'proxies'], 'egress proxies run on the exit node, and tailscale.exitNode is not configured: declare the exit node or drop the proxies');
  }

  const declared = new Set<string>(PLATFORM_NAMESPACES);
  namespaces.forEach((namespace, index) => {
    if ((PLATFORM_NAMESPACES as readonly string[]).includes(namespace.name) || (SYSTEM_NAMESPACES as readonly string[]).includes(namespace.name)) {
      report(['namespaces', index, 'name'], `namespace ${namespace.name} is managed by the platform or by Kubernetes itself: choose another name`);
    } else if (declared.has(namespace.name)) {
      report(['namespaces', index, 'name'], `namespace ${namespace.name} is declared twice`);
    }
    declared.add(namespace.name);
    if (namespace.podSecurity === 'privileged' && !namespace.privilegedReason) {
      report(['namespaces', index, 'privilegedReason'], 'a privileged namespace must state why (privilegedReason), which is kept as an annotation for reviewers');
    }
    if (namespace.podSecurity !== 'privileged' && namespace.privilegedReason) {
      report(['namespaces', index, 'privilegedReason'], `privilegedReason only applies to podSecurity: privileged (this namespace is ${namespace.podSecurity})`);
    }
  });

  const targets = new Map<string, number>();
  secrets.forEach((secret, index) => {
    const target = `${secret.namespace}/${secret.name}`;
    if (targets.has(target)) {
      report(['secrets', index, 'name'], `secret ${target} is already declared at secrets[${targets.get(target)}]: two ExternalSecrets would fight over one Secret`);
    } else {
      targets.set(target, index);
    }
    if (!declared.has(secret.namespace)) {
      report(['secrets', index, 'namespace'], `namespace ${secret.namespace} is not declared: add it to namespaces (or use one of ${[...declared].join(', ')})`);
    }
  });

  egress?.proxies.forEach((proxy, index) => {
    const secret = secrets.find((candidate) => candidate.namespace === EGRESS_NAMESPACE && candidate.name === proxy.target.secret);
    if (!secret) {
      report(['egress', 'proxies', index, 'target', 'secret'], `no secret named ${proxy.target.secret} in namespace ${EGRESS_NAMESPACE} is declared under secrets: `
        + 'declare it with the keys of the target host and port');
      return;
    }
    if ((proxy.target.portKey === undefined) === (proxy.target.port === undefined)) {
      report(['egress', 'proxies', index, 'target'], 'state the target port exactly once: portKey (a key of the Secret) or port (a number)');
    }
    for (const field of ['hostKey', 'portKey'] as const) {
      const key = proxy.target[field];
      if (key !== undefined && !(key in secret.data)) {
        report(['egress', 'proxies', index, 'target', field], `secret ${EGRESS_NAMESPACE}/${secret.name} has no key ${key} (it has ${Object.keys(secret.data).join(', ')})`);
      }
    }
  });

  if (config.alerts) {
    const secret = secrets.find((candidate) => candidate.namespace === ALERTS_NAMESPACE && candidate.name === config.alerts!.secret);
    if (!secret) {
      report(['alerts', 'secret'], `no secret named ${config.alerts.secret} in namespace ${ALERTS_NAMESPACE} is declared under secrets: declare it with `
        + 'the key address (and token if the provider needs one), read from ESC');
    } else if (!('address' in secret.data)) {
      report(['alerts', 'secret'], `secret ${ALERTS_NAMESPACE}/${secret.name} has no key address (notification-controller reads the provider's URL from it)`);
    }
  }

  const appNames = new Map<string, number>();
  apps.forEach((app, index) => {
    const id = `${app.namespace}/${app.name}`;
    if (appNames.has(id)) report(['apps', index, 'name'], `app ${id} is already declared at apps[${appNames.get(id)}]`);
    else appNames.set(id, index);
    if (!namespaces.some((namespace) => namespace.name === app.namespace)) {
      report(['apps', index, 'namespace'], `namespace ${app.namespace} is not declared under namespaces: declare it with its Pod Security level (the gate checks the chart's pods against it)`);
    }
    const declaredSecret = (name: string) => secrets.find((secret) => secret.namespace === app.namespace && secret.name === name);
    app.secrets.forEach((name, secretIndex) => {
      if (!declaredSecret(name)) report(['apps', index, 'secrets', secretIndex], `no secret ${app.namespace}/${name} is declared under secrets:`);
    });
    app.valuesFrom.forEach((entry, entryIndex) => {
      const secret = declaredSecret(entry.secret);
      if (!secret) {
        report(['apps', index, 'valuesFrom', entryIndex, 'secret'], `no secret ${app.namespace}/${entry.secret} is declared under secrets:`);
      } else if (!(entry.key in secret.data)) {
        report(['apps', index, 'valuesFrom', entryIndex, 'key'], `secret ${app.namespace}/${entry.secret} has no key ${entry.key} (it has ${Object.keys(secret.data).join(', ')})`);
      }
    });
  });

  const authKey = secrets.find((secret) => secret.namespace === TAILSCALE_NAMESPACE && secret.name === tailscale.authKeySecret.name);
  if (!authKey) {
    report(['tailscale', 'authKeySecret', 'name'], `no secret named ${tailscale.authKeySecret.name} in namespace ${TAILSCALE_NAMESPACE} is declared under secrets: the DaemonSets would wait for it forever`);
  } else if (!(tailscale.authKeySecret.key in authKey.data)) {
    report(['tailscale', 'authKeySecret', 'key'], `secret ${TAILSCALE_NAMESPACE}/${authKey.name} has no key ${tailscale.authKeySecret.key} (it has ${Object.keys(authKey.data).join(', ')})`);
  }
}

export const ClusterConfigSchema = v.pipe(
  ClusterConfigShapeSchema,
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    checkRelations(dataset.value, (keys, message) => addIssue({ message, path: pathTo(dataset.value, keys) }));
  }),
);

/** A validated cluster config, with defaults filled in. */
export type ClusterConfig = v.InferOutput<typeof ClusterConfigSchema>;
