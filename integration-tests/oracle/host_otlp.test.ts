// Tandem's host OTLP path (otlp -> batch -> otlp_grpc, and with rust_batch in the middle) against the Go Collector's
// (otlp -> batch): the Go Collector receives every input, batches it into its own file, and passes it over OTLP to
// Tandem, whose two pipelines export it back to Go receivers of their own; each must be, item by item, Go's. The
// receiver and rust_batch's exporter are kept in the host (`in_host`), so that one path stays in the host and the other
// crosses into the engine and back (placement.test.ts runs the same pipeline placed in the engine).
import { Collector, freePort, WITH_ENGINE } from '../test/collector';
import { agreement, inputs, outcome, pipelineYaml, receiverYaml, sendAll, serviceYaml, SIGNALS, startGoBatchReference, workFolder, type Signal } from './oracle';

const PATHS = ['batch', 'rust_batch'] as const;

describe('Tandem otlp -> batch or rust_batch -> otlp_grpc, against Go otlp -> batch', () => {
  const work = workFolder();
  let go: Collector;
  let tandem: Collector;
  let into: { grpc: string; http: string };

  beforeAll(async () => {
    const [grpc, http, tandemGrpc] = [await freePort(), await freePort(), await freePort()];
    const back: Record<string, number> = { batch: await freePort(), rust_batch: await freePort() };
    into = { grpc: `127.0.0.1:${grpc}`, http: `127.0.0.1:${http}` };
    tandem = await Collector.start(`${WITH_ENGINE}  placement:\n    in_host: [otlp, otlp_grpc/rust_batch]\nreceivers:
${receiverYaml('otlp', tandemGrpc)}processors:
  batch:
    timeout: 200ms
  rust_batch:
    timeout: 200ms
exporters:
${PATHS.map((p) => `  otlp_grpc/${p}:\n    endpoint: 127.0.0.1:${back[p]}\n    tls:\n      insecure: true\n`).join('')}${serviceYaml(
  SIGNALS.flatMap((s) => PATHS.map((p) => pipelineYaml(`${s}/${p}`, ['otlp'], [p], [`otlp_grpc/${p}`]))).join(''))}`, [tandemGrpc]);
    go = await startGoBatchReference({ grpc, http, tandemGrpc }, back, work.file);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
    work.remove();
  });

  test.each(SIGNALS)('%s: through batch and through rust_batch as through Go\'s batch', async (signal: Signal) => {
    const sent = inputs(signal);
    await sendAll(sent, into);
    for (const path of PATHS) {
      expect({ path, ...(await outcome(work.file('reference'), work.file(path), sent)) }).toEqual({ path, ...agreement(sent) });
    }
  });
});
