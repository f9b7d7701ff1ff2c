// The destination goes away under load and comes back: the collector holds what it accepted (retrying it), the
// clients see failures or slow answers meanwhile, and once the destination is back everything acknowledged is there.
import { Collector, freePort, until } from '../test/collector';
import { matrixConfig, RUST_BATCH, SMALL_RINGS } from './config';
import { account, Load, recordFigures, recoveryMs, Sink } from './harness';

/** How long the destination stays away (the fault's length, not a wait for anything). */
const DOWN_MS = 5_000;

// scenario: load through otlp -> rust_batch -> otlp_grpc; the destination refuses connections for 5 s, then serves
// again on the same port / guarantee: nothing acknowledged is lost; the collector recovers by itself (its exporter
// retries), and the time until clients succeed again is recorded
test('a destination down, then back: nothing acknowledged is lost', async () => {
  const sink = await Sink.start(await freePort());
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const yaml = matrixConfig({ grpcPort, httpPort, sinkAddress: sink.address, runtime: ['mode: spawn', ...SMALL_RINGS], processors: RUST_BATCH });
  const collector = await Collector.start(yaml, [grpcPort, httpPort]);
  const load = await Load.start('destination', { grpc: grpcPort, http: httpPort });
  try {
    await until('load at the destination', () => (sink.received.traces.size > 200 && sink.received.logs.size > 200 ? true : undefined), 30_000);
    sink.down();
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    await sink.up();
    const upAt = Date.now();
    const before = { traces: sink.received.traces.size, logs: sink.received.logs.size };
    await until('load after the destination came back', () => (sink.received.traces.size > before.traces + 200 && sink.received.logs.size > before.logs + 200 ? true : undefined), 30_000);
    const report = await load.stop();
    const figures = account(report, sink);
    recordFigures('destination down 5 s, then back', { ...figures, lost: figures.lost.length, recovery_after_up_ms: recoveryMs(report, upAt), outage_ms: recoveryMs(report, downAt) });
    expect(figures.lost).toEqual([]);
  } finally {
    await load.stop();
    expect(await collector.stop()).toBe(0);
    sink.down();
  }
});
