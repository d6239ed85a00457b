import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSynth } from '../../cli/synth-command';
import { BOOTSTRAP_FOLDER, Layer, treeFolder } from '../../lib/layout';
import { REPO_ROOT } from '../../lib/paths';
import { walkTree } from '../../lib/walk';
import { synthesize } from '../../pipeline/synth';
import { fakeCredentials, kubectlAvailable, shippedConfigText, snapshotDir, tempDir } from '../helpers';

const FLUX = path.join(REPO_ROOT, 'flux');
const quiet = { write: () => undefined };

function capture() {
  const out = { text: '', write(t: string) { this.text += t; } };
  return out;
}

describe('npm run synth', () => {
  // The one golden copy of the tree is the committed flux/: every file in it (flux-system/ aside, which
  // flux bootstrap owns) must be, byte for byte, what synth produces now, and nothing else may be there.
  test('the committed flux/ is byte for byte what a fresh synth produces (drift)', () => {
    const { tree, findings } = synthesize({ configDir: path.join(REPO_ROOT, 'config') });
    expect(findings).toEqual([]);
    const committed = walkTree(FLUX, { skipFolder: (name) => name === BOOTSTRAP_FOLDER }).files;
    const fresh = [...tree.files.keys()].sort();
    expect(committed).toEqual(fresh);
    const differing = fresh.filter((file) => !fs.readFileSync(path.join(FLUX, file)).equals(Buffer.from(tree.files.get(file)!, 'utf8')));
    expect(differing).toEqual([]);
  });

  test('writes into an empty folder, then finds nothing to change', () => {
    const out = path.join(tempDir(), 'flux');
    const first = capture();
    expect(runSynth(['--out', out], first, quiet)).toBe(0);
    expect(first.text).toMatch(/35 written, 0 removed, 0 unchanged; gate clean/);
    const second = capture();
    expect(runSynth(['--out', out], second, quiet)).toBe(0);
    expect(second.text).toMatch(/0 written, 0 removed, 35 unchanged/);
  });

  test('a file placed in flux-system/ survives synth, byte for byte', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    const bootstrap = path.join(out, 'clusters/prod/flux-system');
    fs.mkdirSync(bootstrap, { recursive: true });
    fs.writeFileSync(path.join(bootstrap, 'gotk-sync.yaml'), 'apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\n');
    fs.writeFileSync(path.join(bootstrap, 'kustomization.yaml'), 'resources: [gotk-components.yaml, gotk-sync.yaml]\n');
    const before = snapshotDir(bootstrap);
    expect(runSynth(['--out', out], quiet, quiet)).toBe(0);
    expect(snapshotDir(bootstrap)).toEqual(before);
  });

  test('removes the files of a cluster whose config was deleted, and only with a full synth', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    const configDir = tempDir();
    fs.writeFileSync(path.join(configDir, 'prod.yaml'), shippedConfigText('prod'));
    expect(runSynth(['--out', out, '--config-dir', configDir, '--cluster', 'prod'], quiet, quiet)).toBe(0);
    expect(fs.existsSync(path.join(out, 'clusters/dev'))).toBe(true);
    const full = capture();
    expect(runSynth(['--out', out, '--config-dir', configDir], full, quiet)).toBe(0);
    expect(fs.existsSync(path.join(out, 'clusters/dev'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'infrastructure/dev'))).toBe(false);
    expect(full.text).toContain('removed infrastructure/dev/network/daemonset-tailscale-tailscale-client.yaml');
  });

  test('refuses to overwrite a hand-written file, leaving flux/ byte for byte as it was', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    fs.writeFileSync(path.join(out, 'apps/prod/kustomization.yaml'), 'resources: [mine.yaml]\n');
    const before = snapshotDir(out);
    const stderr = capture();
    expect(runSynth(['--out', out], quiet, stderr)).toBe(1);
    expect(stderr.text).toContain('synth would overwrite files it did not generate');
    expect(stderr.text).toContain(path.join(out, 'apps/prod/kustomization.yaml'));
    expect(snapshotDir(out)).toEqual(before);
  });

  test('usage errors exit 2', () => {
    const stderr = capture();
    expect(runSynth(['--nope'], quiet, stderr)).toBe(2);
    expect(stderr.text).toContain('usage: npm run synth');
  });

  test('an unknown --cluster is a config error, not a silent no-op', () => {
    const stderr = capture();
    expect(runSynth(['--cluster', 'staging', '--out', tempDir()], quiet, stderr)).toBe(1);
    expect(stderr.text).toContain('no config for cluster staging');
  });

  test('as the cdk8s app, it also mirrors the tree into CDK8S_OUTDIR', () => {
    const out = path.join(tempDir(), 'flux');
    const mirror = tempDir();
    process.env.CDK8S_OUTDIR = mirror;
    try {
      expect(runSynth(['--out', out], quiet, quiet)).toBe(0);
    } finally {
      delete process.env.CDK8S_OUTDIR;
    }
    expect(snapshotDir(mirror)).toEqual(snapshotDir(out));
  });

  test('the npm script runs end to end and exits 0 on the committed tree', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/run.cjs'), 'main', '--out', out], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/0 written, 0 removed, 35 unchanged; gate clean/);
  });
});

