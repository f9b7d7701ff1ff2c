// Cross-process tests move a million messages; `testTimeout` is not honoured per project under the root's
// multi-project config, so it is set here.
jest.setTimeout(180_000);
