// `tandem`: the collector's command line. Resolves and validates the config, then runs the service until SIGINT or
// SIGTERM (a second signal forces the exit), or runs one of the subcommands.
import { stringify } from 'yaml';
import type { BuildInfo } from '../component';
import { builtinFactories } from '../components';
import { resolve } from '../confmap';
import { Config, Factories, unmarshal, validate } from '../otelcol';
import { Service } from '../service';
import { createLogger } from '../telemetry';
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

/** Resolves, decodes and validates: the Go Collector's `failed to get config` / `invalid configuration` steps. */
export function loadConfig(configs: string[], sets: string[], factories: Factories): Config {
  let raw;
  try {
    raw = resolve({ configs, sets });
  } catch (err) {
    const message = (err as Error).message;
    throw new UsageError(message === 'at least one config flag must be provided' ? message : `failed to get config: cannot resolve the configuration: ${message}`);
  }
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

async function run(config: Config): Promise<void> {
  const logger = createLogger(config.service.telemetry.logs.level);
  const service = new Service(config, { logger, buildInfo: BUILD_INFO });
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
  await stopped;
  const errors = await service.shutdown();
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
  const factories = defaultFactories();
  switch (args.command) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return;
    case 'version':
      process.stdout.write(`${BUILD_INFO.command} version ${BUILD_INFO.version}\n`);
      return;
    case 'components':
      process.stdout.write(componentsYAML(factories, BUILD_INFO));
      return;
    case 'print-config':
      loadConfig(args.configs, args.sets, factories);
      process.stdout.write(stringify(resolve({ configs: args.configs, sets: args.sets })));
      return;
    case 'validate': {
      const config = loadConfig(args.configs, args.sets, factories);
      // Building without starting catches graph errors (connectors, cycles, unsupported signals) too.
      const service = new Service(config, { logger: createLogger('warn'), buildInfo: BUILD_INFO });
      try {
        await service.build();
      } catch (err) {
        throw new UsageError(`failed to build pipelines: ${(err as Error).message}`);
      }
      return;
    }
    case 'run':
      return run(loadConfig(args.configs, args.sets, factories));
  }
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
