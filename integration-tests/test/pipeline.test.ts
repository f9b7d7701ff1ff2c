// otlp -> batch -> otlp_grpc chains between real tandem processes, and retries against a flaky downstream.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort, otlpConfig, tempDir } from './collector';
import { exportRaw, traceRequest } from './otlp';

const upstreamExporter = (port: number, retry = '') => `  otlp_grpc:
    endpoint: 127.0.0.1:${port}
    tls:
      insecure: true
${retry}`;

describe('tandem -> tandem', () => {
  test('otlp -> batch -> otlp_grpc delivers into a second tandem', async () => {
    const [upGRPC, upHTTP, downGRPC, downHTTP] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const out = join(tempDir(), 'down.jsonl');
    const downstream = await Collector.start(otlpConfig(downGRPC, downHTTP, `  file:\n    path: ${out}\n`), [downGRPC, downHTTP]);
    const upstream = await Collector.start(otlpConfig(upGRPC, upHTTP, upstreamExporter(downGRPC), ['batch']), [upGRPC, upHTTP]);
    try {
      const requests = [traceRequest('a', 3), traceRequest('b', 2)];
      await Promise.all(requests.map((request) => exportRaw('traces', `127.0.0.1:${upGRPC}`, request.bytes)));
      await upstream.stop(); // flushes the batch and drains the exporter's queue
      await downstream.stop();
      const names = readFileSync(out, 'utf8').split('\n').filter(Boolean)
        .flatMap((line) => JSON.parse(line).resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans.map((s: any) => s.name))));
      expect(names.sort()).toEqual(['a-0', 'a-1', 'a-2', 'b-0', 'b-1']);
    } finally {
      await upstream.stop();
      await downstream.stop();
    }
  });

  test('a retryable failure downstream is retried and the data arrives once', async () => {
    const failures = 3;
    const calls: Buffer[] = [];
    const sink = new grpc.Server();
    sink.addService({
      Export: {
        path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', requestStream: false, responseStream: false,
        requestSerialize: (b: Buffer) => b, requestDeserialize: (b: Buffer) => b,
        responseSerialize: (b: Buffer) => b, responseDeserialize: (b: Buffer) => b,
      },
    }, {
      Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        calls.push(call.request);
        if (calls.length <= failures) callback({ code: grpc.status.UNAVAILABLE, details: 'warming up' });
        else callback(null, Buffer.alloc(0));
      },
    });
    const sinkPort = await freePort();
    await new Promise<void>((resolve, reject) => sink.bindAsync(`127.0.0.1:${sinkPort}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    const [upGRPC, upHTTP] = await Promise.all([freePort(), freePort()]);
    const retry = '    retry_on_failure:\n      initial_interval: 50ms\n      max_interval: 100ms\n';
    const upstream = await Collector.start(otlpConfig(upGRPC, upHTTP, upstreamExporter(sinkPort, retry), ['batch']), [upGRPC, upHTTP]);
    try {
      const request = traceRequest('retried', 4);
      await exportRaw('traces', `127.0.0.1:${upGRPC}`, request.bytes);
      const deadline = Date.now() + 30_000;
      while (calls.length <= failures && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await upstream.stop();
      expect(calls).toHaveLength(failures + 1);
      // every attempt carried the same request, which arrived exactly once
      expect(new Set(calls.map((c) => c.toString('hex'))).size).toBe(1);
    } finally {
      await upstream.stop();
      sink.forceShutdown();
    }
  });
});
