/**
 * `npm run check`: the gate over hand-written manifests. Each bad case breaks the valid
 * `restricted-app` set in exactly one way and expects that problem, in the gate's words; each good
 * set must pass as it is.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { runCheck } from '../../cli/check-command';
import { REPO_ROOT } from '../../lib/paths';
import { fakeCredentials, tempDir } from '../helpers';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/check');

function run(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = runCheck(argv, { write: (t) => { out.stdout += t; } }, { write: (t) => { out.stderr += t; } });
  return { code, ...out };
}

type Manifest = Record<string, any>;

let restrictedApp: Map<string, Manifest> | undefined;
/** The restricted-app set, as parsed documents keyed by `Kind/name` (a fresh copy each call). */
function baseSet(): Map<string, Manifest> {
  if (!restrictedApp) {
    restrictedApp = new Map<string, Manifest>();
    for (const file of fs.readdirSync(path.join(FIXTURES, 'restricted-app')).sort()) {
      for (const document of YAML.parseAllDocuments(fs.readFileSync(path.join(FIXTURES, 'restricted-app', file), 'utf8'))) {
        const manifest = document.toJS() as Manifest;
        restrictedApp.set(`${manifest.kind}/${manifest.metadata.name}`, manifest);
      }
    }
  }
  return structuredClone(restrictedApp);
}

function writeSet(set: Map<string, Manifest>, extra: Record<string, string> = {}): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'manifests.yaml'), [...set.values()].map((manifest) => YAML.stringify(manifest)).join('---\n'));
  for (const [file, text] of Object.entries(extra)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

const deployment = (set: Map<string, Manifest>) => set.get('Deployment/shop')!;
const podSpec = (set: Map<string, Manifest>) => deployment(set).spec.template.spec;
const container = (set: Map<string, Manifest>) => podSpec(set).containers[0];
const namespace = (set: Map<string, Manifest>) => set.get('Namespace/shop')!;
const add = (set: Map<string, Manifest>, manifest: Manifest) => set.set(`${manifest.kind}/${manifest.metadata.name}`, manifest);

const tailscale = (env: Array<Record<string, unknown>>): Manifest => ({
  apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'ts', namespace: 'edge' },
  spec: { selector: { matchLabels: { app: 'ts' } }, template: { metadata: { labels: { app: 'ts' } }, spec: { hostNetwork: true, containers: [
    { name: 'tailscale', image: 'tailscale/tailscale:v1.102.3', securityContext: { privileged: true }, env },
  ] } } },
});
const privilegedNamespace = (name: string): Manifest => ({
  apiVersion: 'v1', kind: 'Namespace',
  metadata: { name, annotations: { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' }, labels: Object.fromEntries(['enforce', 'audit', 'warn'].flatMap((mode) => [
    [`pod-security.kubernetes.io/${mode}`, 'privileged'], [`pod-security.kubernetes.io/${mode}-version`, 'v1.33'],
  ])) },
});
const withTailscale = (env: Array<Record<string, unknown>>) => (set: Map<string, Manifest>) => {
  add(set, privilegedNamespace('edge'));
  add(set, tailscale([{ name: 'TS_KUBE_SECRET', value: '' }, ...env]));
};

