/**
 * `npm run synth -- --watch`: re-synthesizes on every change to the config or the source, and prints
 * what the run changed in flux/ (pipeline/plan.ts). Two processes:
 *
 * - this one (the supervisor) watches the files and owns the terminal session;
 * - a warm worker (the same bundle, forked with WORKER_ENV set) runs the same synth as the one-shot
 *   command (`runSynth` in synth-command.ts) each time it is told to.
 *
 * A config edit is one message to the warm worker: no process start, no cdk8s load, and the gate's
 * compiled validators stay loaded (defaultSchemaRegistry in pipeline/synth.ts: one per process).
 * A source edit (any .ts or .json file: code, imports/, package-lock.json, tsconfig.json) asks the
 * worker to exit after its current run, rebuilds the bundle (scripts/run.cjs --build: esbuild, only
 * when a source changed since the last build) and forks a new worker on it. Nothing ends the watch but Ctrl-C: a refused config, gate findings, a
 * thrown error, a failed build or a crashed worker are reported, and the next change runs again.
 *
 * Watching: one non-recursive fs.watch per folder. Node 20's recursive mode on Linux watches each
 * file's inode and keeps watching the old inode after an editor's atomic save (write a temporary
 * file, rename it over the original), so the second such save goes unseen; a folder's own watch
 * reports every rename into it.
 */
import { ChildProcess, fork, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TAILNET_POLICY_DIR } from '../lib/layout';
import { REPO_ROOT, RUN_SCRIPT } from '../lib/paths';
import { walkTree } from '../lib/walk';
import { ObjectChange, planChanges, readGeneratedFiles } from '../pipeline/plan';
import { Output } from './output';

/** Set in the worker's environment; its value is irrelevant. */
const WORKER_ENV = 'OCEANID_SYNTH_WATCH_WORKER';

/**
 * Editors save in bursts (truncate then write, or write a temporary file then rename): one run starts
 * this long after the last event of a burst.
 */
export const DEBOUNCE_MS = 30;

/** Top-level folders that hold no synth input: never watched. tailnet/ is synth's own output. */
const NOT_INPUT = new Set(['node_modules', 'dist', 'flux', 'test', 'coverage', TAILNET_POLICY_DIR]);

/**
 * What a changed file asks for: a rebuild (what scripts/run.cjs fingerprints: .ts and .json files;
 * imports/ holds the schemas), a synth (the config folder's *.yaml; an editor's temporary files are
 * noise), or nothing. Synth's own files at the top level (its journal `.flux-synth-journal.json` and
 * lock beside the default flux/, tailnet/*.json) are nothing: a rebuild on each would follow every write.
 */
export function changeKind(file: string, configDir: string): 'source' | 'config' | undefined {
  if (path.dirname(file) === configDir && file.endsWith('.yaml')) return 'config';
  const top = path.relative(REPO_ROOT, file).split(path.sep)[0];
  if (top.startsWith('.') || NOT_INPUT.has(top)) return undefined;
  return /\.(ts|json)$/.test(file) ? 'source' : undefined;
}

type RunSynth = (argv: readonly string[], stdout: Output, stderr: Output) => number;

interface WatchOptions {
  /** The command line as given, `--watch` included. */
  readonly argv: readonly string[];
  readonly configDir: string;
  readonly out: string;
}

/** Supervisor → worker. */
type Request = { readonly type: 'synth'; readonly reason: string } | { readonly type: 'exit' };
/** Worker → supervisor. */
interface Reply {
  readonly type: 'done';
}

/**
 * Starts the watch (or, in the forked worker, serves synth requests). Returns at once; the watchers
 * (or the IPC channel) keep the process alive.
 */
export function startWatch(options: WatchOptions, runSynth: RunSynth, stdout: Output, stderr: Output): number {
  if (process.env[WORKER_ENV] !== undefined && process.send) {
    serveWorker(options, runSynth, stdout, stderr);
  } else {
    supervise(options, stdout, stderr);
  }
  return 0;
}

// --- worker ------------------------------------------------------------------------------------

function describe(change: ObjectChange): string {
  const symbol = { added: '+', removed: '-', changed: '~' }[change.change];
  return `  ${symbol} ${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}  (${change.file})`;
}

/** One run: the one-shot synth, then what it changed in the tree, by object. Never throws. */
export function synthAndSummarize(options: WatchOptions, runSynth: RunSynth, stdout: Output, stderr: Output): void {
  const argv = options.argv.filter((arg) => arg !== '--watch');
  try {
    const before = readGeneratedFiles(options.out);
    if (runSynth(argv, stdout, stderr) !== 0) return;
    // Only files whose bytes changed can hold a changed object: parse just those.
    const after = readGeneratedFiles(options.out);
    const differs = (file: string) => before.get(file) !== after.get(file);
    const only = (files: Map<string, string>) => new Map([...files].filter(([file]) => differs(file)));
    const { changes } = planChanges(only(before), only(after));
    const count = (kind: ObjectChange['change']) => changes.filter((change) => change.change === kind).length;
    stdout.write(`plan: this run changes ${count('added')} to add, ${count('changed')} to change, ${count('removed')} to remove`
      + `${changes.length > 0 ? `\n${changes.map(describe).join('\n')}` : ''}\n`);
  } catch (error) {
    stderr.write(`synth failed: ${(error as Error).message}\n`);
  }
}

