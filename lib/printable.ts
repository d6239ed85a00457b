/**
 * Text from config files, manifests and file names ends up on an operator's terminal. A control
 * character there is an escape sequence: it can retitle the window, clear the screen or hide a line.
 * Every formatter passes what it did not write itself through `printable`, which shows such
 * characters as `\xNN` / `\u{NNNN}` escapes, and cuts runaway input (a binary file's "name") short.
 */

/** Longest value shown in a message; longer input is cut, saying how much was left out. */
export const MAX_PRINTED_LENGTH = 300;

// C0 controls, DEL, C1 controls (U+009B is a one-character CSI), line and paragraph separators,
// and bidirectional overrides, which reorder what the terminal shows.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

function escapeOne(character: string): string {
  const code = character.codePointAt(0)!;
  if (character === '\n') return '\\n';
  if (character === '\r') return '\\r';
  if (character === '\t') return '\\t';
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/**
 * `text` with every control character escaped (newlines included: one value, one line), cut to
 * `maxLength` characters.
 */
export function printable(text: string, maxLength: number = MAX_PRINTED_LENGTH): string {
  const cut = text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)` : text;
  return cut.replace(CONTROL, escapeOne);
}

/** Like `printable`, for a message of several lines: newlines are kept, every other control is escaped. */
export function printableLines(text: string, maxLineLength: number = 4 * MAX_PRINTED_LENGTH): string {
  return text.split('\n').map((line) => printable(line, maxLineLength)).join('\n');
}
