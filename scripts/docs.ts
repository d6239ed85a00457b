/**
 * `npm run docs`: rewrites the generated parts of README.md (today, the table of the gate's rules).
 * Exits 1, writing nothing, when the README lacks the markers.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../lib/paths';
import { withRulesTable } from './rules-table';

const README = path.join(REPO_ROOT, 'README.md');
try {
  const before = fs.readFileSync(README, 'utf8');
  const after = withRulesTable(before);
  if (after !== before) fs.writeFileSync(README, after);
  process.stdout.write(`${after === before ? 'README.md is up to date' : 'wrote README.md'}\n`);
} catch (error) {
  process.stderr.write(`npm run docs: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
