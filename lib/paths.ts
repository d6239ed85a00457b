/**
 * Where things live in the repo. The code runs from the sources (jest, ts-node) and from bundles in
 * dist/bin/<fingerprint>/, so the root is found by walking up to our package.json, not from __dirname.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const PACKAGE_NAME = 'oceanid-cluster';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the ${PACKAGE_NAME} package.json above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(__dirname);

/** Closed JSON Schemas of every kind the gate validates, written by `npm run import`. */
export const SCHEMA_BUNDLE_FILE = 'imports/schemas.json';

/**
 * What every npm script runs (`node scripts/run.cjs <entry>`): it bundles the TypeScript entry points
 * when a source changed and runs the bundle; `--build` only builds and prints the bundle folder.
 */
export const RUN_SCRIPT = 'scripts/run.cjs';

/** Per-cluster configuration files. */
export const CONFIG_DIR = 'config';

/** The committed GitOps tree Flux reconciles. */
export const FLUX_DIR = 'flux';

/** Compiled schema validators, reused between runs (see policy/schema/validator.ts). */
export const VALIDATOR_CACHE_DIR = 'node_modules/.cache/oceanid-cluster/validators';

/** Vendored chart archives (`<chart>-<version>.tgz`, as `helm pull` names them) and their lock. */
export const CHARTS_DIR = 'charts';
export const CHARTS_LOCK_FILE = 'charts.lock.json';

/** helm and kubectl extracted from their npm package, once per package version. */
export const TOOLS_CACHE_DIR = 'node_modules/.cache/oceanid-cluster/tools';

/** Rendered HelmReleases, keyed by everything the render depends on (see pipeline/charts/render-cache.ts). */
export const RENDER_CACHE_DIR = 'node_modules/.cache/oceanid-cluster/renders';
