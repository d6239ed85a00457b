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
