/**
 * One writer per tree: synth holds a lock file beside flux/ while it writes, and plan holds it while
 * it reads, so a plan never compares against a half-written tree and two synths never interleave.
 *
 * The lock is a file created with O_EXCL (atomic on local filesystems) that names its holder: pid,
 * host, start time and command. A second run waits up to `waitMs`, then refuses, naming the holder.
 * A lock whose holder is on this host and no longer running (SIGKILL, power loss) is stale: it is
 * taken over, with a notice. A lock from another host cannot be checked and is never taken over.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface LockHolder {
  readonly pid: number;
  readonly hostname: string;
  readonly started: string;
  readonly command: string;
}

export class LockHeldError extends Error {
  constructor(readonly lockFile: string, readonly holder: LockHolder | undefined) {
    super(holder
      ? `${lockFile} is held by pid ${holder.pid} on ${holder.hostname} since ${holder.started} (${holder.command}): `
        + 'wait for it to finish; if that process is gone (another host, or a reused pid), delete the lock file'
      : `${lockFile} exists but does not name its holder: if no synth or plan is running, delete it`);
    this.name = 'LockHeldError';
  }
}

export interface LockOptions {
  /** What the holder runs, shown to whoever waits, e.g. `synth --out flux`. */
  readonly command: string;
  /**
   * How long to wait for a live holder before refusing.
   * @default 10000
   */
  readonly waitMs?: number;
  /** Told when a stale lock is taken over. */
  readonly onNotice?: (line: string) => void;
}

const POLL_MS = 100;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function readHolder(lockFile: string): { text: string; holder?: LockHolder } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(lockFile, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    return Number.isInteger(holder.pid) && typeof holder.hostname === 'string' ? { text, holder } : { text };
  } catch {
    // Killed between create and write: an empty or partial lock file.
    return { text };
  }
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves a stale lock aside, but only if it is still the one judged stale (another run may have taken it over first). */
function takeOver(lockFile: string, staleText: string): boolean {
  const aside = `${lockFile}.stale-${process.pid}`;
  try {
    fs.renameSync(lockFile, aside);
  } catch {
    return false;
  }
  if (fs.readFileSync(aside, 'utf8') === staleText) {
    fs.rmSync(aside, { force: true });
    return true;
  }
  // We moved a fresh lock: put it back unless someone has created a new one meanwhile.
  try {
    fs.linkSync(aside, lockFile);
  } catch {
    // a newer lock exists; the one we moved belonged to a run that has also been displaced
  }
  fs.rmSync(aside, { force: true });
  return false;
}

/**
 * Takes the lock, waiting for a live holder up to `waitMs`.
 * @returns a function that releases it (only if it is still ours)
 * @throws LockHeldError naming the holder; the fs error when the lock cannot be created (read-only folder)
 */
export function acquireLock(lockFile: string, options: LockOptions): () => void {
  const me: LockHolder = { pid: process.pid, hostname: os.hostname(), started: new Date().toISOString(), command: options.command };
  const text = `${JSON.stringify(me)}\n`;
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644);
      try {
        fs.writeSync(fd, text);
      } finally {
        fs.closeSync(fd);
      }
      return () => {
        if (readHolder(lockFile)?.text === text) fs.rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const current = readHolder(lockFile);
    if (current === undefined) continue;
    const { holder } = current;
    const stale = holder ? holder.hostname === me.hostname && holder.pid !== process.pid && !running(holder.pid) : fileAgeMs(lockFile) > 5_000;
    if (stale) {
      if (takeOver(lockFile, current.text)) {
        options.onNotice?.(holder
          ? `took over the lock ${lockFile} from pid ${holder.pid}, which started ${holder.started} (${holder.command}) and is no longer running`
          : `took over the lock ${lockFile}, which named no holder and is older than 5 s`);
      }
      continue;
    }
    if (Date.now() >= deadline) throw new LockHeldError(lockFile, holder);
    sleep(POLL_MS);
  }
}

function fileAgeMs(file: string): number {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
