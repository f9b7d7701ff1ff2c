module.exports = {
  displayName: 'ipc',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: { types: ['node', 'jest'] } }] },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
};
