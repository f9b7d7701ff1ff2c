// The count connector and the memory limiter inside a real tandem process.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort, tempDir } from './collector';
import { exportRaw, traceRequest } from './otlp';

const header = (grpcPort: number, httpPort: number) => `runtime:
  rust:
    mode: off
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
      http:
        endpoint: 127.0.0.1:${httpPort}
`;

describe('components in a real process', () => {
  test('count connector: traces -> count -> metrics -> file', async () => {
    const [grpcPort, httpPort] = await Promise.all([freePort(), freePort()]);
    const out = join(tempDir(), 'counts.jsonl');
    const collector = await Collector.start(`${header(grpcPort, httpPort)}connectors:
  count:
exporters:
  file:
    path: ${out}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [count]
    metrics:
      receivers: [count]
      exporters: [file]
`, [grpcPort, httpPort]);
    try {
      await exportRaw('traces', `127.0.0.1:${grpcPort}`, traceRequest('counted', 7).bytes);
    } finally {
      expect(await collector.stop()).toBe(0);
    }
    const metrics = readFileSync(out, 'utf8').split('\n').filter(Boolean)
      .flatMap((line) => JSON.parse(line).resourceMetrics.flatMap((rm: any) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics)));
    const spanCount = metrics.find((m: any) => m.name === 'trace.span.count');
    expect(spanCount.sum).toMatchObject({ isMonotonic: true, aggregationTemporality: 1, dataPoints: [{ asInt: '7' }] });
    expect(metrics.find((m: any) => m.name === 'trace.span.event.count').sum.dataPoints[0].asInt).toBe('0');
  });

  test('memory_limiter over its limit refuses with a retryable status: 503 and UNAVAILABLE', async () => {
    const [grpcPort, httpPort] = await Promise.all([freePort(), freePort()]);
    // A 2 MiB limit is always exceeded by a node process, so every request is refused.
    const collector = await Collector.start(`${header(grpcPort, httpPort)}processors:
  memory_limiter:
    check_interval: 100ms
    limit_mib: 2
    spike_limit_mib: 1
exporters:
  debug:
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [memory_limiter]
      exporters: [debug]
`, [grpcPort, httpPort]);
    try {
      await expect(exportRaw('traces', `127.0.0.1:${grpcPort}`, traceRequest('refused', 1).bytes))
        .rejects.toMatchObject({ code: grpc.status.UNAVAILABLE, details: 'data refused due to high memory usage' });
      const res = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'x' }] }] }] }),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ code: grpc.status.UNAVAILABLE, message: 'data refused due to high memory usage' });
    } finally {
      expect(await collector.stop()).toBe(0);
    }
  });
});
