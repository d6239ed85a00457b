/**
 * The options synth and check share to choose rules and output: `--only` and `--skip` (rule ids or
 * groups, repeatable or comma-separated) and `--format`.
 */
import { RuleSelection, selectionVocabulary, selectRules } from '../policy';
import { Format, FORMATS, isFormat } from './report';
import { Output } from './output';

export const GATE_OPTIONS = {
  'only': { type: 'string', multiple: true },
  'skip': { type: 'string', multiple: true },
  'format': { type: 'string', default: 'text' },
} as const;

/** The usage lines of these options, descriptions starting at `column` to line up with the command's own. */
export function gateUsage(column: number): string {
  return [
    ['--only RULE|GROUP', 'run only these rules (ids, or the groups admission and house); repeatable or comma-separated'],
    ['--skip RULE|GROUP', 'leave these rules out; repeatable or comma-separated'],
    ['--format FORMAT', `${FORMATS.join('|')} (default text); json and sarif for tools, github for workflow annotations`],
  ].map(([option, description]) => `  ${option.padEnd(column - 2)}${description}`).join('\n');
}

export interface GateOptionValues {
  readonly only?: readonly string[];
  readonly skip?: readonly string[];
  readonly format?: string;
}

/** The selection and format the options ask for, or 2 after explaining what is wrong. */
export function parseGateOptions(values: GateOptionValues, usage: string, stderr: Output): { selection: RuleSelection; format: Format } | number {
  const format = values.format ?? 'text';
  if (!isFormat(format)) {
    stderr.write(`--format ${JSON.stringify(format)} is not one of ${FORMATS.join(', ')}\n${usage}`);
    return 2;
  }
  const selection = selectRules(values.only ?? [], values.skip ?? []);
  if ('unknown' in selection) {
    stderr.write(`${selection.unknown.map((name) => JSON.stringify(name)).join(', ')}: neither a rule nor a group. Valid names:\n${selectionVocabulary()}\n`);
    return 2;
  }
  if (selection.rules.length === 0) {
    stderr.write(`--only and --skip leave no rule to run\n${usage}`);
    return 2;
  }
  return { selection, format };
}
