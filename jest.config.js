/**
 * Tests run TypeScript through SWC (transpile only): type errors are `tsc --noEmit`'s job, which
 * `npm test` runs first.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Fault injection (SIGKILL mid-write, two writers at once, write errors as an unprivileged user)
  // spawns dozens of processes: it runs as `npm run test:faults`, in CI next to `npm test`.
  testPathIgnorePatterns: process.env.OCEANID_FAULT_TESTS === '1' ? ['/node_modules/'] : ['/node_modules/', '\\.faults\\.test\\.ts$'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // Jest's default (cores - 1 workers) runs the tests in band on a 2-core machine, leaving a core idle;
  // the main process only collects results. Measured with 2 workers: 35 s against 53 s (README, "Test time").
  maxWorkers: '100%',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
