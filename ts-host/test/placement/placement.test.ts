// Placement of components whose type both runtimes have: decided over the decoded config, against the host's own
// factories and stand-ins for the engine's (the boundary itself is tested with a real engine in
// integration-tests/test/placement.test.ts).
import { noLifecycle, StabilityLevel } from '../../src/component';
import { builtinFactories } from '../../src/components';
import * as connector from '../../src/connector';
import { newConsumer } from '../../src/consumer';
import { ConfigMap } from '../../src/confmap';
import * as exporter from '../../src/exporter';
import { Config, Factories, unmarshal } from '../../src/otelcol';
import { type Decision, type EngineCheck, place } from '../../src/placement';
import * as processor from '../../src/processor';
import * as receiver from '../../src/receiver';

const S = StabilityLevel.Beta;
const none = async () => ({ ...noLifecycle, ...newConsumer('traces', async () => undefined) }) as never;
const rust = { runtime: 'rust' } as const;

/** The host's built-ins, and engine factories of the twin types (what `engineFactories` registers). */
function factories(withoutEngine: string[] = []): Factories {
  const engine = [
    receiver.newFactory('rust_otlp', () => ({}), [receiver.withTraces(none, S), receiver.withLogs(none, S)], rust),
    processor.newFactory('rust_batch', () => ({}), [processor.withTraces(none, S), processor.withLogs(none, S)], rust),
    processor.newFactory('rust_filter', () => ({}), [processor.withTraces(none, S)], rust),
    exporter.newFactory('rust_otlp_grpc', () => ({}), [exporter.withTraces(none, S), exporter.withLogs(none, S)], rust),
    connector.newFactory('rust_forward', () => ({}), [connector.withPair('traces', 'traces', none, S)], rust),
  ].filter((f) => !withoutEngine.includes(f.type));
  return new Factories([...builtinFactories(), ...engine]);
}

const GRPC = { protocols: { grpc: { endpoint: '127.0.0.1:4317' } } };
const GRPC_AND_HTTP = { protocols: { grpc: { endpoint: '127.0.0.1:4317' }, http: { endpoint: '127.0.0.1:4318' } } };
const PLAIN = { endpoint: '127.0.0.1:9000', tls: { insecure: true } };

function config(receivers: object, processors: object, exporters: object, pipelines: object, extra: ConfigMap = {}): ConfigMap {
  return { receivers, processors, exporters, service: { pipelines }, ...extra };
}

const acceptAll: EngineCheck = async () => '';

async function placed(raw: ConfigMap, check: EngineCheck = acceptAll, f = factories()): Promise<{ config: Config; runtimes: Record<string, string>; decisions: Decision[] }> {
  const result = await place(unmarshal(raw, f), f, check);
  const runtimes = Object.fromEntries(result.decisions.map((d) => [`${d.section}::${d.id}`, d.runtime]));
  return { ...result, runtimes };
}

