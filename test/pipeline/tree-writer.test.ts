import * as fs from 'node:fs';
import * as path from 'node:path';
import { GENERATED_MARKER } from '../../lib/layout';
import { TreeConflictError, writeTree } from '../../pipeline/tree-writer';
import { snapshotDir, tempDir } from '../helpers';

const generated = (body: string) => `${GENERATED_MARKER} from config/test.yaml.\n${body}\n`;

function setup(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

describe('writeTree', () => {
  test('writes new files and reports them', () => {
    const dir = setup({});
    const summary = writeTree(dir, new Map([['a/b.yaml', generated('b')]]));
    expect(summary).toEqual({ written: ['a/b.yaml'], removed: [], unchanged: 0 });
    expect(fs.readFileSync(path.join(dir, 'a/b.yaml'), 'utf8')).toBe(generated('b'));
  });

  test('never touches flux-system, even with a generated-looking file inside', () => {
    const dir = setup({
      'clusters/prod/flux-system/gotk-sync.yaml': 'kind: GitRepository\n',
      'clusters/prod/flux-system/kustomization.yaml': generated('looks generated'),
      'clusters/prod/old.yaml': generated('old'),
    });
    const before = fs.statSync(path.join(dir, 'clusters/prod/flux-system/gotk-sync.yaml'));
    const summary = writeTree(dir, new Map([['clusters/prod/new.yaml', generated('new')]]));
    expect(summary.removed).toEqual(['clusters/prod/old.yaml']);
    expect(fs.readFileSync(path.join(dir, 'clusters/prod/flux-system/gotk-sync.yaml'), 'utf8')).toBe('kind: GitRepository\n');
    expect(fs.readFileSync(path.join(dir, 'clusters/prod/flux-system/kustomization.yaml'), 'utf8')).toBe(generated('looks generated'));
    expect(fs.statSync(path.join(dir, 'clusters/prod/flux-system/gotk-sync.yaml')).mtimeMs).toBe(before.mtimeMs);
  });

  test('removes generated files that no longer exist, and the folders they leave empty', () => {
    const dir = setup({ 'infrastructure/old/network/ds.yaml': generated('ds'), 'infrastructure/prod/a.yaml': generated('a') });
    const summary = writeTree(dir, new Map([['infrastructure/prod/a.yaml', generated('a')]]));
    expect(summary).toEqual({ written: [], removed: ['infrastructure/old/network/ds.yaml'], unchanged: 1 });
    expect(fs.existsSync(path.join(dir, 'infrastructure/old'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'infrastructure/prod/a.yaml'))).toBe(true);
  });

  test('keeps hand-written files, and the folders that hold them', () => {
    const dir = setup({ 'apps/prod/notes.yaml': 'kind: ConfigMap\n', 'apps/prod/gone.yaml': generated('gone') });
    expect(writeTree(dir, new Map()).removed).toEqual(['apps/prod/gone.yaml']);
    expect(fs.readFileSync(path.join(dir, 'apps/prod/notes.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
  });

  test('refuses to overwrite a file it did not generate, and writes nothing at all', () => {
    const dir = setup({ 'apps/prod/service.yaml': 'kind: Service\n', 'apps/prod/stale.yaml': generated('stale') });
    const before = snapshotDir(dir);
    expect(() => writeTree(dir, new Map([['apps/prod/new.yaml', generated('new')], ['apps/prod/service.yaml', generated('svc')]])))
      .toThrow(TreeConflictError);
    expect(snapshotDir(dir)).toEqual(before);
  });

  test('does not rewrite unchanged files', () => {
    const dir = setup({ 'a.yaml': generated('same') });
    const past = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(path.join(dir, 'a.yaml'), past, past);
    expect(writeTree(dir, new Map([['a.yaml', generated('same')]]))).toEqual({ written: [], removed: [], unchanged: 1 });
    expect(fs.statSync(path.join(dir, 'a.yaml')).mtime.toISOString()).toBe(past.toISOString());
  });

  test('outside its scopes, leaves other clusters\' generated files alone', () => {
    const dir = setup({ 'clusters/dev/a.yaml': generated('dev'), 'clusters/prod/a.yaml': generated('prod') });
    expect(writeTree(dir, new Map([['clusters/prod/b.yaml', generated('b')]]), ['clusters/prod']).removed).toEqual(['clusters/prod/a.yaml']);
    expect(fs.existsSync(path.join(dir, 'clusters/dev/a.yaml'))).toBe(true);
  });

  test('leaves no staging folder behind', () => {
    const parent = tempDir();
    const dir = path.join(parent, 'flux');
    writeTree(dir, new Map([['x.yaml', generated('x')]]));
    expect(fs.readdirSync(parent)).toEqual(['flux']);
  });
});
