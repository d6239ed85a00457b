import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { runSynth } from '../../cli/synth-command';
import { configJsonSchema, CONFIG_JSON_SCHEMA_FILE } from '../../config/json-schema';
import { ConfigError, formatConfigIssue, loadClusterConfigs, parseClusterConfig } from '../../config/load';
import { REPO_ROOT } from '../../lib/paths';
import { fakeCredentials, shippedConfigData, shippedConfigText, snapshotDir, tempDir } from '../helpers';

describe('shipped configs', () => {
  const [dev, prod] = loadClusterConfigs(path.join(REPO_ROOT, 'config')).map((loaded) => loaded.config);

  test('prod is Oceanid: tethys (srv712429) is the exit node and subnet router for the K3s CIDRs', () => {
    expect(prod.tailscale.exitNode).toEqual({
      nodeName: 'srv712429', tailnetIp: '100.81.237.43', advertiseRoutes: ['10.42.0.0/16', '10.43.0.0/16'], advertiseTags: ['tag:k8s'],
    });
    expect(prod.tailscale.clients).toEqual({ useExitNode: false, exitNodeAllowLanAccess: false, acceptRoutes: false, advertiseTags: ['tag:k8s'] });
    expect(prod.tailscale.tagOwners).toEqual({ 'tag:k8s': ['autogroup:admin'] });
    expect(prod.tailscale.hostnameSuffix).toBe('-oceanid');
    expect(prod.esc).toEqual({ organization: 'goldfish-inc', project: 'oceanid-cluster', environment: 'prod' });
  });

  test('prod sends database traffic through a proxy on tethys, not every node through the exit node, and checks egress 157.173.210.123', () => {
    expect(prod.cluster.nodeNetwork).toBe('public');
    expect(prod.egress).toEqual({
      ip: '157.173.210.123', echoUrl: 'https://ipinfo.io/ip',
      proxies: [{ name: 'database', port: 5432, target: { secret: 'database-endpoint', hostKey: 'DB_HOST', port: 5432 } }],
    });
    expect(prod.secrets).toContainEqual(expect.objectContaining({ name: 'database-endpoint', namespace: 'egress', data: { DB_HOST: 'labelStudio.postgres.host' } }));
    expect(prod.verify.endpoints).toEqual([{ name: 'label-studio', host: 'label-studio-ls-app.apps.svc.cluster.local', port: 80 }]);
    expect(dev.egress).toBeUndefined();
    expect(dev.verify).toEqual({ intervalSeconds: 60, endpoints: [] });
  });

  test('prod ships the Tailscale auth key and the Label Studio S3 credentials', () => {
    expect(prod.secrets).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: 'tailscale-auth', namespace: 'tailscale', data: { TS_AUTHKEY: 'tailscale.authKey' } }),
      expect.objectContaining({
        name: 'labelstudio-s3-credentials', namespace: 'apps',
        data: { AWS_ACCESS_KEY_ID: 'aws.labelStudio.accessKeyId', AWS_SECRET_ACCESS_KEY: 'aws.labelStudio.secretAccessKey' },
      }),
    ]));
  });

  test('dev is a separate cluster of plain clients on ESC environment dev', () => {
    expect(dev.cluster.name).toBe('dev');
    expect(dev.esc.environment).toBe('dev');
    expect(dev.tailscale.exitNode).toBeUndefined();
    expect(dev.tailscale.clients.useExitNode).toBe(false);
  });

  test('no worker node is named anywhere in config', () => {
    for (const cluster of ['prod', 'dev'] as const) {
      expect(shippedConfigText(cluster)).not.toMatch(/styx|calypso/);
    }
  });

  test('config/cluster.schema.json is what npm run config-schema writes', () => {
    expect(fs.readFileSync(path.join(REPO_ROOT, CONFIG_JSON_SCHEMA_FILE), 'utf8')).toBe(configJsonSchema());
  });
});

type Change = (data: Record<string, any>) => void;

