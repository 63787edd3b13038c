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
  // One suite kills Redis under a running app on purpose; BullMQ's connections then keep a
  // reconnect timer even after they are told to disconnect. The app's own main() exits
  // explicitly after stopping, so only the test runner needs this.
  forceExit: true,
};
