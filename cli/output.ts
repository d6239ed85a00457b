import { parseArgs, ParseArgsConfig } from 'node:util';
import { printable } from '../lib/printable';
import { describeTreeError } from '../pipeline/tree-writer';

/** Where a command writes: process.stdout/stderr in use, a string buffer in tests. */
export interface Output {
  write(text: string): void;
  /** Whether the stream is a terminal (colour is used only then). */
  readonly isTTY?: boolean;
}

/**
 * `npm run synth | head` closes the pipe early; that is the reader's choice, not an error worth a
 * stack trace.
 */
export function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

/**
 * Parses a command line strictly (unknown options are errors) and answers --help. Returns the
 * parsed values, or the exit code when the command is already done: 0 after help, `usageExitCode`
 * after printing what was wrong and the usage.
 */
export function parseCommandLine<T extends ParseArgsConfig & { options: { help: { type: 'boolean' } } }>(
  config: T, usage: string, stdout: Output, stderr: Output, usageExitCode = 2,
): ReturnType<typeof parseArgs<T>> | number {
  let parsed;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    stderr.write(`${(error as Error).message}\n${usage}`);
    return usageExitCode;
  }
  if ((parsed.values as { help?: boolean }).help) {
    stdout.write(usage);
    return 0;
  }
  return parsed;
}

/** Options of the commands that take flux/'s lock (synth writes, plan reads). */
export interface TreeCommandOptions {
  /**
   * How long to wait for another synth or plan holding flux/.
   * @default 10000
   */
  readonly lockWaitMs?: number;
}

/**
 * Runs a command that reads or writes flux/ so that nothing unforeseen ends in a stack trace: a bad
 * tree or disk gets its message (the writer has restored flux/ if it touched it), anything else one
 * line marked as an internal error; both exit 1.
 */
export function runTreeCommand(name: string, stderr: Output, command: () => number): number {
  try {
    return command();
  } catch (error) {
    stderr.write(`${name} failed: ${printable(describeTreeError(error) ?? `internal error: ${(error as Error)?.message ?? String(error)}`, 2000)}\n`);
    return 1;
  }
}
