// Every workspace's tests, run by `npm test` after scripts/prepare.js has built what they need.
module.exports = {
  projects: ['<rootDir>/ipc/node', '<rootDir>/ts-host', '<rootDir>/examples/*', '<rootDir>/integration-tests', '<rootDir>/integration-tests/faults'],
};
