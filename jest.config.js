/**
 * Tests run in jest-light-runner: two long-lived worker processes, each importing the test files it is
 * given in turn, with no module registry per file. Jest's default runner loads cdk8s, the gate and the
 * pipeline again for every test file and runs every file on cold code; on the same 1251 tests the
 * runner alone took jest from 29.5 s to 17.1 s (README, "Test time"). The price: no module mocking
 * (jest.mock), and test files must not leave global state behind.
 * @type {import('jest').Config}
 */
module.exports = {
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Tests that run the CLI as child processes (*.process.test.ts: fault injection with SIGKILL, two
  // writers, an unprivileged user; exit codes; a FIFO; the watch) are `npm run test:processes`, which
  // CI runs next to `npm test`: each process costs a Node start and a cold synth (about 0.4 s of CPU),
  // and moving them out took `npm test` from 12.3-13.0 s to 9.9-10.6 s.
  testPathIgnorePatterns: process.env.OCEANID_PROCESS_TESTS === '1' ? ['/node_modules/'] : ['/node_modules/', '\\.process\\.test\\.ts$'],
  // Child processes rather than worker threads: as fast here (7.5 to 9.6 s against 8.3 to 10.0 s, 3 runs
  // each), and each worker is a whole process like synth itself (process.chdir works; a test that
  // exhausts memory takes down its worker, not jest).
  runner: 'jest-light-runner/child-process',
  setupFiles: ['<rootDir>/test/setup/typescript.mjs'],
  // tsc -b runs beside the tests; a type error fails the run (test/setup/typecheck.cjs).
  globalSetup: '<rootDir>/test/setup/typecheck-start.cjs',
  globalTeardown: '<rootDir>/test/setup/typecheck-finish.cjs',
  transform: {},
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  // Both cores: jest's default (cores - 1) would run the suite on one worker on a 2-core machine.
  maxWorkers: '100%',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