/** [case, how the set is broken, what the finding must say]. */
const BAD: Array<[string, (set: Map<string, Manifest>) => void, string]> = [
  ['restricted pod without a seccomp profile (the outage)', (s) => { delete podSpec(s).securityContext.seccompProfile; },
    'spec.template.spec: its pods would be forbidden: violates PodSecurity "restricted:v1.33": seccompProfile'],
  ['privileged container in a restricted namespace', (s) => { container(s).securityContext.privileged = true; },
    'violates PodSecurity "restricted:v1.33": privileged (container "shop" must not set securityContext.privileged=true)'],
  ['hostPath volume in a restricted namespace', (s) => { podSpec(s).volumes = [{ name: 'host', hostPath: { path: '/var/run' } }]; },
    'restricted volume types (volume "host" uses restricted volume type "hostPath")'],
  ['capability added beyond NET_BIND_SERVICE', (s) => { container(s).securityContext.capabilities.add = ['SYS_ADMIN']; },
    'unrestricted capabilities (container "shop" must not include "SYS_ADMIN" in securityContext.capabilities.add)'],
  ['namespace without a warn label', (s) => { delete namespace(s).metadata.labels['pod-security.kubernetes.io/warn']; },
    'namespace shop does not state its Pod Security warn level'],
  ['namespace pinned to latest', (s) => { namespace(s).metadata.labels['pod-security.kubernetes.io/audit-version'] = 'latest'; },
    'namespace shop does not pin its Pod Security audit version (latest changes meaning on every upgrade)'],
  ['namespace with an invalid level', (s) => { namespace(s).metadata.labels['pod-security.kubernetes.io/enforce'] = 'Restricted'; },
    'Invalid value: "Restricted": must be one of privileged, baseline, restricted'],
  ['namespace Flux may prune', (s) => { delete namespace(s).metadata.annotations; },
    'namespace shop can be pruned: if it leaves Git (or its Kustomization is deleted), Flux deletes it and everything in it'],
  ['misspelled field', (s) => { container(s).imagePullPolicys = 'Always'; },
    'spec.template.spec.containers[0].imagePullPolicys: unknown field: the API server would drop it'],
  ['ExternalSecret on the unserved v1beta1 API', (s) => { s.get('ExternalSecret/shop-db')!.apiVersion = 'external-secrets.io/v1beta1'; },
    'external-secrets.io/v1beta1 ExternalSecret is no longer served'],
  ['kind no schema knows', (s) => { add(s, { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'shop', namespace: 'shop' } }); },
    'no schema for ServiceMonitor in monitoring.coreos.com'],
  ['namespaced object without a namespace', (s) => { delete s.get('ConfigMap/shop-settings')!.metadata.namespace; },
    'ConfigMap is namespaced but has no metadata.namespace'],
  ['invalid label key', (s) => { deployment(s).metadata.labels = { 'team/owner/name': 'x' }; },
    'label key "team/owner/name"'],
  ['Secret nothing produces', (s) => { container(s).env[0].valueFrom.secretKeyRef.name = 'shop-database'; },
    'reads Secret shop/shop-database, which nothing here produces'],
  ['key the ExternalSecret does not write', (s) => { container(s).env[0].valueFrom.secretKeyRef.key = 'DATABASE_PASSWORD'; },
    'reads key DATABASE_PASSWORD of Secret shop/shop-db, whose ExternalSecret writes only DATABASE_URL'],
  ['store that does not admit the namespace', (s) => { s.get('ClusterSecretStore/pulumi-esc')!.spec.conditions = [{ namespaces: ['apps'] }]; },
    'ClusterSecretStore pulumi-esc does not admit namespace shop'],
  ['store that does not exist', (s) => { s.get('ExternalSecret/shop-db')!.spec.secretStoreRef.name = 'vault'; },
    'uses ClusterSecretStore vault, which is not declared'],
  ['HelmRelease without its source', (s) => { add(s, { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'cache', namespace: 'shop' },
    spec: { interval: '1h', chart: { spec: { chart: 'redis', version: '20.1.0', sourceRef: { kind: 'HelmRepository', name: 'bitnami' } } } } }); },
  'chart source HelmRepository shop/bitnami is not declared'],
  ['Kustomization waiting on a missing layer', (s) => { add(s, { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name: 'shop', namespace: 'flux-system' },
    spec: { interval: '10m', prune: true, path: './shop', sourceRef: { kind: 'GitRepository', name: 'flux-system' }, dependsOn: [{ name: 'infra' }] } }); },
  'depends on Kustomization flux-system/infra, which is not declared'],
  ['Kustomizations depending on each other', (s) => {
    for (const [name, other] of [['a', 'b'], ['b', 'a']]) {
      add(s, { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' },
        spec: { interval: '10m', prune: true, path: `./${name}`, sourceRef: { kind: 'GitRepository', name: 'flux-system' }, dependsOn: [{ name: other }] } });
    }
  }, 'dependsOn forms a cycle: flux-system/a → flux-system/b → flux-system/a'],
  ['object in an undeclared namespace', (s) => { s.get('ConfigMap/shop-settings')!.metadata.namespace = 'shopping'; },
    'namespace shopping is not declared'],
  ['the same object twice', (s) => { s.set('ConfigMap/again', { ...s.get('ConfigMap/shop-settings')! }); },
    'another ConfigMap with this namespace and name is declared'],
  ['Secret with data', (s) => { add(s, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'shop-db', namespace: 'shop' }, stringData: { DATABASE_URL: 'postgres://db' } }); },
    'Secret carries stringData in Git'],
  ['AWS key in a ConfigMap', (s) => { s.get('ConfigMap/shop-settings')!.data.AWS_ACCESS_KEY_ID = fakeCredentials.aws(); },
    'contains what looks like an AWS access key ID'],
  ['Tailscale key in an annotation', (s) => { deployment(s).metadata.annotations = { note: fakeCredentials.tailscale() }; },
    'contains what looks like a Tailscale key'],
  ['Pulumi token in an env value', (s) => { container(s).env.push({ name: 'PULUMI_ACCESS_TOKEN', value: fakeCredentials.pulumi() }); },
    'contains what looks like a Pulumi access token'],
  ['private key in a ConfigMap', (s) => { s.get('ConfigMap/shop-settings')!.data.KEY = `${fakeCredentials.privateKey()}\nabc\n`; },
    'contains what looks like a private key block'],
  ['Pulumi operator object', (s) => { add(s, { apiVersion: 'pulumi.com/v1', kind: 'Stack', metadata: { name: 'shop', namespace: 'shop' } }); },
    'Stack belongs to Pulumi\'s API group pulumi.com'],
  ['Pulumi operator image', (s) => { container(s).image = 'pulumi/pulumi-kubernetes-operator:v2.2.0'; },
    'runs the Pulumi Kubernetes Operator (pulumi/pulumi-kubernetes-operator:v2.2.0)'],
  ['image on latest', (s) => { container(s).image = 'ghcr.io/goldfish-inc/shop:latest'; }, 'image ghcr.io/goldfish-inc/shop:latest uses :latest'],
  ['untagged image', (s) => { container(s).image = 'ghcr.io/goldfish-inc/shop'; }, 'image ghcr.io/goldfish-inc/shop has no tag, which means :latest'],
  ['TS_EXIT_NODE, which containerboot never reads', withTailscale([{ name: 'TS_EXIT_NODE', value: '100.81.237.43' }]),
    'TS_EXIT_NODE is not an environment variable containerboot reads: it configures nothing'],
  ['TS_ACCEPT_ROUTES, which containerboot never reads', withTailscale([{ name: 'TS_ACCEPT_ROUTES', value: 'true' }]),
    'TS_ACCEPT_ROUTES is not an environment variable containerboot reads'],
  ['a boolean Go cannot parse', withTailscale([{ name: 'TS_USERSPACE', value: 'no' }]),
    'TS_USERSPACE="no" is not a boolean Go can parse, so containerboot silently uses the default'],
  ['exit node given by hostname', withTailscale([{ name: 'TS_EXTRA_ARGS', value: '--exit-node=tethys' }]),
    '--exit-node=tethys is not a tailnet IP'],
  ['ServiceAccount that does not exist', (s) => { podSpec(s).serviceAccountName = 'shop-runner'; },
    'uses ServiceAccount shop/shop-runner, which is not declared'],
  ['store breaking a CEL rule of its CRD', (s) => {
    const auth = s.get('ClusterSecretStore/pulumi-esc')!.spec.provider.pulumi.auth;
    auth.oidcConfig = { organization: 'goldfish-inc', serviceAccountRef: { name: 'eso' } };
  }, "manifests.yaml:29) spec.provider.pulumi.auth: Exactly one of 'accessToken' or 'oidcConfig' must be specified"],
  ['ExternalSecret with neither data nor dataFrom', (s) => { delete s.get('ExternalSecret/shop-db')!.spec.data; },
    'manifests.yaml:41) spec: ESO\'s admission webhook would refuse it: "either data or dataFrom should be specified"'],
];

