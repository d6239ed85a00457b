/**
 * `npm run synth` (main.ts): synthesizes every cluster in config/ into flux/, after the policy gate.
 *
 * Nothing is written unless every config is valid and the gate finds nothing; then files are staged
 * and moved into place, and files synth generated earlier that no longer exist are removed. Files
 * synth did not generate (flux/clusters/<cluster>/flux-system/ from `flux bootstrap`) are never
 * touched. Exit codes: 0 written (or already up to date), 1 refused, 2 usage error.
 *
 * When run by `cdk8s synth`, the tree is also mirrored into $CDK8S_OUTDIR (which that CLI wipes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONFIG_DIR, FLUX_DIR, REPO_ROOT } from '../lib/paths';
import { TreeConflictError, writeTree } from '../pipeline/tree-writer';
import { gatedSynth } from './gated-synth';
import { Output, parseCommandLine } from './output';

const USAGE = `usage: npm run synth -- [--cluster NAME]... [--config-dir DIR] [--out DIR] [--timings]

  --cluster NAME     synthesize only this cluster (repeatable); other clusters' files are left alone
  --config-dir DIR   cluster configs (default: ${CONFIG_DIR}/)
  --out DIR          the Flux tree to write (default: ${FLUX_DIR}/)
  --timings          print how long each phase took (config, build, render, gate, write)
`;

export function runSynth(argv: readonly string[], stdout: Output, stderr: Output): number {
  const started = performance.now();
  const parsed = parseCommandLine({
    args: [...argv],
    options: {
      'cluster': { type: 'string', multiple: true },
      'config-dir': { type: 'string', default: path.join(REPO_ROOT, CONFIG_DIR) },
      'out': { type: 'string', default: path.join(REPO_ROOT, FLUX_DIR) },
      'timings': { type: 'boolean' },
      'help': { type: 'boolean', short: 'h' },
    },
  }, USAGE, stdout, stderr);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;

  const result = gatedSynth({ configDir: args['config-dir']!, clusters: args.cluster }, stderr, 'synth refused', 'nothing was written');
  if (!result) return 1;

  const out = args.out!;
  const writeStarted = performance.now();
  let summary;
  try {
    summary = writeTree(out, result.tree.files, result.scopes);
  } catch (error) {
    if (!(error instanceof TreeConflictError)) throw error;
    stderr.write(`synth refused: ${error.message}\n`);
    return 1;
  }

  const mirror = process.env.CDK8S_OUTDIR;
  if (mirror) {
    for (const [file, content] of result.tree.files) {
      fs.mkdirSync(path.dirname(path.join(mirror, file)), { recursive: true });
      fs.writeFileSync(path.join(mirror, file), content);
    }
  }

  if (args.timings) {
    const phases = { ...result.timings, write: performance.now() - writeStarted };
    stdout.write(`timings: ${Object.entries(phases).map(([phase, ms]) => `${phase} ${ms.toFixed(1)} ms`).join(', ')}\n`);
  }
  const clusters = result.configs.map((loaded) => loaded.config.cluster.name).join(', ');
  const changes = [...summary.written.map((file) => `  wrote   ${file}`), ...summary.removed.map((file) => `  removed ${file}`)];
  const elapsed = Math.round(performance.now() - started);
  stdout.write(`${changes.length > 0 ? `${changes.join('\n')}\n` : ''}synth: ${clusters} → ${path.relative(process.cwd(), out) || '.'}/: `
    + `${summary.written.length} written, ${summary.removed.length} removed, ${summary.unchanged} unchanged; gate clean (${elapsed} ms)\n`);
  return 0;
}

