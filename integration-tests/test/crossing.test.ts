// Data crossing from the engine to the host: the engine's own OTLP receiver (`rust_otlp`), fed by the OpenTelemetry
// JS SDK's gRPC exporters, hands each request over the ring to the host's pipeline, whose `file` exporter writes it.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { Collector, freePort, tempDir } from './collector';
import { attr, send, written } from './sdk';

function config(enginePort: number, httpPort: number, out: string): string {
  const pipeline = (signal: string) => `    ${signal}:\n      receivers: [rust_otlp, otlp]\n      exporters: [file]\n`;
  return `runtime:
  rust:
    mode: spawn
    ipc:
      buffer_size: 4MiB
      max_message_size: 1MiB
receivers:
  rust_otlp:
    endpoint: 127.0.0.1:${enginePort}
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
exporters:
  file:
    path: ${out}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
${['traces', 'metrics', 'logs'].map(pipeline).join('')}`;
}

describe('engine receiver -> ring -> host exporter', () => {
  let collector: Collector;
  let enginePort: number;
  let out: string;

  beforeAll(async () => {
    const httpPort = await freePort();
    enginePort = await freePort();
    out = join(tempDir(), 'out.jsonl');
    collector = await Collector.start(config(enginePort, httpPort, out), [enginePort, httpPort]);
  });

  afterAll(async () => {
    expect(await collector?.stop()).toBe(0);
  });

  test('traces sent to the engine arrive intact in the host', async () => {
    const sent = await send('traces', 'grpc', `127.0.0.1:${enginePort}`, 'cross-traces');
    const spans = written(out, 'resourceSpans', 'cross-traces').flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
    expect(spans.map((s: any) => [s.traceId, s.spanId, s.name, s.startTimeUnixNano]).sort()).toEqual(
      sent.map((s) => [s.traceId, s.spanId, s.name, s.startTimeUnixNano]).sort(),
    );
    const child = spans.find((s: any) => s.name === 'child');
    expect(attr(child.attributes, 'retries')).toEqual({ intValue: '3' });
  });

  test('metrics and logs sent to the engine arrive in the host', async () => {
    const metrics = await send('metrics', 'grpc', `127.0.0.1:${enginePort}`, 'cross-metrics');
    const logs = await send('logs', 'grpc', `127.0.0.1:${enginePort}`, 'cross-logs');
    const gotMetrics = written(out, 'resourceMetrics', 'cross-metrics').flatMap((rm) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics));
    // The SDK's metric reader may export the same cumulative points more than once (periodic and final collection).
    const names = (list: any[]) => [...new Set(list.map((m) => m.name))].sort();
    expect(names(gotMetrics)).toEqual(names(metrics));
    const requests = gotMetrics.find((m: any) => m.name === 'requests');
    expect(Number(requests.sum.dataPoints[0].asDouble ?? requests.sum.dataPoints[0].asInt)).toBe(5);
    const gotLogs = written(out, 'resourceLogs', 'cross-logs').flatMap((rl) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords));
    expect(gotLogs).toHaveLength(1);
    expect(gotLogs[0]).toMatchObject({ body: { stringValue: 'hello' }, timeUnixNano: logs[0].timeUnixNano, observedTimeUnixNano: logs[0].observedTimeUnixNano });
  });

  test('the engine listed its receiver with runtime rust', () => {
    const out = spawnSync(process.execPath, [resolve(__dirname, '..', '..', 'scripts', 'bin', 'tandem.js'), 'components'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/- name: rust_otlp\n\s+runtime: rust/);
  });
});
