// Integration tests start real collector processes, so they get generous timeouts and run one file at a time.
module.exports = {
  displayName: 'integration-tests',
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testTimeout: 120000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
};
