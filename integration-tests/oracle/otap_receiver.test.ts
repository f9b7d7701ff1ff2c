// Tandem's OTAP receiver (rust_otap) against the Go Collector's otelarrow receiver: the Go otelarrow exporter, with
// its defaults (zstd) and with `compression: none`, sends the same batches to both; what Tandem passes on through
// rust_otlp_grpc and through rust_otap_grpc to Go file exporters must be, item by item, what Go's receiver decoded.
import { Collector, freePort, WITH_ENGINE } from '../test/collector';
import { agreement, goFile, inputs, outcome, pipelineYaml, receiverYaml, sendAll, serviceYaml, SIGNALS, startGo, workFolder, type Signal } from './oracle';

const COMPRESSIONS = ['zstd', 'none'] as const;

describe('Go otelarrow exporter -> rust_otap, against Go otelarrow receiver', () => {
  const work = workFolder();
  const files = { reference: work.file('reference'), viaOtlp: work.file('via-otlp'), viaOtap: work.file('via-otap') };
  let go: Collector;
  let tandem: Collector;
  const into: Record<string, { grpc: string; http: string }> = {};

  beforeAll(async () => {
    const [reference, backOtlp, backOtap] = [await freePort(), await freePort(), await freePort()];
    const tandemPorts: Record<string, number> = {};
    const goIn: Record<string, [number, number]> = {};
    for (const c of COMPRESSIONS) {
      tandemPorts[c] = await freePort();
      goIn[c] = [await freePort(), await freePort()];
      into[c] = { grpc: `127.0.0.1:${goIn[c][0]}`, http: `127.0.0.1:${goIn[c][1]}` };
    }
    // Arrow only (no fallback to OTLP), and batches of 200 ms, so that inputs sent together share Arrow batches.
    const arrowExporter = (port: number, compression?: string) => `    endpoint: 127.0.0.1:${port}
${compression ? `    compression: ${compression}\n` : ''}    tls:
      insecure: true
    arrow:
      num_streams: 1
      disable_downgrade: true
    sending_queue:
      batch:
        flush_timeout: 200ms
`;
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
${COMPRESSIONS.map((c) => `  rust_otap/${c}:\n    endpoint: 127.0.0.1:${tandemPorts[c]}\n`).join('')}exporters:
  rust_otlp_grpc:
    endpoint: 127.0.0.1:${backOtlp}
  rust_otap_grpc:
    endpoint: 127.0.0.1:${backOtap}
${serviceYaml(SIGNALS.map((s) => pipelineYaml(s, COMPRESSIONS.map((c) => `rust_otap/${c}`), [], ['rust_otlp_grpc', 'rust_otap_grpc'])).join(''))}`, Object.values(tandemPorts));
    go = await startGo(`receivers:
${COMPRESSIONS.map((c) => receiverYaml(`otlp/${c}`, goIn[c][0], goIn[c][1])).join('')}${receiverYaml('otelarrow/reference', reference)}${receiverYaml('otlp/back', backOtlp)}${receiverYaml('otelarrow/back', backOtap)}exporters:
  otelarrow/reference:
${arrowExporter(reference)}  otelarrow/zstd:
${arrowExporter(tandemPorts.zstd)}  otelarrow/none:
${arrowExporter(tandemPorts.none, 'none')}  file/reference:
${goFile(files.reference)}  file/via_otlp:
${goFile(files.viaOtlp)}  file/via_otap:
${goFile(files.viaOtap)}${serviceYaml(SIGNALS.map((s) => [
  ...COMPRESSIONS.map((c) => pipelineYaml(`${s}/${c}`, [`otlp/${c}`], [], ['otelarrow/reference', `otelarrow/${c}`])),
  pipelineYaml(`${s}/reference`, ['otelarrow/reference'], [], ['file/reference']),
  pipelineYaml(`${s}/via_otlp`, ['otlp/back'], [], ['file/via_otlp']),
  pipelineYaml(`${s}/via_otap`, ['otelarrow/back'], [], ['file/via_otap']),
].join('')).join(''))}`, [reference, backOtlp, backOtap, ...COMPRESSIONS.flatMap((c) => goIn[c])]);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
    work.remove();
  });

  const cases = SIGNALS.flatMap((signal) => COMPRESSIONS.map((compression) => [signal, compression] as [Signal, string]));
  test.each(cases)('%s, compression %s: out through rust_otlp_grpc and rust_otap_grpc as Go decoded them', async (signal, compression) => {
    const sent = inputs(signal);
    await sendAll(sent, into[compression]);
    expect(await outcome(files.reference, files.viaOtlp, sent)).toEqual(agreement(sent));
    expect(await outcome(files.reference, files.viaOtap, sent)).toEqual(agreement(sent));
  });
});
