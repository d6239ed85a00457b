/**
 * `npm run charts` against a chart repository this test serves on 127.0.0.1 (`helm repo index` and a
 * small Node HTTP server in a child process: the command runs helm synchronously, so the server
 * cannot share this process). Never the internet.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as YAML from 'yaml';
import { runCharts } from '../../cli/charts-command';
import { BUNDLED_HELM } from '../../lib/constants';
import { REPO_ROOT } from '../../lib/paths';
import { bundledTool } from '../../pipeline/charts/tools';
import { tempDir } from '../helpers';

const ARCHIVE = 'external-secrets-2.9.0.tgz';
const SERVER = `
const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
const root = process.argv[1];
const server = http.createServer((request, response) => {
  const file = path.join(root, path.basename(decodeURIComponent(request.url.split('?')[0])));
  fs.readFile(file, (error, data) => { response.writeHead(error ? 404 : 200); response.end(error ? 'not found' : data); });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
setTimeout(() => process.exit(0), 60000).unref();
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

let server: ChildProcess;
let url: string;

beforeAll(async () => {
  const served = tempDir();
  fs.copyFileSync(path.join(REPO_ROOT, 'charts', ARCHIVE), path.join(served, ARCHIVE));
  server = spawn(process.execPath, ['-e', SERVER, served], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => server.stdout!.once('data', (chunk) => resolve(String(chunk).trim())));
  url = `http://127.0.0.1:${port}/charts`;
  execFileSync(bundledTool(BUNDLED_HELM), ['repo', 'index', served, '--url', url], { encoding: 'utf8' });
});

afterAll(() => {
  server.stdin!.end();
  server.kill();
});

function manifests(repositoryUrl: string, version = '2.9.0'): string {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'release.yaml'), [
    { apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository', metadata: { name: 'local', namespace: 'ops' }, spec: { url: repositoryUrl, interval: '1h' } },
    { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name: 'eso', namespace: 'ops' },
      spec: { interval: '1h', chart: { spec: { chart: 'external-secrets', version, sourceRef: { kind: 'HelmRepository', name: 'local' } } } } },
  ].map((manifest) => YAML.stringify(manifest)).join('---\n'));
  return path.join(dir, 'release.yaml');
}

function charts(...argv: string[]) {
  const out = { stdout: '', stderr: '' };
  const code = runCharts(argv, { write: (text) => { out.stdout += text; } }, { write: (text) => { out.stderr += text; } });
  return { code, ...out };
}

describe('npm run charts', () => {
  test('pulls the chart a HelmRelease names from its repository and locks it; a second run leaves it alone', () => {
    const dir = tempDir();
    const file = manifests(url);
    const first = charts('--charts', dir, file);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`  pulled   ${ARCHIVE} (${url}, sha256 `);
    const sha256 = createHash('sha256').update(fs.readFileSync(path.join(dir, ARCHIVE))).digest('hex');
    expect(sha256).toBe(createHash('sha256').update(fs.readFileSync(path.join(REPO_ROOT, 'charts', ARCHIVE))).digest('hex'));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'charts.lock.json'), 'utf8')).charts)
      .toEqual([{ repository: url, chart: 'external-secrets', version: '2.9.0', file: ARCHIVE, sha256 }]);

    const second = charts('--charts', dir, file);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`  locked   ${ARCHIVE} (${url})`);
  });

  test('an unreachable repository: names the missing file and where to get it, exit 1', () => {
    const dir = tempDir();
    const unreachable = 'http://127.0.0.1:9/charts';
    const result = charts('--charts', dir, manifests(unreachable));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`charts: cannot pull chart external-secrets 2.9.0 from ${unreachable}: `);
    expect(result.stderr).toContain(`${path.relative(process.cwd(), dir)}/${ARCHIVE} is missing: get it where the network allows `
      + `(helm pull external-secrets --repo ${unreachable} --version 2.9.0), copy it into`);
    expect(fs.existsSync(path.join(dir, ARCHIVE))).toBe(false);
  });

  test('a version the repository does not have fails; a range is refused before any pull', () => {
    const dir = tempDir();
    const missing = charts('--charts', dir, manifests(url, '2.9.1'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`cannot pull chart external-secrets 2.9.1 from ${url}`);
    const range = charts('--charts', dir, manifests(url, '2.x'));
    expect(range.code).toBe(1);
    expect(range.stderr).toContain('chart external-secrets version "2.x" is not an exact version');
  });

  test('--prune drops archives no HelmRelease uses', () => {
    const dir = tempDir();
    expect(charts('--charts', dir, manifests(url)).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'old-1.0.0.tgz'), 'x');
    const lock = JSON.parse(fs.readFileSync(path.join(dir, 'charts.lock.json'), 'utf8'));
    lock.charts.push({ repository: url, chart: 'old', version: '1.0.0', file: 'old-1.0.0.tgz', sha256: '0'.repeat(64) });
    fs.writeFileSync(path.join(dir, 'charts.lock.json'), JSON.stringify(lock));
    const pruned = charts('--charts', dir, '--prune', manifests(url));
    expect(pruned.stdout).toContain('  removed  old-1.0.0.tgz (no HelmRelease uses it)');
    expect(fs.readdirSync(dir).sort()).toEqual(['charts.lock.json', ARCHIVE]);
  });
});
