// Where the engine binary is: TANDEM_ENGINE_BINARY when set; else the engine's platform package for this OS and CPU
// (`@tandem/engine-linux-x64`, an optional dependency of this package that npm installs where it exists); else, in a
// checkout of the repository, Cargo's release output (CARGO_TARGET_DIR or the workspace's own target directory),
// which `npm run build` fills.
import fs from 'node:fs';
import path from 'node:path';

/** The platforms an engine package is built for. */
export const ENGINE_PLATFORMS: readonly string[] = ['linux-x64'];

/** The name of the engine's package for a platform. */
export const enginePackage = (platform: string = process.platform, arch: string = process.arch): string => `@tandem/engine-${platform}-${arch}`;

/** A file of the installed platform package, if the package is installed and holds it. */
export function platformPackageFile(file: string): string | undefined {
  let manifest: string;
  try {
    manifest = require.resolve(`${enginePackage()}/package.json`);
  } catch {
    return undefined;
  }
  const candidate = path.join(path.dirname(manifest), file);
  return fs.existsSync(candidate) ? candidate : undefined;
}

const checkout = path.resolve(__dirname, '..', '..', '..');

export function engineBinaryPath(): string {
  const explicit = process.env.TANDEM_ENGINE_BINARY;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`TANDEM_ENGINE_BINARY is ${explicit}, which does not exist`);
    return explicit;
  }
  const packaged = platformPackageFile(path.join('bin', 'tandem-engine'));
  if (packaged) return packaged;
  const built = path.join(process.env.CARGO_TARGET_DIR ?? path.join(checkout, 'rust-engine', 'target'), 'release', 'tandem-engine');
  if (fs.existsSync(built)) return built;
  if (fs.existsSync(path.join(checkout, 'rust-engine', 'Cargo.toml'))) {
    throw new Error(`the engine binary ${built} does not exist: run \`npm run build\` in the repository root, or set TANDEM_ENGINE_BINARY`);
  }
  const platform = `${process.platform}-${process.arch}`;
  const why = ENGINE_PLATFORMS.includes(platform)
    ? `the package ${enginePackage()} is not installed (npm installs it with @tandem/host unless optional dependencies are omitted)`
    : `there is no engine package for ${platform} (${enginePackage()}; packages exist for ${ENGINE_PLATFORMS.join(', ')})`;
  throw new Error(`no engine binary: ${why}; set TANDEM_ENGINE_BINARY to an engine you built, or run without the engine (runtime.rust.mode: off)`);
}
