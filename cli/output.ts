/** Where a command writes: process.stdout/stderr in use, a string buffer in tests. */
export interface Output {
  write(text: string): void;
  /** Whether the stream is a terminal (colour is used only then). */
  readonly isTTY?: boolean;
}
