// The command line, as the Go Collector's: a subcommand (or none, to run), repeatable --config and --set.

export type Command = 'run' | 'validate' | 'components' | 'print-config' | 'build' | 'version' | 'help';

export interface Arguments {
  readonly command: Command;
  readonly configs: string[];
  readonly sets: string[];
  /** `build`: the builder manifest, and whether to skip `npm install` in the package it writes. */
  readonly manifest?: string;
  readonly skipInstall?: boolean;
}

const SUBCOMMANDS = new Set<Command>(['validate', 'components', 'print-config', 'build']);

export const USAGE = `Usage: tandem [command] --config <file|uri> [--config ...] [--set key.sub=value ...]

An OpenTelemetry Collector with a TypeScript host and a Rust engine.

Commands:
  (none)         run the collector
  validate       validates the config without running the collector
  components     lists the available components, their stability and runtime
  print-config   prints the resolved config
  build          writes a distribution package from a builder manifest (--manifest builder.yaml)

Flags:
  --config       a config file path or URI (file:, yaml:, env:); repeatable, merged in order
  --set          overrides one key, e.g. --set=processors.batch.timeout=2s; repeatable
  --manifest     build: the builder manifest
  --skip-install build: write the package without running npm install in it
  --version      prints the version
  --help         prints this help`;

/** Throws with a one-line reason for anything it does not understand. */
export function parseArguments(argv: readonly string[]): Arguments {
  let command: Command = 'run';
  const configs: string[] = [];
  const sets: string[] = [];
  let manifest: string | undefined;
  let skipInstall: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new Error(`flag needs an argument: ${flag}`);
      return next;
    };
    if (flag === '--config' || flag === '-c') configs.push(value());
    else if (flag === '--set') sets.push(value());
    else if (flag === '--manifest') manifest = value();
    else if (flag === '--skip-install') skipInstall = true;
    else if (flag === '--version' || flag === '-v') command = 'version';
    else if (flag === '--help' || flag === '-h') command = 'help';
    else if (!flag.startsWith('-') && command === 'run' && SUBCOMMANDS.has(flag as Command)) command = flag as Command;
    else if (flag.startsWith('-')) throw new Error(`unknown flag: ${flag}`);
    else throw new Error(`unknown command "${flag}" for "tandem"`);
  }
  if (command === 'build' && manifest === undefined) throw new Error('build needs --manifest <builder.yaml>');
  return { command, configs, sets, ...(manifest !== undefined ? { manifest } : {}), ...(skipInstall ? { skipInstall } : {}) };
}
