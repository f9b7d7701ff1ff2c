// Tandem's OTAP exporter (rust_otap_grpc) into the Go Collector's otelarrow receiver: what Go's receiver decodes must
// be, item by item, what Tandem received, as its own file exporter wrote it. A batch processor in front puts the
// inputs sent together into shared requests (several resources each).
import { Collector, freePort, WITH_ENGINE } from '../test/collector';
import { agreement, goFile, inputs, outcome, pipelineYaml, receiverYaml, sendAll, serviceYaml, SIGNALS, startGo, workFolder, type Signal } from './oracle';

describe('Tandem otlp -> rust_otap_grpc -> Go otelarrow receiver, against what Tandem received', () => {
  const work = workFolder();
  let go: Collector;
  let tandem: Collector;
  let into: { grpc: string; http: string };

  beforeAll(async () => {
    const [grpc, http, arrow] = [await freePort(), await freePort(), await freePort()];
    into = { grpc: `127.0.0.1:${grpc}`, http: `127.0.0.1:${http}` };
    go = await startGo(`receivers:
${receiverYaml('otelarrow', arrow)}exporters:
  file:
${goFile(work.file('go-decoded'))}${serviceYaml(SIGNALS.map((s) => pipelineYaml(s, ['otelarrow'], [], ['file'])).join(''))}`, [arrow]);
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
${receiverYaml('otlp', grpc, http)}processors:
  batch:
    timeout: 200ms
exporters:
  file:
    path: ${work.file('tandem-received')}
  rust_otap_grpc:
    endpoint: 127.0.0.1:${arrow}
${serviceYaml(SIGNALS.map((s) => pipelineYaml(s, ['otlp'], ['batch'], ['file', 'rust_otap_grpc'])).join(''))}`, [grpc, http]);
  });

  afterAll(async () => {
    expect(await tandem?.stop()).toBe(0);
    await go?.stop();
    work.remove();
  });

  test.each(SIGNALS)('%s: Go decodes what Tandem received', async (signal: Signal) => {
    const sent = inputs(signal);
    await sendAll(sent, into);
    expect(await outcome(work.file('tandem-received'), work.file('go-decoded'), sent)).toEqual(agreement(sent));
  });
});
