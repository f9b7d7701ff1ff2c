import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { parse as parseYAML } from 'yaml';
import { parseArguments, USAGE } from '../../src/cli/args';
import { componentsYAML } from '../../src/cli/components';
import { BUILD_INFO, defaultFactories, loadConfig, loadWithEngine, main } from '../../src/cli/main';

const DEFAULT_CONFIG = path.join(__dirname, '../../../config/default.yaml');

const MINIMAL = [
  'yaml:receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}}',
  'yaml:exporters: {debug: null}',
  'yaml:service: {telemetry: {metrics: {level: none}}, pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}',
];

describe('parseArguments', () => {
  test('no arguments runs the collector', () => {
    expect(parseArguments([])).toEqual({ command: 'run', configs: [], sets: [] });
  });

  test('--config is repeatable, in order, with = or a separate value, and -c', () => {
    expect(parseArguments(['--config', 'a.yaml', '--config=file:b.yaml', '-c', 'yaml:x: 1']).configs)
      .toEqual(['a.yaml', 'file:b.yaml', 'yaml:x: 1']);
  });

  test('--set is repeatable and keeps everything after the first =', () => {
    expect(parseArguments(['--set=processors.batch.timeout=2s', '--set', 'a.b=c=d']).sets)
      .toEqual(['processors.batch.timeout=2s', 'a.b=c=d']);
  });

  test('subcommands, before or after flags', () => {
    expect(parseArguments(['validate', '--config', 'a.yaml'])).toEqual({ command: 'validate', configs: ['a.yaml'], sets: [] });
    expect(parseArguments(['--config', 'a.yaml', 'print-config']).command).toBe('print-config');
    expect(parseArguments(['components']).command).toBe('components');
  });

  test('--version and --help', () => {
    expect(parseArguments(['--version']).command).toBe('version');
    expect(parseArguments(['-v']).command).toBe('version');
    expect(parseArguments(['--help']).command).toBe('help');
    expect(USAGE).toContain('--config');
  });

  test('errors', () => {
    expect(() => parseArguments(['--config'])).toThrow('flag needs an argument: --config');
    expect(() => parseArguments(['--set'])).toThrow('flag needs an argument: --set');
    expect(() => parseArguments(['--bogus'])).toThrow('unknown flag: --bogus');
    expect(() => parseArguments(['frobnicate'])).toThrow('unknown command "frobnicate" for "tandem"');
    expect(() => parseArguments(['validate', 'components'])).toThrow('unknown command "components" for "tandem"');
  });
});

describe('components listing', () => {
  test('every built-in factory by kind, with stabilities, runtime and aliases', () => {
    const doc = parseYAML(componentsYAML(defaultFactories(), BUILD_INFO));
    expect(doc.buildinfo).toEqual(BUILD_INFO);
    expect(doc.receivers.map((r: any) => r.name)).toEqual(['otlp']);
    expect(doc.receivers[0]).toEqual({ name: 'otlp', package: '@tandem/host', runtime: 'typescript', engine_twin: 'rust_otlp', stability: { traces: 'Stable', metrics: 'Stable', logs: 'Stable' } });
    const grpc = doc.exporters.find((e: any) => e.name === 'otlp_grpc');
    expect(grpc.deprecated_aliases).toEqual(['otlp']);
    expect(doc.exporters.map((e: any) => e.name)).toEqual([...doc.exporters.map((e: any) => e.name)].sort());
    const forward = doc.connectors.find((c: any) => c.name === 'forward');
    expect(Object.keys(forward.stability).sort()).toEqual(['logs-to-logs', 'metrics-to-metrics', 'traces-to-traces']);
    expect(doc.extensions.map((e: any) => e.name)).toEqual(['file_storage', 'health_check', 'tandem_ui']);
    expect(Object.keys(doc.extensions[0].stability)).toEqual(['extension']);
  });
});