describe('npm run check: one problem each, in an otherwise valid set', () => {
  test(`there are at least 25 cases (${BAD.length})`, () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25);
  });

  test.each(BAD)('%s', (_name, breakIt, expected) => {
    const set = baseSet();
    breakIt(set);
    const { code, stdout } = run(writeSet(set));
    expect(stdout).toContain(expected);
    expect(code).toBe(1);
    expect(stdout).toMatch(/check: \d+ object\(s\) in 1 file\(s\): \d+ problem\(s\)\n$/);
  });

  test('the outage reads exactly like the API server\'s message, with the field path and the fix', () => {
    const set = baseSet();
    delete podSpec(set).securityContext.seccompProfile;
    const { stdout } = run(writeSet(set));
    const line = stdout.split('\n').find((l) => l.startsWith('Deployment shop/shop'))!;
    expect(line).toMatch(/^Deployment shop\/shop \(.*manifests\.yaml:\d+\) spec\.template\.spec: its pods would be forbidden: /);
    expect(line).toContain('violates PodSecurity "restricted:v1.33": seccompProfile (pod or container "shop" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
    expect(stdout).toContain('fix: set securityContext.seccompProfile.type: RuntimeDefault on the pod');
  });

  test('every problem is listed, not only the first', () => {
    const set = baseSet();
    container(set).image = 'shop:latest';
    delete namespace(set).metadata.annotations;
    container(set).securityContext.privileged = true;
    const { stdout } = run(writeSet(set));
    expect(stdout).toContain('uses :latest');
    expect(stdout).toContain('can be pruned');
    expect(stdout).toContain('privileged (container "shop"');
  });

  test('a YAML syntax error is a finding with file and line, not a crash', () => {
    const { code, stdout } = run(writeSet(baseSet(), { 'broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n' }));
    expect(code).toBe(1);
    expect(stdout).toMatch(/\(.*broken\.yaml:\d+\): YAML syntax error: /);
  });
});

