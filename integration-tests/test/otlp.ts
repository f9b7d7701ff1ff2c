// Hand-built OTLP requests and a raw-bytes gRPC client, so the tests send exactly the bytes they mean to.
import * as grpc from '@grpc/grpc-js';

const SERVICES: Record<string, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

function varint(n: number): number[] {
  const out = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

/** A length-delimited field. */
export function field(number: number, body: Uint8Array | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
  return Buffer.concat([Buffer.from([(number << 3) | 2, ...varint(bytes.length)]), bytes]);
}

/** ExportTraceServiceRequest { resource_spans { scope_spans { spans: count spans named `<prefix>-<i>` } } }. */
export function traceRequest(prefix: string, count: number): { bytes: Buffer } {
  const spans = Array.from({ length: count }, (_, i) => field(2, Buffer.concat([
    field(1, Buffer.alloc(16, 1)), // trace_id
    field(2, Buffer.from([0, 0, 0, 0, 0, 0, 0, i + 1])), // span_id
    field(5, `${prefix}-${i}`), // name
  ])));
  return { bytes: field(1, field(2, Buffer.concat(spans))) };
}

/**
 * ExportLogsServiceRequest { resource_logs { scope_logs { log_records: count records, body `<prefix>-<i>` } } }; with
 * `padBytes`, each record also carries an attribute `pad` of that many bytes.
 */
export function logRequest(prefix: string, count: number, padBytes = 0): { bytes: Buffer } {
  const pad = padBytes > 0 ? field(6, Buffer.concat([field(1, 'pad'), field(2, field(1, 'x'.repeat(padBytes)))])) : Buffer.alloc(0); // attributes
  const records = Array.from({ length: count }, (_, i) => field(2, Buffer.concat([
    Buffer.from([0x09, ...Buffer.alloc(8, 1)]), // time_unix_nano (fixed64)
    field(5, field(1, `${prefix}-${i}`)), // body { string_value }
    pad,
  ])));
  return { bytes: field(1, field(2, Buffer.concat(records))) };
}

/** ExportMetricsServiceRequest { resource_metrics { scope_metrics { metrics: count gauges named `<prefix>-<i>` } } }. */
export function metricRequest(prefix: string, count: number): { bytes: Buffer } {
  const point = Buffer.concat([Buffer.from([0x19, ...Buffer.alloc(8, 2)]), Buffer.from([0x31, ...Buffer.alloc(8, 0)])]); // time_unix_nano, as_int
  const metrics = Array.from({ length: count }, (_, i) => field(2, Buffer.concat([
    field(1, `${prefix}-${i}`), // name
    field(5, field(1, point)), // gauge { data_points }
  ])));
  return { bytes: field(1, field(2, Buffer.concat(metrics))) };
}

/** Calls a signal's Export with raw bytes; resolves with the raw response. */
export async function exportRaw(signal: string, address: string, bytes: Uint8Array, timeoutMs = 20_000): Promise<Buffer> {
  const client = new RawExportClient(address);
  try {
    return await client.export(signal, bytes, timeoutMs);
  } finally {
    client.close();
  }
}

/** Export calls with raw bytes over one channel, for many calls in a row. */
export class RawExportClient {
  private readonly client: grpc.Client;

  constructor(address: string) {
    this.client = new grpc.Client(address, grpc.credentials.createInsecure());
  }

  export(signal: string, bytes: Uint8Array, timeoutMs = 20_000): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      this.client.makeUnaryRequest(SERVICES[signal], (b: Uint8Array) => Buffer.from(b), (b: Buffer) => b, bytes, new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs }, (err: grpc.ServiceError | null, response?: Buffer) => (err ? reject(err) : resolve(response as Buffer)));
    });
  }

  close(): void {
    this.client.close();
  }
}

/** The length-delimited fields numbered `number` of a protobuf message (other fields skipped by their wire type). */
function lengthDelimited(message: Buffer, number: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  const varintAt = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[at++];
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const key = varintAt();
    const wire = key & 7;
    if (wire === 0) varintAt();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varintAt();
      if (key >>> 3 === number) out.push(message.subarray(at, at + length));
      at += length;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

/** Each span of an ExportTraceServiceRequest as its trace id and span id in hex, concatenated. */
export function spanKeys(request: Buffer): string[] {
  return lengthDelimited(request, 1).flatMap((resourceSpans) => lengthDelimited(resourceSpans, 2))
    .flatMap((scopeSpans) => lengthDelimited(scopeSpans, 2))
    .map((span) => lengthDelimited(span, 1)[0].toString('hex') + lengthDelimited(span, 2)[0].toString('hex'));
}
