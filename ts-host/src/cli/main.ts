// `tandem`: the collector's command line. Resolves and validates the config, then runs the service until SIGINT or
// SIGTERM (a second signal forces the exit), or runs one of the subcommands. `run` is the same command line for a
// distribution of one's own: its factories, its component packages, its build info.
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { type BuildInfo, fromPackage } from '../component';
import { type ComponentPackage, loadFailures } from '../collector/packages';
import { builtin, builtinFactories, type BuiltinSelection, keeps } from '../components';
import { resolve } from '../confmap';
import { type ConfigMap } from '../confmap';
import { Engine, engineBinaryPath, engineCheck, engineConfigError, engineFactories } from '../engine';
import {
  type AnyFactory, type ComponentFailure, Config, decodeRuntime, defaultRustRuntimeConfig, describeFailure, Factories,
  isFromComponentPackage, isolateConfigFailures, type PackageLoadFailure, pipelinesAffectedBy, type RustRuntimeConfig,
  unmarshal, validate, withoutPipelines,
} from '../otelcol';
import { GraphError } from '../graph';
import * as nodefixes from '../nodefixes';
import { type Decision, place } from '../placement';
import { Service } from '../service';
import { createLogger, LOG_ENCODINGS, LOG_LEVELS, type LoggerOptions } from '../telemetry';
import type { Logger } from 'pino';
import { build } from '../builder';
import { parseArguments, USAGE } from './args';
import { componentsYAML } from './components';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require('../../package.json').version;

export const BUILD_INFO: BuildInfo = { command: 'tandem', description: 'Tandem OpenTelemetry Collector', version: VERSION };

/** Thrown for a failure already worded for the user; main prints it as `Error: <message>` and exits 1. */
class UsageError extends Error {}

export function defaultFactories(): Factories {
  return new Factories(builtinFactories());
}

/**
 * What a collector is made of: its build info, its factories, the component packages that did not load, and which of
 * the engine's components it keeps.
 */
interface Distribution {
  readonly buildInfo: BuildInfo;
  readonly factories: readonly AnyFactory[];
  readonly loadFailures: readonly PackageLoadFailure[];
  readonly builtins: BuiltinSelection;
}

const TANDEM: Distribution = { buildInfo: BUILD_INFO, factories: builtinFactories(), loadFailures: [], builtins: {} };