describe('npm run check: valid sets pass', () => {
  test.each(['restricted-app', 'baseline-app', 'chart-with-crd', 'windows'])('%s', (set) => {
    const { code, stdout } = run(path.join(FIXTURES, set));
    expect(stdout).toMatch(/: clean\n$/);
    expect(code).toBe(0);
  });

  test('a CEL rule the gate cannot evaluate is a note in the summary, not a problem', () => {
    const set = baseSet();
    add(set, {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets' }, versions: [{ name: 'v1', served: true, storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.size >= oldSelf.size', message: 'cannot shrink' }] } } } } }] },
    });
    add(set, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' }, spec: { size: 1 } });
    const { code, stdout } = run(writeSet(set));
    expect(stdout).toMatch(/^note: Widget shop\/w \(.*manifests\.yaml:\d+\) spec: CEL rule not evaluated: transition rule \(reads oldSelf/m);
    expect(stdout).toMatch(/: clean; 1 CEL rule evaluation\(s\) skipped \(notes above\)\n$/);
    expect(code).toBe(0);
  });

  test('without --kubernetes-version the newest bundled schema (1.36) applies; with 1.28, newer fields are unknown', () => {
    const set = baseSet();
    podSpec(set).securityContext.appArmorProfile = { type: 'RuntimeDefault' };
    const dir = writeSet(set);
    expect(run(dir)).toMatchObject({ code: 0 });
    expect(run('--kubernetes-version', '1.33', dir)).toMatchObject({ code: 0 });
    expect(run('--kubernetes-version', '1.28', dir).stdout).toContain('spec.template.spec.securityContext.appArmorProfile: unknown field');
  });

  test.each(['prod', 'dev'])('the committed %s cluster, as one universe', (cluster) => {
    const { code, stdout } = run(`flux/clusters/${cluster}`, `flux/infrastructure/${cluster}`, `flux/apps/${cluster}`);
    expect(stdout).toMatch(/: clean\n$/);
    expect(code).toBe(0);
  });

  test('Pod Security is capped at the cluster version given', () => {
    const dir = writeSet(new Map([['Namespace/shop', baseSet().get('Namespace/shop')!], ['Pod/p', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' },
      spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' }, sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 6291456' }] },
        containers: [{ name: 'p', image: 'p:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] },
    }]]));
    // Pod Security v1.32 allows net.ipv4.tcp_rmem; 1.28 and 1.33 are the bundled schemas either side.
    expect(run('--kubernetes-version', '1.33', dir).code).toBe(0);
    expect(run('--kubernetes-version', '1.28', dir).stdout).toContain('forbidden sysctls (net.ipv4.tcp_rmem)');
  });
});

