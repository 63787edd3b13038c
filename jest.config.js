/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    // Type checking is done once by `npm run typecheck`; with isolatedModules in the tsconfig,
    // ts-jest transpiles file by file, which keeps jest fast.
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.check.json' }],
  },
  testTimeout: 60000,
};
