// Slow clients: connections that send their request a byte at a time and never finish, on both OTLP ports. They
// must not keep anyone else from being served, nor keep the collector from stopping in time.
import net from 'node:net';
import { Collector, freePort, until } from '../test/collector';
import { matrixConfig, RUST_BATCH, SMALL_RINGS } from './config';
import { account, Load, recordFigures, Sink } from './harness';

const SLOW_CONNECTIONS = 200;

/** A connection that sends `prefix`, then one byte of `rest` every `everyMs`, never the last one: it never finishes. */
function slowClient(port: number, prefix: string, rest: string, everyMs: number): { socket: net.Socket; connected: Promise<void>; stop: () => void } {
  const socket = net.connect(port, '127.0.0.1');
  let sent = 0;
  const timer = setInterval(() => {
    if (sent < rest.length - 1 && !socket.destroyed) socket.write(rest[sent++]);
  }, everyMs);
  const connected = new Promise<void>((resolve) => socket.on('connect', () => (socket.write(prefix), resolve())));
  socket.on('error', () => undefined);
  return { socket, connected, stop: () => (clearInterval(timer), socket.destroy()) };
}

// scenario: 200 connections trickling an HTTP request's headers and 200 trickling an HTTP/2 preface, all connected
// before the load client starts / guarantee: the load is served and nothing acknowledged is lost (the server may
// also drop silent connections itself); SIGTERM still ends the collector in time: the slow connections left are cut
// at the end of the receivers' 10 s drain
test('slowloris clients on both ports: others are served, shutdown is not held up', async () => {
  const sink = await Sink.start(await freePort());
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const yaml = matrixConfig({ grpcPort, httpPort, sinkAddress: sink.address, runtime: ['mode: spawn', ...SMALL_RINGS], processors: RUST_BATCH });
  const collector = await Collector.start(yaml, [grpcPort, httpPort]);
  const headers = 'POST /v1/logs HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nContent-Length: 100\r\nX-Slow: ' + 'a'.repeat(200) + '\r\n\r\n';
  const slow = [
    ...Array.from({ length: SLOW_CONNECTIONS }, () => slowClient(httpPort, 'POST /v1/tra', headers, 200)),
    ...Array.from({ length: SLOW_CONNECTIONS }, () => slowClient(grpcPort, 'PRI * HTTP/2.0\r\n', '\r\nSM\r\n\r\n', 200)),
  ];
  await Promise.all(slow.map((s) => s.connected)); // all 400 are there before the load starts
  const load = await Load.start('slowloris', { grpc: grpcPort, http: httpPort });
  try {
    await until('load at the destination', () => (sink.received.traces.size > 500 && sink.received.logs.size > 500 ? true : undefined), 30_000);
    const report = await load.stop();
    const figures = account(report, sink);
    const open = slow.filter((s) => !s.socket.destroyed).length;
    const stopping = Date.now();
    const code = await collector.stop();
    const exitMs = Date.now() - stopping;
    expect(code).toBe(0);
    recordFigures('slowloris: 400 slow connections', { ...figures, lost: figures.lost.length, slow_connections_still_open_after_load: open, exit_ms: exitMs });
    expect(figures.lost).toEqual([]);
    expect(exitMs).toBeLessThan(15_000);
  } finally {
    for (const s of slow) s.stop();
    await load.stop();
    await collector.stop();
    sink.down();
  }
});
