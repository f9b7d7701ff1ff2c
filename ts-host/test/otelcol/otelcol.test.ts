import { fromPackage, noLifecycle, StabilityLevel } from '../../src/component';
import * as connector from '../../src/connector';
import { field } from '../../src/config';
import * as exporter from '../../src/exporter';
import * as extension from '../../src/extension';
import { ConfigMap } from '../../src/confmap';
import { Config, ConfigError, Factories, unmarshal, validate } from '../../src/otelcol';
import * as processor from '../../src/processor';
import * as receiver from '../../src/receiver';
import { newConsumer } from '../../src/consumer';

const S = StabilityLevel.Beta;
const rcv = async () => noLifecycle;
const sink = async () => ({ ...noLifecycle, ...newConsumer('traces', async () => undefined) }) as any;

function nopFactories(): Factories {
  return new Factories([
    receiver.newFactory('nop', () => ({ endpoint: 'localhost:1' }), [receiver.withTraces(rcv, S), receiver.withMetrics(rcv, S), receiver.withLogs(rcv, S)], {
      configSchema: field.object({ endpoint: field.string() }),
      validateConfig: (c: { endpoint: string }) => {
        if (c.endpoint === '') throw new Error('endpoint must not be empty');
      },
    }),
    processor.newFactory('nop', () => ({}), [processor.withTraces(sink, S)]),
    exporter.newFactory('nop', () => ({ level: 1 }), [exporter.withTraces(sink, S), exporter.withLogs(sink, S)], {
      configSchema: field.object({ level: field.integer() }), deprecatedTypes: ['oldnop'],
    }),
    connector.newFactory('nop', () => ({}), [connector.withPair('traces', 'traces', sink, S)]),
    extension.newFactory('nop', () => ({}), async () => noLifecycle, S),
  ]);
}

/** A valid base config to vary. */
function base(): ConfigMap {
  return {
    receivers: { nop: null },
    processors: { nop: null },
    exporters: { nop: null },
    extensions: { nop: null },
    service: { extensions: ['nop'], pipelines: { traces: { receivers: ['nop'], processors: ['nop'], exporters: ['nop'] } } },
  };
}

function load(raw: ConfigMap): Config {
  return unmarshal(raw, nopFactories());
}

function check(raw: ConfigMap): void {
  validate(load(raw));
}

const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected an error');
};

