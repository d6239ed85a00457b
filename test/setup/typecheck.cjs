/**
 * `npm test` type-checks while the tests run: `tsc -b` (incremental, about 0.7 s when nothing
 * changed, on the otherwise idle second core while jest starts) starts in a child process before the
 * first test file, and the run fails at the end if it found a type error. Tests run TypeScript
 * transpiled only (tsx), so this is where types are checked.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.join(__dirname, '..', '..');

function modifiedMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/**
 * `tsc -b` decides that nothing changed from the project's own files' times alone; an `npm install`
 * that changed a dependency's types would go unseen. npm rewrites node_modules/.package-lock.json on
 * every install: when it is newer than tsc's build info, everything is checked again.
 */
function tscArguments() {
  const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8'));
  const buildInfo = path.join(ROOT, compilerOptions.tsBuildInfoFile);
  return modifiedMs(path.join(ROOT, 'node_modules', '.package-lock.json')) > modifiedMs(buildInfo) ? ['-b', '--force'] : ['-b'];
}

/** jest globalSetup: starts tsc; globalTeardown (below) waits for it. */
async function start() {
  const child = spawn(process.execPath, [require.resolve('typescript/bin/tsc'), ...tscArguments()], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => { output += chunk; });
  child.stderr.on('data', (chunk) => { output += chunk; });
  // globalSetup and globalTeardown share the main process's globals, and nothing else.
  globalThis.oceanidTypecheck = new Promise((resolve) => {
    child.on('error', (error) => resolve({ code: 1, output: String(error) }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function finish() {
  const { code, output } = await globalThis.oceanidTypecheck;
  if (code !== 0) {
    const error = new Error(`type check failed (tsc -b, exit ${code}):\n${output}`);
    error.stack = error.message; // where jest called the hook is noise next to tsc's own file:line
    throw error;
  }
}

module.exports = { start, finish };
