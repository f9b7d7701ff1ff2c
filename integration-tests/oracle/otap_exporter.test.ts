// Tandem's OTAP exporter (rust_otap_grpc) into the Go Collector's otelarrow receiver: what Go's receiver decodes must
// be, item by item, what Tandem received, as its own file exporter wrote it. A batch processor in front puts the
// inputs sent together into shared requests (several resources each).
import { rmSync } from 'node:fs';
import { Collector, freePort, tempDir, WITH_ENGINE } from '../test/collector';
import { agreement, goFile, inputs, outcome, sendAll, SIGNALS, startGo, workFile, type Signal } from './oracle';

describe('Tandem otlp -> rust_otap_grpc -> Go otelarrow receiver, against what Tandem received', () => {
  const dir = tempDir('tandem-oracle-');
  const files = { received: workFile(dir, 'tandem-received'), decodedByGo: workFile(dir, 'go-decoded') };
  let go: Collector;
  let tandem: Collector;
  let into: { grpc: string; http: string };

  beforeAll(async () => {
    const [grpc, http, arrow] = [await freePort(), await freePort(), await freePort()];
    into = { grpc: `127.0.0.1:${grpc}`, http: `127.0.0.1:${http}` };
    go = await startGo(`receivers:
  otelarrow:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${arrow}
exporters:
  file:
${goFile(files.decodedByGo)}service:
  telemetry:
    metrics:
      level: none
  pipelines:
${SIGNALS.map((s) => `    ${s}:\n      receivers: [otelarrow]\n      exporters: [file]\n`).join('')}`, [arrow]);
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpc}
      http:
        endpoint: 127.0.0.1:${http}
processors:
  batch:
    timeout: 200ms
exporters:
  file:
    path: ${files.received}
  rust_otap_grpc:
    endpoint: 127.0.0.1:${arrow}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
${SIGNALS.map((s) => `    ${s}:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [file, rust_otap_grpc]\n`).join('')}`, [grpc, http]);
  });

  afterAll(async () => {
    expect(await tandem?.stop()).toBe(0);
    await go?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test.each(SIGNALS)('%s: Go decodes what Tandem received', async (signal: Signal) => {
    const sent = inputs(signal);
    await sendAll(sent, into);
    expect(await outcome(files.received, files.decodedByGo, sent)).toEqual(agreement(sent));
  });
});
