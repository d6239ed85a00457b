import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readRegularFile, UnreadableFileError, walkTree } from '../../lib/walk';
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

describe('readRegularFile', () => {
  test('reads a regular file', () => {
    const file = path.join(tempDir(), 'a.yaml');
    fs.writeFileSync(file, 'kind: x\n');
    expect(readRegularFile(file)).toBe('kind: x\n');
  });

  test('refuses a FIFO without blocking, a device, a folder, a link, a missing file and an oversized one, each with a reason', () => {
    const root = tempDir();
    execFileSync('mkfifo', [path.join(root, 'pipe.yaml')]);
    fs.symlinkSync('/dev/zero', path.join(root, 'zero.yaml'));
    fs.mkdirSync(path.join(root, 'x.yaml'));
    fs.writeFileSync(path.join(root, 'big.yaml'), 'x'.repeat(100));
    const reason = (file: string, options = {}) => {
      try {
        readRegularFile(path.join(root, file), options);
      } catch (error) {
        expect(error).toBeInstanceOf(UnreadableFileError);
        return (error as UnreadableFileError).reason;
      }
      return 'read';
    };
    expect(reason('pipe.yaml')).toBe('is a FIFO, not a file: it is never read');
    expect(reason('zero.yaml')).toBe('is a symbolic link, which is never followed here: replace it with the file');
    expect(reason('zero.yaml', { followSymlink: true })).toBe('is a device, not a file: it is never read');
    expect(reason('x.yaml')).toBe('is a folder, not a file');
    expect(reason('missing.yaml')).toBe('does not exist');
    expect(reason('big.yaml', { maxBytes: 10 })).toBe('is 100 bytes, more than the 10 any manifest or config needs');
  });
});
