// rust_filter against the Go Collector's filter processor and rust_attributes against its attributes processor, with
// the same config bodies: the Go Collector receives every input and passes it both to its own processors and, over
// OTLP, to Tandem's; each processor's output must be, item by item, what Go's made of it.
import { Collector, freePort, WITH_ENGINE } from '../test/collector';
import { goFile, inputs, pipelineYaml, processedOutcome, receiverYaml, sendAll, serviceYaml, SIGNALS, startGo, workFolder, written, type Signal } from './oracle';

/** A config body both collectors take, for the signals it applies to. */
type Case = { name: string; kind: 'filter' | 'attributes'; signals: Signal[]; body: string };

const CASES: Case[] = [
  // Bug 3: with telemetrygen's span links, rust_filter dropped spans that do not match.
  { name: 'span_name_regexp', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: regexp\n    span_names: ["^okey-dokey-0$"]` },
  { name: 'span_name_strict', kind: 'filter', signals: ['traces'], body: `spans:\n  include:\n    match_type: strict\n    span_names: [lets-go, rich-span]` },
  { name: 'span_attribute', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: strict\n    attributes:\n      - { key: peer.service, value: telemetrygen-client }` },
  // Every property of a block must match: the resource's service and the span's attribute together (pdata's filter
  // on OTAP drops a span when either matches; the engine's walk in OTLP bytes matches both, as Go does).
  { name: 'span_resource_and_attribute', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: strict\n    resources:\n      - { key: service.name, value: tg-links }\n    attributes:\n      - { key: peer.service, value: telemetrygen-client }` },
  { name: 'log_severity', kind: 'filter', signals: ['logs'], body: `logs:\n  include:\n    severity_number:\n      min: WARN\n      match_undefined: false` },
  { name: 'log_body_regexp', kind: 'filter', signals: ['logs'], body: `logs:\n  exclude:\n    match_type: regexp\n    bodies: ["^it "]` },
  { name: 'log_resource', kind: 'filter', signals: ['logs'], body: `logs:\n  include:\n    match_type: strict\n    resource_attributes:\n      - { key: service.name, value: tg-warn }` },
  { name: 'metric_names', kind: 'filter', signals: ['metrics'], body: `metrics:\n  exclude:\n    match_type: regexp\n    metric_names: ["^rich\\\\.(sum|histogram)", "^gen$"]` },
  {
    name: 'actions', kind: 'attributes', signals: SIGNALS,
    body: `actions:
  - { key: env, value: prod, action: insert }
  - { key: app, value: changed, action: update }
  - { key: route, value: /upserted, action: upsert }
  - { key: peer.service, action: delete }
  - { key: span.str, action: delete }
  - { key: log.int, value: 7, action: upsert }`,
  },
];

const indent = (text: string, spaces: number) => text.split('\n').map((line) => `${' '.repeat(spaces)}${line}`).join('\n');

describe('rust_filter and rust_attributes against the Go filter and attributes processors', () => {
  const work = workFolder();
  const goOut = (c: string) => work.file(`go-${c}`);
  const tandemOut = (c: string) => work.file(`tandem-${c}`);
  let go: Collector;
  let tandem: Collector;
  let into: { grpc: string; http: string };

  beforeAll(async () => {
    const [grpc, http, tandemGrpc] = [await freePort(), await freePort(), await freePort()];
    into = { grpc: `127.0.0.1:${grpc}`, http: `127.0.0.1:${http}` };
    const pipelines = (prefix: string) => SIGNALS.map((s) => [
      pipelineYaml(`${s}/all`, ['otlp'], [], ['file/all']),
      ...CASES.filter((c) => c.signals.includes(s)).map((c) => pipelineYaml(`${s}/${c.name}`, ['otlp'], [`${prefix}${c.kind}/${c.name}`], [`file/${c.name}`])),
    ].join('')).join('');
    const processors = (prefix: string) => CASES.map((c) => `  ${prefix}${c.kind}/${c.name}:\n${indent(c.body, 4)}\n`).join('');
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
${receiverYaml('otlp', tandemGrpc)}processors:
${processors('rust_')}exporters:
  file/all:
    path: ${tandemOut('all')}
${CASES.map((c) => `  file/${c.name}:\n    path: ${tandemOut(c.name)}\n`).join('')}${serviceYaml(pipelines('rust_'))}`, [tandemGrpc]);
    go = await startGo(`receivers:
${receiverYaml('otlp', grpc, http)}processors:
${processors('')}exporters:
  otlp/tandem:
    endpoint: 127.0.0.1:${tandemGrpc}
    tls:
      insecure: true
  file/all:
${goFile(goOut('all'))}${CASES.map((c) => `  file/${c.name}:\n${goFile(goOut(c.name))}`).join('')}${serviceYaml(`${pipelines('')}${SIGNALS.map((s) => pipelineYaml(`${s}/to_tandem`, ['otlp'], [], ['otlp/tandem'])).join('')}`)}`, [grpc, http]);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
    work.remove();
  });

  test.each(SIGNALS)('%s: each processor keeps and changes what Go\'s does', async (signal) => {
    const sent = inputs(signal);
    await sendAll(sent, into);
    const deadline = Date.now() + 15_000;
    // Everything reached both collectors before the processors' outputs are compared.
    const total = sent.reduce((n, input) => n + input.items, 0);
    expect((await written(goOut('all'), sent, deadline)).length).toBe(total);
    expect((await written(tandemOut('all'), sent, deadline)).length).toBe(total);
    const results: Record<string, unknown> = {};
    const agreed: Record<string, unknown> = {};
    for (const c of CASES.filter((k) => k.signals.includes(signal))) {
      const result = await processedOutcome(goOut(c.name), tandemOut(c.name), sent);
      results[c.name] = result;
      agreed[c.name] = { kept: result.kept, reference: result.kept, candidate: result.kept, onlyReference: 0, onlyCandidate: 0, examples: [] };
    }
    expect(results).toEqual(agreed);
  });
});
