/**
 * `npm run synth` (main.ts): synthesizes every cluster in config/ into flux/, after the policy gate.
 *
 * Nothing is written unless every config is valid and the gate finds nothing; then files are staged
 * and moved into place, and files synth generated earlier that no longer exist are removed. Files
 * synth did not generate (flux/clusters/<cluster>/flux-system/ from `flux bootstrap`) are never
 * touched. The write is all or nothing, one writer at a time (pipeline/tree-writer.ts). Exit codes:
 * 0 written (or already up to date), 1 refused or failed (flux/ as it was), 2 usage error.
 *
 * When run by `cdk8s synth`, the tree is also mirrored into $CDK8S_OUTDIR (which that CLI wipes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TAILNET_POLICY_DIR } from '../lib/layout';
import { CHARTS_DIR, CONFIG_DIR, FLUX_DIR, REPO_ROOT } from '../lib/paths';
import { ChartStore } from '../pipeline/charts/chart-store';
import { defaultChartSources } from '../pipeline/charts/gate';
import { formatExemption, formatNote } from '../policy';
import { printable, printableLines } from '../lib/printable';
import { pendingTailnetPolicies, writeTailnetPolicies } from '../pipeline/tailnet-policy';
import { describeTreeError, writeTree } from '../pipeline/tree-writer';
import { GATE_OPTIONS, gateUsage, parseGateOptions } from './gate-options';
import { refusalText, synthesizeValidConfig } from './gated-synth';
import { Output, parseCommandLine, runTreeCommand, TreeCommandOptions } from './output';
import { renderReport } from './report';
import { startWatch } from './watch';

const USAGE = `usage: npm run synth -- [--cluster NAME]... [--config-dir DIR] [--out DIR] [--prune-cluster NAME]... [--fsync] [--timings] [--watch] [--skip RULE]... [--format FORMAT]

  --cluster NAME     synthesize only this cluster (repeatable); other clusters' files are left alone
  --config-dir DIR   cluster configs (default: ${CONFIG_DIR}/)
  --out DIR          the Flux tree to write (default: ${FLUX_DIR}/); the tailnet policy fragments go to
                     ${TAILNET_POLICY_DIR}/ beside it
  --charts DIR       the chart archives and lock HelmReleases render from (default: ${CHARTS_DIR}/)
  --prune-cluster NAME
                     remove the files of cluster NAME, whose config is gone (repeatable); without it
                     synth refuses to remove a cluster, since Flux would then prune all it runs
  --fsync            make the write survive a power loss too (fsync files, journal and folders; slower)
  --timings          print how long each phase took (config, build, render, gate, write)
  --watch            keep running: synth again on every change to the config or the sources, and
                     print what each run changed (errors are reported, the watch goes on)
${gateUsage(21)}

synth writes what the cluster applies, so it runs every admission rule: --only and --skip may leave
one out only when --skip names it by id (never through a group), and synth then says so.
`;

export function runSynth(argv: readonly string[], stdout: Output, stderr: Output, options: TreeCommandOptions = {}): number {
  return runTreeCommand('synth', stderr, () => synthCommand(argv, stdout, stderr, options));
}

function synthCommand(argv: readonly string[], stdout: Output, stderr: Output, commandOptions: TreeCommandOptions): number {
  const started = performance.now();
  const parsed = parseCommandLine({
    args: [...argv],
    options: {
      'cluster': { type: 'string', multiple: true },
      'config-dir': { type: 'string', default: path.join(REPO_ROOT, CONFIG_DIR) },
      'out': { type: 'string', default: path.join(REPO_ROOT, FLUX_DIR) },
      'charts': { type: 'string' },
      'timings': { type: 'boolean' },
      'prune-cluster': { type: 'string', multiple: true },
      'fsync': { type: 'boolean' },
      'watch': { type: 'boolean' },
      ...GATE_OPTIONS,
      'help': { type: 'boolean', short: 'h' },
    },
  }, USAGE, stdout, stderr);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const options = parseGateOptions(args, USAGE, stderr);
  if (typeof options === 'number') return options;
  const { selection, format } = options;
  const admissionLeftOut = selection.leftOut.filter((rule) => rule.group === 'admission' && !selection.skippedById.has(rule.id));
  if (admissionLeftOut.length > 0) {
    stderr.write('synth runs every admission rule (a tree that breaks one is refused by the cluster), but --only/--skip would leave out '
      + `${admissionLeftOut.map((rule) => rule.id).join(', ')}. To skip one deliberately, name it in --skip by id; to look at less, use npm run check.\n`);
    return 2;
  }
  if (args.watch) {
    if (format !== 'text') {
      stderr.write(`--watch prints text for the person watching; --format ${format} is for one-shot runs\n${USAGE}`);
      return 2;
    }
    return startWatch({ argv, configDir: args['config-dir']!, out: args.out! }, runSynth, stdout, stderr);
  }
  const charts = args.charts === undefined ? undefined : { ...defaultChartSources(), charts: new ChartStore(args.charts, true) };
  const result = synthesizeValidConfig({ configDir: args['config-dir']!, clusters: args.cluster, rules: selection.rules, charts }, stderr,
    'synth refused', 'nothing was written');
  if (!result) return 1;
  const report = (summary: string, extra?: Record<string, unknown>) => renderReport(format as Exclude<typeof format, 'text'>, {
    command: 'synth', selection, scope: { clusters: result.configs.map((loaded) => loaded.config.cluster.name) },
    findings: result.findings, exemptions: result.exemptions, summary, extra,
  });
  if (result.findings.length > 0) {
    if (format === 'text') stderr.write(refusalText(result, 'synth refused', 'nothing was written'));
    else stdout.write(report(`synth refused: ${result.findings.length} problem(s); nothing was written`));
    return 1;
  }

  const out = args.out!;
  // Beside flux/, never inside it: Tailscale enforces these, not Flux. Looked at before flux/ is
  // written, so a FIFO, link or folder in the way refuses the whole run instead of hanging it after.
  const policyRoot = path.dirname(path.resolve(out));
  const policies = pendingTailnetPolicies(policyRoot, result.tailnetPolicies);
  if (typeof policies === 'string') {
    if (format === 'text') stderr.write(`synth refused: ${printable(policies, 2000)}\nnothing was written\n`);
    else stdout.write(report(`synth refused: ${policies}`, { refused: { message: policies } }));
    return 1;
  }
  const writeStarted = performance.now();
  let summary;
  try {
    summary = writeTree(out, result.tree.files, {
      scopes: result.scopes, pruneClusters: args['prune-cluster'], lockWaitMs: commandOptions.lockWaitMs, durable: args.fsync,
      command: ['synth', ...argv].join(' '), onNotice: (line) => stderr.write(`synth: ${printable(line, 1000)}\n`),
    });
  } catch (error) {
    const message = describeTreeError(error);
    if (message === undefined) throw error;
    // Machine formats own stdout, on refusal too.
    if (format === 'text') stderr.write(`synth refused: ${printableLines(message)}\n`);
    else stdout.write(report(`synth refused: ${message}`, { refused: { message } }));
    return 1;
  }
  for (const note of summary.notes) stderr.write(`synth: note: ${printable(note, 1000)}\n`);

  let policiesWritten: readonly string[];
  try {
    policiesWritten = writeTailnetPolicies(policies);
  } catch (error) {
    const { code, path: failed } = error as NodeJS.ErrnoException;
    stderr.write(`synth: flux/ was written, but the tailnet policy ${printable(failed ?? '')} could not be (${printable(code ?? (error as Error).message)}): `
      + 'make its folder writable and run synth again (Flux never reads it)\n');
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
    // Machine formats own stdout; timings are for the person watching.
    (format === 'text' ? stdout : stderr).write(`timings: ${Object.entries(phases).map(([phase, ms]) => `${phase} ${ms.toFixed(1)} ms`).join(', ')}\n`);
  }
  const clusters = printable(result.configs.map((loaded) => loaded.config.cluster.name).join(', '));
  const skipped = selection.leftOut.length > 0 ? `, rules not run: ${selection.leftOut.map((rule) => rule.id).join(', ')}` : '';
  const elapsed = Math.round(performance.now() - started);
  const summaryLine = `synth: ${clusters} → ${printable(path.relative(process.cwd(), out) || '.')}/: `
    + `${summary.written.length} written, ${summary.removed.length} removed, ${summary.unchanged} unchanged; gate clean${skipped} (${elapsed} ms)`;
  if (format !== 'text') {
    stdout.write(report(summaryLine, {
      synth: { out: path.relative(process.cwd(), out) || '.', written: summary.written, removed: summary.removed, unchanged: summary.unchanged },
    }));
    return 0;
  }
  const changes = [
    ...summary.written.map((file) => `  wrote   ${printable(file)}`), ...summary.removed.map((file) => `  removed ${printable(file)}`),
    ...policiesWritten.map((file) => `  wrote   ${printable(file)} (tailnet policy: Flux does not apply it; see README, "Apply the tailnet policy")`),
  ];
  const exempted = result.exemptions.map(({ cluster, exemption }) => `${formatExemption(exemption, cluster)}\n`).join('');
  const noted = result.notes.map(({ cluster, note }) => `${formatNote(note, cluster)}\n`).join('');
  // What each HelmRelease rendered (gated, never written to flux/).
  const renderedLines = [...result.releases].flatMap(([cluster, releases]) => releases.map((release) => `rendered [${cluster}] ${printable(release.label)} `
    + `(chart ${printable(release.chart.chart)} ${printable(release.chart.version)}): ${release.objects.length} objects gated, none written\n`)).join('');
  stdout.write(`${changes.length > 0 ? `${changes.join('\n')}\n` : ''}${renderedLines}${exempted}${noted}${summaryLine}\n`);
  return 0;
}