describe('npm run check: usage', () => {
  test('no path, a missing path or a bad option exits 2', () => {
    expect(run().code).toBe(2);
    expect(run('/no/such/folder').stderr).toContain('no such file or folder: /no/such/folder');
    expect(run('--kubernetes-version', 'latest', 'flux').code).toBe(2);
    expect(run('--kubernetes-version', '1.32', 'flux')).toMatchObject({
      code: 2, stderr: '--kubernetes-version 1.32: no bundled schema for Kubernetes 1.32; bundled: 1.28, 1.33, 1.34, 1.35, 1.36\n',
    });
    expect(run('--frobnicate', 'flux').code).toBe(2);
  });

  test('skips flux-system folders and says so', () => {
    const dir = tempDir();
    fs.cpSync(path.join(FIXTURES, 'restricted-app'), dir, { recursive: true });
    fs.mkdirSync(path.join(dir, 'flux-system'));
    fs.writeFileSync(path.join(dir, 'flux-system', 'gotk-components.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flux-system\n');
    const { code, stderr } = run(dir);
    expect(code).toBe(0);
    expect(stderr).toContain(`skipped ${path.join(dir, 'flux-system')}`);
  });
});

describe('npm run check: choosing rules', () => {
  /** A third-party style set: admitted by the API server, but against this repo's house rules. */
  const thirdParty = () => {
    const set = baseSet();
    delete namespace(set).metadata.annotations;
    namespace(set).metadata.labels['pod-security.kubernetes.io/audit-version'] = 'latest';
    container(set).image = 'ghcr.io/goldfish-inc/shop:latest';
    return set;
  };

  test('--only admission reports only what the cluster itself would refuse', () => {
    const dir = writeSet(thirdParty());
    expect(run(dir).code).toBe(1);
    const { code, stdout } = run('--only', 'admission', dir);
    expect(stdout).toMatch(/: clean \(rules not run: namespace-stated, pod-security-pinned, .*, exemption\)\n$/);
    expect(code).toBe(0);
    const broken = thirdParty();
    container(broken).securityContext.privileged = true;
    const refused = run('--only', 'admission', writeSet(broken));
    expect(refused.stdout).toContain('violates PodSecurity "restricted:v1.33": privileged');
    expect(refused.stdout).not.toContain('uses :latest');
    expect(refused.code).toBe(1);
  });

  test('--skip by id leaves out exactly that rule', () => {
    const { stdout } = run('--skip', 'image-pinned', writeSet(thirdParty()));
    expect(stdout).not.toContain('uses :latest');
    expect(stdout).toContain('can be pruned');
    expect(stdout).toMatch(/: 2 problem\(s\) \(rules not run: image-pinned\)\n$/);
  });

  test('an unknown rule or group is a usage error that lists the valid names', () => {
    const { code, stderr } = run('--only', 'admision', FIXTURES);
    expect(code).toBe(2);
    expect(stderr).toContain('"admision": neither a rule nor a group. Valid names:\ngroups: admission, house\nrules:  yaml-syntax, kustomize-resources, schema-kind,');
    expect(run('--skip', 'pod-security,nope', FIXTURES).stderr).toContain('"nope": neither a rule nor a group');
    expect(run('--only', 'image-pinned', '--skip', 'house', FIXTURES)).toMatchObject({ code: 2, stderr: expect.stringContaining('leave no rule to run') });
    expect(run('--format', 'xml', FIXTURES)).toMatchObject({ code: 2, stderr: expect.stringContaining('--format "xml" is not one of text, json, sarif, github') });
  });

  test('an exemption is listed in the text summary', () => {
    const set = thirdParty();
    deployment(set).metadata.annotations = { 'ignore-check.oceanid.goldfish.inc/image-pinned': 'vendor image, digest tracked' };
    const { stdout } = run(writeSet(set));
    expect(stdout).not.toContain('uses :latest');
    expect(stdout).toMatch(
      /\nexempted image-pinned: Deployment shop\/shop \(.*manifests\.yaml:\d+\): "vendor image, digest tracked" \(1 finding\(s\) exempted\)\ncheck: /);
  });
});

describe('case 8: check sees what Flux applies', () => {
  const namespaceOnly = () => writeSet(new Map([['Namespace/shop', baseSet().get('Namespace/shop')!]]));

  test('a kustomization.yaml secretGenerator with an AWS key and a Tailscale key (literal and file) is refused', () => {
    const dir = namespaceOnly();
    fs.writeFileSync(path.join(dir, 'ts.key'), fakeCredentials.tailscale());
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), YAML.stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['manifests.yaml'],
      secretGenerator: [{ name: 'aws', namespace: 'shop', literals: [`AWS_ACCESS_KEY_ID=${fakeCredentials.aws()}`], files: ['authkey=ts.key'] }],
    }));
    const { code, stdout } = run(dir);
    expect(code).toBe(1);
    expect(stdout).toContain(`Secret shop/aws (${path.join(dir, 'kustomization.yaml')}:6) stringData: Secret carries stringData in Git`);
    expect(stdout).toContain('stringData.AWS_ACCESS_KEY_ID: contains what looks like an AWS access key ID (AKIA…)');
    expect(stdout).toContain('stringData.authkey: contains what looks like a Tailscale key (tskey-…)');
  });

  test('a configMapGenerator literal and an inline patch carrying a credential are refused', () => {
    const dir = namespaceOnly();
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), YAML.stringify({
      resources: ['manifests.yaml'],
      configMapGenerator: [{ name: 'settings', namespace: 'shop', literals: [`token=${fakeCredentials.pulumi()}`] }],
      patches: [{ target: { kind: 'Namespace' }, patch: `- op: add\n  path: /metadata/annotations/key\n  value: ${fakeCredentials.tailscale()}\n` }],
    }));
    const { code, stdout } = run(dir);
    expect(code).toBe(1);
    expect(stdout).toContain('ConfigMap shop/settings');
    expect(stdout).toContain('data.token: contains what looks like a Pulumi access token (pul-…)');
    expect(stdout).toMatch(/JSON6902Patch .*operations\[0\]\.value: contains what looks like a Tailscale key/);
  });

  test('a kustomization.yaml listing a local resource that does not exist is refused (kustomize build fails); remote bases are not checked', () => {
    const dir = namespaceOnly();
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), YAML.stringify({
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization',
      resources: ['manifests.yaml', 'deployment.yaml', 'https://github.com/example/base?ref=v1.0.0'],
    }));
    const { code, stdout } = run('--only', 'admission', dir);
    expect(code).toBe(1);
    expect(stdout).toContain(`(${path.join(dir, 'kustomization.yaml')}:5) resources[1]: resources lists "deployment.yaml", which does not exist: `
      + 'kustomize build fails, so Flux applies nothing from this folder\n    fix: add deployment.yaml or remove it from resources');
    expect(stdout).not.toContain('github.com');
    fs.writeFileSync(path.join(dir, 'deployment.yaml'), '');
    expect(run('--only', 'admission', dir).stdout).not.toContain('does not exist');
  });

  test('folders include .json manifests', () => {
    const dir = namespaceOnly();
    fs.writeFileSync(path.join(dir, 'pod.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'c', image: 'c:latest' }] } }));
    const { code, stdout } = run(dir);
    expect(code).toBe(1);
    expect(stdout).toContain(`Pod shop/p (${path.join(dir, 'pod.json')}:1)`);
    expect(stdout).toContain('check: 2 object(s) in 2 file(s)');
  });

  test('a credential in a YAML comment is refused, with its line', () => {
    const dir = namespaceOnly();
    fs.appendFileSync(path.join(dir, 'manifests.yaml'), `# old key: ${fakeCredentials.aws()}\n`);
    const { code, stdout } = run(dir);
    expect(code).toBe(1);
    expect(stdout).toMatch(new RegExp(`\\(${path.join(dir, 'manifests.yaml').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+\\): contains what looks like an AWS access key ID`));
  });

  test('an empty folder, or files without objects, is exit 2 "nothing to check", not clean', () => {
    const empty = run(tempDir());
    expect(empty).toMatchObject({ code: 2, stdout: '' });
    expect(empty.stderr).toMatch(/^check: nothing to check: no Kubernetes object in .* \(0 file\(s\) read\)\n$/);
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'empty.yaml'), '# nothing\n');
    expect(run(dir).code).toBe(2);
  });

  test('an internal error exits 3, distinct from findings (1)', () => {
    // A bug stands in for any: here the output stream throws something unforeseen mid-report.
    const stderr = { text: '', write(text: string) { this.text += text; } };
    const code = runCheck([path.join(FIXTURES, 'windows')], { write: () => { throw new TypeError('boom'); } }, stderr);
    expect({ code, stderr: stderr.text }).toEqual({ code: 3, stderr: 'check: internal error: boom (please report it)\n' });
  });
});

