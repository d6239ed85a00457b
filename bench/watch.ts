/**
 * How long `npm run synth -- --watch` takes to show the result of a save: the watch runs on a copy
 * of the shipped config (writing into a scratch tree), the benchmark rewrites config/prod.yaml in
 * place (as an editor saves), and times from the end of the write until the watch has printed the
 * run's plan summary, as a reader of its output sees it. Then the same for a source edit (a .ts file's
 * mtime touched: rebuild, new worker, synth).
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, RUN_SCRIPT } from '../lib/paths';

export interface WatchLatency {
  /** Save of config/prod.yaml → plan summary printed, each edit. */
  readonly configMs: readonly number[];
  /** Touch of a source file → plan summary printed, each edit. */
  readonly sourceMs: readonly number[];
}

/** Resolves with the time the watch prints its next plan summary (the last line of a run). */
function nextSummary(child: ChildProcess, output: { text: string }): Promise<bigint> {
  return new Promise((resolve, reject) => {
    const seen = output.text.length;
    const onData = () => {
      if (/\nplan: [^\n]*\n/.test(output.text.slice(seen)) || /synth refused|synth failed|do not build/.test(output.text.slice(seen))) {
        const at = process.hrtime.bigint();
        child.stdout!.off('data', onData);
        clearTimeout(timer);
        if (/\nplan: /.test(output.text.slice(seen))) resolve(at);
        else reject(new Error(`the watch did not synthesize:\n${output.text.slice(seen)}`));
      }
    };
    const timer = setTimeout(() => reject(new Error(`no result within 20 s:\n${output.text.slice(seen)}`)), 20_000);
    child.stdout!.on('data', onData);
  });
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureWatchLatency(scratch: string, configEdits: number, sourceEdits: number): Promise<WatchLatency> {
  const configDir = path.join(scratch, 'watch-config');
  const outDir = path.join(scratch, 'watch-flux');
  fs.cpSync(path.join(REPO_ROOT, 'config'), configDir, { recursive: true });
  const prod = path.join(configDir, 'prod.yaml');
  const original = fs.readFileSync(prod, 'utf8');
  if (!original.includes('refreshInterval: 1h')) throw new Error('config/prod.yaml has no "refreshInterval: 1h" for the benchmark to change');

  const child = spawn(process.execPath, [RUN_SCRIPT, 'main', '--watch', '--config-dir', configDir, '--out', outDir], {
    cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' },
  });
  const output = { text: '' };
  child.stdout.on('data', (chunk: Buffer) => { output.text += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output.text += chunk.toString(); });
  try {
    await nextSummary(child, output); // the first run, at start
    const configMs: number[] = [];
    for (let edit = 0; edit < configEdits; edit++) {
      await pause(300);
      const result = nextSummary(child, output);
      fs.writeFileSync(prod, edit % 2 === 0 ? original.replace('refreshInterval: 1h', 'refreshInterval: 2h') : original);
      const saved = process.hrtime.bigint();
      configMs.push(Number((await result) - saved) / 1e6);
    }
    const sourceMs: number[] = [];
    const source = path.join(REPO_ROOT, 'lib/durations.ts');
    for (let edit = 0; edit < sourceEdits; edit++) {
      await pause(300);
      const result = nextSummary(child, output);
      const now = new Date();
      fs.utimesSync(source, now, now);
      const saved = process.hrtime.bigint();
      sourceMs.push(Number((await result) - saved) / 1e6);
    }
    return { configMs, sourceMs };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}