/** A fresh registry of the distribution's factories (the engine's join it once the engine runs). */
function registryOf(distribution: Distribution): Factories {
  try {
    return new Factories(distribution.factories);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Resolves the config sources into one map: the Go Collector's `failed to get config` step. */
function resolveConfig(configs: string[], sets: string[]): ConfigMap {
  try {
    return resolve({ configs, sets });
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(message === 'at least one config flag must be provided' ? message : `failed to get config: cannot resolve the configuration: ${message}`);
  }
}

/** Decodes and validates a resolved config against the registry: the `cannot unmarshal` / `invalid configuration` steps. */
function decodeConfig(raw: ConfigMap, factories: Factories): Config {
  let config: Config;
  try {
    config = unmarshal(raw, factories);
  } catch (err) {
    throw new UsageError(`failed to get config: cannot unmarshal the configuration: ${(err as Error).message}`);
  }
  try {
    validate(config);
  } catch (err) {
    throw new UsageError(`invalid configuration: ${(err as Error).message}`);
  }
  return config;
}

/** Resolves, decodes and validates with the host's factories only (no engine). */
export function loadConfig(configs: string[], sets: string[], factories: Factories): Config {
  return decodeConfig(resolveConfig(configs, sets), factories);
}

/** The message for a config none of whose pipelines can run, because of failed components. */
function nothingRuns(failures: readonly ComponentFailure[]): UsageError {
  return new UsageError(`no pipeline can run: ${failures.map(describeFailure).join('; ')}`);
}

interface Decoded {
  config: Config;
  failures: ComponentFailure[];
  /** Where the components of a type both runtimes have run (see `placement`). */
  placement: Decision[];
}

/**
 * Decodes a resolved config without the components of component packages that cannot run (and their pipelines),
 * places the components of types both runtimes have, and has the engine check its components' configs.
 */
async function decodeRunnable(raw: ConfigMap, factories: Factories, distribution: Distribution, engine: Engine | undefined): Promise<Decoded> {
  const { raw: runnable, failures } = isolateConfigFailures(raw, factories, distribution.loadFailures);
  const pipelines = (runnable.service as { pipelines?: object } | undefined)?.pipelines;
  if (failures.length > 0 && Object.keys(pipelines ?? {}).length === 0) throw nothingRuns(failures);
  const decoded = decodeConfig(runnable, factories);
  const { config, decisions } = engine ? await place(decoded, factories, engineCheck(engine)) : { config: decoded, decisions: [] };
  const engineError = engine && (await engineConfigError(config, engine));
  if (engineError) throw new UsageError(`failed to get config: cannot unmarshal the configuration: ${engineError}`);
  return { config, failures, placement: decisions };
}

/** Says where each component of a type both runtimes have runs, and why one had to stay in the host. */
function logPlacement(logger: Logger, decisions: readonly Decision[]): void {
  for (const d of decisions) {
    const fields = { component: `${d.section}::${d.id}`, runs_as: d.type, runtime: d.runtime };
    if (d.runtime === 'rust') logger.info(fields, 'Runs in the engine, where its neighbours run');
    else if (d.hostOnly) logger.info({ ...fields, reason: d.hostOnly }, 'Stays in the host: its config needs it there');
    else logger.debug(fields, 'Stays in the host, where its neighbours run');
  }
}

/** Starts the engine `rust` asks for, and adds its factories to `factories`. */
async function startEngine(rust: RustRuntimeConfig, factories: Factories, logger: Logger, distribution: Distribution): Promise<Engine> {
  logger.info({ mode: rust.mode }, 'Starting the engine...');
  const engine = new Engine({ config: rust, logger, hostVersion: BUILD_INFO.version });
  try {
    await engine.start();
    for (const factory of engineFactories(engine)) if (keeps(distribution.builtins, factory)) factories.add(factory);
  } catch (err) {
    await engine.stop();
    throw new UsageError(`failed to start the engine: ${(err as Error).message}`);
  }
  return engine;
}

/**
 * The config with every factory it may name: the engine's part of the config is read first, the engine started, and
 * its factories registered before the components are decoded. With `engineIfNeeded` (validate, print-config) and no
 * engine binary to spawn, a config that the host's factories decode alone is checked without the engine; with a binary,
 * the engine is asked too (its factories catch a package's type that clashes with one of the engine's).
 */
export async function loadWithEngine(
  configs: string[], sets: string[], logger: Logger, distribution: Distribution = TANDEM, engineIfNeeded = false,
): Promise<Decoded & { engine?: Engine; factories: Factories }> {
  const raw = resolveConfig(configs, sets);
  let rust: RustRuntimeConfig;
  try {
    rust = decodeRuntime(raw).rust;
  } catch (err) {
    throw new UsageError(`failed to get config: cannot unmarshal the configuration: ${(err as Error).message}`);
  }
  if (rust.mode === 'off' || (engineIfNeeded && rust.mode === 'spawn' && !engineBinaryFound())) {
    const factories = registryOf(distribution);
    try {
      return { ...(await decodeRunnable(raw, factories, distribution, undefined)), factories };
    } catch (err) {
      if (rust.mode === 'off') throw err;
      // It names something the host does not have: the engine's factories may.
    }
  }
  const factories = registryOf(distribution);
  const engine = await startEngine(rust, factories, logger, distribution);
  try {
    return { ...(await decodeRunnable(raw, factories, distribution, engine)), engine, factories };
  } catch (err) {
    await engine.stop();
    throw err;
  }
}

function engineBinaryFound(): boolean {
  try {
    engineBinaryPath();
    return true;
  } catch {
    return false;
  }
}

/** The log level and encoding the config asks for, read before the config is decoded (the engine logs from its start). */
function logOptionsOf(configs: string[], sets: string[]): LoggerOptions {
  try {
    const logs = (resolve({ configs, sets }) as { service?: { telemetry?: { logs?: { level?: unknown; encoding?: unknown } } } }).service?.telemetry?.logs;
    const pick = <T extends string>(value: unknown, valid: readonly T[]) => (valid.includes(value as T) ? (value as T) : undefined);
    return { level: pick(logs?.level, LOG_LEVELS), encoding: pick(logs?.encoding, LOG_ENCODINGS) };
  } catch {
    return {};
  }
}

async function serveCommand(configs: string[], sets: string[], distribution: Distribution): Promise<void> {
  const logger = createLogger(logOptionsOf(configs, sets));
  for (const failure of distribution.loadFailures) logger.error(failure.error.message);
  const { config, engine, factories, failures, placement } = await loadWithEngine(configs, sets, logger, distribution);
  for (const failure of failures) logger.error(describeFailure(failure));
  logPlacement(logger, placement);
  // A reload reads the same sources again, against the same factories and engine.
  const reloadSource = async () => {
    const next = await decodeRunnable(resolveConfig(configs, sets), factories, distribution, engine);
    for (const failure of next.failures) logger.error(describeFailure(failure));
    logPlacement(logger, next.placement);
    return next.config;
  };
  try {
    await serve(config, failures, logger, engine, distribution, reloadSource);
  } finally {
    if (engine) {
      logger.info('Stopping the engine...');
      await engine.stop();
    }
  }
}

/**
 * When a component of a component package fails to be created or started, the pipelines it takes down, as a failure
 * to log; undefined when the error is not such a failure (and stops the collector).
 */
function isolatedFailure(err: unknown, config: Config, reason: string): ComponentFailure | undefined {
  const component = err instanceof GraphError ? err.component : undefined;
  if (!component || !isFromComponentPackage(config, component.kind, component.id)) return undefined;
  const section = `${component.kind}s` as const;
  const pkg = config.components[section].get(component.id)?.factory.package as string;
  return { ...component, packages: [pkg], reason: `${reason}: ${(err as Error).message}`, pipelines: pipelinesAffectedBy(config, component.kind, component.id) };
}

/**
 * Builds and starts the service; a component of a component package that fails either way takes its pipelines down
 * with it (logged), and the service is built again without them.
 */
async function startService(config: Config, failures: ComponentFailure[], logger: Logger, engine: Engine | undefined, distribution: Distribution): Promise<Service> {
  for (let runnable = config; ;) {
    if (runnable.service.pipelines.size === 0) throw nothingRuns(failures);
    const service = new Service(runnable, { logger, buildInfo: distribution.buildInfo, engine });
    let failure: ComponentFailure | undefined;
    try {
      await service.build();
    } catch (err) {
      failure = isolatedFailure(err, runnable, 'failed to build');
      if (!failure) throw new UsageError(`failed to build pipelines: ${(err as Error).message}`);
    }
    if (!failure) {
      try {
        await service.start();
        return service;
      } catch (err) {
        await service.shutdown();
        failure = isolatedFailure(err, runnable, 'failed to start');
        if (!failure) throw new UsageError(`cannot start pipelines: ${(err as Error).message}`);
      }
    }
    logger.error(describeFailure(failure));
    failures.push(failure);
    runnable = withoutPipelines(runnable, new Set(failure.pipelines));
  }
}

/**
 * How long a graceful shutdown may take before the process exits anyway: within the 30 s Kubernetes grants a pod
 * (receivers stop accepting at once and drain for up to 10 s; exporters and the engine follow).
 */
const SHUTDOWN_BOUND_MS = 25_000;
/** How often the CLI checks that the process that started it is still there (see watchParent). */
const PARENT_CHECK_MS = 1_000;

/**
 * Under npm (`npx tandem`, `npm start`) the collector runs below `sh -c`, which neither forwards a SIGTERM sent to npm
 * nor takes the collector with it: the collector would keep running, reparented. It stops when its parent goes away,
 * as the engine does with its host. Run directly, it is left to whoever started it (nohup, a supervisor).
 */
function watchParent(onGone: () => void): void {
  if (process.env.npm_execpath === undefined) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, PARENT_CHECK_MS);
  timer.unref();
}

async function serve(
  config: Config, failures: ComponentFailure[], logger: Logger, engine: Engine | undefined, distribution: Distribution,
  reloadSource: () => Promise<Config>,
): Promise<void> {
  let service: Service | undefined = undefined; // until started, a SIGHUP has nothing to reload
  // SIGHUP reloads the config, as in the Go Collector; a config that does not load is refused and logged.
  process.on('SIGHUP', (signal) => {
    logger.info({ signal }, 'Received signal from OS');
    void service?.requestReload();
  });
  let signals = 0;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = (fields: object, message: string) => {
      signals++;
      if (signals > 1) {
        logger.warn(fields, 'Received a second signal, exiting now');
        logger.flush();
        process.exit(1);
      }
      logger.info(fields, message);
      const bound = setTimeout(() => {
        logger.error({ bound_ms: SHUTDOWN_BOUND_MS }, 'Shutdown did not finish in time, exiting now');
        logger.flush();
        process.exit(1);
      }, SHUTDOWN_BOUND_MS);
      bound.unref();
      resolveStop();
    };
    const onSignal = (signal: NodeJS.Signals) => stop({ signal }, 'Received signal from OS');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    watchParent(() => stop({ parent: 'gone' }, 'The process that started the collector went away; shutting down'));
  });
  service = await startService(config, failures, logger, engine, distribution);
  service.setReloadSource(reloadSource);
  const fatal = await Promise.race([stopped.then(() => undefined), service.fatalError]);
  const errors = await service.shutdown();
  if (fatal) errors.unshift(fatal);
  logger.flush();
  if (errors.length > 0) throw new UsageError(errors.map((err) => err.message).join('; '));
}