/** One broken config each: what is changed, and the message (with its field path and line) it must produce. */
const BROKEN: Array<[string, Change, string]> = [
  ['a Kubernetes version whose schema is not bundled', (d) => { d.cluster.kubernetesVersion = '1.30'; },
    'config/prod.yaml:4:22: cluster.kubernetesVersion: expected the cluster\'s Kubernetes minor version, one of those whose schema the gate bundles (1.28, 1.33, 1.34, 1.35, 1.36), got "1.30"'],
  ['a CIDR with host bits set', (d) => { d.cluster.podCidr = '10.42.0.1/16'; },
    'config/prod.yaml:5:12: cluster.podCidr: expected a CIDR with its host bits zero, such as 10.42.0.0/16, got "10.42.0.1/16"'],
  ['an unknown field', (d) => { d.tailscale.exitNode.acceptRoutes = true; },
    'tailscale.exitNode.acceptRoutes: unknown field: remove it or check its spelling'],
  ['an exit node IP outside 100.64.0.0/10', (d) => { d.tailscale.exitNode.tailnetIp = '192.168.1.10'; },
    'tailscale.exitNode.tailnetIp: expected the exit node\'s Tailscale IPv4 address, inside 100.64.0.0/10, got "192.168.1.10"'],
  ['a missing ESC environment', (d) => { delete d.esc.environment; }, 'esc.environment: required field is missing'],
  ['a duplicate secret target', (d) => { d.secrets.push({ ...d.secrets[1] }); },
    'secrets[5].name: secret apps/labelstudio-s3-credentials is already declared at secrets[1]: two ExternalSecrets would fight over one Secret'],
  ['clients accepting routes that overlap the cluster CIDRs', (d) => { d.tailscale.clients.acceptRoutes = true; },
    'tailscale.clients.acceptRoutes: clients would accept the exit node\'s route 10.42.0.0/16, which overlaps this cluster\'s podCidr 10.42.0.0/16'],
  ['project:path ESC keys', (d) => { d.secrets[1].data.AWS_ACCESS_KEY_ID = 'oceanid-cluster:aws.labelStudio.accessKeyId'; },
    'secrets[1].data.AWS_ACCESS_KEY_ID: ESC path "oceanid-cluster:aws.labelStudio.accessKeyId" is "project:path" syntax'],
  ['a secret in an undeclared namespace', (d) => { d.secrets[1].namespace = 'labelstudio'; },
    'secrets[1].namespace: namespace labelstudio is not declared: add it to namespaces'],
  ['a privileged namespace without a reason', (d) => { d.namespaces[0].podSecurity = 'privileged'; },
    'namespaces[0].privilegedReason: a privileged namespace must state why'],
  ['an unknown Pod Security level', (d) => { d.namespaces[0].podSecurity = 'Restricted'; },
    'namespaces[0].podSecurity: expected one of privileged, baseline, restricted, got "Restricted"'],
  ['clients using an exit node that is not configured', (d) => { d.tailscale.clients.useExitNode = true; delete d.tailscale.exitNode; delete d.egress; },
    'tailscale.clients.useExitNode: clients cannot use an exit node when tailscale.exitNode is not configured'],
  ['an auth key Secret nobody declares', (d) => { d.tailscale.authKeySecret.name = 'tailscale-key'; },
    'tailscale.authKeySecret.name: no secret named tailscale-key in namespace tailscale is declared under secrets'],
  ['a malformed Tailscale tag', (d) => { d.tailscale.clients.advertiseTags = ['k8s']; },
    'tailscale.clients.advertiseTags[0]: expected a tag such as "tag:k8s", got "k8s"'],
  ['a malformed refresh interval', (d) => { d.secrets[0].refreshInterval = '1 hour'; },
    'secrets[0].refreshInterval: expected a Go duration such as 1h, got "1 hour"'],
  ['overlapping pod and service CIDRs', (d) => { d.cluster.serviceCidr = '10.42.128.0/17'; },
    'cluster.serviceCidr: 10.42.128.0/17 overlaps the pod CIDR 10.42.0.0/16'],
  ['a cluster name that does not match its file', (d) => { d.cluster.name = 'production'; },
    'cluster.name: cluster name "production" must equal the file name "prod"'],
  ['redeclaring a platform namespace', (d) => { d.namespaces.push({ name: 'tailscale' }); },
    'namespaces[1].name: namespace tailscale is managed by the platform or by Kubernetes itself'],
  ['LAN access without an exit node', (d) => { d.tailscale.clients.exitNodeAllowLanAccess = true; },
    'tailscale.clients.exitNodeAllowLanAccess: LAN access only applies with an exit node'],
  ['case 9: an ESC environment that walks into another organization', (d) => { d.esc.environment = 'prod/../../other-org/x'; },
    'esc.environment: expected the ESC environment, e.g. prod: "prod/../../other-org/x" may only contain letters, digits, hyphens, underscores and periods'],
  ['case 9: an ESC project that is only periods', (d) => { d.esc.project = '..'; },
    'esc.project: expected the ESC project, e.g. oceanid-cluster: ".." is only periods, which a URL path reads as "this" or "parent" folder'],
  ['case 9: an ESC organization with a space', (d) => { d.esc.organization = 'goldfish inc'; },
    'esc.organization: expected the Pulumi organization, e.g. goldfish-inc: "goldfish inc" may only contain letters'],
  ['whole-node exit routing while nodes talk over public addresses', (d) => { d.tailscale.clients.useExitNode = true; },
    'tailscale.clients.useExitNode: clients would send every destination that is not on a local network through the exit node, and this cluster\'s '
    + 'nodes reach each other over public addresses (cluster.nodeNetwork: public)'],
  ['the alternative is named when exit routing is refused', (d) => { d.tailscale.clients.useExitNode = true; },
    'Set useExitNode: false and send only what needs the exit node\'s address through egress.proxies (a TCP proxy pinned to the exit node), '
    + 'or run K3s over the tailnet (--node-ip=<Tailscale IP> --flannel-iface=tailscale0) and set nodeNetwork: tailnet'],
  ['exit routing on a LAN without LAN access', (d) => {
    d.cluster.nodeNetwork = 'lan'; d.tailscale.clients.useExitNode = true;
  }, 'tailscale.clients.exitNodeAllowLanAccess: with an exit node and no LAN access, tailscaled routes the node\'s own LAN prefixes into the tunnel too'],
  ['an unknown node network', (d) => { d.cluster.nodeNetwork = 'vpn'; },
    'cluster.nodeNetwork: expected how the nodes reach each other, one of lan, public, tailnet, got "vpn"'],
  ['an advertised tag without an owner', (d) => { d.tailscale.tagOwners = {}; },
    'tailscale.tagOwners: tag:k8s is advertised but has no owner: the tailnet policy needs tagOwners for it, or nodes fail to log in'],
  ['an owner for a tag no node advertises', (d) => { d.tailscale.tagOwners['tag:db'] = ['autogroup:admin']; },
    'tailscale.tagOwners["tag:db"]: tag:db has owners but no node advertises it'],
  ['a malformed tag owner', (d) => { d.tailscale.tagOwners['tag:k8s'] = ['admins']; },
    'expected a tag owner such as "autogroup:admin", "group:ops" or "someone@example.com", got "admins"'],
  ['an exit node without a tag to auto-approve', (d) => { d.tailscale.exitNode.advertiseTags = []; },
    'tailscale.exitNode.advertiseTags: the exit node advertises no tag, so the tailnet policy cannot auto-approve its routes and exit node'],
  ['an egress proxy whose target Secret nobody declares', (d) => { d.egress.proxies[0].target.secret = 'db'; },
    'egress.proxies[0].target.secret: no secret named db in namespace egress is declared under secrets'],
  ['an egress proxy reading a key its Secret lacks', (d) => { delete d.egress.proxies[0].target.port; d.egress.proxies[0].target.portKey = 'PORT'; },
    'egress.proxies[0].target.portKey: secret egress/database-endpoint has no key PORT (it has DB_HOST)'],
  ['an egress proxy port stated twice', (d) => { d.egress.proxies[0].target.portKey = 'DB_HOST'; },
    'egress.proxies[0].target: state the target port exactly once: portKey (a key of the Secret) or port (a number)'],
  ['an egress IP that is not an address', (d) => { d.egress.ip = 'tethys'; },
    'egress.ip: expected the public IPv4 address traffic must leave from, got "tethys"'],
  ['alerts whose Secret nobody declares', (d) => { d.alerts = { provider: 'slack', secret: 'flux-alerts' }; },
    'alerts.secret: no secret named flux-alerts in namespace alerts is declared under secrets'],
  ['alerts whose Secret has no address', (d) => {
    d.alerts = { provider: 'slack', secret: 'flux-alerts' };
    d.secrets.push({ name: 'flux-alerts', namespace: 'alerts', data: { token: 'alerts.slack.token' } });
  }, 'alerts.secret: secret alerts/flux-alerts has no key address'],
  ['an unknown alert provider', (d) => { d.alerts = { provider: 'email', secret: 'flux-alerts' }; },
    'alerts.provider: expected a notification-controller provider type (slack, discord,'],
  ['an echo URL that is not a URL', (d) => { d.egress.echoUrl = 'ipinfo.io/ip'; },
    'egress.echoUrl: expected an https URL that answers with the caller\'s IP, got "ipinfo.io/ip"'],
  ['a verify endpoint on port 0', (d) => { d.verify.endpoints[0].port = 0; }, 'verify.endpoints[0].port: expected a TCP port from 1 to 65535, got 0'],
  ['a string where a boolean belongs', (d) => { d.tailscale.clients.useExitNode = 'yes'; },
    'tailscale.clients.useExitNode: expected boolean, got "yes"'],
  ['a chart version range', (d) => { d.apps[0].version = '~2.0'; },
    'apps[0].version: chart version "~2.0" is not an exact version (such as 2.0.5)'],
  ['an app in an undeclared namespace', (d) => { d.apps[0].namespace = 'labelstudio'; },
    'apps[0].namespace: namespace labelstudio is not declared under namespaces: declare it with its Pod Security level'],
  ['an app reading a Secret nobody declares', (d) => { d.apps[0].secrets.push('labelstudio-redis'); },
    'apps[0].secrets[2]: no secret apps/labelstudio-redis is declared under secrets:'],
  ['valuesFrom a key the Secret does not hold', (d) => { d.apps[0].valuesFrom[0].key = 'BUCKET'; },
    'apps[0].valuesFrom[0].key: secret apps/labelstudio-settings has no key BUCKET (it has S3_BUCKET, S3_REGION, POSTGRES_USER, POSTGRES_DATABASE)'],
  ['a targetPath in --set syntax', (d) => { d.apps[0].valuesFrom[0].targetPath = 'a=b'; },
    'apps[0].valuesFrom[0].targetPath: expected a values path such as global.pgConfig.host, got "a=b"'],
];

