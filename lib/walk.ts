/**
 * The one directory walker: synth's writer, plan and check all list files through it.
 *
 * It never follows a symbolic link and never opens anything: entries are classified from the
 * directory listing alone (lstat semantics), so a FIFO, a device or a link to /dev/zero is reported,
 * never read. Names are visited in sorted order, so every caller sees the same order on every run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** What an entry is, from the listing: a regular file, or something a caller must not open. */
export type SpecialKind = 'symlink' | 'fifo' | 'socket' | 'device' | 'unknown';

export interface SpecialEntry {
  /** Path relative to the walked root, with `/` separators. */
  readonly relative: string;
  readonly kind: SpecialKind;
}

export interface WalkResult {
  /** Regular files, relative to the root, sorted. */
  readonly files: readonly string[];
  /** Folders not entered because `skipFolder` said so, relative to the root. */
  readonly skipped: readonly string[];
  /** Entries that are neither regular files nor folders; never opened. */
  readonly special: readonly SpecialEntry[];
}

export interface WalkOptions {
  /**
   * Folders not to enter, by name and path relative to the root.
   * @default - every folder is entered
   */
  readonly skipFolder?: (name: string, relative: string) => boolean;
}

function specialKind(entry: fs.Dirent): SpecialKind {
  if (entry.isSymbolicLink()) return 'symlink';
  if (entry.isFIFO()) return 'fifo';
  if (entry.isSocket()) return 'socket';
  if (entry.isBlockDevice() || entry.isCharacterDevice()) return 'device';
  return 'unknown';
}

/**
 * Every regular file below `root` (a folder). A root that does not exist is an empty tree.
 * @throws the fs error (ENOTDIR, EACCES, ...) when a folder cannot be listed
 */
export function walkTree(root: string, options: WalkOptions = {}): WalkResult {
  const files: string[] = [];
  const skipped: string[] = [];
  const special: SpecialEntry[] = [];
  if (!fs.existsSync(root)) return { files, skipped, special };
  const pending = [''];
  while (pending.length > 0) {
    const relative = pending.pop()!;
    const entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const folders: string[] = [];
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (options.skipFolder?.(entry.name, child)) skipped.push(child);
        else folders.push(child);
      } else if (entry.isFile()) {
        files.push(child);
      } else {
        special.push({ relative: child, kind: specialKind(entry) });
      }
    }
    // Depth first, in name order: push in reverse so the first name is visited first.
    pending.push(...folders.reverse());
  }
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return { files: files.sort(byPath), skipped: skipped.sort(byPath), special: special.sort((a, b) => byPath(a.relative, b.relative)) };
}
