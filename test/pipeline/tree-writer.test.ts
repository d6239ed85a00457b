import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GENERATED_MARKER, sidecarPaths } from '../../lib/layout';
import { LockHeldError } from '../../pipeline/lock';
import { TreeWriteError } from '../../pipeline/transaction';
import { describeTreeError, inspectTree, previewTree, TreeRefusedError, writeTree } from '../../pipeline/tree-writer';
import { snapshotDir, tempDir } from '../helpers';

const generated = (body: string) => `${GENERATED_MARKER} from config/test.yaml.\n${body}\n`;
const configMap = (name: string, extra = '') => generated(`apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: apps\n${extra}`);

/** A layer folder's files as synth renders them: objects named after themselves, and a kustomization.yaml listing them. */
function layer(folder: string, names: readonly string[], extra = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const name of names) files.set(`${folder}/configmap-apps-${name}.yaml`, configMap(name, extra));
  files.set(`${folder}/kustomization.yaml`, generated(`resources:\n${names.map((name) => `  - configmap-apps-${name}.yaml\n`).join('')}`));
  return files;
}

function setup(files: ReadonlyMap<string, string> | Record<string, string>): string {
  const dir = path.join(tempDir(), 'flux');
  fs.mkdirSync(dir);
  for (const [file, content] of files instanceof Map ? files : Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const noStagingOrJournal = (dir: string) => {
  const parent = path.dirname(dir);
  expect(fs.readdirSync(parent).filter((entry) => entry !== path.basename(dir))).toEqual([]);
};

describe('writeTree', () => {
  test('writes new files and reports them', () => {
    const dir = setup({});
    const files = layer('apps/prod', ['a']);
    const summary = writeTree(dir, files);
    expect(summary).toEqual({ written: ['apps/prod/configmap-apps-a.yaml', 'apps/prod/kustomization.yaml'], removed: [], unchanged: 0, notes: [] });
    expect(snapshotDir(dir)).toEqual(new Map([...files].map(([file, text]) => [file, Buffer.from(text).toString('latin1')])));
    noStagingOrJournal(dir);
  });

  test('never touches flux-system, even with a generated-looking file inside', () => {
    const dir = setup({
      'clusters/prod/flux-system/gotk-sync.yaml': 'kind: GitRepository\n',
      'clusters/prod/flux-system/kustomization.yaml': generated('looks generated'),
      ...Object.fromEntries(layer('apps/prod', ['old'])),
    });
    const before = fs.statSync(path.join(dir, 'clusters/prod/flux-system/gotk-sync.yaml'));
    const summary = writeTree(dir, layer('apps/prod', ['new']));
    expect(summary.removed).toEqual(['apps/prod/configmap-apps-old.yaml']);
    expect(fs.readFileSync(path.join(dir, 'clusters/prod/flux-system/gotk-sync.yaml'), 'utf8')).toBe('kind: GitRepository\n');
    expect(fs.readFileSync(path.join(dir, 'clusters/prod/flux-system/kustomization.yaml'), 'utf8')).toBe(generated('looks generated'));
    expect(fs.statSync(path.join(dir, 'clusters/prod/flux-system/gotk-sync.yaml')).mtimeMs).toBe(before.mtimeMs);
  });

  test('removes stale generated files and the folders they leave empty', () => {
    const dir = setup(new Map([...layer('infrastructure/prod/network', ['ds']), ...layer('apps/prod', ['a'])]));
    const summary = writeTree(dir, new Map([...layer('apps/prod', ['a']), ...layer('infrastructure/prod/network', [])]));
    expect(summary).toEqual({ written: ['infrastructure/prod/network/kustomization.yaml'], removed: ['infrastructure/prod/network/configmap-apps-ds.yaml'], unchanged: 2, notes: [] });
    expect(fs.readdirSync(path.join(dir, 'infrastructure/prod/network'))).toEqual(['kustomization.yaml']);
  });

  test('does not rewrite unchanged files', () => {
    const dir = setup(layer('apps/prod', ['same']));
    const past = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(path.join(dir, 'apps/prod/configmap-apps-same.yaml'), past, past);
    expect(writeTree(dir, layer('apps/prod', ['same']))).toEqual({ written: [], removed: [], unchanged: 2, notes: [] });
    expect(fs.statSync(path.join(dir, 'apps/prod/configmap-apps-same.yaml')).mtime.toISOString()).toBe(past.toISOString());
  });

  test('outside its scopes, leaves other clusters\' generated files alone', () => {
    const dir = setup(new Map([...layer('apps/dev', ['a']), ...layer('apps/prod', ['a'])]));
    expect(writeTree(dir, layer('apps/prod', ['b']), { scopes: ['apps/prod'] }).removed).toEqual(['apps/prod/configmap-apps-a.yaml']);
    expect(fs.existsSync(path.join(dir, 'apps/dev/configmap-apps-a.yaml'))).toBe(true);
  });
});

describe('case 1: a write error mid-run leaves the tree byte-identical', () => {
  // Root ignores permissions but not the immutable attribute; CI runs as root.
  const immutable = (file: string) => spawnSync('chattr', ['+i', file]).status === 0;
  test('an immutable file among three changed ones: nothing applied, one clear message', () => {
    const dir = setup(layer('apps/prod', ['a', 'b', 'c', 'gone']));
    const blocked = path.join(dir, 'apps/prod/configmap-apps-b.yaml');
    if (!immutable(blocked)) {
      process.stderr.write('chattr +i is not permitted here: the immutable-file case runs only in test/pipeline/crash.test.ts (as nobody)\n');
      return;
    }
    try {
      const before = snapshotDir(dir);
      let error: unknown;
      try {
        writeTree(dir, layer('apps/prod', ['a', 'b', 'c', 'new'], 'data:\n  v: "2"\n'));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(TreeWriteError);
      expect((error as Error).message).toBe(`could not replace ${blocked} (EPERM): operation not permitted: an immutable or append-only file (lsattr; chattr -i), `
        + 'or a folder this user may not change; the tree is exactly as it was before');
      expect(snapshotDir(dir)).toEqual(before);
      noStagingOrJournal(dir);
    } finally {
      execFileSync('chattr', ['-i', blocked]);
    }
  });
});

describe('case 4: --out takes only an empty folder or a tree synth wrote', () => {
  test('a folder with anything else in it is refused, untouched', () => {
    const dir = setup({ 'package.json': '{}', 'flux/apps/prod/kustomization.yaml': generated('resources: []') });
    const before = snapshotDir(dir);
    expect(() => writeTree(dir, layer('apps/prod', ['a']))).toThrow(/is neither empty nor a tree synth wrote \(it holds flux, package.json\)/);
    expect(snapshotDir(dir)).toEqual(before);
  });

  test('an empty folder, a missing one, and a tree of only layout folders are accepted', () => {
    expect(writeTree(setup({}), layer('apps/prod', ['a'])).written).toHaveLength(2);
    expect(writeTree(path.join(tempDir(), 'new-flux'), layer('apps/prod', ['a'])).written).toHaveLength(2);
    expect(writeTree(setup({ 'clusters/prod/flux-system/gotk-sync.yaml': 'kind: GitRepository\n' }), layer('apps/prod', ['a'])).written).toHaveLength(2);
  });

  test('generated files outside the layout\'s folders are never removed', () => {
    const dir = setup({ ...Object.fromEntries(layer('apps/prod', ['a'])), 'apps/x.yaml': configMap('x'), 'clusters/README.md': 'notes' });
    const summary = writeTree(dir, layer('apps/prod', ['a']));
    expect(summary.removed).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'apps/x.yaml'))).toBe(true);
    expect(summary.notes).toEqual(inspectTree(dir).notes);
    expect(inspectTree(dir).notes).toEqual(['apps/x.yaml is outside the layout\'s folders: left alone', 'clusters/README.md is outside the layout\'s folders: left alone']);
  });
});

