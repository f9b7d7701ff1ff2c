// Tandem's host OTLP path (otlp -> batch -> otlp_grpc, and with rust_batch in the middle) against the Go Collector's
// (otlp -> batch): the Go Collector receives every input, batches it into its own file, and passes it over OTLP to
// Tandem, whose two pipelines export it back to Go receivers of their own; each must be, item by item, Go's.
import { rmSync } from 'node:fs';
import { Collector, freePort, tempDir, WITH_ENGINE } from '../test/collector';
import { agreement, goFile, inputs, outcome, sendAll, SIGNALS, startGo, workFile, type Signal } from './oracle';

const PATHS = ['batch', 'rust_batch'] as const;

describe('Tandem otlp -> batch or rust_batch -> otlp_grpc, against Go otlp -> batch', () => {
  const dir = tempDir('tandem-oracle-');
  const out = (name: string) => workFile(dir, name);
  let go: Collector;
  let tandem: Collector;
  let into: { grpc: string; http: string };

  beforeAll(async () => {
    const [grpc, http, tandemGrpc] = [await freePort(), await freePort(), await freePort()];
    const back: Record<string, number> = { batch: await freePort(), rust_batch: await freePort() };
    into = { grpc: `127.0.0.1:${grpc}`, http: `127.0.0.1:${http}` };
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${tandemGrpc}
processors:
  batch:
    timeout: 200ms
  rust_batch:
    timeout: 200ms
exporters:
${PATHS.map((p) => `  otlp_grpc/${p}:\n    endpoint: 127.0.0.1:${back[p]}\n    tls:\n      insecure: true\n`).join('')}service:
  telemetry:
    metrics:
      level: none
  pipelines:
${SIGNALS.flatMap((s) => PATHS.map((p) => `    ${s}/${p}:\n      receivers: [otlp]\n      processors: [${p}]\n      exporters: [otlp_grpc/${p}]\n`)).join('')}`, [tandemGrpc]);
    go = await startGo(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpc}
      http:
        endpoint: 127.0.0.1:${http}
${PATHS.map((p) => `  otlp/${p}:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${back[p]}\n`).join('')}processors:
  batch:
    timeout: 200ms
exporters:
  otlp/tandem:
    endpoint: 127.0.0.1:${tandemGrpc}
    tls:
      insecure: true
  file/reference:
${goFile(out('reference'))}${PATHS.map((p) => `  file/${p}:\n${goFile(out(p))}`).join('')}service:
  telemetry:
    metrics:
      level: none
  pipelines:
${SIGNALS.map((s) => `    ${s}/reference:
      receivers: [otlp]
      processors: [batch]
      exporters: [file/reference]
    ${s}/to_tandem:
      receivers: [otlp]
      exporters: [otlp/tandem]
${PATHS.map((p) => `    ${s}/${p}:\n      receivers: [otlp/${p}]\n      exporters: [file/${p}]\n`).join('')}`).join('')}`, [grpc, http, ...Object.values(back)]);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  test.each(SIGNALS)('%s: through batch and through rust_batch as through Go\'s batch', async (signal: Signal) => {
    const sent = inputs(signal);
    await sendAll(sent, into);
    for (const path of PATHS) expect({ path, ...(await outcome(out('reference'), out(path), sent)) }).toEqual({ path, ...agreement(sent) });
  });
});
