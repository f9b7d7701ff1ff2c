// `tandem`: the collector's command line. Resolves and validates the config, then runs the service until SIGINT or
// SIGTERM (a second signal forces the exit), or runs one of the subcommands.
import { stringify } from 'yaml';
import type { BuildInfo } from '../component';
import { builtinFactories } from '../components';
import { resolve } from '../confmap';
import { type ConfigMap } from '../confmap';
import { Engine, engineConfigError, engineFactories } from '../engine';
import { Config, decodeRuntime, defaultRustRuntimeConfig, Factories, type RustRuntimeConfig, unmarshal, validate } from '../otelcol';
import { Service } from '../service';
import { createLogger, LOG_ENCODINGS, LOG_LEVELS, type LoggerOptions } from '../telemetry';
import type { Logger } from 'pino';
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

/** Starts the engine `rust` asks for, and adds its factories to `factories`. */
async function startEngine(rust: RustRuntimeConfig, factories: Factories, logger: Logger): Promise<Engine> {
  logger.info({ mode: rust.mode }, 'Starting the engine...');
  const engine = new Engine({ config: rust, logger, hostVersion: BUILD_INFO.version });
  try {
    await engine.start();
    for (const factory of engineFactories(engine)) factories.add(factory);
  } catch (err) {
    await engine.stop();
    throw new UsageError(`failed to start the engine: ${(err as Error).message}`);
  }
  return engine;
}

/**
 * The config with every factory it may name: the engine's part of the config is read first, the engine started, and
 * its factories registered before the components are decoded.
 */
export async function loadWithEngine(configs: string[], sets: string[], logger: Logger): Promise<{ config: Config; engine?: Engine; factories: Factories }> {
  const raw = resolveConfig(configs, sets);
  let rust: RustRuntimeConfig;
  try {
    rust = decodeRuntime(raw);
  } catch (err) {
    throw new UsageError(`failed to get config: cannot unmarshal the configuration: ${(err as Error).message}`);
  }
  const factories = defaultFactories();
  const engine = rust.mode === 'off' ? undefined : await startEngine(rust, factories, logger);
  try {
    const config = decodeConfig(raw, factories);
    const engineError = engine && (await engineConfigError(config, engine));
    if (engineError) throw new UsageError(`failed to get config: cannot unmarshal the configuration: ${engineError}`);
    return { config, engine, factories };
  } catch (err) {
    await engine?.stop();
    throw err;
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

async function run(configs: string[], sets: string[]): Promise<void> {
  const logger = createLogger(logOptionsOf(configs, sets));
  const { config, engine, factories } = await loadWithEngine(configs, sets, logger);
  // A reload reads the same sources again, against the same factories and engine.
  const reloadSource = async () => {
    const next = decodeConfig(resolveConfig(configs, sets), factories);
    const engineError = engine && (await engineConfigError(next, engine));
    if (engineError) throw new UsageError(`failed to get config: cannot unmarshal the configuration: ${engineError}`);
    return next;
  };
  try {
    await serve(config, logger, engine, reloadSource);
  } finally {
    if (engine) {
      logger.info('Stopping the engine...');
      await engine.stop();
    }
  }
}

async function serve(config: Config, logger: Logger, engine: Engine | undefined, reloadSource: () => Promise<Config>): Promise<void> {
  const service = new Service(config, { logger, buildInfo: BUILD_INFO, engine });
  service.setReloadSource(reloadSource);
  // SIGHUP reloads the config, as in the Go Collector; a config that does not load is refused and logged.
  process.on('SIGHUP', (signal) => {
    logger.info({ signal }, 'Received signal from OS');
    void service.requestReload();
  });
  let signals = 0;
  const stopped = new Promise<void>((resolveStop) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'Received a second signal, exiting now');
        logger.flush();
        process.exit(1);
      }
      logger.info({ signal }, 'Received signal from OS');
      resolveStop();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  try {
    await service.build();
  } catch (err) {
    throw new UsageError(`failed to build pipelines: ${(err as Error).message}`);
  }
  try {
    await service.start();
  } catch (err) {
    await service.shutdown();
    throw new UsageError(`cannot start pipelines: ${(err as Error).message}`);
  }
  const fatal = await Promise.race([stopped.then(() => undefined), service.fatalError]);
  const errors = await service.shutdown();
  if (fatal) errors.unshift(fatal);
  logger.flush();
  if (errors.length > 0) throw new UsageError(errors.map((err) => err.message).join('; '));
}

async function dispatch(argv: readonly string[]): Promise<void> {
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
      process.stdout.write(`${BUILD_INFO.command} version ${BUILD_INFO.version}\n`);
      return;
    case 'components':
      process.stdout.write(componentsYAML(await allFactories(), BUILD_INFO));
      return;
    case 'print-config': {
      const { engine } = await loadWithEngine(args.configs, args.sets, createLogger('warn'));
      await engine?.stop();
      process.stdout.write(stringify(resolve({ configs: args.configs, sets: args.sets })));
      return;
    }
    case 'validate': {
      const logger = createLogger('warn');
      const { config, engine } = await loadWithEngine(args.configs, args.sets, logger);
      // Building every component catches what only the graph can: unsupported signals, connector misuse, cycles.
      const service = new Service(config, { logger, buildInfo: BUILD_INFO, engine });
      try {
        await service.build();
      } catch (err) {
        throw new UsageError(`failed to build pipelines: ${(err as Error).message}`);
      } finally {
        await engine?.stop();
      }
      return;
    }
    case 'run':
      return run(args.configs, args.sets);
  }
}

/** The host's factories and, when an engine can be started with the defaults, the engine's. */
async function allFactories(): Promise<Factories> {
  const factories = defaultFactories();
  const logger = createLogger('warn');
  try {
    const engine = await startEngine({ ...defaultRustRuntimeConfig(), mode: 'spawn' }, factories, logger);
    await engine.stop();
  } catch (err) {
    process.stderr.write(`warning: listing the host's components only: ${(err as Error).message}\n`);
  }
  return factories;
}

/** Runs the CLI; sets the exit code (and exits) when it fails. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await dispatch(argv);
  } catch (err) {
    process.stderr.write(`Error: ${err instanceof UsageError ? err.message : (err as Error).stack}\n`);
    process.exitCode = 1;
  }
}
