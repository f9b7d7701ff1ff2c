// Many callers at once: 1,000 gRPC Export calls in flight together on one channel, through the engine.
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort } from '../test/collector';
import { RawExportClient, traceRequest } from '../test/otlp';
import { matrixConfig, RUST_BATCH, SMALL_RINGS } from './config';
import { recordFigures, rssMiB, Sink } from './harness';

const CALLS = 1_000;

// scenario: 1,000 concurrent Export calls (10 spans each) through otlp -> rust_batch -> otlp_grpc / guarantee: every
// call is answered; every one answered OK has all its spans at the destination; none fails for a reason other than
// a retryable refusal (and with these limits, none fails at all)
test('1,000 concurrent gRPC calls are all answered and nothing acknowledged is lost', async () => {
  const sink = await Sink.start(await freePort());
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const yaml = matrixConfig({ grpcPort, httpPort, sinkAddress: sink.address, runtime: ['mode: spawn', ...SMALL_RINGS], processors: RUST_BATCH });
  const collector = await Collector.start(yaml, [grpcPort, httpPort]);
  const channel = new RawExportClient(`127.0.0.1:${grpcPort}`);
  try {
    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: CALLS }, (_, i) =>
      channel.export('traces', traceRequest(`call${i}`, 10).bytes, 60_000).then(() => 'OK', (err: grpc.ServiceError) => grpc.status[err.code])));
    const seconds = (Date.now() - started) / 1000;
    const ok = answers.flatMap((answer, i) => (answer === 'OK' ? [i] : []));
    const lost = ok.filter((i) => !Array.from({ length: 10 }, (_, j) => `call${i}-${j}`).every((name) => sink.received.traces.has(name)));
    const counts = answers.reduce<Record<string, number>>((c, a) => ({ ...c, [a]: (c[a] ?? 0) + 1 }), {});
    recordFigures('1,000 concurrent gRPC calls', { calls: CALLS, answers: counts, lost: lost.length, seconds, host_rss_mib: rssMiB(collector.process.pid!) });
    expect(lost).toEqual([]);
    expect(counts).toEqual({ OK: CALLS });
  } finally {
    channel.close();
    expect(await collector.stop()).toBe(0);
    sink.down();
  }
});
