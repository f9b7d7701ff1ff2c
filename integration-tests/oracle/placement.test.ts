// Placement against the Go Collector: a Tandem pipeline written with the Collector's type names and no TypeScript
// component (otlp -> batch -> otlp_grpc) runs wholly in the engine, as its twins, and still gives, item by item,
// what Go's otlp -> batch gives; no request crosses the ring, in either direction.
import { Collector, freePort, metricsOn, WITH_ENGINE } from '../test/collector';
import { agreement, inputs, outcome, pipelineYaml, receiverYaml, sendAll, SIGNALS, startGoBatchReference, workFolder, type Signal } from './oracle';

const ringRequests = async (metricsPort: number, direction: string) => {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(new RegExp(`^tandem_ring_requests_total\\{direction="${direction}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
};

describe('Tandem otlp -> batch -> otlp_grpc placed in the engine, against Go otlp -> batch', () => {
  const work = workFolder();
  let go: Collector;
  let tandem: Collector;
  let into: { grpc: string; http: string };
  let metricsPort: number;

  beforeAll(async () => {
    const [grpc, http, tandemGrpc, back] = [await freePort(), await freePort(), await freePort(), await freePort()];
    metricsPort = await freePort();
    into = { grpc: `127.0.0.1:${grpc}`, http: `127.0.0.1:${http}` };
    const pipelines = SIGNALS.map((s) => pipelineYaml(s, ['otlp'], ['batch'], ['otlp_grpc'])).join('');
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
${receiverYaml('otlp', tandemGrpc)}processors:
  batch:
    timeout: 200ms
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${back}
    tls:
      insecure: true
service:
${metricsOn(metricsPort)}  pipelines:
${pipelines}`, [tandemGrpc, metricsPort]);
    go = await startGoBatchReference({ grpc, http, tandemGrpc }, { placed: back }, work.file);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
    work.remove();
  });

  test('each component says it runs in the engine, as its twin', () => {
    const placed = tandem.output.split('\n').filter((line) => line.includes('Runs in the engine')).map((line) => JSON.parse(line));
    expect(placed.map((l) => [l.component, l.runs_as]).sort()).toEqual([
      ['exporters::otlp_grpc', 'rust_otlp_grpc'], ['processors::batch', 'rust_batch'], ['receivers::otlp', 'rust_otlp'],
    ]);
  });

  test.each(SIGNALS)('%s: as through Go\'s batch, without crossing the ring', async (signal: Signal) => {
    const sent = inputs(signal);
    await sendAll(sent, into);
    expect(await outcome(work.file('reference'), work.file('placed'), sent)).toEqual(agreement(sent));
    expect(await ringRequests(metricsPort, 'host_to_engine')).toBe(0);
    expect(await ringRequests(metricsPort, 'engine_to_host')).toBe(0);
  });
});
