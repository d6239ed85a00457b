/**
 * Fault injection, in one file (`npm run test:processes`): synth as a child process killed with
 * SIGKILL mid-write, two synths at once, and write errors that only an unprivileged user meets (CI
 * runs as root, which ignores permissions: the children run as `nobody` there).
 */
import { ChildProcess, spawn, spawnSync, SpawnSyncOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { KUSTOMIZATION_FILE, sidecarPaths } from '../../lib/layout';
import { REPO_ROOT, RUN_SCRIPT } from '../../lib/paths';
import { writeScaledConfigs } from '../../bench/scale';
import { shippedConfigData, shippedConfigText, snapshotDir, tempDir } from '../helpers';

const RUN = path.join(REPO_ROOT, RUN_SCRIPT);
const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** A temporary folder the child's user can read and write. */
function sharedDir(): string {
  const dir = tempDir();
  fs.chmodSync(dir, 0o755);
  if (asRoot) fs.chownSync(dir, NOBODY, NOBODY);
  return dir;
}

function chownTree(dir: string): void {
  if (!asRoot) return;
  for (const entry of [dir, ...fs.readdirSync(dir, { recursive: true }).map((file) => path.join(dir, String(file)))]) fs.lchownSync(entry, NOBODY, NOBODY);
}

function synthArgs(configDir: string, out: string): string[] {
  return [RUN, 'main', '--config-dir', configDir, '--out', out];
}

/** Runs synth as a child, as `nobody` when the tests run as root. */
function synthAsUser(configDir: string, out: string): { status: number | null; stdout: string; stderr: string } {
  const options: SpawnSyncOptions = { encoding: 'utf8', ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) };
  const result = spawnSync(process.execPath, synthArgs(configDir, out), options);
  return { status: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Every kustomization.yaml under `out` lists only files that exist; every file is complete. */
function assertConsistent(out: string): void {
  for (const file of fs.readdirSync(out, { recursive: true }).map(String)) {
    const full = path.join(out, file);
    if (!fs.statSync(full).isFile()) continue;
    const text = fs.readFileSync(full, 'utf8');
    expect(YAML.parseAllDocuments(text).every((document) => document.errors.length === 0)).toBe(true);
    if (path.basename(file) !== KUSTOMIZATION_FILE) continue;
    const listed = (YAML.parse(text) as { resources: string[] }).resources;
    const missing = listed.filter((resource) => !fs.existsSync(path.join(path.dirname(full), resource)));
    expect({ file, missing }).toEqual({ file, missing: [] });
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  let stderr = '';
  child.stderr?.on('data', (chunk) => { stderr += chunk; });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
}

beforeAll(() => {
  // Build the bundle once, as this user, so children (and `nobody`) only run it.
  expect(spawnSync(process.execPath, [RUN, '--build'], { encoding: 'utf8' }).status).toBe(0);
});

describe('case 2: SIGKILL at any moment', () => {
  test('every kustomization.yaml lists only existing files after each kill, and the next synth completes the tree', async () => {
    const small = tempDir();
    const large = tempDir();
    writeScaledConfigs(path.join(REPO_ROOT, 'config'), small, 1);
    writeScaledConfigs(path.join(REPO_ROOT, 'config'), large, 25);
    const out = path.join(tempDir(), 'flux');
    const reference = path.join(tempDir(), 'flux');
    // Unkilled runs, to know how long one takes; the reference tree is what a clean synth writes.
    const timed = (configDir: string, target: string) => {
      const started = Date.now();
      expect(spawnSync(process.execPath, synthArgs(configDir, target)).status).toBe(0);
      return Date.now() - started;
    };
    timed(large, reference);
    const durations = { [small]: timed(small, out), [large]: timed(large, out) };

    // Kills alternate between growing the tree (hundreds of writes) and shrinking it (hundreds of
    // removals). A third land at a random moment of the whole run; two thirds are targeted: 0-4 ms
    // after the journal appears, i.e. while files are being renamed.
    const KILLS = 12;
    const journal = sidecarPaths(out).journal;
    let midWrite = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      const configDir = kill % 2 === 0 ? small : large;
      const child = spawn(process.execPath, synthArgs(configDir, out), { stdio: ['ignore', 'ignore', 'pipe'] });
      const done = exited(child);
      const targeted = kill % 3 !== 0;
      let timer: NodeJS.Timeout;
      if (targeted) {
        timer = setInterval(() => {
          if (!fs.existsSync(journal)) return;
          clearInterval(timer);
          setTimeout(() => child.kill('SIGKILL'), Math.random() * 4);
        }, 1);
      } else {
        timer = setTimeout(() => child.kill('SIGKILL'), durations[configDir] * Math.random());
      }
      await done;
      clearInterval(timer);
      clearTimeout(timer);
      if (fs.existsSync(journal)) midWrite++;
      assertConsistent(out);
    }
    process.stderr.write(`case 2: ${KILLS} kills, ${midWrite} of them left a journal (killed while renaming)\n`);
    expect(midWrite).toBeGreaterThan(0);

    const final = spawnSync(process.execPath, synthArgs(large, out), { encoding: 'utf8' });
    expect(final.status).toBe(0);
    expect(snapshotDir(out)).toEqual(snapshotDir(reference));
    // Beside the tree: the tailnet policy fragments synth writes, and no staging leftover.
    expect(fs.readdirSync(path.dirname(out))).toEqual(['flux', 'tailnet']);
  }, 60_000);
});

describe('case 3: two synths at once', () => {
  test('the second waits for the first; the tree is exactly one of the two, never a mix', async () => {
    const one = tempDir();
    const two = tempDir();
    writeScaledConfigs(path.join(REPO_ROOT, 'config'), one, 1);
    writeScaledConfigs(path.join(REPO_ROOT, 'config'), two, 10);
    const references = [one, two].map((configDir) => {
      const target = path.join(tempDir(), 'flux');
      expect(spawnSync(process.execPath, synthArgs(configDir, target)).status).toBe(0);
      return snapshotDir(target);
    });
    const out = path.join(tempDir(), 'flux');
    const results = await Promise.all([one, two].map((configDir) => exited(spawn(process.execPath, synthArgs(configDir, out), { stdio: ['ignore', 'ignore', 'pipe'] }))));
    expect(results.map((result) => result.code)).toEqual([0, 0]);
    const tree = snapshotDir(out);
    expect(references.some((reference) => JSON.stringify([...reference]) === JSON.stringify([...tree]))).toBe(true);
    assertConsistent(out);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['flux', 'tailnet']);
  }, 30_000);
});

const describeUnprivileged = !asRoot || spawnSync(process.execPath, ['-e', ''], { uid: NOBODY, gid: NOBODY }).status === 0 ? describe : describe.skip;
if (asRoot && describeUnprivileged === describe.skip) process.stderr.write('cannot run a child as nobody: permission cases skipped\n');

describeUnprivileged(`case 1 and 10: write errors as an unprivileged user (${asRoot ? 'nobody' : 'this user'})`, () => {
  /** A copy of the committed tree the child's user owns, and a config that changes three layers of prod. */
  function setup(): { out: string; configDir: string } {
    const out = path.join(sharedDir(), 'flux');
    fs.cpSync(path.join(REPO_ROOT, 'flux'), out, { recursive: true });
    chownTree(out);
    const configDir = sharedDir();
    const prod = shippedConfigData('prod');
    prod.namespaces.push({ name: 'shop' });
    prod.tailscale.hostnameSuffix = '-ocean';
    fs.writeFileSync(path.join(configDir, 'prod.yaml'), YAML.stringify(prod));
    fs.writeFileSync(path.join(configDir, 'dev.yaml'), shippedConfigText('dev'));
    return { out, configDir };
  }

  test('EACCES on the third of three changed folders: nothing applied, one line, exit 1', () => {
    const { out, configDir } = setup();
    // configs and controllers are written first (path order), network last: make it read-only.
    fs.chmodSync(path.join(out, 'infrastructure/prod/network'), 0o555);
    const before = snapshotDir(out);
    const { status, stdout, stderr } = synthAsUser(configDir, out);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(new RegExp(`^synth refused: could not replace ${out}/infrastructure/prod/network/\\S+\\.yaml `
      + '\\(EACCES\\): permission denied: make the tree, its folders and files writable by this user; the tree is exactly as it was before\\n$'));
    expect(snapshotDir(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['flux']);
  });

  test('a read-only flux/: a message, not a stack trace; nothing changes', () => {
    const { out, configDir } = setup();
    for (const entry of [out, ...fs.readdirSync(out, { recursive: true }).map((file) => path.join(out, String(file)))]) {
      if (fs.statSync(entry).isDirectory()) fs.chmodSync(entry, 0o555);
    }
    const before = snapshotDir(out);
    const { status, stderr } = synthAsUser(configDir, out);
    expect(status).toBe(1);
    expect(stderr).toMatch(/^synth refused: could not replace .* \(EACCES\): permission denied: .*; the tree is exactly as it was before\n$/);
    expect(snapshotDir(out)).toEqual(before);
  });

  test('case 5: an unreadable config stops synth; its cluster is not removed', () => {
    const { out, configDir } = setup();
    fs.chmodSync(path.join(configDir, 'dev.yaml'), 0o000);
    if (asRoot) fs.chownSync(path.join(configDir, 'dev.yaml'), 0, 0);
    const before = snapshotDir(out);
    const { status, stderr } = synthAsUser(configDir, out);
    expect(status).toBe(1);
    expect(stderr).toContain(`${path.join(configDir, 'dev.yaml')}: cannot be read (permission denied): fix its permissions; `
      + 'nothing is synthesized (and no cluster removed) until it can be read');
    expect(snapshotDir(out)).toEqual(before);
  });
});