async function dispatch(argv: readonly string[], distribution: Distribution): Promise<void> {
  let args;
  try {
    args = parseArguments(argv);
  } catch (err) {
    throw new UsageError((err as Error).message); // a bad flag is the user's mistake: no stack trace
  }
  switch (args.command) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    case 'version':
      process.stdout.write(`${distribution.buildInfo.command} version ${distribution.buildInfo.version}\n`);
      return;
    case 'components':
      for (const failure of distribution.loadFailures) process.stderr.write(`warning: ${failure.error.message}\n`);
      process.stdout.write(componentsYAML(await allFactories(distribution), distribution.buildInfo));
      return;
    case 'print-config': {
      const { engine } = await loadWithEngine(args.configs, args.sets, createLogger('warn'), distribution, true);
      await engine?.stop();
      process.stdout.write(stringify(resolve({ configs: args.configs, sets: args.sets })));
      return;
    }
    case 'validate': {
      const logger = createLogger('warn');
      const { config, engine, failures } = await loadWithEngine(args.configs, args.sets, logger, distribution, true);
      // Building every component catches what only the graph can: unsupported signals, connector misuse, cycles.
      const service = new Service(config, { logger, buildInfo: distribution.buildInfo, engine });
      try {
        await service.build();
      } catch (err) {
        const failure = isolatedFailure(err, config, 'failed to build');
        throw new UsageError(failure ? describeFailure(failure) : `failed to build pipelines: ${(err as Error).message}`);
      } finally {
        await engine?.stop();
      }
      // A distribution runs the other pipelines of a config with a bad component, but the config is not valid.
      if (failures.length > 0) throw new UsageError(failures.map(describeFailure).join('\n'));
      return;
    }
    case 'build': {
      let outputPath: string;
      try {
        ({ outputPath } = build(args.manifest as string, { install: !args.skipInstall }));
      } catch (err) {
        throw new UsageError(`build failed: ${(err as Error).message}`);
      }
      process.stdout.write(`Wrote the distribution to ${outputPath}\n`);
      return;
    }
    case 'run':
      return serveCommand(args.configs, args.sets, distribution);
  }
}

