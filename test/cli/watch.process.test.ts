/**
 * `npm run synth -- --watch` as users run it: the watching process, its worker and real saves of
 * the config. One run of the watch is tested in-process in watch.test.ts. In `npm run test:processes`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, RUN_SCRIPT } from '../../lib/paths';
import { tempDir } from '../helpers';

/** A copy of the shipped config and the committed tree, to synthesize into. */
function workspace() {
  const dir = tempDir();
  fs.cpSync(path.join(REPO_ROOT, 'config'), path.join(dir, 'config'), { recursive: true });
  fs.cpSync(path.join(REPO_ROOT, 'flux'), path.join(dir, 'flux'), { recursive: true });
  return { configDir: path.join(dir, 'config'), out: path.join(dir, 'flux') };
}

describe('npm run synth -- --watch', () => {
  test('re-synthesizes on each save, reports a broken config and keeps watching', async () => {
    const { configDir, out } = workspace();
    const child = spawn(process.execPath, [path.join(REPO_ROOT, RUN_SCRIPT), 'main', '--watch', '--config-dir', configDir, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const waiters: Array<{ pattern: RegExp; from: number; resolve: () => void }> = [];
    const check = () => {
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(output.slice(waiter.from))) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };
    child.stdout.on('data', (chunk) => { output += chunk; check(); });
    child.stderr.on('data', (chunk) => { output += chunk; check(); });
    const next = (pattern: RegExp) => new Promise<void>((resolve) => { waiters.push({ pattern, from: output.length, resolve }); check(); });
    try {
      const prod = path.join(configDir, 'prod.yaml');
      const original = fs.readFileSync(prod, 'utf8');
      await next(/plan: this run changes 0 to add, 0 to change, 0 to remove\n/);

      let result = next(/plan: [^\n]*\n/);
      fs.writeFileSync(prod, original.replace('refreshInterval: 1h', 'refreshInterval: 2h'));
      await result;
      expect(output).toMatch(/prod\.yaml changed\n {2}wrote {3}infrastructure\/prod\/configs\/externalsecret-tailscale-tailscale-auth\.yaml/);
      expect(fs.readFileSync(path.join(out, 'infrastructure/prod/configs/externalsecret-tailscale-tailscale-auth.yaml'), 'utf8')).toContain('refreshInterval: 2h');

      result = next(/synth refused[^\n]*\n[^\n]*\n/);
      fs.writeFileSync(prod, `${original}\nbad: [\n`);
      await result;

      // An editor's atomic save: a temporary file renamed over the original, twice.
      for (const interval of ['3h', '1h']) {
        result = next(/plan: [^\n]*\n/);
        fs.writeFileSync(`${prod}.tmp`, original.replace('refreshInterval: 1h', `refreshInterval: ${interval}`));
        fs.renameSync(`${prod}.tmp`, prod);
        await result;
        expect(fs.readFileSync(path.join(out, 'infrastructure/prod/configs/externalsecret-tailscale-tailscale-auth.yaml'), 'utf8'))
          .toContain(`refreshInterval: ${interval}`);
      }
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGTERM');
    }
  }, 30_000);
});