describe('broken configs are refused with the file, line, field and what is expected', () => {
  test.each(BROKEN)('%s', (_description, change, expected) => {
    const data = shippedConfigData('prod');
    change(data);
    const issues = parseClusterConfig('config/prod.yaml', YAML.stringify(data)).issues.map(formatConfigIssue);
    expect(issues.join('\n')).toContain(expected);
  });

  test('whole-node exit routing is accepted when K3s runs over the tailnet', () => {
    const data = shippedConfigData('prod');
    data.cluster.nodeNetwork = 'tailnet';
    data.tailscale.clients.useExitNode = true;
    expect(parseClusterConfig('config/prod.yaml', YAML.stringify(data)).issues).toEqual([]);
    data.cluster.nodeNetwork = 'lan';
    data.tailscale.clients.exitNodeAllowLanAccess = true;
    expect(parseClusterConfig('config/prod.yaml', YAML.stringify(data)).issues).toEqual([]);
  });

  test('dev clients accepting routes would take prod\'s exit-node routes, which overlap dev\'s own CIDRs', () => {
    const configDir = tempDir();
    fs.writeFileSync(path.join(configDir, 'prod.yaml'), shippedConfigText('prod'));
    fs.writeFileSync(path.join(configDir, 'dev.yaml'), shippedConfigText('dev').replace('acceptRoutes: false', 'acceptRoutes: true'));
    let thrown: unknown;
    try {
      loadClusterConfigs(configDir);
    } catch (error) {
      thrown = error;
    }
    const messages = (thrown as ConfigError).issues.map(formatConfigIssue);
    expect(messages[0]).toMatch(/dev\.yaml:\d+:\d+: tailscale\.clients\.acceptRoutes: /);
    expect(messages[0]).toContain('clients would accept route 10.42.0.0/16 from cluster prod\'s exit node, which overlaps this cluster\'s 10.42.0.0/16');
    expect(messages).toHaveLength(2);
  });

  test('every problem in every file is listed, not only the first', () => {
    const data = shippedConfigData('prod');
    data.cluster.podCidr = 'nonsense';
    delete data.esc.project;
    data.tailscale.exitNode.tailnetIp = '8.8.8.8';
    const issues = parseClusterConfig('config/prod.yaml', YAML.stringify(data)).issues;
    expect(issues.map((issue) => issue.path)).toEqual(['cluster.podCidr', 'esc.project', 'tailscale.exitNode.tailnetIp']);
  });

  test('YAML syntax errors name the line', () => {
    const [issue] = parseClusterConfig('config/prod.yaml', 'cluster:\n  name: prod\n  description: [unclosed\n').issues;
    expect(formatConfigIssue(issue)).toMatch(/^config\/prod\.yaml:\d+:\d+: YAML syntax: /);
  });

  test('duplicate keys are refused rather than silently merged', () => {
    const issues = parseClusterConfig('config/prod.yaml', `${shippedConfigText('prod')}\nesc:\n  organization: other\n`).issues;
    expect(issues[0].message).toMatch(/YAML syntax: Map keys must be unique/);
  });

  test('an empty file, a file of comments, a list or a single value: said as such, not as a type error', () => {
    const messages = (text: string) => parseClusterConfig('config/prod.yaml', text).issues.map(formatConfigIssue);
    const empty = ['config/prod.yaml: the file holds no settings (empty, or only comments): write the cluster\'s config, as in the shipped config/dev.yaml'];
    expect(messages('')).toEqual(empty);
    expect(messages('# prod, to be written\n')).toEqual(empty);
    expect(messages('- cluster\n- esc\n')).toEqual(['config/prod.yaml: the file holds a list, not settings: a cluster config is a mapping (cluster:, esc:, secrets:, ...)']);
    expect(messages('prod\n')).toEqual(['config/prod.yaml: the file holds a single string, not settings: a cluster config is a mapping (cluster:, esc:, secrets:, ...)']);
  });

  test('a second YAML document is named at its line, in the config\'s terms', () => {
    expect(parseClusterConfig('config/prod.yaml', `${shippedConfigText('prod')}---\ncluster:\n  name: dev\n`).issues.map(formatConfigIssue)).toEqual([
      `config/prod.yaml:${shippedConfigText('prod').split('\n').length}:1: a second YAML document starts here (a --- line): a config file holds one cluster; `
      + 'remove the --- or move what follows to its own <cluster>.yaml',
    ]);
  });

});

