// The fault matrix's instruments: the destination (an OTLP/gRPC server that records every item it receives, and can
// be taken down and brought back), the load client (load.js, a process of its own), the loss and duplicate count,
// recovery times, RSS, and the figures file.
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';

const SERVICES = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
  logs: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
} as const;
export type Signal = keyof typeof SERVICES;

/** The fields of a protobuf message, read by hand so that what the collector sent is not judged by its own decoder. */
function* fields(buf: Buffer): Generator<[number, number, Buffer | number]> {
  let pos = 0;
  const varint = () => {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = buf[pos++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  };
  while (pos < buf.length) {
    const tag = varint();
    const [number, type] = [Math.floor(tag / 8), tag & 7];
    if (type === 0) yield [number, type, varint()];
    else if (type === 1 || type === 5) {
      const size = type === 1 ? 8 : 4;
      yield [number, type, buf.subarray(pos, pos + size)];
      pos += size;
    }
    else if (type === 2) {
      const length = varint();
      yield [number, type, buf.subarray(pos, pos + length)];
      pos += length;
    } else throw new Error(`wire type ${type}`);
  }
}

const children = (buf: Buffer, number: number) => [...fields(buf)].filter(([n, t]) => n === number && t === 2).map(([, , v]) => v as Buffer);

/**
 * The names of the items in a request: span names (Span.name = 5), log bodies (LogRecord.body = 5, a string
 * AnyValue), metric names (Metric.name = 1) once per data point.
 */
export function itemNames(signal: Signal, request: Buffer): string[] {
  const names: string[] = [];
  for (const resource of children(request, 1)) {
    for (const scope of children(resource, 2)) {
      for (const item of children(scope, 2)) {
        if (signal === 'traces') names.push(children(item, 5)[0]?.toString() ?? '');
        else if (signal === 'logs') names.push(children(children(item, 5)[0] ?? Buffer.alloc(0), 1)[0]?.toString() ?? '');
        else {
          const name = children(item, 1)[0]?.toString() ?? '';
          for (const data of [5, 7, 9, 10, 11].flatMap((n) => children(item, n))) for (const _ of children(data, 1)) names.push(name);
        }
      }
    }
  }
  return names;
}

/** The destination: an OTLP/gRPC server counting every item it receives, by name. */
export class Sink {
  readonly received: Record<Signal, Map<string, number>> = { traces: new Map(), metrics: new Map(), logs: new Map() };
  requests = 0;
  /** How long each answer takes: a slow destination. */
  delayMs = 0;
  private server: grpc.Server | undefined;

  private constructor(readonly port: number) {}

  static async start(port: number): Promise<Sink> {
    const sink = new Sink(port);
    await sink.up();
    return sink;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 << 20 });
    for (const signal of Object.keys(SERVICES) as Signal[]) {
      const handler = (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        this.requests++;
        for (const name of itemNames(signal, call.request)) this.received[signal].set(name, (this.received[signal].get(name) ?? 0) + 1);
        if (this.delayMs > 0) setTimeout(() => callback(null, Buffer.alloc(0)), this.delayMs);
        else callback(null, Buffer.alloc(0));
      };
      const definition = { Export: { path: SERVICES[signal], requestStream: false, responseStream: false, requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b, responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b } };
      server.addService(definition, { Export: handler });
    }
    await new Promise<void>((resolve, reject) => server.bindAsync(this.address, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    this.server = server;
  }

  /** The destination goes away: connections are cut and the port refuses. */
  down(): void {
    this.server?.forceShutdown();
    this.server = undefined;
  }
}

/** What one stream of the load client reports. */
export interface StreamReport {
  acked: string[];
  /** Every export attempt: start and end (epoch ms) and whether it succeeded. */
  timeline: Array<[number, number, 0 | 1]>;
  failures: number;
  sent: number;
  unacknowledged: number;
}

/** The load client, running until `stop`. */
export class Load {
  private report: Promise<Partial<Record<Signal, StreamReport>>> | undefined;

  private constructor(private readonly child: ChildProcess) {}

  /** Starts load.js against the collector's OTLP ports: traces over gRPC, logs over HTTP. */
  static async start(run: string, ports: { grpc?: number; http?: number }, options: { batch?: number; concurrency?: number; pauseMs?: number } = {}): Promise<Load> {
    const argv = ['--run', run, '--batch', String(options.batch ?? 20), '--concurrency', String(options.concurrency ?? 2), '--pause-ms', String(options.pauseMs ?? 10)];
    if (ports.grpc) argv.push('--traces-grpc', `127.0.0.1:${ports.grpc}`);
    if (ports.http) argv.push('--logs-http', `127.0.0.1:${ports.http}`);
    const child = fork(path.join(__dirname, 'load.js'), argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`the load client exited with ${code}`)));
    });
    return new Load(child);
  }

  /** Stops sending, waits for what is in flight, and reports per signal (the same report when called again). */
  stop(): Promise<Partial<Record<Signal, StreamReport>>> {
    this.report ??= new Promise((resolve) => {
      this.child.once('message', ({ type: _type, ...streams }: Record<string, unknown>) => resolve(streams as Partial<Record<Signal, StreamReport>>));
      this.child.send({ stop: true });
    });
    return this.report;
  }
}

/** Acknowledged and lost, and received more than once, over every signal of a report. */
export function account(report: Partial<Record<Signal, StreamReport>>, sink: Sink): { acked: number; lost: string[]; duplicates: number; sent: number } {
  let acked = 0;
  let sent = 0;
  let duplicates = 0;
  const lost: string[] = [];
  for (const [signal, stream] of Object.entries(report) as Array<[Signal, StreamReport]>) {
    acked += stream.acked.length;
    sent += stream.sent;
    const received = sink.received[signal];
    for (const name of stream.acked) if (!received.has(name)) lost.push(name);
    for (const count of received.values()) duplicates += count - 1;
  }
  return { acked, lost, duplicates, sent };
}

/** From `since` (epoch ms) until the end of the first successful export that started after it, per signal; the longest. */
export function recoveryMs(report: Partial<Record<Signal, StreamReport>>, since: number): number {
  let longest = 0;
  for (const stream of Object.values(report) as StreamReport[]) {
    const first = stream.timeline.filter(([start, , ok]) => ok && start >= since).sort((a, b) => a[1] - b[1])[0];
    if (!first) throw new Error(`no export succeeded after ${new Date(since).toISOString()} (${stream.acked.length} acknowledged, ${stream.failures} failed, last attempts ${JSON.stringify(stream.timeline.slice(-3))})`);
    longest = Math.max(longest, first[1] - since);
  }
  return longest;
}

/** A process's resident set, in MiB. */
export function rssMiB(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'))!;
  return Math.round((Number(line.split(/\s+/)[1]) / 1024) * 10) / 10;
}

/**
 * Records a case's figures: printed to the figures file named by FAULTS_FIGURES (one JSON object per line), for the
 * suite's README. Without it, nothing is written.
 */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  const file = process.env.FAULTS_FIGURES;
  if (file) fs.appendFileSync(file, `${JSON.stringify({ case: name, ...figures })}\n`);
}

/** The collector's log records (JSON lines) that carry `msg`. */
export function records(output: string, msg: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((r) => r.msg === msg);
}