describe('loadConfig', () => {
  test('the default config loads, with the engine it spawns supplying rust_batch', async () => {
    const { config, engine } = await loadWithEngine([DEFAULT_CONFIG], [], pino({ level: 'silent' }));
    await engine?.stop();
    expect([...config.service.pipelines.keys()]).toEqual(['traces', 'metrics', 'logs']);
    expect(config.components.processors.get('rust_batch')?.factory.runtime).toBe('rust');
  });

  test('--set overrides the files', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-cli-')), 'config.yaml');
    const yaml = 'receivers:\n  otlp:\n    protocols:\n      http: {}\nprocessors:\n  batch: {}\nexporters:\n  debug: {}\n'
      + 'service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [debug]\n';
    fs.writeFileSync(file, yaml);
    const config = loadConfig([file], ['processors.batch.timeout=2s'], defaultFactories());
    expect((config.components.processors.get('batch')?.config as any).timeout).toBe(2000);
  });

  test('errors are worded as the Go collector words them', () => {
    const factories = defaultFactories();
    expect(() => loadConfig([], [], factories)).toThrow(/^at least one config flag must be provided$/);
    expect(() => loadConfig(['nope:x'], [], factories))
      .toThrow('failed to get config: cannot resolve the configuration: scheme "nope" is not supported');
    expect(() => loadConfig([...MINIMAL, 'yaml:processors: {nosuchprocessor: null}'], [], factories))
      .toThrow('failed to get config: cannot unmarshal the configuration: error decoding \'processors\': unknown type: "nosuchprocessor" for id: "nosuchprocessor"');
    expect(() => loadConfig(MINIMAL, ['service.pipelines.traces.processors=[invalid]'], factories))
      .toThrow(/^invalid configuration: service::pipelines::traces: references processor "invalid" which is not configured$/);
  });
});

describe('main', () => {
  let out: string;
  let err: string;
  let writeOut: jest.SpyInstance;
  let writeErr: jest.SpyInstance;
  beforeEach(() => {
    out = '';
    err = '';
    writeOut = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => ((out += String(chunk)), true));
    writeErr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: any) => ((err += String(chunk)), true));
    process.exitCode = undefined;
  });
  afterEach(() => {
    writeOut.mockRestore();
    writeErr.mockRestore();
    process.exitCode = undefined;
  });

  test('--version', async () => {
    await main(['--version']);
    expect(out).toBe(`tandem version ${BUILD_INFO.version}\n`);
    expect(BUILD_INFO.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(process.exitCode).toBeUndefined();
  });

  test('components prints YAML', async () => {
    await main(['components']);
    expect(parseYAML(out).receivers[0].name).toBe('otlp');
  });

  test('print-config prints the resolved, merged config', async () => {
    await main(['print-config', ...MINIMAL.flatMap((c) => ['--config', c]), '--set', 'exporters.debug.verbosity=detailed']);
    expect(parseYAML(out)).toEqual({
      receivers: { otlp: { protocols: { grpc: { endpoint: '127.0.0.1:0' } } } },
      exporters: { debug: { verbosity: 'detailed' } },
      service: { telemetry: { metrics: { level: 'none' } }, pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } },
    });
  });

  test('validate succeeds quietly, and reports graph errors', async () => {
    await main(['validate', ...MINIMAL.flatMap((c) => ['--config', c])]);
    expect(err).toBe('');
    expect(process.exitCode).toBeUndefined();

    await main(['validate', ...MINIMAL.flatMap((c) => ['--config', c]),
      '--set', 'connectors.forward=', '--set', 'service.pipelines.traces.exporters=[forward]',
      '--set', 'service.pipelines.metrics.receivers=[forward]', '--set', 'service.pipelines.metrics.exporters=[debug]']);
    expect(err).toBe(
      'Error: failed to build pipelines: connector "forward" used as exporter in [traces] pipeline but not used in any supported receiver pipeline\n',
    );
    expect(process.exitCode).toBe(1);
  });

  test('usage errors exit 1 with Error: <message>', async () => {
    await main(['--bogus']);
    expect(err).toBe('Error: unknown flag: --bogus\n'); // no stack trace for a usage mistake
    expect(process.exitCode).toBe(1);
    err = '';
    process.exitCode = undefined;
    await main(['validate']);
    expect(err).toBe('Error: at least one config flag must be provided\n');
    expect(process.exitCode).toBe(1);
  });
});
