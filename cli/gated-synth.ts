/**
 * A synth run as synth and plan both need it: an invalid config or any gate finding is reported in
 * full on `stderr`, and the caller gets nothing to write or compare.
 */
import { ConfigError, formatConfigIssue } from '../config/load';
import { formatFinding } from '../policy';
import { SynthOptions, SynthResult, synthesize } from '../pipeline/synth';
import { Output } from './output';

/**
 * @param refusal how the command names its refusal, e.g. "synth refused" or "plan"
 * @returns the result, or undefined after reporting why there is none
 */
export function gatedSynth(options: SynthOptions, stderr: Output, refusal: string, consequence: string): SynthResult | undefined {
  let result;
  try {
    result = synthesize(options);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    stderr.write(`${refusal}: the cluster config is invalid; ${consequence}.\n${error.issues.map(formatConfigIssue).join('\n')}\n`);
    return undefined;
  }
  if (result.findings.length > 0) {
    const lines = result.findings.map(({ cluster, finding }) => formatFinding(finding, cluster));
    stderr.write(`${refusal}: ${result.findings.length} problem(s) the cluster would reject or suffer from; ${consequence}.\n\n${lines.join('\n')}\n`);
    return undefined;
  }
  return result;
}
