#!/usr/bin/env node
'use strict';
// Runs one of the repo's TypeScript entry points as plain JavaScript.
//
// Why not ts-node: type-checking the generated CRD bindings costs seconds on every run, and
// operators run synth dozens of times a day. Type-checking belongs to `npm run typecheck` and CI;
// here esbuild only transpiles, and only when a source file changed since the last build.
//
// Each entry point is bundled with its dependencies (the versions package-lock.json pins) into one
// file: Node then reads and compiles one script instead of resolving hundreds of small modules,
// which is most of what cdk8s costs at start-up.
//
// Builds are content-addressed (dist/bin/<fingerprint>/), written to a temporary folder and renamed
// into place, so concurrent runs (jest workers, two terminals) never see a half-written bundle.
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const ROOT = path.resolve(__dirname, '..');
const BIN_DIR = path.join(ROOT, 'dist', 'bin');
// Every folder a bundle can import from: a folder missing here would let a stale bundle run.
const SOURCE_ROOTS = ['main.ts', 'bench', 'cli', 'config', 'constructs', 'imports', 'lib', 'pipeline', 'policy', 'scripts'];
const EXTRA_INPUTS = ['package-lock.json', 'tsconfig.json', __filename];
const ENTRY_POINTS = {
  main: 'main.ts',
  check: 'cli/check.ts',
  plan: 'cli/plan.ts',
  charts: 'cli/charts.ts',
  import: 'scripts/import.ts',
  'config-schema': 'scripts/config-schema.ts',
  docs: 'scripts/docs.ts',
  bench: 'bench/bench.ts',
  'bench-configs': 'bench/generate-configs.ts',
};

function collectInputs(relative, into) {
  const absolute = path.join(ROOT, relative);
  let stat;
  try {
    stat = fs.statSync(absolute);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    let entries;
    try {
      entries = fs.readdirSync(absolute).sort();
    } catch (error) {
      // An unreadable folder (config/ after chmod 000) is the command's to report, with its own
      // message; here it only changes the fingerprint.
      into.push(`${relative}\0unlistable\0${error.code}`);
      return;
    }
    for (const entry of entries) {
      if (entry === 'node_modules' || entry === '__snapshots__') continue;
      collectInputs(path.join(relative, entry), into);
    }
  } else if (relative.endsWith('.ts') || relative.endsWith('.json') || EXTRA_INPUTS.includes(absolute)) {
    into.push(`${relative}\0${stat.size}\0${stat.mtimeMs}`);
  }
}

function fingerprint() {
  const inputs = [];
  for (const root of SOURCE_ROOTS) collectInputs(root, inputs);
  for (const extra of EXTRA_INPUTS) collectInputs(path.relative(ROOT, extra), inputs);
  return crypto.createHash('sha256').update(inputs.join('\n')).digest('hex').slice(0, 16);
}

function build(target) {
  const esbuild = require('esbuild');
  const staging = `${target}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    esbuild.buildSync({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(Object.entries(ENTRY_POINTS).map(([name, file]) => [name, path.join(ROOT, file)])),
      outdir: staging,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      logLevel: 'silent',
      // Loaded from node_modules only when a CEL rule has to run (policy/cel/evaluate.ts): bundled,
      // its 1.2 MB would be parsed on every start, cache hit or not.
      external: ['@bufbuild/cel', '@bufbuild/re2', '@bufbuild/protobuf'],
    });
  } catch (failure) {
    fs.rmSync(staging, { recursive: true, force: true });
    const messages = failure.errors ? esbuild.formatMessagesSync(failure.errors, { kind: 'error', color: process.stderr.isTTY }) : [String(failure)];
    // esbuild reports an output folder it cannot create once per entry point: once is enough.
    process.stderr.write(`${[...new Set(messages)].join('')}build of the TypeScript sources failed; nothing was run\n`);
    process.exit(1);
  }
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    // Another process finished the same build first: its output is identical, keep it.
    fs.rmSync(staging, { recursive: true, force: true });
    if (!fs.existsSync(target)) throw error;
  }
  for (const stale of fs.readdirSync(BIN_DIR)) {
    const full = path.join(BIN_DIR, stale);
    // A .tmp- folder is another build in progress, unless its process is gone (killed mid-build).
    const building = /\.tmp-(\d+)$/.exec(stale);
    if (full !== target && (!building || !running(Number(building[1])))) fs.rmSync(full, { recursive: true, force: true });
  }
}

function running(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function ensureBuilt() {
  const target = path.join(BIN_DIR, fingerprint());
  if (!fs.existsSync(target)) {
    try {
      fs.mkdirSync(BIN_DIR, { recursive: true });
      fs.accessSync(BIN_DIR, fs.constants.W_OK);
    } catch (error) {
      process.stderr.write(`cannot build into ${path.relative(process.cwd(), BIN_DIR) || BIN_DIR} (${error.code}): `
        + 'make dist/ writable by this user, or run npm run build once as the owner of the checkout; nothing was run\n');
      process.exit(1);
    }
    build(target);
  }
  return target;
}

const [entry, ...rest] = process.argv.slice(2);
if (entry === '--build') {
  process.stdout.write(`${ensureBuilt()}\n`);
} else if (!entry || !(entry in ENTRY_POINTS)) {
  process.stderr.write(`usage: node scripts/run.cjs <${Object.keys(ENTRY_POINTS).join('|')}|--build> [args...]\n`);
  process.exitCode = 2;
} else {
  const bundle = path.join(ensureBuilt(), `${entry}.js`);
  process.argv = [process.argv[0], bundle, ...rest];
  runWithCodeCache(bundle);
}

// Runs a bundle as Node would require it, with V8's code cache kept beside it (<entry>.js.v8):
// compiling the 2 MB bundle and the functions a synth calls was about 80 ms of every run's 450; with
// the cache V8 reuses what the first run compiled. The bundle folder is content-addressed, so a cache
// never outlives its code, and V8 rejects one from another Node version (it is then rewritten).
function runWithCodeCache(bundle) {
  const Module = require('node:module');
  const vm = require('node:vm');
  const cacheFile = `${bundle}.v8`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // no cache yet: this run writes it
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    // At exit, so the cache holds the functions this run compiled lazily, not only the top level.
    process.once('exit', () => {
      const staging = `${cacheFile}.tmp-${process.pid}`;
      try {
        fs.writeFileSync(staging, script.createCachedData());
        fs.renameSync(staging, cacheFile);
      } catch {
        fs.rmSync(staging, { force: true }); // a read-only checkout runs without the cache
      }
    });
  }
  const entry = new Module(bundle, null);
  entry.filename = bundle;
  script.runInThisContext()(entry.exports, Module.createRequire(bundle), entry, bundle, path.dirname(bundle));
}
