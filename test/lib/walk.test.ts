import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { walkTree } from '../../lib/walk';
import { tempDir } from '../helpers';

describe('walkTree', () => {
  test('lists regular files in name order and skips the folders it is told to', () => {
    const root = tempDir();
    for (const file of ['b/2.yaml', 'b/1.yaml', 'a.yaml', 'flux-system/gotk.yaml', 'c/flux-system/x.yaml']) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), '');
    }
    const result = walkTree(root, { skipFolder: (name) => name === 'flux-system' });
    expect(result.files).toEqual(['a.yaml', 'b/1.yaml', 'b/2.yaml']);
    expect(result.skipped).toEqual(['c/flux-system', 'flux-system']);
    expect(result.special).toEqual([]);
  });

  test('reports links, FIFOs and dangling links without opening or following them', () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'layer'));
    execFileSync('mkfifo', [path.join(root, 'layer', 'pipe.yaml')]);
    fs.symlinkSync('/dev/zero', path.join(root, 'layer', 'zero.yaml'));
    fs.symlinkSync(path.join(root, 'missing'), path.join(root, 'layer', 'dangling.yaml'));
    fs.symlinkSync(root, path.join(root, 'loop'));
    const result = walkTree(root);
    expect(result.files).toEqual([]);
    expect(result.special).toEqual([
      { relative: 'layer/dangling.yaml', kind: 'symlink' },
      { relative: 'layer/pipe.yaml', kind: 'fifo' },
      { relative: 'layer/zero.yaml', kind: 'symlink' },
      { relative: 'loop', kind: 'symlink' },
    ]);
  });

  test('a root that does not exist is an empty tree; a root that is a file is an error', () => {
    const root = tempDir();
    expect(walkTree(path.join(root, 'absent'))).toEqual({ files: [], skipped: [], special: [] });
    fs.writeFileSync(path.join(root, 'file'), '');
    expect(() => walkTree(path.join(root, 'file'))).toThrow(/ENOTDIR/);
  });
});