/** The distribution's factories and, when an engine can be started with the defaults, the engine's. */
async function allFactories(distribution: Distribution): Promise<Factories> {
  const factories = registryOf(distribution);
  const logger = createLogger('warn');
  try {
    const engine = await startEngine({ ...defaultRustRuntimeConfig(), mode: 'spawn' }, factories, logger, distribution);
    await engine.stop();
  } catch (err) {
    process.stderr.write(`warning: listing the host's components only: ${(err as Error).message}\n`);
  }
  return factories;
}

async function commandLine(argv: readonly string[], distribution: Distribution): Promise<void> {
  nodefixes.install();
  try {
    await dispatch(argv, distribution);
  } catch (err) {
    process.stderr.write(`Error: ${err instanceof UsageError ? err.message : (err as Error).stack}\n`);
    process.exitCode = 1;
  }
}

/** Runs Tandem's CLI with its own components; sets the exit code (and exits) when it fails. */
export function main(argv: readonly string[]): Promise<void> {
  return commandLine(argv, TANDEM);
}

export interface RunOptions {
  /**
   * Which of Tandem's built-in components the distribution keeps, by section (a section left out keeps all of its
   * kind): the host's, unless `factories` is given, and the engine's (`rust_*`), which join when the engine runs.
   */
  readonly builtins?: BuiltinSelection;
  /**
   * The distribution's own factories besides its packages'; `builtin(builtins)` by default. A factory not from a
   * component package (see `loadPackage`) is counted as the main program's.
   */
  readonly factories?: readonly AnyFactory[];
  /** Component packages, loaded with `loadPackage`; one that failed to load is reported, and its components missing. */
  readonly packages?: readonly ComponentPackage[];
  /** The command's name, description and version, for `--version`, `components` and the components' settings. */
  readonly buildInfo?: Partial<BuildInfo>;
  /** The arguments; `process.argv.slice(2)` by default. */
  readonly argv?: readonly string[];
}

/** The name in the package.json nearest the main program, to which its own factories are attributed. */
function mainPackageName(): string {
  for (let dir = path.dirname(require.main?.filename ?? path.join(process.cwd(), 'main')); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name ?? path.basename(dir);
    if (path.dirname(dir) === dir) return 'main';
  }
}

/** The collector's command line (`validate`, `components`, `print-config`, run) with a distribution of one's own. */
export function run(options: RunOptions = {}): Promise<void> {
  const own = mainPackageName();
  const factories = [
    ...(options.factories ?? builtin(options.builtins)).map((factory) => (factory.package === undefined ? fromPackage(own, factory) : factory)),
    ...(options.packages ?? []).flatMap((pkg) => pkg.factories),
  ];
  const buildInfo = { ...BUILD_INFO, ...options.buildInfo };
  const distribution = { buildInfo, factories, loadFailures: loadFailures(options.packages ?? []), builtins: options.builtins ?? {} };
  return commandLine(options.argv ?? process.argv.slice(2), distribution);
}
