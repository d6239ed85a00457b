/**
 * Writes a rendered tree into flux/, and never loses or corrupts what is there.
 *
 * What synth owns: a file in a folder of the layout (lib/layout.ts) whose first line is
 * GENERATED_MARKER and that synth put there: in a layer folder, one that folder's generated
 * kustomization.yaml lists (or that kustomization.yaml itself); in a cluster entry folder, one named
 * after the object it holds. Only such files are ever replaced or removed.
 *
 * What synth refuses, before it writes anything (and plan refuses the same way, `prepareTreeWrite`):
 * - a target folder (`--out`) that is neither empty nor a tree synth wrote;
 * - in a folder of the layout: a manifest synth did not write (kustomization.yaml does not list it,
 *   so Flux would never apply it; in a cluster entry folder Flux would apply it ungated), a copy of
 *   a generated file, a folder, or a link, FIFO or device (never opened);
 * - removing a cluster whose config is gone, unless `pruneClusters` names it.
 *
 * How it writes: pipeline/transaction.ts (journal, ordered renames, roll-back), under the lock of
 * pipeline/lock.ts. Unchanged files are not rewritten, so their timestamps and git's index stay.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import {
  BOOTSTRAP_FOLDER, CLUSTER_ENTRY, GENERATED_MARKER, KUSTOMIZATION_FILE, layoutFolderAbove, MANIFEST_FILE, objectFileName, placeOf,
  sidecarPaths, TREE_ROOTS,
} from '../lib/layout';
import { describeSpecial, readRegularFile, UnreadableFileError, walkTree } from '../lib/walk';
import { acquireLock, LockHeldError } from './lock';
import { applyChanges, interruptedWriteJournal, recoverInterruptedWrite, TreeWriteError } from './transaction';

export interface WriteSummary {
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
  /** What synth left alone outside the layout's folders, for the user to know. */
  readonly notes: readonly string[];
}

/** What is in a tree folder, as far as synth is concerned. */
export interface TreeState {
  /** Whether the folder exists at all. */
  readonly exists: boolean;
  /** Files synth wrote, path relative to the tree → content. */
  readonly owned: ReadonlyMap<string, string>;
  /** Files, folders and special entries in folders of the layout that synth did not write, with why each matters. */
  readonly strangers: ReadonlyArray<{ readonly file: string; readonly problem: string }>;
  /** Things outside the layout's folders that synth leaves alone but the user should know of. */
  readonly notes: readonly string[];
  /** Whether the folder holds anything besides the layout's top-level folders (`--out .`). */
  readonly foreign: readonly string[];
}

export interface PreparedWrite {
  readonly changed: readonly string[];
  readonly stale: readonly string[];
  readonly unchanged: number;
  /** Why synth refuses this write; empty when it may go ahead. */
  readonly refusals: readonly string[];
  /** Clusters whose files the write removes because their config is gone (allowed by `pruneClusters`). */
  readonly prunedClusters: readonly string[];
}

export interface TreeOptions {
  /**
   * Folders (relative to the tree) this run owns; generated files outside them are left alone.
   * @default - the whole tree: a cluster without a config is pruned (when `pruneClusters` names it)
   */
  readonly scopes?: readonly string[];
  /**
   * Clusters in the tree without a config whose files may be removed. Without it such a cluster
   * stops the write: a renamed or unreadable config must not delete a cluster.
   * @default - none
   */
  readonly pruneClusters?: readonly string[];
}

export interface WriteOptions extends TreeOptions {
  /** Shown to a run that waits for the lock, e.g. `synth --out flux`. @default 'synth' */
  readonly command?: string;
  /** How long to wait for another synth or plan. @default 10000 */
  readonly lockWaitMs?: number;
  /** fsync files, journal and folders (see pipeline/transaction.ts). @default false */
  readonly durable?: boolean;
  /** Told of a recovered run or a stale lock taken over. */
  readonly onNotice?: (line: string) => void;
}

/** The tree refuses this write; nothing was written. */
export class TreeRefusedError extends Error {
  constructor(readonly refusals: readonly string[]) {
    super(`${refusals.join('\n')}\nnothing was written`);
    this.name = 'TreeRefusedError';
  }
}

const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** A resource line as synth writes it (YAML.stringify of a list of plain file names). */
const RESOURCE_LINE = /^ {2}- ([A-Za-z0-9][A-Za-z0-9._-]*)$/;

