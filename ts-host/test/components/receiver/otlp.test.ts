import * as grpc from '@grpc/grpc-js';
import { gzipSync } from 'node:zlib';
import { Signal } from '../../../src/component';
import { newLogs, newMetrics, newTraces } from '../../../src/consumer';
import { PermanentError } from '../../../src/consumererror';
import { defaultGRPCServerConfig, defaultHTTPServerConfig, validateConfig } from '../../../src/components/receiver/otlp/config';
import { OTLPReceiver } from '../../../src/components/receiver/otlp/receiver';
import { otlp, PData, rawExportService } from '../../../src/pdata';
import { freePort, sample, testSettings } from '../helpers';

const PROTOBUF = { 'content-type': 'application/x-protobuf' };
const JSON_TYPE = { 'content-type': 'application/json' };

describe('OTLP receiver', () => {
  let receiver: OTLPReceiver;
  let httpURL: string;
  let grpcAddress: string;
  const received: PData[] = [];
  let failWith: unknown;

  beforeAll(async () => {
    const record = async (_ctx: unknown, data: PData) => {
      if (failWith) throw failWith;
      received.push(data);
    };
    const [grpcPort, httpPort] = [await freePort(), await freePort()];
    grpcAddress = `127.0.0.1:${grpcPort}`;
    httpURL = `http://127.0.0.1:${httpPort}`;
    receiver = new OTLPReceiver(testSettings('otlp'), {
      protocols: {
        grpc: { ...defaultGRPCServerConfig(), endpoint: grpcAddress, max_recv_msg_size_mib: 1 },
        http: { ...defaultHTTPServerConfig(), endpoint: `127.0.0.1:${httpPort}`, max_request_body_size: 64 * 1024 },
      },
    });
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

  const post = (path: string, body: Uint8Array | string, headers: Record<string, string> = PROTOBUF, method = 'POST') =>
    fetch(`${httpURL}${path}`, { method, headers, body: method === 'GET' ? undefined : body });

  const decodeStatus = async (res: Response) => otlp.rpc.Status.decode(new Uint8Array(await res.arrayBuffer()));

  test('requires at least one protocol', () => {
    expect(() => validateConfig({ protocols: {} })).toThrow('must specify at least one protocol when using the OTLP receiver');
  });

  test.each(['traces', 'metrics', 'logs'] as Signal[])('HTTP protobuf %s pass through undecoded and byte-identical', async (signal) => {
    const bytes = sample[signal](3).toProto();
    const res = await post(`/v1/${signal}`, bytes);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0].signal).toBe(signal);
    expect(Buffer.from(received[0].toProto()).equals(Buffer.from(bytes))).toBe(true);
  });

  test('HTTP JSON is accepted and answered in JSON', async () => {
    const json = JSON.stringify(sample.logs(2).toJSON());
    const res = await post('/v1/logs', json, { 'content-type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(received[0].toJSON()).toEqual(JSON.parse(json));
  });

  test('empty requests succeed without reaching the pipeline', async () => {
    failWith = new Error('must not be called');
    expect((await post('/v1/traces', new Uint8Array(0))).status).toBe(200);
    expect((await post('/v1/traces', '{}', JSON_TYPE)).status).toBe(200);
    expect((await post('/v1/traces', '{"resourceSpans":[{"scopeSpans":[{}]}]}', JSON_TYPE)).status).toBe(200);
    expect(received).toHaveLength(0);
  });

  test('405 for methods other than POST', async () => {
    const res = await post('/v1/traces', '', PROTOBUF, 'GET');
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe('405 method not allowed, supported: [POST]');
  });

  test('415 for other content types', async () => {
    const res = await post('/v1/traces', 'x', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.text()).toBe('415 unsupported media type, supported: [application/json, application/x-protobuf]');
  });

  test('404 for unknown paths', async () => {
    expect((await post('/v1/profiles', new Uint8Array(0))).status).toBe(404);
  });

  test('400 with a protobuf google.rpc.Status for malformed protobuf', async () => {
    const res = await post('/v1/traces', Uint8Array.from([0x0a, 0x05, 0x01]));
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = await decodeStatus(res);
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.message).toMatch(/invalid protobuf/);
  });

  test('400 with a JSON google.rpc.Status for malformed JSON', async () => {
    const res = await post('/v1/metrics', '{"resourceMetrics": [', JSON_TYPE);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ code: 3, message: expect.stringMatching(/invalid OTLP\/JSON/) });
  });

  test('413 for a body over max_request_body_size, compressed or not', async () => {
    const big = sample.traces(2000).toProto();
    expect(big.length).toBeGreaterThan(64 * 1024);
    const res = await post('/v1/traces', big);
    expect(res.status).toBe(413);
    expect((await decodeStatus(res)).message).toMatch(/too large/);
    const zipped = gzipSync(big);
    expect(zipped.length).toBeLessThan(64 * 1024);
    expect((await post('/v1/traces', zipped, { ...PROTOBUF, 'content-encoding': 'gzip' })).status).toBe(413);
    expect(received).toHaveLength(0);
    // ...and keeps serving.
    expect((await post('/v1/traces', sample.traces(1).toProto())).status).toBe(200);
  });

  test('gzip bodies are decompressed', async () => {
    const bytes = sample.traces(5).toProto();
    const res = await post('/v1/traces', gzipSync(bytes), { ...PROTOBUF, 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(received[0].itemCount()).toBe(5);
  });

  test('retryable pipeline errors become 503, permanent ones 500', async () => {
    failWith = new Error('data refused due to high memory usage');
    let res = await post('/v1/traces', sample.traces(1).toProto());
    expect(res.status).toBe(503);
    expect(await decodeStatus(res)).toMatchObject({ code: grpc.status.UNAVAILABLE, message: 'data refused due to high memory usage' });
    failWith = new PermanentError(new Error('bad data'));
    res = await post('/v1/traces', JSON.stringify(sample.traces(1).toJSON()), JSON_TYPE);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ code: grpc.status.INTERNAL, message: 'Permanent error: bad data' });
  });

  describe('gRPC', () => {
    const clients = new Map<Signal, grpc.Client>();
    const exportOver = (signal: Signal, bytes: Uint8Array) => {
      const definition = rawExportService(signal).Export;
      let client = clients.get(signal);
      if (!client) clients.set(signal, (client = new grpc.Client(grpcAddress, grpc.credentials.createInsecure())));
      return new Promise<Buffer>((resolve, reject) => {
        client!.makeUnaryRequest(definition.path, definition.requestSerialize, definition.responseDeserialize, bytes,
          (err: grpc.ServiceError | null, response?: Buffer) => (err ? reject(err) : resolve(response!)));
      });
    };
    afterAll(() => clients.forEach((client) => client.close()));

    test.each(['traces', 'metrics', 'logs'] as Signal[])('%s pass through byte-identical', async (signal) => {
      const bytes = sample[signal](4).toProto();
      await exportOver(signal, bytes);
      expect(received).toHaveLength(1);
      expect(Buffer.from(received[0].toProto()).equals(Buffer.from(bytes))).toBe(true);
    });

    test('malformed protobuf is INVALID_ARGUMENT and the server keeps serving', async () => {
      await expect(exportOver('traces', Uint8Array.from([0x0a, 0x05, 0x01]))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
      await exportOver('traces', sample.traces(1).toProto());
      expect(received).toHaveLength(1);
    });

    test('messages over max_recv_msg_size_mib are RESOURCE_EXHAUSTED', async () => {
      const big = sample.logs(100_000).toProto();
      expect(big.length).toBeGreaterThan(1024 * 1024);
      await expect(exportOver('logs', big)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    });

    test('pipeline errors map to UNAVAILABLE and INTERNAL', async () => {
      failWith = new Error('try later');
      await expect(exportOver('metrics', sample.metrics(1).toProto())).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'try later' });
      failWith = new PermanentError(new Error('never'));
      await expect(exportOver('metrics', sample.metrics(1).toProto())).rejects.toMatchObject({ code: grpc.status.INTERNAL, details: 'Permanent error: never' });
    });

    test('empty requests succeed without reaching the pipeline', async () => {
      failWith = new Error('must not be called');
      await exportOver('logs', new Uint8Array(0));
      expect(received).toHaveLength(0);
    });
  });
});

