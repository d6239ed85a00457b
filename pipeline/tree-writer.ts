/**
 * Writes a rendered tree into flux/ without touching what synth does not own.
 *
 * - A file belongs to synth when its first line starts with GENERATED_MARKER. Anything else (the
 *   `flux-system/` folders `flux bootstrap` writes, a hand-written manifest) is never modified,
 *   moved or deleted; a generated file that would overwrite one is an error, before anything is
 *   written.
 * - Generated files that the new tree no longer has are removed, and so are folders they leave empty.
 * - New content is first written to a staging folder beside flux/, then each file is renamed into
 *   place (an atomic replace per file). Unchanged files are not rewritten, so their timestamps and
 *   git's index stay as they were.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BOOTSTRAP_FOLDER, GENERATED_MARKER } from '../lib/layout';
import { walkTree } from '../lib/walk';

export interface WriteSummary {
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: number;
}

export class TreeConflictError extends Error {
  constructor(readonly paths: readonly string[]) {
    super(`synth would overwrite files it did not generate (no "${GENERATED_MARKER}" first line):\n`
      + `${paths.map((p) => `  ${p}`).join('\n')}\nmove them away or delete them; nothing was written`);
    this.name = 'TreeConflictError';
  }
}

/** Relative paths of every regular file under `root`, outside bootstrap folders. */
function listFiles(root: string): readonly string[] {
  return walkTree(root, { skipFolder: (name) => name === BOOTSTRAP_FOLDER }).files;
}

function inScope(file: string, scopes: readonly string[] | undefined): boolean {
  return scopes === undefined || scopes.some((scope) => file === scope || file.startsWith(`${scope}/`));
}

/**
 * Makes the generated part of `outDir` equal to `files`.
 *
 * @param scopes folders (relative to outDir) this run owns; generated files outside them are left
 *   alone. Undefined means the whole tree, so a removed cluster's files go too.
 * @throws TreeConflictError, before any write, if a generated file would replace a foreign one
 */
export function writeTree(outDir: string, files: ReadonlyMap<string, string>, scopes?: readonly string[]): WriteSummary {
  // One read per file: the first line says whose it is, the content whether it changed.
  const existing = new Map(listFiles(outDir).map((file) => [file, fs.readFileSync(path.join(outDir, file), 'utf8')]));
  const generated = (file: string) => existing.get(file)?.startsWith(GENERATED_MARKER) === true;
  const conflicts = [...files.keys()].filter((file) => (existing.has(file) && !generated(file)) || file.split('/').includes(BOOTSTRAP_FOLDER)).sort();
  if (conflicts.length > 0) throw new TreeConflictError(conflicts.map((file) => path.join(outDir, file)));

  const changed = [...files.entries()]
    .filter(([file, content]) => existing.get(file) !== content)
    .map(([file]) => file)
    .sort();
  const stale = [...existing.keys()].filter((file) => generated(file) && !files.has(file) && inScope(file, scopes)).sort();

  if (changed.length > 0) {
    const staging = fs.mkdtempSync(path.join(path.dirname(path.resolve(outDir)), `.${path.basename(path.resolve(outDir))}-staging-`));
    try {
      for (const file of changed) {
        fs.mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
        fs.writeFileSync(path.join(staging, file), files.get(file)!);
      }
      for (const file of changed) {
        fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
        fs.renameSync(path.join(staging, file), path.join(outDir, file));
      }
    } finally {
      fs.rmSync(staging, { recursive: true, force: true });
    }
  }
  for (const file of stale) {
    fs.rmSync(path.join(outDir, file));
    // Remove folders the deletion left empty, up to (not including) outDir.
    for (let dir = path.dirname(file); dir !== '.' && dir !== ''; dir = path.dirname(dir)) {
      const full = path.join(outDir, dir);
      if (fs.readdirSync(full).length > 0) break;
      fs.rmdirSync(full);
    }
  }
  return { written: changed, removed: stale, unchanged: files.size - changed.length };
}