function listedResources(text: string): Set<string> | undefined {
  // The YAML parser takes about 80 µs per list item; synth's own kustomization.yaml has one shape,
  // read line by line. Anything else (edited by hand) goes through the parser.
  const lines = text.split('\n');
  const start = lines.indexOf('resources:');
  if (start >= 0 && lines.slice(start + 1).every((line) => line === '' || RESOURCE_LINE.test(line))
    && lines.slice(1, start).every((line) => /^(apiVersion|kind): [A-Za-z0-9./]+$/.test(line))) {
    return new Set(lines.slice(start + 1).filter((line) => line !== '').map((line) => RESOURCE_LINE.exec(line)![1]));
  }
  try {
    const parsed = YAML.parse(text) as { resources?: unknown } | null;
    return Array.isArray(parsed?.resources) ? new Set(parsed.resources.filter((item): item is string => typeof item === 'string')) : undefined;
  } catch {
    return undefined;
  }
}

/** kind, metadata.name and metadata.namespace as synth writes them: top-level `kind:`, then `metadata:` with two-space keys. */
function identityLines(text: string): Record<string, unknown> | undefined {
  const kind = /^kind: ([A-Za-z0-9]+)$/m.exec(text)?.[1];
  const metadata = /^metadata:\n((?: {2}.*\n)+)/m.exec(text)?.[1];
  if (kind === undefined || metadata === undefined) return undefined;
  const field = (key: string) => new RegExp(`^ {2}${key}: ([a-z0-9.-]+)$`, 'm').exec(metadata)?.[1];
  return { kind, metadata: { name: field('name'), namespace: field('namespace') } };
}

function namedAfterItsObject(file: string, text: string): boolean {
  // Synth's own files have one shape, read by two regular expressions; the parser costs about 1 ms
  // per file in a fresh process. Anything else (edited by hand) goes through the parser.
  const quick = identityLines(text);
  if (quick && objectFileName(quick) === path.posix.basename(file)) return true;
  try {
    const manifest = YAML.parse(text) as Record<string, unknown> | null;
    return manifest !== null && typeof manifest === 'object' && objectFileName(manifest) === path.posix.basename(file);
  } catch {
    return false;
  }
}

