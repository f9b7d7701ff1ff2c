// The OTLP exporters against a real OTLP receiver.
import { Signal } from '../../../src/component';
import { newLogs, newMetrics, newTraces } from '../../../src/consumer';
import { isPermanent, PermanentError } from '../../../src/consumererror';
import { createDefaultConfig as grpcDefaults } from '../../../src/components/exporter/otlp_grpc/config';
import { OTLPGRPCClient, parseEndpoint } from '../../../src/components/exporter/otlp_grpc/exporter';
import { createDefaultConfig as httpDefaults } from '../../../src/components/exporter/otlp_http/config';
import { OTLPHTTPClient, signalURL } from '../../../src/components/exporter/otlp_http/exporter';
import { defaultGRPCServerConfig, defaultHTTPServerConfig } from '../../../src/components/receiver/otlp/config';
import { OTLPReceiver } from '../../../src/components/receiver/otlp/receiver';
import { PData } from '../../../src/pdata';
import { freePort, sample, testSettings } from '../helpers';

const never = new AbortController().signal;

describe('OTLP exporters', () => {
  let receiver: OTLPReceiver;
  let grpcPort: number;
  let httpPort: number;
  const received: PData[] = [];
  let failWith: unknown;

  beforeAll(async () => {
    [grpcPort, httpPort] = [await freePort(), await freePort()];
    receiver = new OTLPReceiver(testSettings('otlp'), {
      protocols: {
        grpc: { ...defaultGRPCServerConfig(), endpoint: `127.0.0.1:${grpcPort}` },
        http: { ...defaultHTTPServerConfig(), endpoint: `127.0.0.1:${httpPort}` },
      },
    });
    const record = async (_ctx: unknown, data: PData) => {
      if (failWith) throw failWith;
      received.push(data);
    };
    receiver.setConsumer('traces', newTraces(record));
    receiver.setConsumer('metrics', newMetrics(record));
    receiver.setConsumer('logs', newLogs(record));
    await receiver.start({ getExtensions: () => new Map() });
  });
  afterAll(() => receiver.shutdown());
  beforeEach(() => {
    received.length = 0;
    failWith = undefined;
  });

  test('endpoint parsing', () => {
    expect(parseEndpoint('collector:4317', false)).toEqual({ target: 'collector:4317', secure: true });
    expect(parseEndpoint('collector:4317', true)).toEqual({ target: 'collector:4317', secure: false });
    expect(parseEndpoint('http://collector:4317', false)).toEqual({ target: 'collector:4317', secure: false });
    expect(parseEndpoint('https://collector:4317/', false)).toEqual({ target: 'collector:4317', secure: true });
    const config = { ...httpDefaults(), endpoint: 'http://c:4318/', logs_endpoint: 'http://other/logs' };
    expect(signalURL(config, 'traces')).toBe('http://c:4318/v1/traces');
    expect(signalURL(config, 'logs')).toBe('http://other/logs');
  });

  describe.each([
    ['otlp_grpc', () => new OTLPGRPCClient(testSettings('otlp_grpc'), { ...grpcDefaults(), endpoint: `127.0.0.1:${grpcPort}`, tls: { ...grpcDefaults().tls, insecure: true } })],
    ['otlp_http proto', () => new OTLPHTTPClient(testSettings('otlp_http'), { ...httpDefaults(), endpoint: `http://127.0.0.1:${httpPort}` })],
    ['otlp_http json', () => new OTLPHTTPClient(testSettings('otlp_http'), { ...httpDefaults(), endpoint: `http://127.0.0.1:${httpPort}`, encoding: 'json', compression: 'none' })],
  ])('%s', (_name, makeClient) => {
    let client: OTLPGRPCClient | OTLPHTTPClient;
    beforeAll(() => (client = makeClient()));
    afterAll(() => (client as { close?: () => void }).close?.());

    test.each(['traces', 'metrics', 'logs'] as Signal[])('delivers %s intact', async (signal) => {
      const data = sample[signal](3);
      await client.push({}, data, never);
      expect(received).toHaveLength(1);
      expect(received[0].toJSON()).toEqual(data.toJSON());
    });

    test('a retryable refusal downstream is a retryable error', async () => {
      failWith = new Error('busy');
      const err = await client.push({}, sample.traces(1), never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(isPermanent(err)).toBe(false);
      expect(String((err as Error).message)).toMatch(/busy|Unavailable|503/);
    });

    test('a permanent refusal downstream is a permanent error', async () => {
      failWith = new PermanentError(new Error('bad'));
      const err = await client.push({}, sample.traces(1), never).catch((e: unknown) => e);
      expect(isPermanent(err)).toBe(true);
    });
  });

  test('an unreachable gRPC endpoint is retryable', async () => {
    const client = new OTLPGRPCClient(testSettings('otlp_grpc'), { ...grpcDefaults(), endpoint: `127.0.0.1:${await freePort()}`, tls: { ...grpcDefaults().tls, insecure: true } });
    const err = await client.push({ deadline: Date.now() + 2000 }, sample.traces(1), never).catch((e: unknown) => e);
    client.close();
    expect(isPermanent(err)).toBe(false);
  });

  test('an unreachable HTTP endpoint is retryable', async () => {
    const client = new OTLPHTTPClient(testSettings('otlp_http'), { ...httpDefaults(), endpoint: `http://127.0.0.1:${await freePort()}` });
    const err = await client.push({}, sample.traces(1), never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isPermanent(err)).toBe(false);
  });
});
