/**
 * A synth run as synth and plan both need it: an invalid config is reported in full on `stderr`,
 * and so (in text) is any gate finding; the caller gets nothing to write or compare.
 */
import { ConfigError, formatConfigIssue } from '../config/load';
import { formatFinding } from '../policy';
import { HelmUnavailableError } from '../pipeline/charts/tools';
import { SynthOptions, SynthResult, synthesize } from '../pipeline/synth';
import { Output } from './output';

/**
 * @returns the result, findings included, or undefined after reporting why the config is invalid
 */
export function synthesizeValidConfig(options: SynthOptions, stderr: Output, refusal: string, consequence: string): SynthResult | undefined {
  try {
    return synthesize(options);
  } catch (error) {
    if (error instanceof HelmUnavailableError) {
      stderr.write(`${refusal}: the HelmReleases cannot be rendered, so their pods cannot be checked; ${consequence}.\n${error.message}\n`);
      return undefined;
    }
    if (!(error instanceof ConfigError)) throw error;
    stderr.write(`${refusal}: the cluster config is invalid; ${consequence}.\n${error.issues.map(formatConfigIssue).join('\n')}\n`);
    return undefined;
  }
}

/** The gate's findings as text, the way synth and plan refuse. */
export function refusalText(result: SynthResult, refusal: string, consequence: string): string {
  const lines = result.findings.map(({ cluster, finding }) => formatFinding(finding, cluster));
  return `${refusal}: ${result.findings.length} problem(s) the cluster would reject or suffer from; ${consequence}.\n\n${lines.join('\n')}\n`;
}

/**
 * @param refusal how the command names its refusal, e.g. "synth refused" or "plan"
 * @returns the result, or undefined after reporting why there is none
 */
export function gatedSynth(options: SynthOptions, stderr: Output, refusal: string, consequence: string): SynthResult | undefined {
  const result = synthesizeValidConfig(options, stderr, refusal, consequence);
  if (!result) return undefined;
  if (result.findings.length > 0) {
    stderr.write(refusalText(result, refusal, consequence));
    return undefined;
  }
  return result;
}