/** Reads what synth needs to know of a tree folder. Never opens anything but regular files in the layout's folders. */
export function inspectTree(treeDir: string): TreeState {
  const owned = new Map<string, string>();
  const strangers: Array<{ file: string; problem: string }> = [];
  const notes: string[] = [];
  let top: fs.Dirent[];
  try {
    top = fs.readdirSync(treeDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { exists: false, owned, strangers, notes, foreign: [] };
    throw new UnreadableFileError(treeDir, (error as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'is a file, not a folder' : `cannot be listed (${(error as NodeJS.ErrnoException).code})`);
  }
  // Synth's lock, journal and staging folders sit beside the tree: for the filesystem root, inside it.
  const sidecars = sidecarPaths(treeDir);
  const ownSidecar = (name: string) => {
    const full = path.join(path.resolve(treeDir), name);
    return full === sidecars.lock || full === sidecars.journal || full.startsWith(sidecars.stagingPrefix);
  };
  const foreign = top.filter((entry) => !(TREE_ROOTS.includes(entry.name) && entry.isDirectory()) && !ownSidecar(entry.name))
    .map((entry) => entry.name).sort(byPath);

  // Only the layout's top-level folders are walked: synth never looks at (or touches) anything else.
  const generated = new Map<string, string>();
  for (const root of TREE_ROOTS.filter((name) => top.some((entry) => entry.name === name && entry.isDirectory()))) {
    // flux-system/ in a cluster entry folder is flux bootstrap's: never read.
    const bootstrap = (name: string, relative: string) => name === BOOTSTRAP_FOLDER && placeOf(`${root}/${path.posix.dirname(relative)}/x`)?.folder === CLUSTER_ENTRY;
    const walked = walkTree(path.join(treeDir, root), { skipFolder: bootstrap });
    for (const special of walked.special) {
      const file = `${root}/${special.relative}`;
      if (placeOf(file) || layoutFolderAbove(file)) strangers.push({ file, problem: `is ${describeSpecial(special.kind)}: replace it with a regular file or remove it` });
      else notes.push(`${file} is ${describeSpecial(special.kind)}, outside the layout: left alone`);
    }
    for (const relative of walked.files) {
      const file = `${root}/${relative}`;
      const above = layoutFolderAbove(file);
      if (above) {
        strangers.push({ file, problem: `is inside a folder within ${above}/, which synth owns: move it out of flux/` });
        continue;
      }
      if (!placeOf(file)) {
        notes.push(`${file} is outside the layout's folders: left alone`);
        continue;
      }
      let text: string;
      try {
        text = readRegularFile(path.join(treeDir, file));
      } catch (error) {
        strangers.push({ file, problem: (error as UnreadableFileError).reason ?? String(error) });
        continue;
      }
      if (text.startsWith(GENERATED_MARKER)) generated.set(file, text);
      else if (MANIFEST_FILE.test(file)) {
        strangers.push({
          file, problem: placeOf(file)!.folder === CLUSTER_ENTRY && !file.endsWith('.json')
            ? 'was not written by synth (no generated header): Flux applies it without the gate; move it out of flux/ or declare it in code or config'
            : 'was not written by synth (no generated header): kustomization.yaml does not list it, so Flux never applies it; move it out of flux/ or declare it in code or config',
        });
      } else {
        notes.push(`${file} is not a manifest and not synth's: left alone`);
      }
    }
  }

  // A generated header proves nothing by itself (a copy keeps it): the file must be where synth put it.
  const listings = new Map<string, Set<string> | undefined>();
  for (const [file, text] of generated) {
    const folder = path.posix.dirname(file);
    const place = placeOf(file)!;
    let ours: boolean;
    if (place.folder === CLUSTER_ENTRY) {
      ours = path.posix.basename(file) !== KUSTOMIZATION_FILE && namedAfterItsObject(file, text);
    } else if (path.posix.basename(file) === KUSTOMIZATION_FILE) {
      ours = true;
    } else {
      if (!listings.has(folder)) {
        const kustomization = generated.get(`${folder}/${KUSTOMIZATION_FILE}`);
        listings.set(folder, kustomization === undefined ? undefined : listedResources(kustomization));
      }
      ours = listings.get(folder)?.has(path.posix.basename(file)) === true;
    }
    if (ours) owned.set(file, text);
    else strangers.push({ file, problem: 'has the generated header but synth did not write it here (a copy?): delete it, or move it out of flux/' });
  }
  strangers.sort((a, b) => byPath(a.file, b.file));
  return { exists: true, owned, strangers, notes: notes.sort(byPath), foreign };
}

function inScope(file: string, scopes: readonly string[] | undefined): boolean {
  return scopes === undefined || scopes.some((scope) => file === scope || file.startsWith(`${scope}/`));
}

function clustersOf(files: Iterable<string>): Set<string> {
  const clusters = new Set<string>();
  for (const file of files) {
    const place = placeOf(file);
    if (place) clusters.add(place.cluster);
  }
  return clusters;
}

/** What writing `files` over `state` changes, and why synth would refuse it. Pure: synth and plan both call it. */
export function prepareTreeWrite(treeDir: string, state: TreeState, files: ReadonlyMap<string, string>, options: TreeOptions = {}): PreparedWrite {
  const refusals: string[] = [];
  const outside = [...files.keys()].filter((file) => !placeOf(file));
  if (outside.length > 0) refusals.push(`internal error: files outside the layout: ${outside.join(', ')}`);
  if (state.exists && state.owned.size === 0 && state.foreign.length > 0) {
    refusals.push(`${treeDir} is neither empty nor a tree synth wrote (it holds ${state.foreign.slice(0, 5).join(', ')}${state.foreign.length > 5 ? ', …' : ''}): `
      + 'synth writes only into an empty folder or its own tree; choose another --out');
    return { changed: [], stale: [], unchanged: 0, refusals, prunedClusters: [] };
  }
  for (const { file, problem } of state.strangers) refusals.push(`${path.join(treeDir, file)} ${problem}`);

  const next = clustersOf(files.keys());
  const present = clustersOf(state.owned.keys());
  const prune = new Set(options.pruneClusters ?? []);
  const prunedClusters: string[] = [];
  if (options.scopes === undefined) {
    for (const cluster of [...present].sort(byPath)) {
      if (next.has(cluster)) continue;
      const count = [...state.owned.keys()].filter((file) => placeOf(file)?.cluster === cluster).length;
      if (prune.has(cluster)) {
        prunedClusters.push(cluster);
      } else {
        refusals.push(`cluster ${cluster} is in ${treeDir} (${count} files) but has no config (${cluster}.yaml is missing from the config folder): `
          + `removing its files makes Flux prune everything it runs. If that is the intent, run again with --prune-cluster ${cluster}; `
          + `if the config was renamed or moved, restore ${cluster}.yaml`);
      }
    }
  }
  for (const cluster of [...prune].sort(byPath)) {
    if (next.has(cluster)) refusals.push(`--prune-cluster ${cluster}: cluster ${cluster} has a config, so there is nothing to prune; drop the option`);
    else if (!present.has(cluster)) refusals.push(`--prune-cluster ${cluster}: ${treeDir} has no files of cluster ${cluster}`);
    else if (options.scopes !== undefined) refusals.push(`--prune-cluster ${cluster} needs a synth of every cluster (no --cluster)`);
  }

  const changed = [...files.entries()].filter(([file, content]) => state.owned.get(file) !== content).map(([file]) => file).sort(byPath);
  const stale = [...state.owned.keys()]
    .filter((file) => !files.has(file) && inScope(file, options.scopes) && (next.has(placeOf(file)!.cluster) || prune.has(placeOf(file)!.cluster)))
    .sort(byPath);
  return { changed, stale, unchanged: files.size - changed.length, refusals, prunedClusters };
}

/**
 * Makes the generated part of `treeDir` equal to `files`, all or nothing, as the one writer.
 * @throws TreeRefusedError (nothing written), LockHeldError, TreeWriteError (tree restored), UnreadableFileError
 */
export function writeTree(treeDir: string, files: ReadonlyMap<string, string>, options: WriteOptions = {}): WriteSummary {
  fs.mkdirSync(path.dirname(path.resolve(treeDir)), { recursive: true });
  const release = acquireLock(sidecarPaths(treeDir).lock, { command: options.command ?? 'synth', waitMs: options.lockWaitMs, onNotice: options.onNotice });
  try {
    const recovered = recoverInterruptedWrite(treeDir);
    if (recovered) options.onNotice?.(recovered);
    const state = inspectTree(treeDir);
    const prepared = prepareTreeWrite(treeDir, state, files, options);
    if (prepared.refusals.length > 0) throw new TreeRefusedError(prepared.refusals);
    applyChanges(treeDir, new Map(prepared.changed.map((file) => [file, files.get(file)!])), prepared.stale, { durable: options.durable });
    return { written: prepared.changed, removed: prepared.stale, unchanged: prepared.unchanged, notes: state.notes };
  } finally {
    release();
  }
}

export interface TreePreview {
  readonly state: TreeState;
  readonly prepared: PreparedWrite;
}

/**
 * What `writeTree` would do, without writing: plan's view. Holds the lock while it reads, so it
 * never sees a tree mid-write; refuses a tree an interrupted synth left (synth restores it first).
 * A lock that cannot be created (read-only checkout) is skipped: nobody can write there either.
 */
export function previewTree(treeDir: string, files: ReadonlyMap<string, string>, options: WriteOptions = {}): TreePreview {
  let release = () => undefined as void;
  try {
    release = acquireLock(sidecarPaths(treeDir).lock, { command: options.command ?? 'plan', waitMs: options.lockWaitMs, onNotice: options.onNotice });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EROFS' && code !== 'EPERM' && code !== 'ENOENT') throw error;
  }
  try {
    const journal = interruptedWriteJournal(treeDir);
    if (journal) {
      throw new TreeRefusedError([`an interrupted synth left ${journal}: the tree may be half-written. Run npm run synth, which restores it first`]);
    }
    const state = inspectTree(treeDir);
    return { state, prepared: prepareTreeWrite(treeDir, state, files, options) };
  } finally {
    release();
  }
}

/**
 * The message for an error `writeTree` or `previewTree` throws on bad input or a bad disk, or
 * undefined for anything else (a bug, reported as such by the caller).
 */
export function describeTreeError(error: unknown): string | undefined {
  if (error instanceof TreeRefusedError || error instanceof TreeWriteError || error instanceof LockHeldError || error instanceof UnreadableFileError) {
    return error.message;
  }
  const code = (error as NodeJS.ErrnoException)?.code;
  if (typeof code === 'string' && (error as NodeJS.ErrnoException).syscall) {
    const at = (error as NodeJS.ErrnoException).path ?? '';
    const fix = code === 'EACCES' || code === 'EPERM' ? ': permission denied: make the tree, its folders and files readable and writable by this user' : '';
    return `${(error as NodeJS.ErrnoException).syscall} ${at} failed (${code})${fix}; nothing was written`;
  }
  return undefined;
}
