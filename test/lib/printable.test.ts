import { printable, printableLines } from '../../lib/printable';

describe('printable (case 13)', () => {
  test('escapes C0, DEL, C1 and bidi controls, so input cannot retitle, clear or reorder the terminal', () => {
    expect(printable('a\u001b]0;owned\u0007\u001b[2Jb')).toBe('a\\x1b]0;owned\\x07\\x1b[2Jb');
    expect(printable('\u009b31m\u007f\u202eevil')).toBe('\\x9b31m\\x7f\\u{202e}evil');
    expect(printable('one\ntwo\tthree\r')).toBe('one\\ntwo\\tthree\\r');
  });

  test('keeps ordinary text, accents and emoji as they are', () => {
    expect(printable('café → 🐟 "quoted"')).toBe('café → 🐟 "quoted"');
  });

  test('cuts garbage short and says how much was left out', () => {
    expect(printable('x'.repeat(1000), 10)).toBe('xxxxxxxxxx… (990 more characters)');
  });

  test('printableLines keeps newlines between lines and escapes everything else', () => {
    expect(printableLines('first\u001b[2J\nsecond')).toBe('first\\x1b[2J\nsecond');
  });
});
