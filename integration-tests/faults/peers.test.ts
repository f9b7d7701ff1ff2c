// Faults of the two processes under continuous load, in both modes: SIGKILL and SIGSTOP of the engine, then of the
// host. The load client records what the collector acknowledged; everything acknowledged must have reached the
// destination, and after each fault the collector must serve again by itself (the host only restarted by the test
// after its own SIGKILL, as a supervisor would).
import fs from 'node:fs';
import path from 'node:path';
import { AttachedEngine, Collector, freePort, tempDir, until } from '../test/collector';
import { matrixConfig, RUST_BATCH, SMALL_RINGS } from './config';
import { account, Load, records, recordFigures, recoveryMs, rssMiB, Sink } from './harness';

/** How long a paused peer stays paused: longer than the 5 s heartbeat, so that its session ends. */
const PAUSE_MS = 6_000;

interface Setup {
  sink: Sink;
  ports: { grpc: number; http: number };
  yaml: string;
}

async function setup(runtime: string[]): Promise<Setup> {
  const sink = await Sink.start(await freePort());
  const ports = { grpc: await freePort(), http: await freePort() };
  const yaml = matrixConfig({ grpcPort: ports.grpc, httpPort: ports.http, sinkAddress: sink.address, runtime, processors: RUST_BATCH });
  return { sink, ports, yaml };
}

