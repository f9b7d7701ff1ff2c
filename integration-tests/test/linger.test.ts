// When batches leave, in both batch processors, from a real client's side: the OpenTelemetry JS SDK's
// BatchSpanProcessor keeps one export in flight, and with a batch `timeout` of an hour each export is still answered
// (a batch leaves at once when none awaits its answer, or once no new data arrived for `linger`); requests arriving
// together still go out in fewer, larger batches.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Collector, freePort, tempDir, WITH_ENGINE } from './collector';
import { exportRaw, traceRequest } from './otlp';

const SPANS = resolve(__dirname, '..', 'sdk', 'spans.js');

function config(processor: string, settings: string, grpcPort: number, out: string): string {
  return `${processor.startsWith('rust_') ? WITH_ENGINE : 'runtime:\n  rust:\n    mode: off\n'}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
processors:
  ${processor}:
${settings}
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
      processors: [${processor}]
      exporters: [file]
`;
}

/** Span ids (trace id + span id, hex) in the file exporter's output, one entry per line (request) it wrote. */
function writtenBatches(path: string): string[][] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line).resourceSpans
    .flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((span: any) => span.traceId + span.spanId))));
}

/** Runs the SDK client for `durationMs`; resolves with the spans it was told were delivered and its failed exports. */
async function sdkClient(address: string, durationMs: number): Promise<{ acked: string[]; failures: string[] }> {
  const stdout = await new Promise<string>((done, fail) =>
    execFile(process.execPath, [SPANS, address, '1', '10', '20', String(durationMs)], { timeout: 90_000 }, (err, out) => (err ? fail(err) : done(out))));
  const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  expect(lines.at(-1)).toEqual({ done: true });
  return { acked: lines.flatMap((line) => line.acked ?? []), failures: lines.filter((line) => line.failed).map((line) => line.error) };
}

describe.each(['batch', 'rust_batch'])('%s: when a batch leaves', (processor) => {
  // scenario: one export in flight, batch timeout 1h / guarantee: every export is answered, none waits for the timeout
  test('a client with one export in flight is answered without waiting for the timeout', async () => {
    const grpcPort = await freePort();
    const out = join(tempDir(), 'out.jsonl');
    const collector = await Collector.start(config(processor, '    timeout: 1h', grpcPort, out), [grpcPort]);
    try {
      const { acked, failures } = await sdkClient(`127.0.0.1:${grpcPort}`, 1_000);
      expect(failures).toEqual([]);
      expect(acked.length).toBeGreaterThan(0);
      await collector.stop();
      expect(new Set(writtenBatches(out).flat())).toEqual(new Set(acked));
    } finally {
      await collector.stop();
    }
  });

  // scenario: 20 requests sent at once, with no linger (the default) and with one / guarantee: leaving at once when
  // idle, or lingering, does not stop them from being merged into larger batches
  test.each(['', '    linger: 2s\n'])('requests arriving together are still merged (%j)', async (linger) => {
    const grpcPort = await freePort();
    const out = join(tempDir(), 'out.jsonl');
    const collector = await Collector.start(config(processor, `    timeout: 1h\n${linger}    send_batch_size: 200`, grpcPort, out), [grpcPort]);
    try {
      await Promise.all(Array.from({ length: 20 }, (_, i) => exportRaw('traces', `127.0.0.1:${grpcPort}`, traceRequest(`r${i}`, 10).bytes)));
      await collector.stop();
      const batches = writtenBatches(out);
      expect(batches.flat()).toHaveLength(200);
      expect(batches.length).toBeLessThan(20);
    } finally {
      await collector.stop();
    }
  });
});
