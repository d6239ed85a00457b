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
    expect(prod.tailscale.clients).toEqual({ useExitNode: true, exitNodeAllowLanAccess: true, acceptRoutes: false, advertiseTags: ['tag:k8s'] });
    expect(prod.tailscale.hostnameSuffix).toBe('-oceanid');
    expect(prod.esc).toEqual({ organization: 'goldfish-inc', project: 'oceanid-cluster', environment: 'prod' });
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
    'secrets[2].name: secret apps/labelstudio-s3-credentials is already declared at secrets[1]: two ExternalSecrets would fight over one Secret'],
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
  ['clients using an exit node that is not configured', (d) => { delete d.tailscale.exitNode; },
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
  ['LAN access without an exit node', (d) => { d.tailscale.clients.useExitNode = false; },
    'tailscale.clients.exitNodeAllowLanAccess: LAN access only applies with an exit node'],
  ['a string where a boolean belongs', (d) => { d.tailscale.clients.useExitNode = 'yes'; },
    'tailscale.clients.useExitNode: expected boolean, got "yes"'],
];

describe('broken configs are refused with the file, line, field and what is expected', () => {
  test.each(BROKEN)('%s', (_description, change, expected) => {
    const data = shippedConfigData('prod');
    change(data);
    const issues = parseClusterConfig('config/prod.yaml', YAML.stringify(data)).issues.map(formatConfigIssue);
    expect(issues.join('\n')).toContain(expected);
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
