/**
 * `npm run charts`: vendors the chart archive of every HelmRelease (those synth builds from config/,
 * or those in the YAML files given) into charts/ with `helm pull` from its HelmRepository (https or
 * OCI), and records repository, chart, exact version and SHA-256 in charts/charts.lock.json. An
 * archive already locked with a matching digest is left alone unless --refresh. Offline, it says
 * which file is missing and where to get it. Exit codes: 0 done, 1 a chart could not be vendored,
 * 2 usage error.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHARTS_DIR, CHARTS_LOCK_FILE, CONFIG_DIR, REPO_ROOT } from '../lib/paths';
import { ConfigError, formatConfigIssue, loadClusterConfigs } from '../config/load';
import { archiveName, ChartLockEntry, ChartRef, readChartLock, sameRepository, sha256Of, writeChartLock } from '../pipeline/charts/chart-store';
import { chartOf } from '../pipeline/charts/render';
import { findHelm, HelmUnavailableError } from '../pipeline/charts/tools';
import { synthesizeCluster } from '../pipeline/cluster';
import { readManifests } from '../pipeline/manifest-files';
import { renderTree } from '../pipeline/tree';
import { ManifestObject } from '../policy';
import { groupOf, kindOf } from '../policy/universe';
import { chartVersionProblem } from '../lib/helm';
import { Output, parseCommandLine } from './output';

const USAGE = `usage: npm run charts -- [--config-dir DIR] [--charts DIR] [--refresh] [--prune] [PATH...]

Pulls the chart of every HelmRelease (built from the cluster configs, or found in the YAML files
given) into the charts folder with helm pull, and locks repository, chart, version and SHA-256.

  --config-dir DIR   cluster configs (default: ${CONFIG_DIR}/)
  --charts DIR       the chart folder (default: ${CHARTS_DIR}/)
  --refresh          pull again even what is locked, and report archives whose bytes changed
  --prune            remove archives and lock entries no HelmRelease uses (after a chart upgrade)
`;

/** The HelmReleases' charts, once each. */
function chartsOf(objects: readonly ManifestObject[]): { charts: ChartRef[]; problems: string[] } {
  const charts = new Map<string, ChartRef>();
  const problems: string[] = [];
  for (const release of objects.filter((object) => groupOf(object) === 'helm.toolkit.fluxcd.io' && kindOf(object) === 'HelmRelease')) {
    const chart = chartOf(release, objects);
    if ('problem' in chart) {
      problems.push(`${release.source?.file ?? 'HelmRelease'}: ${chart.problem}`);
    } else if (chartVersionProblem(chart.version)) {
      problems.push(`${release.source?.file ?? 'HelmRelease'}: chart ${chart.chart} version ${chartVersionProblem(chart.version)}`);
    } else {
      charts.set(`${chart.repository}|${chart.chart}|${chart.version}`, chart);
    }
  }
  return { charts: [...charts.values()], problems };
}

/** Objects of every cluster built from config, without the gate (the gate needs the charts this vendors). */
function objectsFromConfig(configDir: string): ManifestObject[] {
  const configs = loadClusterConfigs(configDir);
  const clusters = configs.map((loaded) => synthesizeCluster(loaded.config));
  const tree = renderTree(clusters, new Map(configs.map((loaded) => [loaded.config.cluster.name, loaded.file])));
  return [...tree.universes.values()].flat();
}

function pull(helmPath: string, chart: ChartRef, destination: string, home: string): string | undefined {
  const args = chart.repository.startsWith('oci://')
    ? ['pull', `${chart.repository.replace(/\/+$/, '')}/${chart.chart}`, '--version', chart.version, '--destination', destination]
    : ['pull', chart.chart, '--repo', chart.repository, '--version', chart.version, '--destination', destination];
  // helm's own caches and config go to a scratch folder: vendoring must not depend on `helm repo add` state.
  const env = { ...process.env, HELM_CACHE_HOME: path.join(home, 'cache'), HELM_CONFIG_HOME: path.join(home, 'config'), HELM_DATA_HOME: path.join(home, 'data') };
  const result = spawnSync(helmPath, args, { encoding: 'utf8', env, timeout: 120_000 });
  if (result.error) return result.error.message;
  return result.status === 0 ? undefined : (result.stderr || result.stdout).trim().replace(/^Error: /, '');
}

