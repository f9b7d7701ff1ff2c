import { StabilityLevel } from '../../src/component';
import { decode } from '../../src/config';
import { builtinFactories } from '../../src/components';
import { newFactory as batchFactory } from '../../src/components/processor/batch/factory';
import { newFactory as otlpExporterFactory } from '../../src/components/exporter/otlp_grpc/factory';
import { newFactory as otlpReceiverFactory } from '../../src/components/receiver/otlp/factory';
import { newTraces } from '../../src/consumer';
import { testSettings } from './helpers';

/** Decodes user config the way the service does: on top of the factory's defaults, then validated. */
function configOf(factory: { createDefaultConfig(): unknown; configSchema?: any; validateConfig?(c: unknown): void }, user: unknown): any {
  const config = decode(factory.configSchema, factory.createDefaultConfig(), user);
  factory.validateConfig?.(config);
  return config;
}

describe('built-in factories', () => {
  test('are listed once each with their kinds', () => {
    expect(builtinFactories().map((f) => `${f.kind}/${f.type}`).sort()).toEqual([
      'connector/count', 'connector/forward', 'exporter/debug', 'exporter/file', 'exporter/otlp_grpc', 'exporter/otlp_http', 'extension/file_storage', 'extension/health_check', 'extension/tandem_ui',
      'processor/batch', 'processor/memory_limiter', 'receiver/otlp',
    ]);
  });

  test('otlp receiver: a listed protocol gets its defaults; none listed is an error', () => {
    const factory = otlpReceiverFactory();
    expect(factory.stability('traces')).toBe(StabilityLevel.Stable);
    const config = configOf(factory, { protocols: { grpc: null, http: { max_request_body_size: '1MiB' } } });
    expect(config.protocols.grpc).toEqual({ endpoint: 'localhost:4317', max_recv_msg_size_mib: 4, include_metadata: false });
    expect(config.protocols.http).toMatchObject({ endpoint: 'localhost:4318', max_request_body_size: 1024 * 1024, traces_url_path: '/v1/traces' });
    expect(() => configOf(factory, { protocols: {} })).toThrow('must specify at least one protocol when using the OTLP receiver');
    expect(() => configOf(factory, { protocols: { grpc: { endpoit: 'x' } } })).toThrow("'protocols.grpc' has invalid keys: endpoit");
  });

  test('otlp receiver: one instance serves every signal of the same config', async () => {
    const factory = otlpReceiverFactory();
    const config = configOf(factory, { protocols: { grpc: { endpoint: '127.0.0.1:0' } } });
    const next = newTraces(async () => undefined);
    const traces = await factory.create('traces', testSettings('otlp'), config, next);
    const logs = await factory.create('logs', testSettings('otlp'), config, next as any);
    expect(logs).toBe(traces);
    const other = await factory.create('traces', testSettings('otlp', 'other'), configOf(factory, { protocols: { grpc: null } }), next);
    expect(other).not.toBe(traces);
  });

  test('batch: durations decode to milliseconds and validation applies', () => {
    expect(configOf(batchFactory(), { timeout: '1s', send_batch_size: 10 })).toEqual({ send_batch_size: 10, timeout: 1000, linger: 0, send_batch_max_size: 0 });
    expect(() => configOf(batchFactory(), { send_batch_size: 10, send_batch_max_size: 5 })).toThrow('send_batch_max_size must be greater or equal to send_batch_size');
  });

  test('otlp_grpc: deprecated alias, exporterhelper defaults, required endpoint', () => {
    const factory = otlpExporterFactory();
    expect(factory.deprecatedTypes).toEqual(['otlp']);
    const config = configOf(factory, { endpoint: 'collector:4317', retry_on_failure: { initial_interval: '1s' }, sending_queue: { queue_size: 5 } });
    expect(config.retry_on_failure).toMatchObject({ enabled: true, initial_interval: 1000, max_interval: 30000, multiplier: 1.5 });
    expect(config.sending_queue).toMatchObject({ enabled: true, num_consumers: 10, queue_size: 5 });
    expect(config.timeout).toBe(5000);
    expect(config.compression).toBe('gzip');
    expect(() => configOf(factory, {})).toThrow('requires a non-empty "endpoint"');
  });
});