/**
 * Through synth, one case per class of error (the parser's YAML errors, the schema, rules across
 * files, the gate on the config text): exit 1, every message on stderr, and not one byte of flux/ changed.
 */
describe('synth refuses a broken config and writes nothing', () => {
  const fluxCopy = tempDir();
  fs.cpSync(path.join(REPO_ROOT, 'flux'), fluxCopy, { recursive: true });
  const before = snapshotDir(fluxCopy);

  function synthWith(prod: string, dev = shippedConfigText('dev')) {
    const configDir = tempDir();
    fs.writeFileSync(path.join(configDir, 'prod.yaml'), prod);
    fs.writeFileSync(path.join(configDir, 'dev.yaml'), dev);
    let stderr = '';
    const code = runSynth(['--config-dir', configDir, '--out', fluxCopy], { write: () => undefined }, { write: (t) => { stderr += t; } });
    expect(snapshotDir(fluxCopy)).toEqual(before);
    return { code, stderr, file: path.join(configDir, 'prod.yaml') };
  }

  test('YAML syntax', () => {
    const { code, stderr, file } = synthWith(`${shippedConfigText('prod')}\nbroken: [\n`);
    expect(code).toBe(1);
    expect(stderr).toContain('synth refused: the cluster config is invalid; nothing was written.');
    expect(stderr).toMatch(new RegExp(`${file}:\\d+:\\d+: YAML syntax: `));
  });

  test('schema: every problem of every file', () => {
    const data = shippedConfigData('prod');
    data.cluster.podCidr = '10.42.0.1/16';
    delete data.esc.environment;
    const { code, stderr, file } = synthWith(YAML.stringify(data), shippedConfigText('dev').replace('environment: dev', 'environment: ""'));
    expect(code).toBe(1);
    expect(stderr).toContain(`${file}:5:12: cluster.podCidr: expected a CIDR with its host bits zero`);
    expect(stderr).toMatch(/prod\.yaml:\d+:\d+: esc\.environment: required field is missing/);
    expect(stderr).toMatch(/dev\.yaml:\d+:\d+: esc\.environment: /);
  });

  test('a rule across files', () => {
    const { code, stderr } = synthWith(shippedConfigText('prod'), shippedConfigText('dev').replace('acceptRoutes: false', 'acceptRoutes: true'));
    expect(code).toBe(1);
    expect(stderr).toMatch(/dev\.yaml:\d+:\d+: tailscale\.clients\.acceptRoutes: clients would accept route 10\.42\.0\.0\/16 from cluster prod's exit node/);
  });

  test('the gate on the config text: a pasted credential, with its line', () => {
    const text = shippedConfigText('prod').replace('# tethys', `# key ${fakeCredentials.tailscale()}`);
    const { code, stderr, file } = synthWith(text);
    expect(code).toBe(1);
    const line = text.split('\n').findIndex((l) => l.includes('# key')) + 1;
    expect(stderr).toContain(`(${path.relative(REPO_ROOT, file)}:${line}): contains what looks like a Tailscale key`);
  });
});
