/**
 * Tests run TypeScript through SWC (transpile only): type errors are `tsc --noEmit`'s job, which
 * `npm test` runs first.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  cacheDirectory: '<rootDir>/node_modules/.cache/jest',
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
