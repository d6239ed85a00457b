/**
 * `npm run plan`: what Flux will change in each cluster if the current code and config are pushed.
 * Synthesizes in memory (the gate included) and compares with the committed flux/ per object.
 * Exit codes, like `terraform plan -detailed-exitcode`: 0 no changes, 2 changes, 1 error.
 */
import * as path from 'node:path';
import { createColors } from 'picocolors';
import { CONFIG_DIR, FLUX_DIR, REPO_ROOT } from '../lib/paths';
import { printable, printableLines } from '../lib/printable';
import { defaultChartSources } from '../pipeline/charts/gate';
import { planRendered, renderCommitted } from '../pipeline/charts/plan-rendered';
import { HelmUnavailableError } from '../pipeline/charts/tools';
import { ObjectChange, Plan, planChanges, sortChanges } from '../pipeline/plan';
import { defaultSchemaRegistry } from '../pipeline/synth';
import { treeParser } from '../pipeline/tree';
import { describeTreeError, previewTree, TreePreview } from '../pipeline/tree-writer';
import { gatedSynth } from './gated-synth';
import { Output, parseCommandLine, runTreeCommand, TreeCommandOptions } from './output';

const USAGE = `usage: npm run plan -- [--markdown] [--config-dir DIR] [--flux-dir DIR] [--prune-cluster NAME]...

  --markdown            print the plan as Markdown, for a pull-request comment
  --config-dir DIR      cluster configs (default: ${CONFIG_DIR}/)
  --flux-dir DIR        the committed Flux tree to compare with (default: ${FLUX_DIR}/)
  --prune-cluster NAME  as for synth: the removal of cluster NAME, whose config is gone, is intended

Exit codes: 0 nothing changes, 2 something changes, 1 error or synth would refuse.
`;

type Colors = ReturnType<typeof createColors>;

const SYMBOL: Readonly<Record<ObjectChange['change'], string>> = { added: '+', removed: '-', changed: '~' };
const MAX_VALUE = 100;

function value(raw: unknown): string {
  return printable(JSON.stringify(raw) ?? 'undefined', MAX_VALUE);
}

function objectLabel(change: ObjectChange): string {
  const object = `${change.kind} ${change.namespace ? `${change.namespace}/` : ''}${change.name}`;
  return printable(change.renderedBy ? `${change.renderedBy} → ${object}` : object);
}

function fieldLines(change: ObjectChange): string[] {
  return change.fields.map((field) => {
    const at = printable(field.path);
    if (field.kind === 'added') return `+ ${at}: ${value(field.after)}`;
    if (field.kind === 'removed') return `- ${at}: ${value(field.before)}`;
    return `~ ${at}: ${value(field.before)} → ${value(field.after)}`;
  });
}

function groups(plan: Plan): Map<string, Map<string, ObjectChange[]>> {
  const byCluster = new Map<string, Map<string, ObjectChange[]>>();
  for (const change of plan.changes) {
    const byLayer = byCluster.get(change.cluster) ?? new Map<string, ObjectChange[]>();
    byLayer.set(change.layer, [...(byLayer.get(change.layer) ?? []), change]);
    byCluster.set(change.cluster, byLayer);
  }
  return byCluster;
}

function counts(plan: Plan): string {
  const count = (kind: ObjectChange['change']) => plan.changes.filter((change) => change.change === kind).length;
  return `${count('added')} to add, ${count('changed')} to change, ${count('removed')} to remove`;
}

export function renderText(plan: Plan, colors: Colors): string {
  if (plan.changes.length === 0) return 'No changes: the committed flux/ already matches the code and config.\n';
  const paint = { added: colors.green, removed: colors.red, changed: colors.yellow };
  const lines: string[] = [];
  for (const [cluster, layers] of groups(plan)) {
    lines.push(colors.bold(`cluster ${printable(cluster)}`));
    for (const [layer, changes] of layers) {
      lines.push(`  layer ${printable(layer)}`);
      for (const change of changes) {
        lines.push(paint[change.change](`    ${SYMBOL[change.change]} ${objectLabel(change)}`) + colors.dim(`  (${printable(change.file)})`));
        for (const line of fieldLines(change)) lines.push(`        ${line}`);
        for (const warning of change.warnings) lines.push(colors.red(`        ! ${printable(warning)}`));
      }
    }
  }
  lines.push('', `Plan: ${counts(plan)}.`);
  return `${lines.join('\n')}\n`;
}

