import type { Config } from 'jest';

const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  // CLI tests spawn the built binary; keep workers within the 2-core budget.
  maxWorkers: 2,
  testTimeout: 60000,
};

export default config;
