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

/** A file of the installed platform package for `platform`-`arch`, if the package is installed and holds it. */
export function platformPackageFile(file: string, platform: string = process.platform, arch: string = process.arch): string | undefined {
  let manifest: string;
  try {
    manifest = require.resolve(`${enginePackage(platform, arch)}/package.json`);
  } catch {
    return undefined;
  }
  const candidate = path.join(path.dirname(manifest), file);
  return fs.existsSync(candidate) ? candidate : undefined;
}

export interface EngineLookup {
  readonly env: NodeJS.ProcessEnv;
  readonly platform: string;
  readonly arch: string;
  /** The repository checkout this host may be running from. */
  readonly checkout: string;
}

const HERE: EngineLookup = { env: process.env, platform: process.platform, arch: process.arch, checkout: path.resolve(__dirname, '..', '..', '..') };

/** The engine binary, looked up as the header says; an error says what is missing and what to do. */
export function engineBinaryPath(where: EngineLookup = HERE): string {
  const explicit = where.env.TANDEM_ENGINE_BINARY;
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new Error(`the engine binary ${explicit} does not exist (TANDEM_ENGINE_BINARY names it)`);
    return explicit;
  }
  const packaged = platformPackageFile(path.join('bin', 'tandem-engine'), where.platform, where.arch);
  if (packaged) return packaged;
  const built = path.join(where.env.CARGO_TARGET_DIR ?? path.join(where.checkout, 'rust-engine', 'target'), 'release', 'tandem-engine');
  if (fs.existsSync(built)) return built;
  if (fs.existsSync(path.join(where.checkout, 'rust-engine', 'Cargo.toml'))) {
    throw new Error(`the engine binary ${built} does not exist: run \`npm run build\` in the repository root, or set TANDEM_ENGINE_BINARY`);
  }
  const platform = `${where.platform}-${where.arch}`;
  const name = enginePackage(where.platform, where.arch);
  const why = ENGINE_PLATFORMS.includes(platform)
    ? `the package ${name} is not installed (npm installs it with @tandem/host unless optional dependencies are omitted)`
    : `there is no engine package for ${platform} (${name}; there are packages for ${ENGINE_PLATFORMS.join(', ')})`;
  throw new Error(`no engine binary: ${why}; set TANDEM_ENGINE_BINARY to an engine you built, or run without the engine (runtime.rust.mode: off)`);
}