function renderMarkdown(plan: Plan): string {
  if (plan.changes.length === 0) return '### Flux plan\n\nNo changes: the committed `flux/` already matches the code and config.\n';
  const lines = ['### Flux plan', '', `**${counts(plan)}**`];
  for (const [cluster, layers] of groups(plan)) {
    lines.push('', `#### Cluster \`${printable(cluster)}\``);
    for (const [layer, changes] of layers) {
      lines.push('', `**Layer \`${printable(layer)}\`**`, '');
      for (const change of changes) {
        lines.push(`- \`${SYMBOL[change.change]}\` ${change.change} **${objectLabel(change)}** (\`${printable(change.file)}\`)`);
        for (const warning of change.warnings) lines.push(`  - :warning: ${printable(warning)}`);
        const fields = fieldLines(change);
        if (fields.length > 0) lines.push('', '  ```diff', ...fields.map((line) => `  ${line}`), '  ```');
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

export function runPlan(argv: readonly string[], stdout: Output, stderr: Output, options: TreeCommandOptions = {}): number {
  return runTreeCommand('plan', stderr, () => planCommand(argv, stdout, stderr, options));
}

function planCommand(argv: readonly string[], stdout: Output, stderr: Output, options: TreeCommandOptions): number {
  // A usage error exits 1 here: 2 means "changes".
  const parsed = parseCommandLine({
    args: [...argv],
    options: {
      'markdown': { type: 'boolean' },
      'config-dir': { type: 'string', default: path.join(REPO_ROOT, CONFIG_DIR) },
      'flux-dir': { type: 'string', default: path.join(REPO_ROOT, FLUX_DIR) },
      'prune-cluster': { type: 'string', multiple: true },
      'help': { type: 'boolean', short: 'h' },
    },
  }, USAGE, stdout, stderr, 1);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const result = gatedSynth({ configDir: args['config-dir']! }, stderr, 'plan', 'synth would refuse this tree, so there is no plan');
  if (!result) return 1;
  const fluxDir = args['flux-dir']!;
  let preview: TreePreview;
  try {
    preview = previewTree(fluxDir, result.tree.files, { pruneClusters: args['prune-cluster'], lockWaitMs: options.lockWaitMs, onNotice: () => undefined });
  } catch (error) {
    const message = describeTreeError(error);
    if (message === undefined) throw error;
    stderr.write(`plan: synth would refuse: ${printableLines(message)}\n`);
    return 1;
  }
  if (!preview.state.exists) {
    stderr.write(`plan: ${printable(fluxDir)} does not exist, so every object is new: was flux/ deleted or moved? (synth would create it)\n`);
  }
  // The committed tree is read twice below (its own diff, its HelmReleases' renders): parsed once, and
  // not at all where a file is unchanged, since synth just made its objects.
  const parser = treeParser(result.tree);
  // What the committed HelmReleases render, to show what a chart or values change does in the cluster.
  const kubernetesVersions = new Map(result.configs.map((loaded) => [loaded.config.cluster.name, loaded.config.cluster.kubernetesVersion]));
  let rendered: ObjectChange[];
  try {
    const before = renderCommitted(preview.state.owned, kubernetesVersions, defaultSchemaRegistry(), defaultChartSources(), parser);
    for (const problem of before.problems) stderr.write(`note: ${printable(problem, 1000)}; its rendered objects show as added\n`);
    rendered = planRendered(before.releases, result.releases);
  } catch (error) {
    if (!(error instanceof HelmUnavailableError)) throw error;
    stderr.write(`plan: ${error.message}\n`);
    return 1;
  }
  const plan = { changes: sortChanges([...planChanges(preview.state.owned, result.tree.files, parser).changes, ...rendered]) };
  const refused = preview.prepared.refusals.length > 0;
  // "No changes" beside a refusal reads as all clear; a plan with changes (a cluster's prune) is still worth showing.
  if (!(refused && plan.changes.length === 0)) {
    stdout.write(args.markdown ? renderMarkdown(plan) : renderText(plan, createColors(stdout.isTTY === true && !process.env.NO_COLOR)));
  }
  for (const note of preview.state.notes) stderr.write(`plan: note: ${printable(note, 1000)}\n`);
  if (refused) {
    stderr.write(`plan: synth would refuse this tree, so it cannot be applied as planned:\n${preview.prepared.refusals.map((line) => `  ${printable(line, 2000)}`).join('\n')}\n`);
    return 1;
  }
  return plan.changes.length === 0 ? 0 : 2;
}
