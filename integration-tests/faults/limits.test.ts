// Oversize at every limit a request meets (README "Limits"): the receivers' own limits, the ring's max_message_size
// that a request crossing into the engine meets, and rust_batch's byte bound, with small valid requests beside
// each. Valid data is never failed permanently for its size: it is split, or, when one item alone is too large,
// refused at the door as too large.
import * as zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort, until } from '../test/collector';
import { logRequest, RawExportClient } from '../test/otlp';
import { matrixConfig, SMALL_RINGS } from './config';
import { recordFigures, Sink } from './harness';

const KiB = 1024;
const MiB = 1024 * KiB;
/** The ring's max_message_size in SMALL_RINGS. */
const RING_LIMIT = 1 * MiB;

async function post(port: number, bytes: Buffer, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...headers }, body: bytes });
  await res.arrayBuffer();
  return res.status;
}

const grpcCode = (call: Promise<unknown>) => call.then(() => 'OK', (err: grpc.ServiceError) => grpc.status[err.code]);

// scenario: each limit in turn, with a small valid request after each / guarantee: over the receivers' limits 413 /
// RESOURCE_EXHAUSTED; over the ring's limit the request crosses in parts and every record arrives; one record larger
// than the ring takes is 413 / RESOURCE_EXHAUSTED (permanent, not 500, not retryable); batches never merge past the
// ring's limit on the way back to the host; the small requests all succeed
test('oversize at every limit: refused at the door or split, never a permanent failure of valid data', async () => {
  const sink = await Sink.start(await freePort());
  const [grpcPort, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  /** Requests that crossed into the engine so far (the host's ring counter). */
  const ringRequests = async () => {
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return Number(/^tandem_ring_requests_total\{direction="host_to_engine"\} (\d+)$/m.exec(metrics)![1]);
  };
  const yaml = matrixConfig({
    grpcPort, httpPort, sinkAddress: sink.address, runtime: ['mode: spawn', ...SMALL_RINGS],
    grpcExtra: '        max_recv_msg_size_mib: 2\n',
    httpExtra: '        max_request_body_size: 3145728\n', // 3 MiB
    processors: { rust_batch: '    timeout: 2s\n    send_batch_size_bytes: 262144\n' }, // holds up to 256 KiB for 2 s
    metricsPort,
  });
  const collector = await Collector.start(yaml, [grpcPort, httpPort, metricsPort]);
  const channel = new RawExportClient(`127.0.0.1:${grpcPort}`);
  const answers: Record<string, string | number> = {};
  const arrived = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${i}`).every((n) => sink.received.logs.has(n));
  let small = 0;
  const smallOneSucceeds = async () => {
    const prefix = `small${small++}`;
    const both = await Promise.all([post(httpPort, logRequest(prefix, 1).bytes), grpcCode(channel.export('logs', logRequest(`${prefix}g`, 1).bytes))]);
    expect(both).toEqual([200, 'OK']);
    expect(arrived(prefix, 1) && arrived(`${prefix}g`, 1)).toBe(true);
  };
  try {
    // The receivers' limits.
    const over3MiB = logRequest('http-over', 400, 8 * KiB).bytes;
    expect(over3MiB.length).toBeGreaterThan(3 * MiB);
    answers['HTTP body over max_request_body_size'] = await post(httpPort, over3MiB);
    answers['HTTP gzip body that inflates past max_request_body_size'] = await post(httpPort, zlib.gzipSync(over3MiB), { 'content-encoding': 'gzip' });
    answers['gRPC message over max_recv_msg_size_mib'] = await grpcCode(channel.export('logs', logRequest('grpc-over', 300, 8 * KiB).bytes));
    expect(answers).toEqual({
      'HTTP body over max_request_body_size': 413,
      'HTTP gzip body that inflates past max_request_body_size': 413,
      'gRPC message over max_recv_msg_size_mib': 'RESOURCE_EXHAUSTED',
    });
    await smallOneSucceeds();

    // Larger than the ring takes, under the receivers' limits: it crosses in parts.
    const overRing = logRequest('split-http', 300, 8 * KiB).bytes;
    expect(overRing.length).toBeGreaterThan(2 * RING_LIMIT);
    answers['HTTP request over max_message_size'] = await post(httpPort, overRing);
    answers['gRPC request over max_message_size'] = await grpcCode(channel.export('logs', logRequest('split-grpc', 180, 8 * KiB).bytes));
    expect(answers['HTTP request over max_message_size']).toBe(200);
    expect(answers['gRPC request over max_message_size']).toBe('OK');
    expect(arrived('split-http', 300) && arrived('split-grpc', 180)).toBe(true);
    await smallOneSucceeds();

    // One record larger than the ring takes: nothing can carry it into the engine.
    const oneHugeRecord = logRequest('huge', 1, RING_LIMIT + 10 * KiB).bytes;
    answers['HTTP record over max_message_size'] = await post(httpPort, oneHugeRecord);
    answers['gRPC record over max_message_size'] = await grpcCode(channel.export('logs', oneHugeRecord));
    expect(answers['HTTP record over max_message_size']).toBe(413);
    expect(answers['gRPC record over max_message_size']).toBe('RESOURCE_EXHAUSTED');
    await smallOneSucceeds();

    // rust_batch holds one request of 200 KiB when one of 900 KiB arrives: merged they would pass the ring's limit on
    // the way back to the host; rust_batch sends the first before it would pass its 256 KiB.
    const crossed = await ringRequests();
    const pending = post(httpPort, logRequest('pending', 25, 8 * KiB).bytes);
    await until('the first request in the engine', async () => (crossed < (await ringRequests()) ? true : undefined));
    answers['rust_batch merging past max_message_size'] = [await post(httpPort, logRequest('large', 110, 8 * KiB).bytes), await pending].join(',');
    expect(answers['rust_batch merging past max_message_size']).toBe('200,200');
    expect(arrived('pending', 25) && arrived('large', 110)).toBe(true);
    await smallOneSucceeds();
    recordFigures('oversize at every limit', { answers });
  } finally {
    channel.close();
    expect(await collector.stop()).toBe(0);
    sink.down();
  }
});