describe('placement', () => {
  // Scenario: a pipeline with no TypeScript component, written with the Collector's type names. Guarantee: it runs
  // wholly in the engine, each component as its twin with the config mapped, its ID unchanged.
  test('a pipeline of twins runs wholly in the engine', async () => {
    const { config, runtimes } = await placed(twinPipeline(GRPC, PLAIN));
    expect(runtimes).toEqual({ 'receivers::otlp': 'rust', 'processors::batch': 'rust', 'exporters::otlp_grpc': 'rust' });
    const exporter = config.components.exporters.get('otlp_grpc');
    expect(exporter?.factory.type).toBe('rust_otlp_grpc');
    expect(exporter?.id.toString()).toBe('otlp_grpc');
    expect(exporter?.config).toEqual({ endpoint: '127.0.0.1:9000', timeout: '5000ms', compression: 'gzip' });
    expect(config.components.processors.get('batch')?.config).toEqual({ send_batch_size: 8192, send_batch_max_size: 0, timeout: '200ms', linger: '0ms' });
    expect(config.components.receivers.get('otlp')?.config).toEqual({ protocols: { grpc: { endpoint: '127.0.0.1:4317', max_recv_msg_size_mib: 4 } } });
  });

  // Scenario: the receiver also serves OTLP/HTTP (JSON), which only the host's does. Guarantee: it stays in the host,
  // saying why, and so does the rest (zero crossings beats any other placement).
  test('a receiver only the host can run keeps its pipeline in the host', async () => {
    const { runtimes, decisions } = await placed(twinPipeline(GRPC_AND_HTTP, PLAIN));
    expect(runtimes).toEqual({ 'receivers::otlp': 'typescript', 'processors::batch': 'typescript', 'exporters::otlp_grpc': 'typescript' });
    expect(decisions.find((d) => d.id === 'otlp')?.hostOnly).toMatch(/protocols::http/);
    expect(decisions.find((d) => d.id === 'batch')?.hostOnly).toBeUndefined();
  });

  // Scenario: an engine-only processor after a host-only receiver. Guarantee: what follows it joins it in the
  // engine: one crossing instead of two.
  test('components after an engine processor join it', async () => {
    const raw = config({ otlp: GRPC_AND_HTTP }, { rust_filter: null, batch: null }, { otlp_grpc: PLAIN },
      { traces: { receivers: ['otlp'], processors: ['rust_filter', 'batch'], exporters: ['otlp_grpc'] } });
    const { runtimes } = await placed(raw);
    expect(runtimes).toEqual({ 'receivers::otlp': 'typescript', 'processors::batch': 'rust', 'exporters::otlp_grpc': 'rust' });
  });

  // Scenario: a host-only exporter (debug) at the end. Guarantee: nothing moves (it would add a crossing).
  test('a host-only exporter keeps the pipeline in the host', async () => {
    const raw = config({ otlp: GRPC }, { batch: null }, { debug: null }, { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug'] } });
    expect((await placed(raw)).runtimes).toEqual({ 'receivers::otlp': 'typescript', 'processors::batch': 'typescript' });
  });

  // Scenario: an exporter that asks for TLS, a persistent queue, headers. Guarantee: it stays in the host with the
  // reason, each time.
  test('exporter settings only the host has keep it there', async () => {
    for (const [exporterConfig, reason] of [
      [{ endpoint: '127.0.0.1:9000' }, /TLS/],
      [{ ...PLAIN, headers: { a: 'b' } }, /headers/],
      [{ ...PLAIN, sending_queue: { storage: 'file_storage' } }, /sending_queue::storage/],
      [{ ...PLAIN, sending_queue: { wait_for_result: false } }, /wait_for_result/],
    ] as const) {
      const { decisions } = await placed(twinPipeline(GRPC, exporterConfig, { extensions: { file_storage: { directory: '/tmp' } } }));
      expect(decisions.find((d) => d.id === 'otlp_grpc')).toMatchObject({ runtime: 'typescript', hostOnly: expect.stringMatching(reason) });
    }
  });

  // Scenario: `in_host` names the processor; `as_written` turns placement off. Guarantee: the pin holds (and the
  // rest stays with it); as written, no decision at all and the config unchanged.
  test('in_host pins a component and as_written turns placement off', async () => {
    const pinned = await placed(twinPipeline(GRPC, PLAIN, { runtime: { placement: { in_host: ['batch'] } } }));
    expect(pinned.decisions.find((d) => d.id === 'batch')).toMatchObject({ runtime: 'typescript', hostOnly: 'runtime::placement::in_host' });
    expect(pinned.runtimes['receivers::otlp']).toBe('typescript');
    const written = await placed(twinPipeline(GRPC, PLAIN, { runtime: { placement: { mode: 'as_written' } } }));
    expect(written.decisions).toEqual([]);
    expect(written.config.components.processors.get('batch')?.factory.runtime).toBe('typescript');
  });

  // Scenario: the engine refuses the mapped config; a distribution without the twin. Guarantee: host, with the
  // engine's error or the missing type named.
  test('a twin that refuses the config or is missing keeps the component in the host', async () => {
    const refusing: EngineCheck = async (_section, type) => (type === 'rust_batch' ? "'timeout' must be more than 0" : '');
    const refused = await placed(twinPipeline(GRPC, PLAIN), refusing);
    expect(refused.decisions.find((d) => d.id === 'batch')?.hostOnly).toBe("rust_batch refuses its config: 'timeout' must be more than 0");
    const missing = await placed(twinPipeline(GRPC, PLAIN), acceptAll, factories(['rust_batch']));
    expect(missing.decisions.find((d) => d.id === 'batch')?.hostOnly).toBe("this collector's engine has no rust_batch");
  });

  // Scenario: a signal the twin does not take (metrics, in these stand-ins). Guarantee: host, naming the signal.
  test('a signal the twin does not take keeps the component in the host', async () => {
    const raw = config({ otlp: GRPC }, { batch: null }, { otlp_grpc: PLAIN }, { metrics: { receivers: ['otlp'], processors: ['batch'], exporters: ['otlp_grpc'] } });
    expect((await placed(raw)).decisions.find((d) => d.id === 'batch')?.hostOnly).toBe('rust_batch does not take metrics');
  });

  // Scenario: two all-twin pipelines joined by a forward connector. Guarantee: the connector runs in the engine too.
  test('a connector between engine pipelines runs in the engine', async () => {
    const raw = {
      receivers: { otlp: GRPC }, exporters: { otlp_grpc: PLAIN }, connectors: { forward: null },
      service: { pipelines: { 'traces/in': { receivers: ['otlp'], exporters: ['forward'] }, 'traces/out': { receivers: ['forward'], exporters: ['otlp_grpc'] } } },
    };
    const { config, runtimes } = await placed(raw);
    expect(runtimes).toEqual({ 'receivers::otlp': 'rust', 'exporters::otlp_grpc': 'rust', 'connectors::forward': 'rust' });
    expect(config.components.connectors.get('forward')?.factory.type).toBe('rust_forward');
  });
});

/** `otlp -> batch -> otlp_grpc` for traces, with the receiver's and exporter's configs given. */
function twinPipeline(otlp: object, otlpGrpc: object, extra: ConfigMap = {}): ConfigMap {
  return config({ otlp }, { batch: null }, { otlp_grpc: otlpGrpc }, { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['otlp_grpc'] } }, extra);
}
