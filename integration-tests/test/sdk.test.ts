// Real OpenTelemetry JS SDK clients (run by sdk/send.js in their own process) send traces, metrics and logs to a
// real tandem process over gRPC, HTTP/protobuf and HTTP/JSON; the file exporter's output must hold exactly what
// was sent.
import { join } from 'node:path';
import { Collector, freePort, otlpConfig, tempDir } from './collector';
import { attr, send, written as writtenTo, type Json } from './sdk';

const TRANSPORTS = ['grpc', 'http-proto', 'http-json'];

// The same checks with the host alone and with an engine processor in the middle of every pipeline (the data then
// crosses into the engine and back).
describe.each([
  ['the host alone', []],
  ['rust_batch in the engine', ['rust_batch']],
])('OpenTelemetry JS SDK -> tandem (%s) -> file exporter', (_variant, processors: string[]) => {
  let collector: Collector;
  let grpcPort: number;
  let httpPort: number;
  let outPath: string;

  beforeAll(async () => {
    [grpcPort, httpPort] = [await freePort(), await freePort()];
    outPath = join(tempDir(), 'out.jsonl');
    collector = await Collector.start(otlpConfig(grpcPort, httpPort, `  file:\n    path: ${outPath}\n`, processors), [grpcPort, httpPort]);
  });

  afterAll(async () => {
    expect(await collector?.stop()).toBe(0);
  });

  const written = (key: 'resourceSpans' | 'resourceMetrics' | 'resourceLogs', run: string): Json[] => writtenTo(outPath, key, run);

  const addressFor = (transport: string) => `127.0.0.1:${transport === 'grpc' ? grpcPort : httpPort}`;

  test.each(TRANSPORTS)('traces over %s arrive intact', async (transport) => {
    const sent = await send('traces', transport, addressFor(transport), `traces-${transport}`);
    expect(sent).toHaveLength(2);
    const resources = written('resourceSpans', `traces-${transport}`);
    const got = resources.flatMap((rs) => rs.scopeSpans.flatMap((ss: Json) => ss.spans.map((span: Json) => ({ span, scope: ss.scope }))));
    expect(got).toHaveLength(sent.length);
    for (const expected of sent) {
      const match = got.find(({ span }) => span.spanId === expected.spanId);
      expect(match).toBeDefined();
      const { span, scope } = match!;
      expect(scope).toMatchObject({ name: 'it-scope', version: '1.2.3' });
      expect(span.traceId).toBe(expected.traceId);
      expect(span.name).toBe(expected.name);
      expect(span.startTimeUnixNano).toBe(expected.startTimeUnixNano);
      expect(span.endTimeUnixNano).toBe(expected.endTimeUnixNano);
      expect(span.parentSpanId).toBe(expected.parentSpanId);
    }
    const child = got.find(({ span }) => span.name === 'child')!.span;
    expect(attr(child.attributes, 'http.method')).toEqual({ stringValue: 'GET' });
    expect(attr(child.attributes, 'retries')).toEqual({ intValue: '3' });
    expect(attr(child.attributes, 'ratio')).toEqual({ doubleValue: 0.25 });
    expect(attr(child.attributes, 'ok')).toEqual({ boolValue: true });
    expect(attr(child.attributes, 'tags')).toEqual({ arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } });
    expect(child.events).toMatchObject([{ name: 'checkpoint', attributes: [{ key: 'step', value: { intValue: '1' } }] }]);
    expect(attr(resources[0].resource.attributes, 'service.name')).toEqual({ stringValue: 'it' });
  });

  test.each(TRANSPORTS)('metrics over %s arrive intact', async (transport) => {
    await send('metrics', transport, addressFor(transport), `metrics-${transport}`);
    const metrics = written('resourceMetrics', `metrics-${transport}`)
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm: Json) => sm.metrics.map((metric: Json) => ({ metric, scope: sm.scope }))));
    const requests = metrics.find(({ metric }) => metric.name === 'requests')!;
    expect(requests.scope).toMatchObject({ name: 'it-meter', version: '0.1.0' });
    expect(requests.metric).toMatchObject({ description: 'requests served', unit: '{request}' });
    expect(requests.metric.sum).toMatchObject({ isMonotonic: true, aggregationTemporality: 2 });
    expect(requests.metric.sum.dataPoints).toHaveLength(1);
    const point = requests.metric.sum.dataPoints[0];
    expect(Number(point.asDouble ?? point.asInt)).toBe(5);
    expect(point.attributes).toEqual([{ key: 'route', value: { stringValue: '/a' } }]);
    expect(BigInt(point.timeUnixNano)).toBeGreaterThan(0n);
    const latency = metrics.find(({ metric }) => metric.name === 'latency')!.metric;
    expect(latency.histogram.dataPoints[0]).toMatchObject({ count: '1', sum: 12.5 });
  });

  test.each(TRANSPORTS)('logs over %s arrive intact', async (transport) => {
    const [sent] = await send('logs', transport, addressFor(transport), `logs-${transport}`);
    const records = written('resourceLogs', `logs-${transport}`).flatMap((rl) => rl.scopeLogs.flatMap((sl: Json) => sl.logRecords.map((record: Json) => ({ record, scope: sl.scope }))));
    expect(records).toHaveLength(1);
    const { record, scope } = records[0];
    expect(scope).toMatchObject({ name: 'it-logger', version: '2.0.0' });
    expect(record.body).toEqual({ stringValue: 'hello' });
    expect(record.severityNumber).toBe(13); // SEVERITY_NUMBER_WARN
    expect(record.severityText).toBe('WARN');
    expect(record.timeUnixNano).toBe(sent.timeUnixNano);
    expect(record.observedTimeUnixNano).toBe(sent.observedTimeUnixNano);
    expect(attr(record.attributes, 'user')).toEqual({ stringValue: 'u1' });
    expect(attr(record.attributes, 'n')).toEqual({ intValue: '7' });
  });
});