describe('unmarshal', () => {
  test('components decode on top of their defaults; pipelines and extensions become IDs', () => {
    const raw = base();
    raw.receivers = { nop: null, 'nop/2': { endpoint: 'h:2' } };
    raw.exporters = { oldnop: { level: 3 } };
    (raw.service as any).pipelines = { traces: { receivers: ['nop', 'nop/2'], exporters: ['oldnop'] }, 'logs/x': { receivers: ['nop'], exporters: ['oldnop'] } };
    const config = load(raw);
    expect(config.components.receivers.get('nop')?.config).toEqual({ endpoint: 'localhost:1' });
    expect(config.components.receivers.get('nop/2')?.config).toEqual({ endpoint: 'h:2' });
    expect(config.components.exporters.get('oldnop')?.config).toEqual({ level: 3 });
    expect(config.components.exporters.get('oldnop')?.factory.type).toBe('nop');
    expect(config.deprecatedAliases).toEqual([{ alias: 'oldnop', type: 'nop' }]);
    expect(config.service.extensions.map(String)).toEqual(['nop']);
    const logs = config.service.pipelines.get('logs/x');
    expect(logs?.signal).toBe('logs');
    expect(config.service.pipelines.get('traces')?.receivers.map(String)).toEqual(['nop', 'nop/2']);
    expect(config.service.telemetry).toEqual({ logs: { level: 'info' }, metrics: { level: 'normal', prometheus: { host: 'localhost', port: 8888 } } });
    expect(config.runtime.rust.mode).toBe('spawn'); // the brief's default: the engine runs unless told otherwise
  });

  test('empty configuration file', () => {
    expect(errorOf(() => load({}))).toBe('empty configuration file');
  });

  test('unknown top-level keys', () => {
    expect(errorOf(() => load({ ...base(), recievers: {}, zzz: 1 })))
      .toBe("decoding failed due to the following error(s):\n\n'' has invalid keys: recievers, zzz");
  });

  test('unknown component type lists the valid ones', () => {
    const raw = base();
    raw.processors = { nosuchprocessor: null };
    expect(errorOf(() => load(raw)))
      .toBe('error decoding \'processors\': unknown type: "nosuchprocessor" for id: "nosuchprocessor" (valid values: [nop])');
    raw.processors = {};
    raw.exporters = { 'bad/x': null };
    expect(errorOf(() => load(raw))).toBe('error decoding \'exporters\': unknown type: "bad" for id: "bad/x" (valid values: [nop oldnop])');
  });

  test('bad IDs', () => {
    const raw = base();
    raw.receivers = { 'nop/': null };
    expect(errorOf(() => load(raw))).toBe('error decoding \'receivers\': in "nop/" id: the part after / should not be empty');
    const pipeline = base();
    (pipeline.service as any).pipelines.traces.receivers = ['/x'];
    expect(errorOf(() => load(pipeline)))
      .toBe('error decoding \'service::pipelines::traces::receivers\': in "/x" id: the part before / should not be empty');
  });

  test('component config errors name the component', () => {
    const raw = base();
    raw.receivers = { nop: { endpoint: 'x', unknown: 1 } };
    expect(errorOf(() => load(raw))).toBe(
      'error decoding \'receivers\': error reading configuration for "nop": decoding failed due to the following error(s):\n\n\'\' has invalid keys: unknown',
    );
  });

  test('pipeline signals', () => {
    const raw = base();
    (raw.service as any).pipelines = { spans: { receivers: ['nop'], exporters: ['nop'] } };
    expect(errorOf(() => load(raw))).toBe('error decoding \'service::pipelines\': unknown pipeline signal: "spans"');
    (raw.service as any).pipelines = { profiles: { receivers: ['nop'], exporters: ['nop'] } };
    expect(errorOf(() => load(raw)))
      .toBe('pipeline "profiles": profiling signal support is at alpha level, gated under the "service.profilesSupport" feature gate');
  });

  test('service decode errors carry the full path', () => {
    const raw = base();
    (raw.service as any).telemetry = { unknown: 1 };
    expect(errorOf(() => load(raw))).toBe("decoding failed due to the following error(s):\n\n'service.telemetry' has invalid keys: unknown");
    const pipes = base();
    (pipes.service as any).pipelines.traces.receivers = { nop: null };
    expect(errorOf(() => load(pipes)))
      .toBe("decoding failed due to the following error(s):\n\n'service.pipelines[traces].receivers' source data must be an array or slice, got map");
  });

  test('telemetry: metrics readers and levels', () => {
    const raw = base();
    (raw.service as any).telemetry = { logs: { level: 'debug' }, metrics: { level: 'detailed', readers: [{ pull: { exporter: { prometheus: { host: '0.0.0.0', port: 9999 } } } }] } };
    expect(load(raw).service.telemetry).toEqual({ logs: { level: 'debug' }, metrics: { level: 'detailed', prometheus: { host: '0.0.0.0', port: 9999 } } });
    (raw.service as any).telemetry = { metrics: { level: 'none' } };
    expect(load(raw).service.telemetry.metrics.prometheus).toBeUndefined();
    (raw.service as any).telemetry = { metrics: { level: 'basic', readers: [] } };
    expect(errorOf(() => load(raw))).toBe('service::telemetry: collector telemetry metrics reader should exist when metric level is not none');
  });
});