describe('case 10 and 11: bad input to check gets a message', () => {
  test('an alias bomb is a finding with its line, quickly', () => {
    const dir = tempDir();
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 7; level++) {
      const name = String.fromCharCode(97 + level);
      levels.push(`${name}: &${name} [${Array(10).fill(`*${String.fromCharCode(96 + level)}`).join(', ')}]`);
    }
    fs.writeFileSync(path.join(dir, 'bomb.yaml'), `${levels.join('\n')}\n`);
    const started = Date.now();
    const { code, stdout } = run(dir);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(code).toBe(1);
    expect(stdout).toContain(`(${path.join(dir, 'bomb.yaml')}:1): YAML: Excessive alias count indicates a resource exhaustion attack (aliases may expand to at most 100 nodes)`);
  });

  test('a FIFO, a link to /dev/zero and a dangling link are never opened; given directly they are refused', () => {
    const dir = tempDir();
    fs.cpSync(path.join(FIXTURES, 'restricted-app'), dir, { recursive: true });
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.yaml'));
    fs.symlinkSync(path.join(dir, 'missing.yaml'), path.join(dir, 'dangling.yaml'));
    const walked = run(dir);
    expect(walked.code).toBe(0);
    expect(walked.stderr).toContain(`skipped ${path.join(dir, 'pipe.yaml')} (a FIFO (never opened))`);
    expect(walked.stderr).toContain(`skipped ${path.join(dir, 'zero.yaml')} (a symbolic link (never followed))`);
    expect(run(path.join(dir, 'pipe.yaml'))).toMatchObject({ code: 2, stderr: `check: cannot read:\n  ${path.join(dir, 'pipe.yaml')}: is a FIFO, not a file: it is never read\n` });
    expect(run(path.join(dir, 'zero.yaml'))).toMatchObject({ code: 2, stderr: `check: cannot read:\n  ${path.join(dir, 'zero.yaml')}: is a device, not a file: it is never read\n` });
    expect(run(path.join(dir, 'dangling.yaml')).code).toBe(2);
  });

  test('control characters in a manifest are escaped in findings', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'x.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "a\\e]0;owned\\a"\n  namespace: shop\n');
    const { stdout } = run(dir);
    expect(stdout).toContain('ConfigMap shop/a\\x1b]0;owned\\x07');
    // eslint-disable-next-line no-control-regex
    expect(stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });
});

