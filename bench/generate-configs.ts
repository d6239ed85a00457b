/**
 * `node scripts/run.cjs bench-configs --scale N --out DIR`: writes the shipped configs scaled N
 * times into DIR (never into config/), to reproduce a benchmark run by hand:
 * `npm run synth -- --config-dir DIR --out <scratch folder>`.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CONFIG_DIR, REPO_ROOT } from '../lib/paths';
import { writeScaledConfigs } from './scale';

const { values } = parseArgs({ options: { scale: { type: 'string' }, out: { type: 'string' } } });
if (!values.scale || !values.out) {
  process.stderr.write('usage: node scripts/run.cjs bench-configs --scale N --out DIR\n');
  process.exitCode = 2;
} else if (path.resolve(values.out) === path.join(REPO_ROOT, CONFIG_DIR)) {
  process.stderr.write('refusing to overwrite config/: pass a scratch folder\n');
  process.exitCode = 2;
} else {
  writeScaledConfigs(path.join(REPO_ROOT, CONFIG_DIR), values.out, Number(values.scale));
  process.stdout.write(`wrote configs scaled ${values.scale}x to ${values.out}\n`);
}
