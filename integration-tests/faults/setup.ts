// A case drives several faults in turn, each with its recovery; `testTimeout` is not honoured per project under the
// root's multi-project config, so it is set here.
jest.setTimeout(240_000);
