import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // CLI tests spawn the built binary; keep workers within the 2-core budget.
  maxWorkers: 2,
  testTimeout: 60000,
  // Builds dist/ once so CLI tests run the binary compiled from the current sources.
  globalSetup: '<rootDir>/test/global-setup.ts',
};

export default config;
