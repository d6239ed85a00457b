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

/** Largest file any command reads: a manifest or a config is kilobytes; more is not one. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;

/** A file that could not be read, with the reason in words and what to do. */
export class UnreadableFileError extends Error {
  constructor(readonly file: string, readonly reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'UnreadableFileError';
  }
}

function describeOpenError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT': return 'does not exist';
    case 'EISDIR': return 'is a folder, not a file';
    case 'ELOOP': return 'is a symbolic link, which is never followed here: replace it with the file';
    case 'EACCES':
    case 'EPERM': return 'cannot be read (permission denied): fix its permissions';
    case 'ENXIO': return 'is a socket or a FIFO without a writer, not a file';
    default: return `cannot be read (${error.code ?? error.message})`;
  }
}

export interface ReadOptions {
  /**
   * Follow a symbolic link given as the path itself (a path the user typed); a walked entry never is.
   * @default false
   */
  readonly followSymlink?: boolean;
  /** @default MAX_READ_BYTES */
  readonly maxBytes?: number;
}

/**
 * Reads a regular file as UTF-8, and nothing else: a FIFO is opened without blocking and refused, a
 * device (`/dev/zero`) is refused before a byte is read, a folder is refused, a file over
 * `maxBytes` is refused.
 * @throws UnreadableFileError saying why
 */
export function readRegularFile(file: string, options: ReadOptions = {}): string {
  const maxBytes = options.maxBytes ?? MAX_READ_BYTES;
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  const flags = fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | (options.followSymlink ? 0 : fs.constants.O_NOFOLLOW);
  let fd: number;
  try {
    fd = fs.openSync(file, flags);
  } catch (error) {
    throw new UnreadableFileError(file, describeOpenError(error as NodeJS.ErrnoException));
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isDirectory()) throw new UnreadableFileError(file, 'is a folder, not a file');
    if (!stat.isFile()) throw new UnreadableFileError(file, `is a ${stat.isFIFO() ? 'FIFO' : stat.isSocket() ? 'socket' : 'device'}, not a file: it is never read`);
    if (stat.size > maxBytes) throw new UnreadableFileError(file, `is ${stat.size} bytes, more than the ${maxBytes} any manifest or config needs`);
    try {
      return fs.readFileSync(fd, 'utf8');
    } catch (error) {
      throw new UnreadableFileError(file, describeOpenError(error as NodeJS.ErrnoException));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Words for a special entry of a walk, for messages. */
export function describeSpecial(kind: SpecialKind): string {
  switch (kind) {
    case 'symlink': return 'a symbolic link (never followed)';
    case 'fifo': return 'a FIFO (never opened)';
    case 'socket': return 'a socket (never opened)';
    case 'device': return 'a device (never opened)';
    default: return 'not a regular file (never opened)';
  }
}