function serveWorker(options: WatchOptions, runSynth: RunSynth, stdout: Output, stderr: Output): void {
  // The supervisor is gone (Ctrl-C, or it was killed): so is the point of this process.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (request: Request) => {
    if (request.type === 'exit') process.exit(0);
    stdout.write(`\n[${new Date().toISOString().slice(11, 23)}] ${request.reason}\n`);
    synthAndSummarize(options, runSynth, stdout, stderr);
    const reply: Reply = { type: 'done' };
    process.send!(reply);
  });
}

// --- supervisor --------------------------------------------------------------------------------

class Worker {
  private child?: ChildProcess;
  private busy = false;
  private pending?: string;
  private restarting = false;

  constructor(private readonly argv: readonly string[], private readonly stderr: Output) {}

  /** Runs a synth now, or right after the current one (requests in between collapse into one). */
  synth(reason: string): void {
    if (!this.child) {
      // No worker (a failed build, a crash): start one, which runs first thing.
      this.restart(reason);
      return;
    }
    if (this.busy || this.restarting) {
      this.pending = reason;
      return;
    }
    this.busy = true;
    this.send({ type: 'synth', reason });
  }

  /** Lets the current run finish, rebuilds the bundle, and starts a fresh worker that runs once. */
  restart(reason: string): void {
    this.pending = reason;
    if (this.restarting) return;
    this.restarting = true;
    const old = this.child;
    if (!old) {
      this.spawn();
      return;
    }
    old.once('exit', () => this.spawn());
    this.send({ type: 'exit' });
  }

  private send(request: Request): void {
    this.child?.send(request);
  }

  private spawn(): void {
    this.child = undefined;
    this.busy = false;
    this.restarting = false;
    const build = spawnSync(process.execPath, [path.join(REPO_ROOT, RUN_SCRIPT), '--build'], { encoding: 'utf8' });
    if (build.status !== 0) {
      this.stderr.write(`${build.stderr}watch: the sources do not build; waiting for the next change\n`);
      return;
    }
    const bundle = path.join(build.stdout.trim(), 'main.js');
    const child = fork(bundle, [...this.argv], { env: { ...process.env, [WORKER_ENV]: '1' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    // A request racing the worker's exit finds the channel closed; the exit handler covers it.
    child.on('error', () => undefined);
    child.on('message', (reply: Reply) => {
      if (reply.type !== 'done') return;
      this.busy = false;
      if (this.restarting) return;
      const next = this.pending;
      this.pending = undefined;
      if (next !== undefined) this.synth(next);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (!this.restarting) this.stderr.write(`watch: the synth process ended (${signal ?? `exit ${code}`}); the next change starts a new one\n`);
    });
    const first = this.pending ?? 'start';
    this.pending = undefined;
    this.synth(first);
  }
}

/** Folders below `root` (itself included) to watch: every folder that holds a file, and the root. */
function foldersBelow(root: string): string[] {
  const folders = new Set([root]);
  for (const file of walkTree(root, { skipFolder: (name) => name === 'node_modules' || name.startsWith('.') }).files) {
    for (let dir = path.dirname(path.join(root, file)); dir.startsWith(root) && dir !== root; dir = path.dirname(dir)) folders.add(dir);
  }
  return [...folders];
}

function supervise(options: WatchOptions, stdout: Output, stderr: Output): void {
  const configDir = path.resolve(options.configDir);
  const worker = new Worker(options.argv, stderr);
  const watchers = new Map<string, fs.FSWatcher>();
  let changed = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    const files = [...changed];
    changed = new Set();
    const source = files.filter((file) => changeKind(file, configDir) === 'source');
    const config = files.filter((file) => changeKind(file, configDir) === 'config');
    const named = (list: string[]) => list.map((file) => path.relative(process.cwd(), file)).join(', ');
    if (source.length > 0) worker.restart(`${named(source)} changed: rebuilt`);
    else if (config.length > 0) worker.synth(`${named(config)} changed`);
  };

  const watchFolder = (folder: string, isRoot: boolean) => {
    if (watchers.has(folder)) return;
    let watcher: fs.FSWatcher;
    try {
      watcher = fs.watch(folder, (_event, name) => {
        if (!name) return;
        const file = path.join(folder, name.toString());
        // A folder created (or renamed) into a watched one is watched from now on.
        if (!(isRoot && (NOT_INPUT.has(name.toString()) || name.toString().startsWith('.')))) {
          try {
            if (fs.statSync(file).isDirectory()) foldersBelow(file).forEach((dir) => watchFolder(dir, false));
          } catch {
            // removed again, or never a folder
          }
        }
        changed.add(file);
        clearTimeout(timer);
        timer = setTimeout(flush, DEBOUNCE_MS);
      });
    } catch {
      return; // gone between listing and watching
    }
    watcher.on('error', () => {
      watcher.close();
      watchers.delete(folder);
    });
    watchers.set(folder, watcher);
  };

  // The repo root alone (main.ts, package-lock.json), then each input folder below it, and the config folder.
  watchFolder(REPO_ROOT, true);
  for (const entry of fs.readdirSync(REPO_ROOT, { withFileTypes: true })) {
    if (entry.isDirectory() && !NOT_INPUT.has(entry.name) && !entry.name.startsWith('.')) {
      foldersBelow(path.join(REPO_ROOT, entry.name)).forEach((dir) => watchFolder(dir, false));
    }
  }
  foldersBelow(configDir).forEach((dir) => watchFolder(dir, false));

  stdout.write(`watch: ${path.relative(process.cwd(), configDir) || '.'}/ and the TypeScript sources (${watchers.size} folders); `
    + 'a config change re-runs synth, a source change rebuilds first. Ctrl-C ends the watch.\n');
  worker.restart('start');
}
