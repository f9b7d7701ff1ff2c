// Where the engine binary is: TANDEM_ENGINE_BINARY, else Cargo's release output (CARGO_TARGET_DIR or the workspace's
// own target directory), which `npm run build` fills.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

export function engineBinaryPath(): string {
  const explicit = process.env.TANDEM_ENGINE_BINARY;
  const candidate = explicit ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target'), 'release', 'tandem-engine');
  if (!fs.existsSync(candidate)) {
    throw new Error(`the engine binary ${candidate} does not exist: run \`npm run build\` in the repository root, or set TANDEM_ENGINE_BINARY`);
  }
  return candidate;
}
