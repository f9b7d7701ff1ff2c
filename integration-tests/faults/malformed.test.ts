// 10,000 malformed and mutated requests for the three signals, over OTLP/HTTP (protobuf, JSON, gzip) and OTLP/gRPC,
// with 1,000 valid requests interleaved, through the host's `batch` and the engine's `rust_batch`. A request the
// data makes invalid is refused as the client's fault (400 / INVALID_ARGUMENT), one that a mutation left valid is
// accepted; nothing is ever answered as the collector's fault or as retryable, and every valid request succeeds and
// arrives.
import * as zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort } from '../test/collector';
import { logRequest, metricRequest, RawExportClient, traceRequest } from '../test/otlp';
import { matrixConfig, SMALL_RINGS } from './config';
import { recordFigures, rssMiB, Sink, type Signal } from './harness';

const MALFORMED = 10_000;
const VALID_EVERY = 10;
const CONCURRENCY = 16;

const BUILD: Record<Signal, (prefix: string, count: number) => { bytes: Buffer }> = { traces: traceRequest, metrics: metricRequest, logs: logRequest };
const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

/** A small deterministic generator (xorshift32), so that a failure can be replayed from its index. */
function random(seed: number): () => number {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

/** A request body; `invalid` when the mutation surely made it invalid OTLP, so that it must be refused. */
type Body = { bytes: Buffer; contentType: string; encoding?: string; invalid?: boolean };

/** One mutation of a valid request; each keeps some structure so that it reaches deep into the decoder. */
function mutate(valid: Buffer, rnd: () => number): Body {
  const at = () => Math.floor(rnd() * valid.length);
  const bytes = Buffer.from(valid);
  const protobuf = (b: Buffer): Body => ({ bytes: b, contentType: 'application/x-protobuf' });
  switch (Math.floor(rnd() * 9)) {
    case 0: // flip bits of a few bytes
      for (let i = 0; i < 1 + rnd() * 3; i++) bytes[at()] ^= 1 << Math.floor(rnd() * 8);
      return protobuf(bytes);
    case 1: // truncated
      return protobuf(bytes.subarray(0, at()));
    case 2: // garbage inserted
      return protobuf(Buffer.concat([bytes.subarray(0, at()), Buffer.from(Array.from({ length: 1 + rnd() * 8 }, () => Math.floor(rnd() * 256))), bytes.subarray(at())]));
    case 3: // a byte set to a large varint continuation, as a wild length prefix
      bytes[at()] = 0xff;
      return protobuf(bytes);
    case 4: { // invalid UTF-8 (C3 28) in the middle of the item's name, lengths intact
      const i = bytes.lastIndexOf(0x2d); // the '-' of the name
      bytes.set([0xc3, 0x28], Math.max(0, i - 1));
      return { ...protobuf(bytes), invalid: true };
    }
    case 5: // random bytes
      return protobuf(Buffer.from(Array.from({ length: Math.floor(rnd() * 64) + 1 }, () => Math.floor(rnd() * 256))));
    case 6: // a slice repeated
      return protobuf(Buffer.concat([bytes, bytes.subarray(at(), at())]));
    case 7: // a gzip body cut short
      return { ...protobuf(zlib.gzipSync(bytes).subarray(0, 10 + Math.floor(rnd() * 10))), encoding: 'gzip', invalid: true };
    default: // JSON that is not OTLP/JSON
      return { bytes: Buffer.from(['{"resourceSpans": [{', '[]', '{"resourceLogs": 5}', 'null', '{"resourceMetrics":[{"scopeMetrics":[{"metrics":[{"gauge":7}]}]}]}'][Math.floor(rnd() * 5)]), contentType: 'application/json' };
  }
}

const HTTP_PATHS: Record<Signal, string> = { traces: '/v1/traces', metrics: '/v1/metrics', logs: '/v1/logs' };

async function sendHTTP(port: number, signal: Signal, body: Body): Promise<string> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${HTTP_PATHS[signal]}`, {
      method: 'POST',
      headers: { 'content-type': body.contentType, ...(body.encoding ? { 'content-encoding': body.encoding } : {}) },
      body: body.bytes,
    });
    await res.arrayBuffer();
    return String(res.status);
  } catch (err) {
    return `fetch: ${(err as Error).message}`;
  }
}

async function sendGRPC(client: RawExportClient, signal: Signal, bytes: Buffer): Promise<string> {
  try {
    await client.export(signal, bytes);
    return 'OK';
  } catch (err) {
    return grpc.status[(err as grpc.ServiceError).code] ?? (err as Error).message;
  }
}

// scenario: 10,000 mutated requests (bit flips, truncation, garbage, wild lengths, invalid UTF-8, random bytes,
// repeated slices, broken gzip, non-OTLP JSON) over HTTP and gRPC for traces, metrics and logs, a valid request every
// tenth, 16 at a time, through batch and rust_batch / guarantee: every valid request succeeds and arrives; every other
// answer is 200 / OK or 400 / INVALID_ARGUMENT, never 5xx, retryable or a dropped connection
test('10,000 malformed and mutated requests beside valid traffic: valid traffic all succeeds', async () => {
  const sink = await Sink.start(await freePort());
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const yaml = matrixConfig({
    grpcPort, httpPort, sinkAddress: sink.address, runtime: ['mode: spawn', ...SMALL_RINGS],
    processors: { batch: '    timeout: 5ms\n', rust_batch: '    timeout: 5ms\n' },
  });
  const collector = await Collector.start(yaml, [grpcPort, httpPort]);
  const channel = new RawExportClient(`127.0.0.1:${grpcPort}`);
  const rnd = random(20261201);
  const answers = { malformed: new Map<string, number>(), valid: new Map<string, number>() };
  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const validSent: Array<{ signal: Signal; name: string }> = [];
  const unexpected: Array<{ index: number; transport: string; signal: Signal; answer: string }> = [];
  const started = Date.now();
  try {
    const total = MALFORMED + MALFORMED / VALID_EVERY;
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < total; i = next++) {
        const signal = SIGNALS[i % 3];
        const grpcTransport = Math.floor(i / 3) % 2 === 0;
        if (i % (VALID_EVERY + 1) === VALID_EVERY) {
          const name = `valid-${i}`;
          validSent.push({ signal, name: `${name}-0` });
          const bytes = BUILD[signal](name, 1).bytes;
          const answer = grpcTransport ? await sendGRPC(channel, signal, bytes) : await sendHTTP(httpPort, signal, { bytes, contentType: 'application/x-protobuf' });
          count(answers.valid, `${grpcTransport ? 'grpc' : 'http'} ${answer}`);
          continue;
        }
        const body = mutate(BUILD[signal](`m${i}`, 2).bytes, rnd);
        const overGRPC = grpcTransport && body.contentType === 'application/x-protobuf' && !body.encoding; // gzip and JSON go by HTTP
        const answer = overGRPC ? await sendGRPC(channel, signal, body.bytes) : await sendHTTP(httpPort, signal, body);
        count(answers.malformed, `${overGRPC ? 'grpc' : 'http'} ${answer}`);
        const allowed = body.invalid ? ['400', 'INVALID_ARGUMENT'] : ['200', '400', 'OK', 'INVALID_ARGUMENT'];
        if (!allowed.includes(answer)) unexpected.push({ index: i, transport: overGRPC ? 'grpc' : 'http', signal, answer });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const lost = validSent.filter(({ signal, name }) => !sink.received[signal].has(name));
    recordFigures('10,000 malformed and mutated requests', {
      malformed: MALFORMED,
      valid: validSent.length,
      lost: lost.length,
      seconds: (Date.now() - started) / 1000,
      answers_malformed: Object.fromEntries(answers.malformed),
      answers_valid: Object.fromEntries(answers.valid),
      host_rss_mib: rssMiB(collector.process.pid!),
    });
    expect(unexpected).toEqual([]);
    expect([...answers.valid.keys()].sort()).toEqual(['grpc OK', 'http 200']);
    expect(lost).toEqual([]);
    expect(answers.malformed.get('http 400')).toBeGreaterThan(1000);
    expect(answers.malformed.get('grpc INVALID_ARGUMENT')).toBeGreaterThan(1000);
  } finally {
    channel.close();
    expect(await collector.stop()).toBe(0);
    sink.down();
  }
});
