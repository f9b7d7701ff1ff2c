// rust_parquet in a tandem config, fed by the OpenTelemetry JS SDK; the files are read back with hyparquet, a Parquet
// reader independent of the Rust writer (parquet/read.mjs).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Collector, freePort, tempDir, WITH_ENGINE } from './collector';
import { send, type Json } from './sdk';

const READ = resolve(__dirname, '..', 'parquet', 'read.mjs');

/** The rows of every part of one table, by part file name. */
function table(dir: string, name: string): Record<string, Json[]> {
  const files = readdirSync(join(dir, name)).filter((f) => f.endsWith('.parquet')).sort();
  const rows: Json[][] = JSON.parse(execFileSync(process.execPath, [READ, ...files.map((f) => join(dir, name, f))], { encoding: 'utf8' }));
  return Object.fromEntries(files.map((f, i) => [f, rows[i]]));
}

/** The attributes of `parentId` in an attributes table's rows, as key -> value (arrays and maps: CBOR, in hex). */
const attributesOf = (rows: Json[], parentId: number) =>
  Object.fromEntries(rows.filter((r) => r.parent_id === parentId).map((r) => [r.key, r.str ?? r.int ?? r.double ?? r.bool ?? r.ser]));

describe('rust_parquet', () => {
  let collector: Collector;
  let grpcPort: number;
  let out: string;

  beforeAll(async () => {
    grpcPort = await freePort();
    out = tempDir();
    collector = await Collector.start(
      `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
exporters:
  rust_parquet/by_size:
    path: ${out}
    flush_size: 1
  rust_parquet/by_time:
    path: ${out}
    flush_interval: 200ms
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [rust_parquet/by_size]
    logs:
      receivers: [otlp]
      exporters: [rust_parquet/by_time]
`,
      [grpcPort],
    );
  });

  afterAll(async () => {
    expect(await collector?.stop()).toBe(0);
  });

  test('spans, their attributes and events land in OTAP tables; each request over flush_size is its own part', async () => {
    await send('traces', 'grpc', `127.0.0.1:${grpcPort}`, 'parquet-traces');
    const dir = join(out, 'traces');
    const spans = table(dir, 'spans');
    const parts = Object.keys(spans);
    expect(parts).toHaveLength(2); // the SDK exported each span in its own request
    const spanAttrs = table(dir, 'span_attrs');
    const events = table(dir, 'span_events');
    const child = Object.entries(spans).flatMap(([part, rows]) => rows.map((span) => ({ part, span }))).find(({ span }) => span.name === 'child')!;
    expect(attributesOf(spanAttrs[child.part], child.span.id)).toEqual({ 'http.method': 'GET', retries: '3', ratio: 0.25, ok: true, tags: '9f61616162ff' }); // CBOR ["a", "b"] (indefinite length)
    expect(events[child.part].map((e) => e.name)).toEqual(['checkpoint']);
    const resources = table(dir, 'resource_attrs');
    for (const part of parts) expect(attributesOf(resources[part], spans[part][0].resource.id)).toMatchObject({ 'service.name': 'it', 'test.run': 'parquet-traces' });
  });

  test('log records are on disk by the time the client is answered (flush_interval)', async () => {
    await send('logs', 'grpc', `127.0.0.1:${grpcPort}`, 'parquet-logs');
    const dir = join(out, 'logs');
    const logs = table(dir, 'logs');
    const [part, rows] = Object.entries(logs)[0];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ severity_number: 13, severity_text: 'WARN', body: { type: 1, str: 'hello' } });
    expect(attributesOf(table(dir, 'log_attrs')[part], rows[0].id)).toEqual({ user: 'u1', n: '7' });
  });
});
