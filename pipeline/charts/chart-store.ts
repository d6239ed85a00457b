/**
 * The vendored chart cache: archives in charts/ named as `helm pull` names them
 * (`<chart>-<version>.tgz`), and charts/charts.lock.json recording, per chart, the repository URL,
 * the chart name, the exact version and the archive's SHA-256. Nothing is rendered from an archive
 * whose digest differs from its lock entry, nor for a version range.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chartVersionProblem } from '../../lib/helm';
import { CHARTS_LOCK_FILE } from '../../lib/paths';

export interface ChartLockEntry {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
  readonly file: string;
  readonly sha256: string;
}

export interface ChartLock {
  readonly charts: readonly ChartLockEntry[];
}

/** A chart archive ready to render: its path and verified digest. */
export interface ChartArchive {
  readonly file: string;
  readonly sha256: string;
}

/** A chart a HelmRelease names, as helm-controller would fetch it. */
export interface ChartRef {
  readonly repository: string;
  readonly chart: string;
  readonly version: string;
}

/** Why a chart cannot be rendered, and the command or edit that fixes it. */
export class ChartUnavailable {
  constructor(readonly message: string, readonly fix: string) {}
}

/** `https://charts.heartex.com/` and `https://charts.heartex.com` are one repository. */
export function sameRepository(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

export function archiveName(chart: string, version: string): string {
  return `${chart}-${version}.tgz`;
}

export function sha256Of(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Reads a lock file; undefined when there is none. @throws Error when it exists but is malformed */
export function readChartLock(dir: string): ChartLock | undefined {
  const file = path.join(dir, CHARTS_LOCK_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const lock = JSON.parse(text) as ChartLock;
  if (!Array.isArray(lock?.charts) || !lock.charts.every((entry) => ['repository', 'chart', 'version', 'file', 'sha256']
    .every((field) => typeof (entry as unknown as Record<string, unknown>)[field] === 'string'))) {
    throw new Error(`${file}: expected {"charts": [{"repository", "chart", "version", "file", "sha256"}, ...]}`);
  }
  return lock;
}

export function writeChartLock(dir: string, entries: readonly ChartLockEntry[]): void {
  const sorted = [...entries].sort((a, b) => a.chart.localeCompare(b.chart) || a.version.localeCompare(b.version));
  const lock = {
    $comment: 'Written by npm run charts: one entry per vendored chart archive. Synth renders an archive only if its SHA-256 matches.',
    charts: sorted.map(({ repository, chart, version, file, sha256 }) => ({ repository, chart, version, file, sha256 })),
  };
  fs.writeFileSync(path.join(dir, CHARTS_LOCK_FILE), `${JSON.stringify(lock, null, 2)}\n`);
}

/** The charts of one folder, verified once per archive. */
export class ChartStore {
  private readonly lock: ChartLock | undefined;
  private readonly verified = new Map<string, ChartArchive | ChartUnavailable>();

  /**
   * @param dir the folder of archives (and lock)
   * @param requireLock refuse charts absent from the lock (synth); `check --charts` accepts a folder without one
   */
  constructor(readonly dir: string, private readonly requireLock: boolean, private readonly displayDir = dir) {
    this.lock = readChartLock(dir);
  }

  resolve(ref: ChartRef): ChartArchive | ChartUnavailable {
    const key = `${ref.repository}|${ref.chart}|${ref.version}`;
    let result = this.verified.get(key);
    if (!result) {
      result = this.verify(ref);
      this.verified.set(key, result);
    }
    return result;
  }

  private verify(ref: ChartRef): ChartArchive | ChartUnavailable {
    const named = `chart ${ref.chart} ${ref.version} from ${ref.repository}`;
    const versionProblem = chartVersionProblem(ref.version);
    if (versionProblem) return new ChartUnavailable(`${named}: version ${versionProblem}`, 'pin spec.chart.spec.version to an exact version, then run npm run charts');
    const fileName = archiveName(ref.chart, ref.version);
    const file = path.join(this.dir, fileName);
    const shown = path.join(this.displayDir, fileName);
    const entry = this.lock?.charts.find((candidate) => candidate.chart === ref.chart && candidate.version === ref.version);
    if (entry && !sameRepository(entry.repository, ref.repository)) {
      return new ChartUnavailable(`${named}: ${path.join(this.displayDir, CHARTS_LOCK_FILE)} locks ${ref.chart} ${ref.version} from ${entry.repository}, another repository`,
        `run npm run charts to vendor the chart from ${ref.repository}, or point the HelmRepository at ${entry.repository}`);
    }
    if (!entry && (this.requireLock || this.lock)) {
      return new ChartUnavailable(`${named} is not in ${path.join(this.displayDir, CHARTS_LOCK_FILE)}`,
        `run npm run charts (it pulls ${fileName} and locks it; offline, copy the archive from ${ref.repository} into ${this.displayDir}/ first)`);
    }
    if (!fs.existsSync(file)) {
      return new ChartUnavailable(`${named}: ${shown} is missing`,
        `run npm run charts to pull it (helm pull ${ref.chart} --repo ${ref.repository} --version ${ref.version}), or restore it from Git`);
    }
    const sha256 = sha256Of(file);
    if (entry && entry.sha256 !== sha256) {
      return new ChartUnavailable(`${named}: ${shown} has SHA-256 ${sha256}, but the lock says ${entry.sha256}: the archive is not the one that was locked`,
        'restore the archive from Git (git checkout -- charts/), or run npm run charts to pull and lock it again, and review the rendered diff (npm run plan)');
    }
    return { file, sha256 };
  }
}
