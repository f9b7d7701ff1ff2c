// SIGTERM while clients keep sending: keep-alive HTTP connections that are never idle and a gRPC channel with calls
// back to back. The collector must stop accepting at once (503 with `Connection: close`, GOAWAY), answer what it had
// accepted, and exit well inside Kubernetes' 30 s grace period; what it acknowledged must have been exported.
import * as http from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort } from '../test/collector';
import { RawExportClient, traceRequest } from '../test/otlp';
import { matrixConfig, RUST_BATCH, SMALL_RINGS } from './config';
import { recordFigures, records, Sink } from './harness';

interface Outcome {
  name: string;
  sentAt: number;
  ok: boolean;
  status: string;
  connectionClose?: boolean;
}

/** Sends with `once` one request after another, recording each outcome, until `stop()`. */
function backToBack(prefix: string, outcomes: Outcome[], once: (name: string) => Promise<Outcome>, close = () => {}): { stop: () => Promise<void> } {
  let stopping = false;
  const loop = (async () => {
    for (let n = 0; !stopping; n++) {
      const outcome = await once(`${prefix}-${n}`);
      outcomes.push(outcome);
      // A refused connection fails at once: pace retries as a client would, instead of spinning.
      if (!outcome.ok) await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      stopping = true;
      await loop;
      close();
    },
  };
}

/** A client that sends one request after another on a kept-alive connection. */
function httpClient(port: number, agent: http.Agent, prefix: string, outcomes: Outcome[]) {
  return backToBack(prefix, outcomes, (name) =>
    new Promise<Outcome>((resolve) => {
      const sentAt = Date.now();
      const req = http.request({ host: '127.0.0.1', port, path: '/v1/traces', method: 'POST', agent, headers: { 'content-type': 'application/x-protobuf' } }, (res) => {
        res.resume();
        res.on('end', () => resolve({ name, sentAt, ok: res.statusCode === 200, status: String(res.statusCode), connectionClose: res.headers.connection === 'close' }));
      });
      req.on('error', (err) => resolve({ name, sentAt, ok: false, status: (err as NodeJS.ErrnoException).code ?? err.message }));
      req.end(traceRequest(name, 1).bytes);
    }));
}

/** Unary Export calls back to back on one channel. */
function grpcClient(port: number, prefix: string, outcomes: Outcome[]) {
  const client = new RawExportClient(`127.0.0.1:${port}`);
  return backToBack(prefix, outcomes, async (name) => {
    const sentAt = Date.now();
    try {
      await client.export('traces', traceRequest(name, 1).bytes, 10_000);
      return { name, sentAt, ok: true, status: 'OK' };
    } catch (err) {
      return { name, sentAt, ok: false, status: grpc.status[(err as grpc.ServiceError).code] };
    }
  }, () => client.close());
}

// scenario: four keep-alive HTTP clients and a gRPC client send continuously through otlp -> rust_batch ->
// otlp_grpc while the collector gets SIGTERM / guarantee: it exits 0 within seconds; no request sent after the
// signal had been handled is accepted (HTTP ones get 503 with Connection: close, or a refused connection); every
// acknowledged span reached the destination
test('SIGTERM under continuous load: stops accepting at once, drains, exits within the bound', async () => {
  const sink = await Sink.start(await freePort());
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const yaml = matrixConfig({ grpcPort, httpPort, sinkAddress: sink.address, runtime: ['mode: spawn', ...SMALL_RINGS], processors: RUST_BATCH });
  const collector = await Collector.start(yaml, [grpcPort, httpPort]);
  const outcomes: Outcome[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const clients = [...Array.from({ length: 4 }, (_, i) => httpClient(httpPort, agent, `http${i}`, outcomes)), grpcClient(grpcPort, 'grpc', outcomes)];
  try {
    const warm = () => outcomes.filter((o) => o.ok).length;
    while (warm() < 300) await new Promise((r) => setTimeout(r, 20)); // continuous load has been served for a while
    // A slower destination keeps accepted requests in flight during the drain, so the clients' next requests arrive
    // on connections that are busy, not idle, while the collector shuts down.
    sink.delayMs = 300;
    // Once an export is held by the delay, the batch gathers every other request behind it (none leaves while one
    // awaits its answer), so each client has one in flight when the signal comes.
    const before = sink.requests;
    while (sink.requests === before) await new Promise((r) => setTimeout(r, 5));
    const signalled = Date.now();
    const code = await collector.stop(); // one SIGTERM (a second one means: exit now)
    const exitedAfterMs = Date.now() - signalled;
    await Promise.all(clients.map((c) => c.stop()));

    expect(code).toBe(0);
    expect(exitedAfterMs).toBeLessThan(15_000); // the bound is 25 s; an idle drain takes far less
    const handled = records(collector.output, 'Received signal from OS')[0].time as number;
    // Requests sent once the signal had been handled (plus the time one takes to reach the server) are refused.
    const late = outcomes.filter((o) => o.sentAt > handled + 100);
    expect(late.length).toBeGreaterThan(0);
    expect(late.filter((o) => o.ok)).toEqual([]);
    const refusedOnOpenConnections = late.filter((o) => o.status === '503');
    expect(refusedOnOpenConnections.length).toBeGreaterThan(0);
    for (const o of refusedOnOpenConnections) expect(o.connectionClose).toBe(true);

    const acked = outcomes.filter((o) => o.ok);
    const lost = acked.filter((o) => !sink.received.traces.has(`${o.name}-0`));
    expect(lost).toEqual([]);
    recordFigures('SIGTERM under continuous load', {
      acked: acked.length,
      lost: lost.length,
      exit_ms: exitedAfterMs,
      accepted_after_signal: outcomes.filter((o) => o.ok && o.sentAt > handled).length,
      refused_503_connection_close: refusedOnOpenConnections.length,
      refused_other: late.filter((o) => o.status !== '503').map((o) => o.status).filter((s, i, all) => all.indexOf(s) === i),
    });
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    agent.destroy();
    await collector.stop();
    sink.down();
  }
});
