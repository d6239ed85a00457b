/**
 * `npm run check` as users run it, a child process (`node scripts/run.cjs check`): the exit codes
 * runCheck returns (tested in-process in check-command.test.ts) reach the shell, and a folder only
 * root could list is named, not skipped. In `npm run test:processes`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, RUN_SCRIPT } from '../../lib/paths';
import { tempDir } from '../helpers';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/check');
const SCRIPT = path.join(REPO_ROOT, RUN_SCRIPT);
const NOBODY = 65534;

describe('npm run check, as a process', () => {
  test('exits 0 clean, 1 with findings', () => {
    expect(spawnSync(process.execPath, [SCRIPT, 'check', path.join(FIXTURES, 'windows')], { encoding: 'utf8' }).status).toBe(0);
    const dir = tempDir();
    fs.cpSync(path.join(FIXTURES, 'restricted-app'), dir, { recursive: true });
    const workloads = path.join(dir, 'workloads.yaml');
    fs.writeFileSync(workloads, fs.readFileSync(workloads, 'utf8').replace('ghcr.io/goldfish-inc/shop:1.4.2', 'shop:latest'));
    const findings = spawnSync(process.execPath, [SCRIPT, 'check', dir], { encoding: 'utf8' });
    expect(findings.stdout).toContain('shop:latest');
    expect(findings.status).toBe(1);
  });

  test('a folder below the one given that cannot be listed is named, with the fix (exit 2)', () => {
    const dir = tempDir();
    fs.cpSync(path.join(FIXTURES, 'restricted-app'), dir, { recursive: true });
    const locked = path.join(dir, 'locked');
    fs.mkdirSync(locked);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(locked, 0o000);
    // root reads any folder: as root, the child runs as nobody, on a bundle built as root.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) expect(spawnSync(process.execPath, [SCRIPT, '--build']).status).toBe(0);
    const result = spawnSync(process.execPath, [SCRIPT, 'check', dir], { encoding: 'utf8', ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}) });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`check: cannot read:\n  ${locked}: cannot be listed (permission denied): fix its permissions\n`);
  });
});