export function runCharts(argv: readonly string[], stdout: Output, stderr: Output): number {
  const parsed = parseCommandLine({
    args: [...argv],
    options: {
      'config-dir': { type: 'string', default: path.join(REPO_ROOT, CONFIG_DIR) },
      'charts': { type: 'string', default: path.join(REPO_ROOT, CHARTS_DIR) },
      'refresh': { type: 'boolean' },
      'prune': { type: 'boolean' },
      'help': { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  }, USAGE, stdout, stderr);
  if (typeof parsed === 'number') return parsed;
  const dir = parsed.values.charts!;
  const shown = path.relative(process.cwd(), dir) || '.';

  let objects: ManifestObject[];
  try {
    objects = parsed.positionals.length > 0 ? [...readManifests(parsed.positionals).objects] : objectsFromConfig(parsed.values['config-dir']!);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    stderr.write(`charts: the cluster config is invalid; nothing was pulled.\n${error.issues.map(formatConfigIssue).join('\n')}\n`);
    return 1;
  }
  const { charts, problems } = chartsOf(objects);
  for (const problem of problems) stderr.write(`charts: ${problem}\n`);

  fs.mkdirSync(dir, { recursive: true });
  const lock = readChartLock(dir);
  const entries = new Map<string, ChartLockEntry>((lock?.charts ?? []).map((entry) => [`${entry.chart}|${entry.version}`, entry]));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'oceanid-charts-'));
  let failures = problems.length;
  let helmPath: string | undefined;
  try {
    for (const chart of charts) {
      const file = archiveName(chart.chart, chart.version);
      const target = path.join(dir, file);
      const locked = entries.get(`${chart.chart}|${chart.version}`);
      const intact = locked && sameRepository(locked.repository, chart.repository) && fs.existsSync(target) && sha256Of(target) === locked.sha256;
      if (intact && !parsed.values.refresh) {
        stdout.write(`  locked   ${file} (${chart.repository})\n`);
        continue;
      }
      try {
        helmPath ??= findHelm().path;
      } catch (error) {
        if (!(error instanceof HelmUnavailableError)) throw error;
        stderr.write(`charts: ${error.message}\n`);
        return 1;
      }
      const staging = fs.mkdtempSync(path.join(scratch, 'pull-'));
      const failure = pull(helmPath, chart, staging, scratch);
      if (failure !== undefined) {
        if (fs.existsSync(target) && !locked) {
          // Offline, an archive copied in by hand is locked as it is: its digest is recorded from now on.
          entries.set(`${chart.chart}|${chart.version}`, { repository: chart.repository, chart: chart.chart, version: chart.version, file, sha256: sha256Of(target) });
          stdout.write(`  locked   ${file} as found in ${shown}/ (helm pull failed: ${failure.split('\n')[0]})\n`);
          continue;
        }
        failures++;
        if (intact) {
          stderr.write(`charts: cannot refresh chart ${chart.chart} ${chart.version} from ${chart.repository}: ${failure.split('\n')[0]}; kept the locked ${shown}/${file}\n`);
          continue;
        }
        stderr.write(`charts: cannot pull chart ${chart.chart} ${chart.version} from ${chart.repository}: ${failure.split('\n')[0]}\n`
          + `  ${shown}/${file} is ${fs.existsSync(target) ? 'there but does not match its lock entry' : 'missing'}: get it where the network allows `
          + `(helm pull ${chart.chart} --repo ${chart.repository} --version ${chart.version}), copy it into ${shown}/ and run npm run charts again\n`);
        continue;
      }
      const pulled = path.join(staging, fs.readdirSync(staging).find((name) => name.endsWith('.tgz'))!);
      const sha256 = sha256Of(pulled);
      if (locked && locked.sha256 !== sha256) {
        stdout.write(`  changed  ${file}: ${chart.repository} now serves SHA-256 ${sha256} (was locked as ${locked.sha256}); review npm run plan\n`);
      }
      fs.copyFileSync(pulled, target);
      entries.set(`${chart.chart}|${chart.version}`, { repository: chart.repository, chart: chart.chart, version: chart.version, file, sha256 });
      stdout.write(`  pulled   ${file} (${chart.repository}, sha256 ${sha256.slice(0, 12)}…)\n`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (parsed.values.prune) {
    const used = new Set(charts.map((chart) => `${chart.chart}|${chart.version}`));
    for (const [key, entry] of entries) {
      if (used.has(key)) continue;
      entries.delete(key);
      fs.rmSync(path.join(dir, entry.file), { force: true });
      stdout.write(`  removed  ${entry.file} (no HelmRelease uses it)\n`);
    }
  }
  writeChartLock(dir, [...entries.values()]);
  stdout.write(`charts: ${charts.length} chart(s), lock ${shown}/${CHARTS_LOCK_FILE}${failures > 0 ? `; ${failures} problem(s)` : ''}\n`);
  return failures > 0 ? 1 : 0;
}
