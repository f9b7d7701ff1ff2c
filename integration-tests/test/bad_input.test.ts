// Bad input over HTTP and gRPC gets the Go receiver's status and body, and the collector keeps serving.
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort, otlpConfig, tempDir } from './collector';
import { exportRaw, traceRequest } from './otlp';

describe('bad input', () => {
  let collector: Collector;
  let grpcPort: number;
  let url: string;

  beforeAll(async () => {
    [grpcPort] = [await freePort()];
    const httpPort = await freePort();
    url = `http://127.0.0.1:${httpPort}`;
    const maxSize = '        max_recv_msg_size_mib: 1\n';
    const yaml = otlpConfig(grpcPort, httpPort, `  file:\n    path: ${join(tempDir(), 'out.jsonl')}\n`, [], maxSize)
      .replace(`endpoint: 127.0.0.1:${httpPort}`, `endpoint: 127.0.0.1:${httpPort}\n        max_request_body_size: 65536`);
    collector = await Collector.start(yaml, [grpcPort, httpPort]);
  });

  afterAll(async () => {
    expect(await collector.stop()).toBe(0);
  });

  const post = (path: string, body: Uint8Array | string, headers: Record<string, string>, method = 'POST') =>
    fetch(`${url}${path}`, { method, headers, body: method === 'POST' ? body : undefined });
  const protobuf = { 'content-type': 'application/x-protobuf' };
  const json = { 'content-type': 'application/json' };

  /** google.rpc.Status { code = 1; message = 2 } decoded by hand, so the test does not trust the host's decoder. */
  function decodeStatus(body: Buffer): { code: number; message: string } {
    let code = 0;
    let message = '';
    for (let pos = 0; pos < body.length;) {
      const tag = body[pos++];
      let value = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = body[pos++];
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) break;
      }
      if (tag === 0x08) code = value;
      else if (tag === 0x12) {
        message = body.subarray(pos, pos + value).toString('utf8');
        pos += value;
      }
    }
    return { code, message };
  }

  async function expectServing(): Promise<void> {
    expect((await post('/v1/traces', traceRequest('ok', 1).bytes, protobuf)).status).toBe(200);
    await exportRaw('traces', `127.0.0.1:${grpcPort}`, traceRequest('ok', 1).bytes);
  }

  test('wrong method: 405', async () => {
    const res = await post('/v1/traces', '', protobuf, 'GET');
    expect(res.status).toBe(405);
    expect(await res.text()).toBe('405 method not allowed, supported: [POST]');
    await expectServing();
  });

  test('wrong content type: 415', async () => {
    const res = await post('/v1/logs', 'hello', { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(await res.text()).toBe('415 unsupported media type, supported: [application/json, application/x-protobuf]');
    await expectServing();
  });

  test('malformed protobuf: 400 with a protobuf Status', async () => {
    const res = await post('/v1/traces', Buffer.from([0x0a, 0x10, 0x01]), protobuf);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(decodeStatus(Buffer.from(await res.arrayBuffer())).code).toBe(3);
    await expectServing();
  });

  // scenario: a well-formed request whose span name is invalid UTF-8 (C3 28), over HTTP and gRPC / guarantee: refused
  // at the receiver as the data's fault (400 / INVALID_ARGUMENT, never a retryable 503), and the collector keeps serving
  test('invalid UTF-8 in a string field: 400 / INVALID_ARGUMENT', async () => {
    const valid = traceRequest('ok', 1).bytes;
    const bad = Buffer.from(valid);
    bad.set([0xc3, 0x28], bad.indexOf(Buffer.from('ok-0'))); // same length, so every length prefix still holds
    const res = await post('/v1/traces', bad, protobuf);
    expect(res.status).toBe(400);
    expect(decodeStatus(Buffer.from(await res.arrayBuffer()))).toEqual({ code: 3, message: expect.stringContaining('Span.name: string field contains invalid UTF-8') });
    await expect(exportRaw('traces', `127.0.0.1:${grpcPort}`, bad)).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expectServing();
  });

  test('malformed JSON: 400 with a JSON Status', async () => {
    const res = await post('/v1/metrics', '{"resourceMetrics": [{', json);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 3, message: expect.any(String) });
    await expectServing();
  });

  test('oversized body: 413, plain or gzip', async () => {
    const big = traceRequest('big', 5000).bytes;
    expect((await post('/v1/traces', big, protobuf)).status).toBe(413);
    expect((await post('/v1/traces', zlib.gzipSync(big), { ...protobuf, 'content-encoding': 'gzip' })).status).toBe(413);
    await expectServing();
  });

  test('malformed protobuf over gRPC: INVALID_ARGUMENT', async () => {
    await expect(exportRaw('logs', `127.0.0.1:${grpcPort}`, Buffer.from([0xff, 0xff]))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expectServing();
  });

  test('oversized gRPC message: RESOURCE_EXHAUSTED', async () => {
    const big = traceRequest('big', 40_000).bytes;
    expect(big.length).toBeGreaterThan(1024 * 1024);
    await expect(exportRaw('traces', `127.0.0.1:${grpcPort}`, big)).rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    await expectServing();
  });
});
