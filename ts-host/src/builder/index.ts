// `tandem build --manifest builder.yaml`: the Collector builder's job for Node. From a manifest naming the
// distribution, its component packages (npm names with versions, or local folders) and the built-ins it keeps, it
// writes a runnable distribution package (package.json with a bin, and a main that calls `collector.run`), then
// installs its dependencies with npm.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYAML } from 'yaml';
import { HOST_PACKAGE } from '../component';
import { builtin, type BuiltinSelection } from '../components';
import { decode, field } from '../config';
import { COMPONENT_SECTIONS } from '../otelcol';

export interface ComponentEntry {
  /** An npm package name, with `version` (any npm version spec). */
  package?: string;
  version?: string;
  /** Or a local folder holding a package, relative to the manifest. */
  path?: string;
}

export interface Manifest {
  dist: {
    /** The distribution's package name and command. */
    name: string;
    description: string;
    version: string;
    /** Where the package is written, relative to the manifest. */
    output_path: string;
    /** The npm spec of @tandem/host it depends on: a version range, or a path to a folder or tarball. */
    host: string;
  };
  components: ComponentEntry[];
  /** Tandem's own components kept (the host's and the engine's `rust_*`), by section; a section left out keeps them all. */
  builtins: BuiltinSelection;
}

const manifestSchema = field.object({
  dist: field.object({
    name: field.string(),
    description: field.string(),
    version: field.string(),
    output_path: field.string(),
    host: field.string(),
  }),
  components: field.list(field.object({ package: field.string(), version: field.string(), path: field.string() })),
  builtins: field.object(Object.fromEntries(COMPONENT_SECTIONS.map((section) => [section, field.list(field.string())]))),
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
const HOST_VERSION: string = require('../../package.json').version;

const defaultManifest = (): Manifest => ({
  dist: { name: '', description: 'An OpenTelemetry Collector built with Tandem', version: '0.1.0', output_path: '', host: `^${HOST_VERSION}` },
  components: [],
  builtins: {},
});

const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** Reads and checks a manifest; errors name the manifest and the key, in the Collector's decoding wording. */
export function readManifest(file: string): Manifest {
  let raw: unknown;
  try {
    raw = parseYAML(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read the manifest ${file}: ${(err as Error).message}`);
  }
  let manifest: Manifest;
  try {
    manifest = decode(manifestSchema, defaultManifest(), raw);
  } catch (err) {
    throw new Error(`invalid manifest ${file}: ${(err as Error).message}`);
  }
  const problem = (message: string) => new Error(`invalid manifest ${file}: ${message}`);
  if (!NPM_NAME.test(manifest.dist.name)) throw problem(`dist::name must be an npm package name, got "${manifest.dist.name}"`);
  if (manifest.dist.output_path === '') manifest.dist.output_path = `./${manifest.dist.name.replace(/^@[^/]+\//, '')}`;
  manifest.components.forEach((entry, i) => {
    if ((entry.package === undefined) === (entry.path === undefined)) throw problem(`components[${i}] needs exactly one of "package" and "path"`);
    if (entry.version !== undefined && entry.package === undefined) throw problem(`components[${i}]: "version" goes with "package"`);
  });
  try {
    builtin(manifest.builtins);
  } catch (err) {
    throw problem(`builtins: ${(err as Error).message}`);
  }
  return manifest;
}

const isPathSpec = (spec: string): boolean => spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:');

/** An npm dependency spec for `target` (a local path relative to `base`) as seen from `outDir`. */
function fileSpec(target: string, base: string, outDir: string): string {
  const absolute = path.resolve(base, target.replace(/^file:/, ''));
  return `file:${path.relative(outDir, absolute) || '.'}`;
}

/** A component entry's npm name and dependency spec. */
function dependencyOf(entry: ComponentEntry, base: string, outDir: string): [string, string] {
  if (entry.package !== undefined) return [entry.package, entry.version ?? 'latest'];
  const folder = path.resolve(base, entry.path as string);
  const manifest = path.join(folder, 'package.json');
  if (!fs.existsSync(manifest)) throw new Error(`component path ${entry.path} has no package.json`);
  const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
  if (!name) throw new Error(`the package.json in ${entry.path} has no name`);
  return [name, fileSpec(folder, base, outDir)];
}

/** Node's flags for the host, as ts-host/bin/tandem.js gives them (and says why). */
const NODE_FLAGS = '--single-threaded-gc';

/** The distribution's main program. */
function mainProgram(manifest: Manifest, packages: readonly string[]): string {
  const buildInfo = { command: manifest.dist.name.replace(/^@[^/]+\//, ''), description: manifest.dist.description, version: manifest.dist.version };
  const loads = packages.map((name) => `    collector.loadPackage(${JSON.stringify(name)}, () => require(${JSON.stringify(name)})),\n`).join('');
  return `#!/usr/bin/env -S node ${NODE_FLAGS}
// Generated by \`tandem build\` from the distribution's manifest: build it again rather than edit this file.
'use strict';
const { collector } = require('${HOST_PACKAGE}');

collector.run({
  buildInfo: ${JSON.stringify(buildInfo)},
  builtins: ${JSON.stringify(manifest.builtins)},
  packages: [
${loads}  ],
});
`;
}

export interface BuildResult {
  readonly outputPath: string;
  readonly files: readonly string[];
}

/** Writes the distribution package for the manifest in `file`; runs `npm install` there unless `install` is false. */
export function build(file: string, options: { install?: boolean } = {}): BuildResult {
  const manifest = readManifest(file);
  const base = path.dirname(path.resolve(file));
  const outDir = path.resolve(base, manifest.dist.output_path);
  fs.mkdirSync(outDir, { recursive: true });
  const components = manifest.components.map((entry) => dependencyOf(entry, base, outDir));
  const command = manifest.dist.name.replace(/^@[^/]+\//, '');
  const host = isPathSpec(manifest.dist.host) ? fileSpec(manifest.dist.host, base, outDir) : manifest.dist.host;
  const packageJson = {
    name: manifest.dist.name,
    version: manifest.dist.version,
    description: manifest.dist.description,
    private: true,
    bin: { [command]: 'main.js' },
    main: 'main.js',
    scripts: { start: `node ${NODE_FLAGS} main.js` },
    engines: { node: '>=20.6.0' },
    dependencies: Object.fromEntries([[HOST_PACKAGE, host], ...components]),
  };
  const written = [path.join(outDir, 'package.json'), path.join(outDir, 'main.js')];
  fs.writeFileSync(written[0], `${JSON.stringify(packageJson, null, 2)}\n`);
  fs.writeFileSync(written[1], mainProgram(manifest, components.map(([name]) => name)), { mode: 0o755 });
  if (options.install !== false) {
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: outDir, stdio: 'inherit' });
    if (npm.error) throw npm.error;
    if (npm.status !== 0) throw new Error(`npm install in ${outDir} failed with exit code ${npm.status}`);
  }
  return { outputPath: outDir, files: written };
}