describe('case 6: files synth did not write are reported, never deleted or ignored', () => {
  test('a copy of a generated file (header kept) is refused, and kept', () => {
    const files = layer('apps/prod', ['a']);
    const dir = setup({ ...Object.fromEntries(files), 'apps/prod/configmap-apps-a-copy.yaml': files.get('apps/prod/configmap-apps-a.yaml')! });
    const before = snapshotDir(dir);
    expect(() => writeTree(dir, files)).toThrow(`${path.join(dir, 'apps/prod/configmap-apps-a-copy.yaml')} has the generated header but synth did not write it here (a copy?)`);
    expect(snapshotDir(dir)).toEqual(before);
  });

  test('in the cluster entry folder a generated file is synth\'s only when named after the object it holds', () => {
    const kustomization = (name: string) => generated(`apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: ${name}\n  namespace: flux-system\nspec:\n  prune: true`);
    const dir = setup({
      'clusters/prod/kustomization-flux-system-apps.yaml': kustomization('apps'),
      'clusters/prod/kustomization-flux-system-apps-copy.yaml': kustomization('apps'),
      // Hand-reformatted (flow style): the quick reading does not apply, the parser decides.
      'clusters/prod/kustomization-flux-system-configs.yaml': generated('{apiVersion: kustomize.toolkit.fluxcd.io/v1, kind: Kustomization, metadata: {name: configs, namespace: flux-system}}'),
    });
    const state = inspectTree(dir);
    expect([...state.owned.keys()].sort()).toEqual(['clusters/prod/kustomization-flux-system-apps.yaml', 'clusters/prod/kustomization-flux-system-configs.yaml']);
    expect(state.strangers.map((stranger) => stranger.file)).toEqual(['clusters/prod/kustomization-flux-system-apps-copy.yaml']);
  });

  test('a hand-written manifest in a layer folder is refused: kustomization.yaml would never list it', () => {
    const dir = setup({ ...Object.fromEntries(layer('apps/prod', ['a'])), 'apps/prod/mine.yaml': 'kind: ConfigMap\n' });
    expect(() => writeTree(dir, layer('apps/prod', ['a'])))
      .toThrow(`${path.join(dir, 'apps/prod/mine.yaml')} was not written by synth (no generated header): kustomization.yaml does not list it, so Flux never applies it`);
  });

  test('a hand-written manifest in a cluster entry folder is refused: Flux would apply it ungated', () => {
    const dir = setup({ 'clusters/prod/extra.yaml': 'kind: ConfigMap\n' });
    expect(() => writeTree(dir, layer('apps/prod', ['a']))).toThrow('was not written by synth (no generated header): Flux applies it without the gate');
  });

  test('refuses to overwrite a file it did not generate, and writes nothing at all', () => {
    const dir = setup({ 'apps/prod/configmap-apps-a.yaml': 'kind: ConfigMap\n' });
    const before = snapshotDir(dir);
    expect(() => writeTree(dir, layer('apps/prod', ['a']))).toThrow(TreeRefusedError);
    expect(snapshotDir(dir)).toEqual(before);
  });

  test('plan sees the same refusals', () => {
    const dir = setup({ ...Object.fromEntries(layer('apps/prod', ['a'])), 'apps/prod/mine.yaml': 'kind: ConfigMap\n' });
    expect(previewTree(dir, layer('apps/prod', ['a'])).prepared.refusals).toEqual([
      `${path.join(dir, 'apps/prod/mine.yaml')} was not written by synth (no generated header): kustomization.yaml does not list it, so Flux never applies it; `
        + 'move it out of flux/ or declare it in code or config',
    ]);
  });
});

