// The fault matrix (README.md): real processes under load and faults, one file at a time, bounded in time.
module.exports = {
  displayName: 'faults',
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  setupFilesAfterEnv: ['<rootDir>/setup.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/../tsconfig.json' }] },
};
