// Integration tests start real collector processes, so they get generous timeouts and run one file at a time.
module.exports = {
  displayName: 'integration-tests',
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/oracle', '<rootDir>/containers'],
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
};