describe('OTLP receiver feeding a pipeline that checks its own input (as the engine does)', () => {
  let receiver: OTLPReceiver;
  let httpURL: string;
  const handed: Uint8Array[] = [];
  let retryable = false;

  beforeAll(async () => {
    const httpPort = await freePort();
    httpURL = `http://127.0.0.1:${httpPort}`;
    receiver = new OTLPReceiver(testSettings('otlp'), { protocols: { http: { ...defaultHTTPServerConfig(), endpoint: `127.0.0.1:${httpPort}` } } });
    const checking = newTraces(async (_ctx, data) => {
      handed.push(data.toProto());
      if (retryable) throw new Error('engine paused');
      try {
        data.validate();
      } catch {
        throw new PermanentError(new Error('malformed, in the consumer\'s words'));
      }
    }, { capabilities: { mutatesData: false, validatesData: true } });
    receiver.setConsumer('traces', checking);
    await receiver.start({ getExtensions: () => new Map() });
  });

  afterAll(() => receiver.shutdown());

  beforeEach(() => {
    handed.length = 0;
    retryable = false;
  });

  const post = (body: Uint8Array) => fetch(`${httpURL}/v1/traces`, { method: 'POST', headers: PROTOBUF, body });
  const statusOf = async (res: Response) => otlp.rpc.Status.decode(new Uint8Array(await res.arrayBuffer()));

  // scenario: a malformed request whose only consumer checks input itself / guarantee: the bytes reach it unchecked,
  // and its refusal is answered 400 INVALID_ARGUMENT with the receiver's own words, as if checked first
  test('a malformed request is handed on unchecked and its refusal answered as malformed', async () => {
    // { resource_spans { scope_spans { spans { name: C3 28 } } } }: one span, whose name is not UTF-8.
    const malformed = Uint8Array.from([0x0a, 0x08, 0x12, 0x06, 0x12, 0x04, 0x2a, 0x02, 0xc3, 0x28]);
    const res = await post(malformed);
    expect(handed.map((bytes) => Buffer.from(bytes).toString('hex'))).toEqual([Buffer.from(malformed).toString('hex')]);
    expect(res.status).toBe(400);
    expect(await statusOf(res)).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, message: expect.stringMatching(/^invalid protobuf: .*invalid UTF-8/) });
  });

  // scenario: malformed bytes that hold no item, so nothing is handed on / guarantee: still a 400, never a 200
  test('a malformed request without items is a 400 without reaching the pipeline', async () => {
    const res = await post(Uint8Array.from([0x0a, 0x04, 0x0a, 0x02, 0x0a, 0x09]));
    expect(res.status).toBe(400);
    expect(handed).toHaveLength(0);
  });

  // scenario: valid data refused as retryable, and valid data accepted / guarantee: 503 and 200, the check finding nothing
  test('valid data keeps the pipeline\'s answer', async () => {
    retryable = true;
    expect((await post(sample.traces(2).toProto())).status).toBe(503);
    retryable = false;
    expect((await post(sample.traces(2).toProto())).status).toBe(200);
    expect(handed).toHaveLength(2);
  });
});
