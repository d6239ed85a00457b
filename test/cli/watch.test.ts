import * as fs from 'node:fs';
import * as path from 'node:path';
import { runSynth } from '../../cli/synth-command';
import { changeKind, synthAndSummarize } from '../../cli/watch';
import { REPO_ROOT } from '../../lib/paths';
import { fakeCredentials, tempDir } from '../helpers';

function capture() {
  return { text: '', write(t: string) { this.text += t; } };
}

/** A copy of the shipped config and the committed tree, to synthesize into. */
function workspace() {
  const dir = tempDir();
  fs.cpSync(path.join(REPO_ROOT, 'config'), path.join(dir, 'config'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'flux'), path.join(dir, 'flux'), { recursive: true });
  const configDir = path.join(dir, 'config');
  const out = path.join(dir, 'flux');
  return { configDir, out, options: { argv: ['--watch', '--config-dir', configDir, '--out', out], configDir, out } };
}

describe('one watch run (synthAndSummarize)', () => {
  test('summarizes what the run changed, by object', () => {
    const { configDir, options } = workspace();
    const prod = path.join(configDir, 'prod.yaml');
    fs.writeFileSync(prod, fs.readFileSync(prod, 'utf8').replace('refreshInterval: 1h', 'refreshInterval: 2h'));
    const stdout = capture();
    const stderr = capture();
    synthAndSummarize(options, runSynth, stdout, stderr);
    expect(stderr.text).toBe('');
    expect(stdout.text).toContain('plan: this run changes 0 to add, 1 to change, 0 to remove\n'
      + '  ~ ExternalSecret tailscale/tailscale-auth  (infrastructure/prod/configs/externalsecret-tailscale-tailscale-auth.yaml)\n');
    const again = capture();
    synthAndSummarize(options, runSynth, again, stderr);
    expect(again.text).toContain('plan: this run changes 0 to add, 0 to change, 0 to remove\n');
  });

  test('a refused config, gate findings and a thrown error are reported, not thrown', () => {
    const { configDir, out, options } = workspace();
    const dev = path.join(configDir, 'dev.yaml');
    const original = fs.readFileSync(dev, 'utf8');
    fs.writeFileSync(dev, `${original}bad: [\n`);
    const stderr = capture();
    expect(() => synthAndSummarize(options, runSynth, capture(), stderr)).not.toThrow();
    expect(stderr.text).toMatch(/synth refused: the cluster config is invalid; nothing was written\.\n.*dev\.yaml:\d+:\d+: YAML syntax: /);

    fs.writeFileSync(dev, `${original}# ${fakeCredentials.aws()}\n`);
    const findings = capture();
    synthAndSummarize(options, runSynth, capture(), findings);
    expect(findings.text).toMatch(/^synth refused: 1 problem\(s\) the cluster would reject or suffer from; nothing was written\./);
    expect(findings.text).toContain('contains what looks like an AWS access key ID');

    const notAFolder = path.join(out, 'clusters', 'prod', 'kustomization-flux-system-apps.yaml');
    const thrown = capture();
    synthAndSummarize({ ...options, out: notAFolder }, runSynth, capture(), thrown);
    expect(thrown.text).toMatch(/^synth failed: .*kustomization-flux-system-apps\.yaml: is a file, not a folder\n$/);
  });
});

describe('what a change asks for (changeKind)', () => {
  const configDir = path.join(REPO_ROOT, 'config');
  test.each([
    ['config/prod.yaml', 'config'],
    ['config/schema.ts', 'source'],
    ['lib/constants.ts', 'source'],
    ['imports/schemas.json', 'source'],
    ['package-lock.json', 'source'],
    ['config/prod.yaml.swp', undefined],
    ['README.md', undefined],
    // synth's own writes beside the default flux/: a rebuild on each would follow every write
    ['.flux-synth-journal.json', undefined],
    ['.flux-synth.lock', undefined],
    ['tailnet/prod.json', undefined],
    ['flux/apps/prod/kustomization.yaml', undefined],
    ['dist/bin/x/main.js', undefined],
  ])('%s: %s', (file, kind) => {
    expect(changeKind(path.join(REPO_ROOT, file), configDir)).toBe(kind);
  });

  test('a config folder outside the repository: its *.yaml files are config', () => {
    expect(changeKind('/elsewhere/configs/prod.yaml', '/elsewhere/configs')).toBe('config');
  });
});

