// Finding the engine: TANDEM_ENGINE_BINARY, the platform package, a checkout's Cargo build; else an error naming the
// package (or saying there is none for the platform) and the way out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { enginePackage, engineBinaryPath } from '../../src/engine/binary';

const nowhere = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-no-checkout-'));
const lookup = (env: NodeJS.ProcessEnv, platform = 'linux', arch = 'x64') => ({ env, platform, arch, checkout: nowhere });

describe('engineBinaryPath', () => {
  test('TANDEM_ENGINE_BINARY wins, and must exist', () => {
    const binary = path.join(nowhere, 'my-engine');
    fs.writeFileSync(binary, '');
    expect(engineBinaryPath(lookup({ TANDEM_ENGINE_BINARY: binary }))).toBe(binary);
    expect(() => engineBinaryPath(lookup({ TANDEM_ENGINE_BINARY: '/no/such/engine' }))).toThrow('the engine binary /no/such/engine does not exist (TANDEM_ENGINE_BINARY names it)');
  });

  test('a supported platform without its package: the error names the package', () => {
    // The checkout's own workspace of the package has no binary, so it counts as not installed.
    expect(() => engineBinaryPath(lookup({}))).toThrow(
      'no engine binary: the package @tandem/engine-linux-x64 is not installed (npm installs it with @tandem/host unless optional dependencies are omitted); '
        + 'set TANDEM_ENGINE_BINARY to an engine you built, or run without the engine (runtime.rust.mode: off)',
    );
  });

  test('a platform with no engine package says so', () => {
    expect(enginePackage('darwin', 'arm64')).toBe('@tandem/engine-darwin-arm64');
    expect(() => engineBinaryPath(lookup({}, 'darwin', 'arm64'))).toThrow(
      'no engine binary: there is no engine package for darwin-arm64 (@tandem/engine-darwin-arm64; there are packages for linux-x64)',
    );
  });

  test('in a checkout, Cargo\'s release build; a missing one says to build it', () => {
    const checkout = path.resolve(__dirname, '..', '..', '..');
    const target = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-target-'));
    expect(() => engineBinaryPath({ env: { CARGO_TARGET_DIR: target }, platform: 'linux', arch: 'x64', checkout }))
      .toThrow(`the engine binary ${path.join(target, 'release', 'tandem-engine')} does not exist: run \`npm run build\``);
    fs.mkdirSync(path.join(target, 'release'));
    fs.writeFileSync(path.join(target, 'release', 'tandem-engine'), '');
    expect(engineBinaryPath({ env: { CARGO_TARGET_DIR: target }, platform: 'linux', arch: 'x64', checkout })).toBe(path.join(target, 'release', 'tandem-engine'));
  });
});
