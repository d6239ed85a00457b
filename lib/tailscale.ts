/**
 * Facts about Tailscale's container image (containerboot, v1.102.3) that both the DaemonSet
 * construct and the policy gate rely on. Source: tailscale/tailscale cmd/containerboot (settings.go,
 * main.go), kube/health, cmd/tailscale/cli/up.go.
 */

/** `tailscale up --advertise-tags`: `tag:` then a letter, then letters, digits or dashes. */
export const TAILSCALE_TAG = /^tag:[A-Za-z][A-Za-z0-9-]*$/;

/** What we append to a node name to form its tailnet hostname: a dash, then a DNS label. */
export const HOSTNAME_SUFFIX = /^-[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Image repositories whose entrypoint is containerboot. */
export const TAILSCALE_IMAGE_REPOSITORIES: readonly string[] = [
  'tailscale/tailscale', 'docker.io/tailscale/tailscale', 'index.docker.io/tailscale/tailscale', 'ghcr.io/tailscale/tailscale',
];

/**
 * Every environment variable containerboot (or the tailscaled it starts) reads. A variable outside
 * this list is ignored without a word, which is how `TS_EXIT_NODE` and `TS_ACCEPT_ROUTES` came to
 * configure nothing at all.
 */
export const CONTAINERBOOT_ENV: ReadonlySet<string> = new Set([
  // authentication
  'TS_AUTHKEY', 'TS_AUTH_KEY', 'TS_CLIENT_ID', 'TS_CLIENT_SECRET', 'TS_ID_TOKEN', 'TS_AUDIENCE',
  // node settings, turned into `tailscale up` / `tailscale set` flags
  'TS_HOSTNAME', 'TS_ROUTES', 'TS_ACCEPT_DNS', 'TS_EXTRA_ARGS', 'TS_AUTH_ONCE',
  // daemon, state, sockets
  'TS_USERSPACE', 'TS_STATE_DIR', 'TS_KUBE_SECRET', 'TS_SOCKET', 'TS_TAILSCALED_EXTRA_ARGS', 'TS_SOCKS5_SERVER',
  'TS_OUTBOUND_HTTP_PROXY_LISTEN', 'TS_DEBUG_ADDR_PORT', 'TS_BOOT_TIMEOUT',
  // health and metrics
  'TS_ENABLE_HEALTH_CHECK', 'TS_ENABLE_METRICS', 'TS_LOCAL_ADDR_PORT', 'TS_HEALTHCHECK_ADDR_PORT',
  // proxy and operator modes
  'TS_DEST_IP', 'TS_EXPERIMENTAL_DEST_DNS_NAME', 'TS_TAILNET_TARGET_IP', 'TS_TAILNET_TARGET_FQDN', 'TS_SERVE_CONFIG',
  'TS_EGRESS_PROXIES_CONFIG_PATH', 'TS_INGRESS_PROXIES_CONFIG_PATH', 'TS_EXPERIMENTAL_VERSIONED_CONFIG_DIR',
  'TS_EXPERIMENTAL_ENABLE_FORWARDING_OPTIMIZATIONS', 'TS_EXPERIMENTAL_CERT_SHARE', 'TS_EXPERIMENTAL_SERVICE_AUTO_ADVERTISEMENT',
  'TS_KUBERNETES_READ_API_SERVER_ADDRESS_FROM_ENV',
  // read by tailscaled, which inherits the container's environment
  'TS_DEBUG_FIREWALL_MODE', 'TS_NO_LOGS_NO_SUPPORT',
  // read by containerboot outside the TS_ namespace
  'POD_IP', 'POD_IPS', 'POD_NAME', 'POD_UID', 'EXPERIMENTAL_ALLOW_PROXYING_CLUSTER_TRAFFIC_VIA_INGRESS',
]);

/** Read by containerboot, but only meant for its own tests. */
export const CONTAINERBOOT_TEST_ONLY_ENV: ReadonlySet<string> = new Set(['TS_TEST_ONLY_ROOT', 'TS_TEST_FAKE_NETFILTER']);

/** What people write expecting a setting, and the way containerboot actually takes it. */
export const CONTAINERBOOT_MISTAKES: Readonly<Record<string, string>> = {
  TS_EXIT_NODE: 'put --exit-node=<exit node tailnet IP> in TS_EXTRA_ARGS',
  TS_ACCEPT_ROUTES: 'put --accept-routes in TS_EXTRA_ARGS (and read the README on accepting routes on cluster nodes)',
  TS_ADVERTISE_EXIT_NODE: 'put --advertise-exit-node in TS_EXTRA_ARGS',
  TS_ADVERTISE_TAGS: 'put --advertise-tags=tag:<name> in TS_EXTRA_ARGS',
  TS_EXIT_NODE_ALLOW_LAN_ACCESS: 'put --exit-node-allow-lan-access in TS_EXTRA_ARGS, next to --exit-node',
  TS_ADVERTISE_ROUTES: 'set TS_ROUTES (comma-separated CIDRs, no spaces)',
  TS_HEALTH_CHECK_ADDR_PORT: 'set TS_ENABLE_HEALTH_CHECK=true and TS_LOCAL_ADDR_PORT=<ip>:<port>',
};

/** Variables containerboot parses with Go's strconv.ParseBool; any other spelling silently means the default. */
export const CONTAINERBOOT_BOOL_ENV: ReadonlySet<string> = new Set([
  'TS_USERSPACE', 'TS_AUTH_ONCE', 'TS_ACCEPT_DNS', 'TS_ENABLE_HEALTH_CHECK', 'TS_ENABLE_METRICS',
  'TS_EXPERIMENTAL_ENABLE_FORWARDING_OPTIMIZATIONS', 'TS_EXPERIMENTAL_CERT_SHARE', 'TS_EXPERIMENTAL_SERVICE_AUTO_ADVERTISEMENT',
  'TS_NO_LOGS_NO_SUPPORT',
]);
export const GO_BOOL_VALUES: ReadonlySet<string> = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Where containerboot serves /healthz when TS_ENABLE_HEALTH_CHECK is true, unless TS_LOCAL_ADDR_PORT says otherwise. */
export const CONTAINERBOOT_HEALTH_PATH = '/healthz';

/**
 * `tailscale up --reset`: unmentioned settings go back to their defaults instead of making `up`
 * refuse with "changing settings via 'tailscale up' requires mentioning all non-default flags"
 * (tailscale/tailscale v1.102.3 cmd/tailscale/cli/up.go:429-436 skips checkForAccidentalSettingReverts
 * when --reset is given; the check itself is up.go:1010-1080 and applies once a control URL is stored).
 */
export const TAILSCALE_RESET_FLAG = '--reset';

/** Where a host install of tailscaled keeps its LocalAPI socket (containerboot symlinks the same path inside its container, main.go:470). */
export const HOST_TAILSCALED_SOCKET_DIR = '/var/run/tailscale';
export const TAILSCALED_SOCKET_NAME = 'tailscaled.sock';
/**
 * Our DaemonSets' LocalAPI socket, in a host directory of their own (never the host daemon's
 * /var/run/tailscale), so the verify layer's tailnet check can ask the node's tailscaled.
 */
export const TAILSCALE_SOCKET_HOST_DIR = '/var/run/oceanid-tailscale';
/** The interface tailscaled creates in kernel mode; a TUN device disappears with the process that holds it. */
export const TAILSCALE_INTERFACE = 'tailscale0';

/**
 * MSS clamping on the tailnet interface, as containerboot does it only for its proxy modes
 * (util/linuxfw/iptables_runner.go:335-346 at v1.102.3): forwarded TCP handshakes in both directions
 * get an MSS that fits tailscale0's MTU (1280, net/tstun/mtu.go:79).
 */
export function mssClampRules(iface: string): string[][] {
  return ['-o', '-i'].map((direction) => [
    'FORWARD', direction, iface, '-p', 'tcp', '--tcp-flags', 'SYN,RST', 'SYN', '-j', 'TCPMSS', '--clamp-mss-to-pmtu',
  ]);
}
