// OTAP (OpenTelemetry Arrow) between two tandems: the first receives OTLP from the OpenTelemetry JS SDK and sends it
// both to its own file exporter and, translated to OTAP, over an Arrow stream (rust_otap_grpc) to the second, whose
// rust_otap receiver translates it back for its file exporter. The two files must hold the same data.
import { join } from 'node:path';
import { Collector, freePort, otlpConfig, tempDir } from './collector';
import { send, written, type Json } from './sdk';

const KEYS = { traces: 'resourceSpans', metrics: 'resourceMetrics', logs: 'resourceLogs' } as const;

/** Polls until `read` returns something non-empty (the second tandem writes after the first answered its client). */
async function eventually(read: () => Json[], timeoutMs = 10_000): Promise<Json[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = read();
    if (got.length > 0 || Date.now() > deadline) return got;
    await new Promise((done) => setTimeout(done, 50));
  }
}

describe('tandem -> rust_otap_grpc -> OTAP -> rust_otap -> second tandem', () => {
  let first: Collector;
  let second: Collector;
  let firstGrpc: number;
  let firstHttp: number;
  let arrowPort: number;
  let firstOut: string;
  let secondOut: string;

  const startSecond = () =>
    Collector.start(
      `receivers:
  rust_otap:
    endpoint: 127.0.0.1:${arrowPort}
exporters:
  file:
    path: ${secondOut}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
${['traces', 'metrics', 'logs'].map((s) => `    ${s}:\n      receivers: [rust_otap]\n      exporters: [file]\n`).join('')}`,
      [arrowPort],
    );

  beforeAll(async () => {
    arrowPort = await freePort();
    secondOut = join(tempDir(), 'second.jsonl');
    second = await startSecond();
    [firstGrpc, firstHttp] = [await freePort(), await freePort()];
    firstOut = join(tempDir(), 'first.jsonl');
    first = await Collector.start(
      otlpConfig(firstGrpc, firstHttp, `  file:\n    path: ${firstOut}\n  rust_otap_grpc:\n    endpoint: 127.0.0.1:${arrowPort}\n`),
      [firstGrpc, firstHttp],
    );
  });

  afterAll(async () => {
    expect(await first?.stop()).toBe(0);
    expect(await second?.stop()).toBe(0);
  });

  test.each(['traces', 'metrics', 'logs'] as const)('%s arrive at the second tandem exactly as the first received them', async (signal) => {
    const run = `otap-${signal}`;
    const sent = await send(signal, 'grpc', `127.0.0.1:${firstGrpc}`, run);
    expect(sent.length).toBeGreaterThan(0);
    const direct = written(firstOut, KEYS[signal], run);
    expect(direct.length).toBeGreaterThan(0);
    const viaOtap = await eventually(() => written(secondOut, KEYS[signal], run));
    expect(viaOtap).toEqual(direct);
  });

  test('while the second tandem is down clients get 503; once it is back a new stream carries the data', async () => {
    const postLog = (body: string) =>
      fetch(`http://127.0.0.1:${firstHttp}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          resourceLogs: [{ resource: { attributes: [{ key: 'test.run', value: { stringValue: 'otap-restart' } }] }, scopeLogs: [{ logRecords: [{ body: { stringValue: body } }] }] }],
        }),
      });
    expect(await second.stop()).toBe(0);
    expect((await postLog('while down')).status).toBe(503);
    second = await startSecond();
    // As an OTLP client does, retry 503s: the exporter's connection may still be in its reconnect backoff.
    let status = 503;
    for (const deadline = Date.now() + 10_000; status === 503 && Date.now() < deadline; await new Promise((r) => setTimeout(r, 200))) {
      status = (await postLog('after restart')).status;
    }
    expect(status).toBe(200);
    const bodies = written(secondOut, 'resourceLogs', 'otap-restart').flatMap((rl) => rl.scopeLogs.flatMap((sl: Json) => sl.logRecords.map((r: Json) => r.body.stringValue)));
    expect(bodies).toEqual(['after restart']);
  });
});