describe('a hand edit of the committed tree', () => {
  test('a Tailscale DaemonSet whose --reset was removed is refused', () => {
    const out = path.join(tempDir(), 'prod');
    for (const folder of ['clusters/prod', 'infrastructure/prod', 'apps/prod']) {
      fs.cpSync(path.join(REPO_ROOT, 'flux', folder), path.join(out, folder), { recursive: true });
    }
    const file = path.join(out, 'infrastructure/prod/network/daemonset-tailscale-tailscale-client.yaml');
    expect(run(out).code).toBe(0);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('value: --reset --advertise-tags=tag:k8s', 'value: --exit-node=100.81.237.43 --advertise-tags=tag:k8s'));
    const result = run(out);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('TS_EXTRA_ARGS has up flags (--exit-node=100.81.237.43 --advertise-tags=tag:k8s) but no --reset');
    expect(result.stdout).toContain('fix: put --reset first in TS_EXTRA_ARGS');
  });

  test('a client DaemonSet given --exit-node (with --reset) on prod, whose nodes talk over public addresses, is refused', () => {
    const out = path.join(tempDir(), 'prod');
    for (const folder of ['clusters/prod', 'infrastructure/prod', 'apps/prod']) {
      fs.cpSync(path.join(REPO_ROOT, 'flux', folder), path.join(out, folder), { recursive: true });
    }
    const file = path.join(out, 'infrastructure/prod/network/daemonset-tailscale-tailscale-client.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('value: --reset --advertise-tags=tag:k8s',
      'value: --reset --exit-node=100.81.237.43 --exit-node-allow-lan-access --advertise-tags=tag:k8s'));
    const result = run(out);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('--exit-node on nodes that reach each other over public addresses (oceanid.goldfish.inc/node-network: public)');
  });
});