describe('npm run synth: choosing rules and formats', () => {
  /** A config dir whose prod config carries a credential-shaped comment: one house finding (credential-leak). */
  function leakyConfig(): string {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'prod.yaml'), `${shippedConfigText('prod')}# ${fakeCredentials.aws()}\n`);
    return dir;
  }
  const lineOfLeak = shippedConfigText('prod').split('\n').length;

  test.each([
    [['--skip', 'admission']], [['--only', 'house']], [['--only', 'pod-security']], [['--skip', 'schema']],
  ])('%j would leave admission rules out implicitly: usage error, nothing written', (options) => {
    const out = path.join(tempDir(), 'flux');
    const stderr = capture();
    const code = runSynth([...options, '--out', out], quiet, stderr);
    expect(stderr.text).toMatch(options[1] === 'schema' ? /neither a rule nor a group/ : /^synth runs every admission rule .* would leave out (yaml-syntax|schema-kind), /);
    expect(code).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('an admission rule named by id in --skip is left out, and the summary says so', () => {
    const stdout = capture();
    expect(runSynth(['--skip', 'schema-unknown-field,image-pinned', '--out', path.join(tempDir(), 'flux')], stdout, quiet)).toBe(0);
    expect(stdout.text).toMatch(/; gate clean, rules not run: schema-unknown-field, image-pinned \(\d+ ms\)\n$/);
  });

  test('a house finding refuses the tree; --format json reports it on stdout with file and line', () => {
    const out = path.join(tempDir(), 'flux');
    const stdout = capture();
    const stderr = capture();
    expect(runSynth(['--config-dir', leakyConfig(), '--out', out, '--format', 'json'], stdout, stderr)).toBe(1);
    expect(stderr.text).toBe('');
    expect(fs.existsSync(out)).toBe(false);
    const report = JSON.parse(stdout.text);
    expect([report.version, report.command, report.result, report.scope]).toEqual([1, 'synth', 'findings', { clusters: ['prod'] }]);
    expect(report.findings).toEqual([{
      rule: 'credential-leak', group: 'house', cluster: 'prod', file: expect.stringMatching(/\/prod\.yaml$/), line: lineOfLeak,
      message: 'contains what looks like an AWS access key ID (AKIA…)',
      fix: 'remove it, revoke it (it may already be in Git history), and reference its ESC path under secrets: instead',
    }]);
  });

  test('--skip of that house rule lets synth write, and the JSON says what was written', () => {
    const out = path.join(tempDir(), 'flux');
    const stdout = capture();
    expect(runSynth(['--config-dir', leakyConfig(), '--out', out, '--skip', 'credential-leak', '--format', 'json'], stdout, quiet)).toBe(0);
    const report = JSON.parse(stdout.text);
    expect([report.result, report.findings, report.rules.skipped]).toEqual(['clean', [], ['credential-leak']]);
    expect([...report.synth.written].sort()).toEqual([...snapshotDir(out).keys()].sort());
    expect([report.synth.removed, report.synth.unchanged]).toEqual([[], 0]);
  });

  test('--format github refuses with one annotation per finding', () => {
    const stdout = capture();
    expect(runSynth(['--config-dir', leakyConfig(), '--out', path.join(tempDir(), 'flux'), '--format', 'github'], stdout, quiet)).toBe(1);
    expect(stdout.text).toMatch(new RegExp(`^::error file=[^,]*/prod\\.yaml,line=${lineOfLeak},title=\\[prod\\] credential-leak::contains what looks like an AWS access key ID \\(AKIA…\\)%0Afix: `));
    expect(stdout.text.trim().split('\n').slice(1)).toEqual(['synth refused: 1 problem(s); nothing was written']);
  });
});

const kubectl = kubectlAvailable();
const describeKubectl = kubectl ? describe : describe.skip;
if (!kubectl) {
  process.stderr.write('kubectl is not on PATH: skipping the `kubectl kustomize` build of every layer\n');
}

describeKubectl('kubectl kustomize builds every layer', () => {
  const cases = ['prod', 'dev'].flatMap((cluster) => Object.values(Layer).map((layer) => [cluster, layer] as const));
  test.each(cases)('%s %s', (cluster, layer) => {
    const folder = path.join(FLUX, treeFolder(cluster, layer));
    const built = execFileSync('kubectl', ['kustomize', folder], { encoding: 'utf8' });
    const files = fs.readdirSync(folder).filter((file) => file !== 'kustomization.yaml');
    const kinds = built.split('\n').filter((line) => line.startsWith('kind: ')).length;
    expect(kinds).toBe(files.length);
  });
});
