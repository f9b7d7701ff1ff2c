// The persistent sending queue from the user's side: the OpenTelemetry JS SDK sends through
// `otlp -> batch -> otlp_grpc (sending_queue.storage: file_storage)` to a slow sink; the host is SIGKILLed under load
// and started again on the same directory; or, with `rust_batch`, the engine is SIGKILLed and the host restarts it.
// Every span the SDK was told was delivered must reach the sink.
import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import * as readline from 'node:readline';
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort, tempDir, WITH_ENGINE } from './collector';
import { spanKeys } from './otlp';

const SPANS = resolve(__dirname, '..', 'sdk', 'spans.js');

/** An OTLP/gRPC trace sink that counts every span it receives and answers after `delayMs`. */
async function traceSink() {
  const received = new Map<string, number>();
  const sink = { received, delayMs: 0, port: 0, server: new grpc.Server() };
  sink.server.addService({
    Export: {
      path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false,
      requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
    },
  }, {
    Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      for (const key of spanKeys(call.request)) received.set(key, (received.get(key) ?? 0) + 1);
      setTimeout(() => callback(null, Buffer.alloc(0)), sink.delayMs);
    },
  });
  sink.port = await freePort();
  await new Promise<void>((done, fail) => sink.server.bindAsync(`127.0.0.1:${sink.port}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? fail(err) : done())));
  return sink;
}

/** The SDK client (sdk/spans.js), running until its stdin closes; collects the spans it was told were delivered. */
function sdkClient(address: string) {
  const child: ChildProcess = spawn(process.execPath, [SPANS, address, '4', '20', '10', '0'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const acked: string[] = [];
  let done = false;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line);
    if (message.acked) acked.push(...message.acked);
    if (message.done) done = true;
  });
  return { acked, isDone: () => done, stop: () => child.stdin!.end(), kill: () => child.kill('SIGKILL') };
}

async function until(condition: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 20));
  }
}

function config(processor: string, grpcPort: number, sinkPort: number, queueDir: string): string {
  return `${processor.startsWith('rust_') ? WITH_ENGINE : 'runtime:\n  rust:\n    mode: off\n'}extensions:
  file_storage:
    directory: ${queueDir}
    create_directory: true
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
processors:
  ${processor}:
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${sinkPort}
    tls:
      insecure: true
    sending_queue:
      storage: file_storage
      num_consumers: 2
service:
  extensions: [file_storage]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [${processor}]
      exporters: [otlp_grpc]
`;
}

/** The engine's pid, from the host's latest `Engine ready` or `Engine restarted` log line. */
function enginePid(output: string): number {
  const lines = output.split('\n').filter((line) => /"msg":"Engine (ready|restarted)"/.test(line));
  // The line repeats "pid": the host's own first, then the engine's, which JSON.parse keeps.
  const pid = lines.length > 0 ? Number(JSON.parse(lines[lines.length - 1]).pid) : NaN;
  if (!(pid > 0)) throw new Error(`no engine pid in the host's output:\n${output}`);
  return pid;
}

describe('persistent sending queue', () => {
  // scenario: SIGKILL of the host under load, restart on the same directory / guarantee: no acknowledged span is lost
  // scenario: SIGKILL of the engine (rust_batch) under load, the host restarts it / guarantee: the same
  test.each([
    { killed: 'host', processor: 'batch' },
    { killed: 'engine', processor: 'rust_batch' },
  ])('every span acknowledged before and after a SIGKILL of the $killed arrives', async ({ killed, processor }) => {
    const sink = await traceSink();
    const grpcPort = await freePort();
    const yaml = config(processor, grpcPort, sink.port, join(tempDir(), 'queue'));
    sink.delayMs = 200; // slower than the load, so the queue holds a backlog when the process dies
    let collector = await Collector.start(yaml, [grpcPort]);
    const client = sdkClient(`127.0.0.1:${grpcPort}`);
    try {
      await until(() => client.acked.length >= 3_000, 'acknowledged spans before the kill');
      const beforeKill = client.acked.length;
      if (killed === 'host') {
        collector.process.kill('SIGKILL');
        await collector.stop();
        sink.delayMs = 0;
        collector = await Collector.start(yaml, [grpcPort]);
      } else {
        const engine = enginePid(collector.output);
        expect(engine).not.toBe(collector.process.pid);
        process.kill(engine, 'SIGKILL');
        await until(() => collector.output.includes('Engine restarted'), 'the host to restart the engine');
        sink.delayMs = 0;
      }
      await until(() => client.acked.length >= beforeKill + 3_000, 'acknowledged spans after the kill');
      client.stop();
      await until(client.isDone, 'the client to flush');
      // Waits for the queue to deliver; whatever has not arrived by then counts as lost below.
      await until(() => client.acked.every((key) => sink.received.has(key)), 'every acknowledged span at the sink').catch(() => undefined);
      if (killed === 'host') expect(collector.output).toContain('Sending the requests the persistent queue kept from the last run');
      const duplicates = [...sink.received.values()].reduce((sum, count) => sum + count - 1, 0);
      const lost = client.acked.filter((key) => !sink.received.has(key));
      console.log(`persistent queue across a SIGKILL of the ${killed}: ${client.acked.length} spans acknowledged, ${lost.length} lost, ${duplicates} duplicates`);
      expect(lost).toEqual([]);
    } finally {
      client.kill();
      await collector.stop();
      sink.server.forceShutdown();
    }
  });
});