describe('validate (golden messages from otelcol/config_test.go)', () => {
  test('a valid config passes', () => {
    expect(() => check(base())).not.toThrow();
  });

  test('no receivers / no exporters', () => {
    expect(errorOf(() => check({ ...base(), receivers: {} }))).toBe('no receiver configuration specified in config');
    expect(errorOf(() => check({ ...base(), exporters: null }))).toBe('no exporter configuration specified in config');
  });

  test('component Validate() errors are prefixed with the component path', () => {
    expect(errorOf(() => check({ ...base(), receivers: { nop: { endpoint: '' } } }))).toBe('receivers::nop: endpoint must not be empty');
  });

  test('ambiguous connector IDs', () => {
    const raw: ConfigMap = { ...base(), receivers: { nop: null, 'nop/2': null }, connectors: { 'nop/2': null } };
    expect(errorOf(() => check(raw))).toBe(
      'connectors::nop/2: ambiguous ID: Found both "nop/2" receiver and "nop/2" connector. ' +
      'Change one of the components\' IDs to eliminate ambiguity (e.g. rename "nop/2" connector to "nop/2/connector")',
    );
    const exp = { ...base(), exporters: { nop: null }, connectors: { nop: null } };
    expect(errorOf(() => check(exp))).toBe(
      'connectors::nop: ambiguous ID: Found both "nop" exporter and "nop" connector. ' +
      'Change one of the components\' IDs to eliminate ambiguity (e.g. rename "nop" connector to "nop/connector")',
    );
  });

  test('unconfigured extension', () => {
    const raw = base();
    (raw.service as any).extensions = ['nop', 'nop/2'];
    expect(errorOf(() => check(raw))).toBe('service::extensions: references extension "nop/2" which is not configured');
  });

  test('no pipelines', () => {
    const raw = base();
    (raw.service as any).pipelines = {};
    expect(errorOf(() => check(raw))).toBe('service::pipelines: service must have at least one pipeline');
    delete (raw.service as any).pipelines;
    expect(errorOf(() => check(raw))).toBe('service::pipelines: service must have at least one pipeline');
  });

  test('pipeline without receivers or exporters, or with a repeated processor', () => {
    const raw = base();
    (raw.service as any).pipelines = { traces: { exporters: ['nop'] } };
    expect(errorOf(() => check(raw))).toBe('service::pipelines::traces: must have at least one receiver');
    (raw.service as any).pipelines = { 'traces/x': { receivers: ['nop'] } };
    expect(errorOf(() => check(raw))).toBe('service::pipelines::traces/x: must have at least one exporter');
    (raw.service as any).pipelines = { traces: { receivers: ['nop'], processors: ['nop', 'nop'], exporters: ['nop'] } };
    expect(errorOf(() => check(raw))).toBe('service::pipelines::traces: references processor "nop" multiple times');
  });

  test('pipelines referencing unconfigured components', () => {
    const raw = base();
    (raw.service as any).pipelines.traces.receivers = ['nop/2'];
    expect(errorOf(() => check(raw))).toBe('service::pipelines::traces: references receiver "nop/2" which is not configured');
    const proc = base();
    (proc.service as any).pipelines.traces.processors = ['invalid'];
    expect(errorOf(() => check(proc))).toBe('service::pipelines::traces: references processor "invalid" which is not configured');
    const exp = base();
    (exp.service as any).pipelines.traces.exporters = ['nop/x'];
    expect(errorOf(() => check(exp))).toBe('service::pipelines::traces: references exporter "nop/x" which is not configured');
  });

  test('connectors count as receivers and exporters; unused components are fine', () => {
    const raw = base();
    raw.receivers = { nop: null, 'nop/unused': null };
    raw.connectors = { 'nop/conn': null };
    (raw.service as any).pipelines = {
      'traces/in': { receivers: ['nop'], exporters: ['nop/conn'] },
      'traces/out': { receivers: ['nop/conn'], exporters: ['nop'] },
    };
    expect(() => check(raw)).not.toThrow();
  });
});