describe('case 10 and 11: links, FIFOs, devices and folders in the way', () => {
  test('a FIFO, a link to /dev/zero and a dangling link in a layer folder are reported, never opened', () => {
    const dir = setup(layer('apps/prod', ['a']));
    execFileSync('mkfifo', [path.join(dir, 'apps/prod/pipe.yaml')]);
    fs.symlinkSync('/dev/zero', path.join(dir, 'apps/prod/zero.yaml'));
    fs.symlinkSync(path.join(dir, 'missing'), path.join(dir, 'apps/prod/dangling.yaml'));
    const started = Date.now();
    expect(() => writeTree(dir, layer('apps/prod', ['a']))).toThrow(new TreeRefusedError([
      `${path.join(dir, 'apps/prod/dangling.yaml')} is a symbolic link (never followed): replace it with a regular file or remove it`,
      `${path.join(dir, 'apps/prod/pipe.yaml')} is a FIFO (never opened): replace it with a regular file or remove it`,
      `${path.join(dir, 'apps/prod/zero.yaml')} is a symbolic link (never followed): replace it with a regular file or remove it`,
    ]));
    // plan (previewTree) sees the same three, as quickly.
    expect(previewTree(dir, layer('apps/prod', ['a'])).prepared.refusals).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a folder inside a layer folder is reported', () => {
    const dir = setup({ ...Object.fromEntries(layer('apps/prod', ['a'])), 'apps/prod/configmap-apps-b.yaml/x.yaml': 'x' });
    expect(() => writeTree(dir, layer('apps/prod', ['a', 'b']))).toThrow('is inside a folder within apps/prod/, which synth owns');
  });

  test('a tree folder on another filesystem than its parent is refused before anything is written (EXDEV)', () => {
    const other = fs.mkdtempSync('/dev/shm/oceanid-test-');
    try {
      if (fs.statSync(other).dev === fs.statSync(tempDir()).dev) {
        process.stderr.write('/dev/shm is on the same filesystem as the temp folder: EXDEV case not exercised\n');
        return;
      }
      const link = path.join(tempDir(), 'flux');
      fs.symlinkSync(other, link);
      expect(() => writeTree(link, layer('apps/prod', ['a']))).toThrow(/^could not stage beside .* \(EXDEV\): make the tree a plain folder of the repository, on the same filesystem as its parent/);
      expect(fs.readdirSync(other)).toEqual([]);
      expect(fs.readdirSync(path.dirname(link))).toEqual(['flux']);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('case 2: leftovers of interrupted runs', () => {
  test('a journal left by a SIGKILL is rolled back before anything else, and old staging folders are removed', () => {
    const dir = setup(layer('apps/prod', ['a', 'b']));
    const before = snapshotDir(dir);
    const { journal, stagingPrefix } = sidecarPaths(dir);
    // What a run killed right after replacing a.yaml and removing b.yaml leaves behind.
    const staging = `${stagingPrefix}killed`;
    fs.mkdirSync(path.join(staging, 'old/apps/prod'), { recursive: true });
    fs.linkSync(path.join(dir, 'apps/prod/configmap-apps-a.yaml'), path.join(staging, 'old/apps/prod/configmap-apps-a.yaml'));
    fs.writeFileSync(path.join(dir, 'apps/prod/configmap-apps-a.yaml.tmp'), configMap('a', 'data: {}\n'));
    fs.renameSync(path.join(dir, 'apps/prod/configmap-apps-a.yaml.tmp'), path.join(dir, 'apps/prod/configmap-apps-a.yaml'));
    fs.renameSync(path.join(dir, 'apps/prod/configmap-apps-b.yaml'), path.join(staging, 'old/apps/prod/configmap-apps-b.yaml'));
    fs.writeFileSync(journal, JSON.stringify({
      format: 1, pid: 999999, started: '2026-01-01T00:00:00.000Z', staging: path.basename(staging), createdTree: false, createdFolders: [],
      entries: [
        { file: 'apps/prod/configmap-apps-a.yaml', action: 'write', existed: true, sha256: 'x' },
        { file: 'apps/prod/configmap-apps-b.yaml', action: 'remove', existed: true },
      ],
    }));
    fs.mkdirSync(`${stagingPrefix}older`);
    const notices: string[] = [];
    expect(() => previewTree(dir, layer('apps/prod', ['a', 'b']))).toThrow(/an interrupted synth left .*: the tree may be half-written/);
    expect(writeTree(dir, layer('apps/prod', ['a', 'b']), { onNotice: (line) => notices.push(line) })).toEqual({ written: [], removed: [], unchanged: 3, notes: [] });
    expect(notices).toEqual(['an earlier synth (pid 999999, started 2026-01-01T00:00:00.000Z) was interrupted while writing 2 change(s); the tree it was changing has been restored']);
    expect(snapshotDir(dir)).toEqual(before);
    noStagingOrJournal(dir);
  });
});

describe('case 3: one writer', () => {
  test('a live holder makes a second run wait, then refuse naming it', () => {
    const dir = setup({});
    const sleeper = spawnSync('sh', ['-c', 'sleep 30 >/dev/null 2>&1 & echo $!'], { encoding: 'utf8' });
    const pid = Number(sleeper.stdout.trim());
    try {
      fs.writeFileSync(sidecarPaths(dir).lock, JSON.stringify({ pid, hostname: os.hostname(), started: '2026-01-01T00:00:00.000Z', command: 'synth --out flux' }));
      const started = Date.now();
      let error: unknown;
      try {
        writeTree(dir, layer('apps/prod', ['a']), { lockWaitMs: 150 });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(LockHeldError);
      expect((error as Error).message).toContain(`is held by pid ${pid} on ${os.hostname()} since 2026-01-01T00:00:00.000Z (synth --out flux)`);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
      expect(fs.readdirSync(dir)).toEqual([]);
      // plan reads under the same lock: it refuses too, naming the holder.
      expect(() => previewTree(dir, layer('apps/prod', ['a']), { lockWaitMs: 0 })).toThrow(`is held by pid ${pid} on ${os.hostname()}`);
    } finally {
      process.kill(pid);
    }
  });

  test('a lock whose process is gone is taken over, with a notice', () => {
    const dir = setup({});
    const dead = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
    const holder = { pid: Number(dead.stdout.trim()), hostname: os.hostname(), started: 'then', command: 'synth' };
    fs.writeFileSync(sidecarPaths(dir).lock, JSON.stringify(holder));
    const notices: string[] = [];
    expect(writeTree(dir, layer('apps/prod', ['a']), { onNotice: (line) => notices.push(line) }).written).toHaveLength(2);
    const notice = /^took over the lock .*\.flux-synth\.lock from pid \d+, which started then \(synth\) and is no longer running$/;
    expect(notices).toEqual([expect.stringMatching(notice)]);
    expect(fs.existsSync(sidecarPaths(dir).lock)).toBe(false);
  });
});

describe('describeTreeError', () => {
  const fsError = (code: string) => Object.assign(new Error(code), { code, syscall: 'scandir', path: '/repo/flux/apps/dev' });

  test('a permission error from the file system says what to do', () => {
    expect(describeTreeError(fsError('EACCES')))
      .toBe('scandir /repo/flux/apps/dev failed (EACCES): permission denied: make the tree, its folders and files readable and writable by this user; nothing was written');
    expect(describeTreeError(fsError('EPERM'))).toMatch(/failed \(EPERM\): permission denied: make the tree/);
  });

  test('another file system error names the call, the file and the code', () => {
    expect(describeTreeError(fsError('EIO'))).toBe('scandir /repo/flux/apps/dev failed (EIO); nothing was written');
    expect(describeTreeError(new Error('not from the file system'))).toBeUndefined();
  });
});
