// The example components in the example distribution, with the engine on both sides of them:
//   otlp -> rust_filter -> redact -> rust_batch -> rust_otap_grpc   (host -> engine -> host -> engine)
//   rust_otlp -> redact -> rust_otlp_grpc                           (engine -> host -> engine)
// Spans from the OpenTelemetry JS SDK arrive at a second collector filtered and redacted, and the ring counters show
// exactly the crossings each pipeline implies.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Collector, freePort, metricsOn, tempDir, WITH_ENGINE } from './collector';
import { attr, written } from './sdk';

const DISTRIBUTION = resolve(__dirname, '..', '..', 'examples', 'distribution', 'dist', 'main.js');
const SPANS = resolve(__dirname, '..', 'sdk', 'named_spans.js');

/** Sends one request per span name with the SDK; resolves with what it sent. */
async function sendSpans(address: string, run: string, names: string[]): Promise<Array<{ name: string; spanId: string }>> {
  const { stdout } = await promisify(execFile)(process.execPath, [SPANS, address, run, ...names]);
  return JSON.parse(stdout);
}

async function crossings(metricsPort: number): Promise<{ toEngine: number; toHost: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const count = (direction: string) => Number(new RegExp(`^tandem_ring_requests_total\\{direction="${direction}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
  return { toEngine: count('host_to_engine'), toHost: count('engine_to_host') };
}

describe('the example distribution, mixed with engine components', () => {
  let sink: Collector;
  let collector: Collector;
  let ports: Record<'otlp' | 'rustOtlp' | 'metrics' | 'sinkOtap' | 'sinkOtlp', number>;
  let sinkOut: string;

  beforeAll(async () => {
    ports = { otlp: await freePort(), rustOtlp: await freePort(), metrics: await freePort(), sinkOtap: await freePort(), sinkOtlp: await freePort() };
    sinkOut = join(tempDir(), 'sink.jsonl');
    sink = await Collector.start(`${WITH_ENGINE}receivers:
  rust_otap:
    endpoint: 127.0.0.1:${ports.sinkOtap}
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.sinkOtlp}
exporters:
  file:
    path: ${sinkOut}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [rust_otap, otlp]
      exporters: [file]
`, [ports.sinkOtap, ports.sinkOtlp]);
    collector = await Collector.launch('acme-otelcol', process.execPath, [DISTRIBUTION], `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.otlp}
  rust_otlp:
    endpoint: 127.0.0.1:${ports.rustOtlp}
processors:
  rust_filter:
    spans:
      exclude:
        match_type: strict
        span_names: [health]
  redact:
    key_patterns: [password]
  rust_batch:
    timeout: 20ms
exporters:
  rust_otap_grpc:
    endpoint: 127.0.0.1:${ports.sinkOtap}
  rust_otlp_grpc:
    endpoint: 127.0.0.1:${ports.sinkOtlp}
service:
${metricsOn(ports.metrics)}  pipelines:
    traces/otap:
      receivers: [otlp]
      processors: [rust_filter, redact, rust_batch]
      exporters: [rust_otap_grpc]
    traces/otlp:
      receivers: [rust_otlp]
      processors: [redact]
      exporters: [rust_otlp_grpc]
`, [ports.otlp, ports.rustOtlp, ports.metrics], 60_000);
  });

  afterAll(async () => {
    expect(await collector?.stop()).toBe(0);
    expect(await sink?.stop()).toBe(0);
  });

  const spansOf = (run: string) => written(sinkOut, 'resourceSpans', run).flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans));

  test('otlp -> rust_filter -> redact -> rust_batch -> rust_otap_grpc: filtered, redacted, and one crossing each way per kept request', async () => {
    const before = await crossings(ports.metrics);
    const names = ['checkout', 'health', 'cart', 'health', 'login'];
    const sent = await sendSpans(`127.0.0.1:${ports.otlp}`, 'otap-path', names);
    const got = spansOf('otap-path');
    expect(got.map((s: any) => s.spanId).sort()).toEqual(sent.filter((s) => s.name !== 'health').map((s) => s.spanId).sort());
    expect(got.map((s: any) => [s.name, attr(s.attributes, 'user.password'), attr(s.attributes, 'http.route')]).sort()).toEqual([
      ['cart', { stringValue: '****' }, { stringValue: '/cart' }],
      ['checkout', { stringValue: '****' }, { stringValue: '/checkout' }],
      ['login', { stringValue: '****' }, { stringValue: '/login' }],
    ]);
    // The gRPC-only `otlp` receiver runs in the engine beside rust_filter (runtime::placement): a kept request
    // crosses to the host for redact and back for rust_batch, which exports from the engine; a request the filter
    // empties never leaves the engine.
    expect(collector.output).toMatch(/"component":"receivers::otlp","runs_as":"rust_otlp".*Runs in the engine/);
    const after = await crossings(ports.metrics);
    const kept = 3;
    expect({ toEngine: after.toEngine - before.toEngine, toHost: after.toHost - before.toHost }).toEqual({ toEngine: kept, toHost: kept });
  });

  test('rust_otlp -> redact -> rust_otlp_grpc: redacted, and one crossing each way per request', async () => {
    const before = await crossings(ports.metrics);
    const sent = await sendSpans(`127.0.0.1:${ports.rustOtlp}`, 'otlp-path', ['a', 'b', 'c', 'd']);
    const got = spansOf('otlp-path');
    expect(got.map((s: any) => s.spanId).sort()).toEqual(sent.map((s) => s.spanId).sort());
    expect(new Set(got.map((s: any) => attr(s.attributes, 'user.password')?.stringValue))).toEqual(new Set(['****']));
    const after = await crossings(ports.metrics);
    expect({ toEngine: after.toEngine - before.toEngine, toHost: after.toHost - before.toHost }).toEqual({ toEngine: 4, toHost: 4 });
  });
});