describe('Factories', () => {
  test('lookup by kind and type, aliases and listing', () => {
    const factories = nopFactories();
    expect(factories.get('exporter', 'oldnop')).toBe(factories.get('exporter', 'nop'));
    expect(factories.aliasTarget('exporter', 'oldnop')).toBe('nop');
    expect(factories.aliasTarget('exporter', 'nop')).toBeUndefined();
    expect(factories.get('receiver', 'oldnop')).toBeUndefined();
    expect(factories.types('exporter')).toEqual(['nop', 'oldnop']);
    expect(factories.types('connector')).toEqual(['nop']);
    expect(factories.all().map((f) => `${f.kind}/${f.type}`).sort())
      .toEqual(['connector/nop', 'exporter/nop', 'extension/nop', 'processor/nop', 'receiver/nop']);
  });

  test('the same type twice for one kind, across runtimes, is an error', () => {
    const factories = nopFactories();
    expect(() => factories.add(exporter.newFactory('nop', () => ({}), [], { runtime: 'rust' })))
      .toThrow('exporter type "nop" is defined twice: by the typescript runtime and by the rust runtime');
    expect(() => factories.add(exporter.newFactory('other', () => ({}), [], { runtime: 'rust', deprecatedTypes: ['oldnop'] })))
      .toThrow('exporter type "oldnop" is defined twice: by the typescript runtime and by the rust runtime');
    // Same type, different kind: fine.
    expect(() => factories.add(processor.newFactory('batchy', () => ({}), [], { runtime: 'rust' }))).not.toThrow();
  });

  test('a clash with a factory of a component package makes the type ambiguous instead: unusable, but not fatal', () => {
    const factories = nopFactories();
    factories.add(fromPackage('@acme/nop', exporter.newFactory('nop', () => ({}), [])));
    factories.add(exporter.newFactory('nop', () => ({}), [], { runtime: 'rust' }));
    expect(factories.get('exporter', 'nop')).toBeUndefined();
    expect(factories.clash('exporter', 'nop')).toBe(
      'exporter type "nop" is defined 3 times: by the typescript runtime, by package "@acme/nop" (typescript runtime), by the rust runtime',
    );
    expect(factories.clashing('exporter', 'nop')).toEqual(['@tandem/host', '@acme/nop', 'tandem-engine']);
    expect(factories.get('exporter', 'oldnop')).toBeDefined(); // the alias was defined once
    expect(factories.clash('exporter', 'oldnop')).toBeUndefined();
  });
});

describe('runtime.rust', () => {
  test('defaults, byte sizes and the rust2go alias', () => {
    const raw = { ...base(), runtime: { rust: { mode: 'spawn', rust2go: { buffer_size: '128MiB' } } } };
    const rust = load(raw).runtime.rust;
    expect(rust.mode).toBe('spawn');
    expect(rust.ipc.buffer_size).toBe(128 * 1024 * 1024);
    expect(rust.ipc.queue_size).toBe(65536);
    expect((rust as any).rust2go).toBeUndefined();
  });

  test('checks', () => {
    expect(() => load({ ...base(), runtime: { rust: { ipc: {}, rust2go: {} } } })).toThrow('runtime::rust: set either "ipc" or its alias "rust2go", not both');
    expect(() => load({ ...base(), runtime: { rust: { executor: { cores: 0 } } } })).toThrow('runtime::rust::executor: cores must be at least 1');
    expect(() => load({ ...base(), runtime: { rust: { mode: 'attach' } } })).toThrow('runtime::rust: endpoint is required when mode is attach');
    expect(() => load({ ...base(), runtime: { rust: { ipc: { buffer_size: '1MiB', max_message_size: '1MiB' } } } }))
      .toThrow('runtime::rust::ipc: max_message_size (1048576) must be at most half of buffer_size (1048576) minus 32');
    expect(() => load({ ...base(), runtime: { rust: { mode: 'sideways' } } })).toThrow('unsupported value "sideways"');
  });
});