describe('a hand edit of the committed tree: readiness', () => {
  function copyProd(): string {
    const out = path.join(tempDir(), 'prod');
    for (const folder of ['clusters/prod', 'infrastructure/prod', 'apps/prod']) {
      fs.cpSync(path.join(REPO_ROOT, 'flux', folder), path.join(out, 'flux', folder), { recursive: true });
    }
    return out;
  }

  test('the configs layer without its healthCheckExprs is refused, naming the kinds', () => {
    const out = copyProd();
    const file = path.join(out, 'flux/clusters/prod/kustomization-flux-system-configs.yaml');
    const manifest = YAML.parse(fs.readFileSync(file, 'utf8'));
    delete manifest.spec.healthCheckExprs;
    fs.writeFileSync(file, YAML.stringify(manifest));
    const result = run(path.join(out, 'flux'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Kustomization flux-system/configs');
    expect(result.stdout).toContain('spec.healthCheckExprs: this layer waits on ClusterSecretStore, ExternalSecret without a health check expression for them');
  });

  test('dropping only the ExternalSecret expression is refused too', () => {
    const out = copyProd();
    const file = path.join(out, 'flux/clusters/prod/kustomization-flux-system-configs.yaml');
    const manifest = YAML.parse(fs.readFileSync(file, 'utf8'));
    manifest.spec.healthCheckExprs = manifest.spec.healthCheckExprs.filter((check: { kind: string }) => check.kind !== 'ExternalSecret');
    fs.writeFileSync(file, YAML.stringify(manifest));
    const result = run(path.join(out, 'flux'));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('this layer waits on ExternalSecret without a health check expression for them');
  });
});

describe('npm run check --charts: HelmReleases written by hand are rendered and gated', () => {
  const namespace = YAML.parse(fs.readFileSync(path.join(FIXTURES, 'restricted-app/namespace.yaml'), 'utf8'));
  const repository = { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'charts', namespace: 'shop' },
    spec: { url: 'https://charts.example.org/', interval: '1h' } };
  const release = (name: string, chart: string, version: string) => ({
    apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name, namespace: 'shop' },
    spec: { interval: '1h', chart: { spec: { chart, version, sourceRef: { kind: 'HelmRepository', name: 'charts' } } } },
  });

  test('a chart from any repository, found in DIR (no lock there), is rendered; its pods meet the namespace\'s Pod Security', () => {
    const charts = tempDir();
    fs.copyFileSync(path.join(REPO_ROOT, 'charts/label-studio-2.0.5.tgz'), path.join(charts, 'label-studio-2.0.5.tgz'));
    const files = tempDir();
    fs.writeFileSync(path.join(files, 'all.yaml'), [namespace, repository, release('label-studio', 'label-studio', '2.0.5'), release('eso', 'external-secrets', '9.9.9')]
      .map((manifest) => YAML.stringify(manifest)).join('---\n'));
    const { code, stdout } = run('--charts', charts, '--kubernetes-version', '1.33', files);
    expect(code).toBe(1);
    expect(stdout).toContain('HelmRelease shop/label-studio → Deployment shop/label-studio-ls-app (chart label-studio 2.0.5) spec.template.spec: '
      + 'its pods would be forbidden: violates PodSecurity "restricted:v1.33"');
    expect(stdout).toContain(`HelmRelease shop/eso (${path.join(files, 'all.yaml')}:`);
    expect(stdout).toContain(`cannot render: chart external-secrets 9.9.9 from https://charts.example.org/: ${path.join(charts, 'external-secrets-9.9.9.tgz')} is missing`);
    expect(stdout).toMatch(/rendered by 1 HelmRelease\(s\): \d+ problem\(s\)/);
  });

  test('a valuesFrom Secret produced in another folder is a house finding: --only admission still renders and gates the chart', () => {
    const apps = path.join(REPO_ROOT, 'flux/apps/prod');
    const all = run('--kubernetes-version', '1.33', apps);
    expect(all.code).toBe(1);
    expect(all.stdout).toContain('spec.valuesFrom[0]: valuesFrom Secret apps/labelstudio-settings is not declared');
    const admission = run('--only', 'admission', '--kubernetes-version', '1.33', apps);
    expect(admission.stdout).not.toContain('valuesFrom Secret');
    // The release is rendered all the same (with placeholders), so its pods are still checked.
    expect(admission.stdout).toMatch(/and \d+ rendered by 1 HelmRelease\(s\)/);
  });

  test('the committed prod tree, with everything its HelmReleases render, is clean', () => {
    const { code, stdout } = run(...['clusters', 'infrastructure', 'apps'].map((folder) => path.join(REPO_ROOT, 'flux', folder, 'prod')));
    expect(stdout).toMatch(/check: \d+ object\(s\) in \d+ file\(s\) and 24 rendered by 2 HelmRelease\(s\): clean/);
    expect(code).toBe(0);
  });
});
