/**
 * synth as users run it, a child process (`node scripts/run.cjs main`, what `npm run synth` runs):
 * its exit code, a FIFO that an in-process test would hang on, and the bundle's V8 code cache. In
 * `npm run test:processes`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, RUN_SCRIPT } from '../../lib/paths';
import { tempDir } from '../helpers';

const FLUX = path.join(REPO_ROOT, 'flux');
const RUN = path.join(REPO_ROOT, RUN_SCRIPT);

describe('npm run synth, as a process', () => {
  test('the npm script runs end to end and exits 0 on the committed tree', () => {
    const root = tempDir();
    const out = path.join(root, 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'tailnet'), path.join(root, 'tailnet'), { recursive: true });
    const result = spawnSync(process.execPath, [RUN, 'main', '--out', out], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^synth: dev, prod → .*: 0 written, 0 removed, 58 unchanged; gate clean/m);
  });

  test('a FIFO in the way of a tailnet policy is never opened: synth refuses at once instead of hanging', () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'tailnet'));
    execFileSync('mkfifo', [path.join(root, 'tailnet', 'prod.json')]);
    // A child process, so that a regression (a blocking open) fails by the timeout instead of hanging jest.
    const result = spawnSync(process.execPath, [RUN, 'main', '--out', path.join(root, 'flux')],
      { encoding: 'utf8', timeout: 20_000 });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^synth refused: .*\/tailnet\/prod\.json is a FIFO \(never opened\): synth writes the tailnet policy fragment there; remove/);
    expect(fs.existsSync(path.join(root, 'flux'))).toBe(false);
  });

  test('the bundle runs with V8\'s code cache beside it; a cache V8 rejects is rewritten, and synth runs the same', () => {
    const cache = path.join(execFileSync(process.execPath, [RUN, '--build'], { encoding: 'utf8' }).trim(), 'main.js.v8');
    const root = tempDir();
    const out = path.join(root, 'flux');
    fs.cpSync(FLUX, out, { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'tailnet'), path.join(root, 'tailnet'), { recursive: true });
    const synth = () => spawnSync(process.execPath, [RUN, 'main', '--out', out], { encoding: 'utf8' });
    expect(synth().status).toBe(0);
    expect(fs.statSync(cache).size).toBeGreaterThan(100_000);
    fs.writeFileSync(cache, 'not a code cache');
    const again = synth();
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/: 0 written, 0 removed, 58 unchanged; gate clean/);
    expect(fs.statSync(cache).size).toBeGreaterThan(100_000);
  });
});
