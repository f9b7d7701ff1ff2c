// Integration tests start real processes; `testTimeout` is not honoured per project under the root's multi-project
// config, so it is set here.
jest.setTimeout(120_000);