/** Waits until the destination has received `more` new items of each signal: the collector serves both transports. */
async function flowing(sink: Sink, more = 100): Promise<void> {
  const base = { traces: sink.received.traces.size, logs: sink.received.logs.size };
  const grown = () => sink.received.traces.size >= base.traces + more && sink.received.logs.size >= base.logs + more;
  await until(`${more} more spans and log records at the destination`, () => (grown() ? true : undefined), 30_000);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pauses a process for PAUSE_MS (the fault's length, not a wait for anything), then lets it run again. */
async function stopFor(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  await pause(PAUSE_MS);
  process.kill(pid, 'SIGCONT');
}

// scenario: spawn mode under load: SIGKILL the engine, SIGSTOP it past the heartbeat, SIGSTOP the host past the
// heartbeat, SIGKILL the host (started again on the same ports) / guarantee: after each fault the collector serves
// again by itself (a new engine on new rings); nothing acknowledged is lost
test('spawn mode: SIGKILL and SIGSTOP of engine and host under load lose nothing acknowledged', async () => {
  const { sink, ports, yaml } = await setup(['mode: spawn', ...SMALL_RINGS]);
  let collector = await Collector.start(yaml, [ports.grpc, ports.http]);
  const load = await Load.start('spawn', ports);
  const faults: Record<string, number> = {};
  try {
    await flowing(sink);
    const enginePid = () => (records(collector.output, 'Engine restarted').at(-1) ?? records(collector.output, 'Engine ready')[0]).pid as number;
    const rssAtStart = { host: rssMiB(collector.process.pid!), engine: rssMiB(enginePid()) };

    faults['engine SIGKILL'] = Date.now();
    process.kill(enginePid(), 'SIGKILL');
    await until('the restart', () => records(collector.output, 'Engine restarted')[0], 15_000);
    await flowing(sink);

    faults['engine SIGSTOP'] = Date.now();
    const paused = enginePid();
    process.kill(paused, 'SIGSTOP');
    await until('the host to end the session', () => records(collector.output, 'Engine restarted')[1], 15_000);
    await flowing(sink);

    faults['host SIGSTOP'] = Date.now();
    await stopFor(collector.process.pid!);
    await until('a new engine', () => records(collector.output, 'Engine restarted')[2], 15_000);
    await flowing(sink);
    const rssAtEnd = { host: rssMiB(collector.process.pid!), engine: rssMiB(enginePid()) };

    faults['host SIGKILL'] = Date.now();
    const orphan = enginePid();
    collector.process.kill('SIGKILL');
    await until('the engine to go with its host', () => (fs.existsSync(`/proc/${orphan}`) ? undefined : true));
    collector = await Collector.start(yaml, [ports.grpc, ports.http]);
    await flowing(sink);

    const report = await load.stop();
    const figures = account(report, sink);
    const recovery = Object.fromEntries(Object.entries(faults).map(([fault, at]) => [fault, recoveryMs(report, at)]));
    recordFigures('spawn mode: SIGKILL and SIGSTOP of engine and host', { ...figures, lost: figures.lost.length, recovery_ms: recovery, rss_mib: { start: rssAtStart, end: rssAtEnd } });
    expect(figures.lost).toEqual([]);
    expect(figures.acked).toBeGreaterThan(1000);
  } finally {
    await load.stop();
    await collector.stop();
    sink.down();
  }
});

// scenario: attach mode (two terminals) under load: SIGKILL the engine and start it again, SIGSTOP it past the
// heartbeat, SIGSTOP the host past the heartbeat, SIGKILL the host and start a new one / guarantee: the host
// re-attaches by itself, the engine accepts the next host; nothing acknowledged is lost, no ring file is left
test('attach mode: SIGKILL and SIGSTOP of engine and host under load lose nothing acknowledged', async () => {
  const dir = tempDir('tandem-faults-');
  const shm = path.join(dir, 'shm');
  fs.mkdirSync(shm);
  const socket = path.join(dir, 'control.sock');
  let engine = await AttachedEngine.start(socket);
  const { sink, ports, yaml } = await setup(['mode: attach', `endpoint: unix://${socket}`, ...SMALL_RINGS, `  shm_dir: ${shm}`]);
  let collector = await Collector.start(yaml, [ports.grpc, ports.http]);
  const load = await Load.start('attach', ports);
  const faults: Record<string, number> = {};
  try {
    await flowing(sink);
    const rssAtStart = { host: rssMiB(collector.process.pid!), engine: rssMiB(engine.pid()) };

    faults['engine SIGKILL'] = Date.now();
    process.kill(engine.pid(), 'SIGKILL');
    await until('the host to notice', () => records(collector.output, 'Engine session ended; requests in flight failed as retryable; building a new one')[0]);
    await engine.stop();
    engine = await AttachedEngine.start(socket);
    await until('the re-attach', () => records(collector.output, 'Engine re-attached')[0], 15_000);
    await flowing(sink);

    faults['engine SIGSTOP'] = Date.now();
    process.kill(engine.pid(), 'SIGSTOP');
    await until('the host to end the session', () => records(collector.output, 'Engine session ended; requests in flight failed as retryable; building a new one')[1], 15_000);
    process.kill(engine.pid(), 'SIGCONT');
    await until('the re-attach', () => records(collector.output, 'Engine re-attached')[1], 15_000);
    await flowing(sink);

    faults['host SIGSTOP'] = Date.now();
    await stopFor(collector.process.pid!);
    await until('the re-attach', () => records(collector.output, 'Engine re-attached')[2], 15_000);
    await flowing(sink);
    const rssAtEnd = { host: rssMiB(collector.process.pid!), engine: rssMiB(engine.pid()) };

    faults['host SIGKILL'] = Date.now();
    const killed = collector.process.pid!;
    collector.process.kill('SIGKILL');
    await until('the engine to drop the host', () => (engine.log.includes('host gone: its rings and deployment were dropped') ? true : undefined));
    collector = await Collector.start(yaml, [ports.grpc, ports.http]);
    await flowing(sink);
    expect(fs.readdirSync(shm)).toEqual([`tandem-${collector.process.pid}-0.ring`]); // nothing of the killed host's
    expect(killed).not.toBe(collector.process.pid);

    const report = await load.stop();
    const figures = account(report, sink);
    const recovery = Object.fromEntries(Object.entries(faults).map(([fault, at]) => [fault, recoveryMs(report, at)]));
    recordFigures('attach mode: SIGKILL and SIGSTOP of engine and host', { ...figures, lost: figures.lost.length, recovery_ms: recovery, rss_mib: { start: rssAtStart, end: rssAtEnd } });
    expect(figures.lost).toEqual([]);
    expect(figures.acked).toBeGreaterThan(1000);
  } finally {
    await load.stop();
    await collector.stop();
    await engine.stop();
    sink.down();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
