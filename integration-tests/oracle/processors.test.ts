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
  // on OTAP, which rust_filter ran for OTAP input and regexps before, dropped a span when either matched).
  { name: 'span_resource_and_attribute', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: strict\n    resources:\n      - { key: service.name, value: tg-links }\n    attributes:\n      - { key: peer.service, value: telemetrygen-client }` },
  // Regexps on a name and on a bool's text, together: only the rich span has both.
  { name: 'span_regexp_all_properties', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: regexp\n    span_names: ["-span$"]\n    attributes:\n      - { key: span.bool, value: "^false$" }\n      - { key: span.double, value: "^3\\\\.5$" }` },
  // Go's resource, scope and kind properties: services, libraries (name and version), span_kinds.
  { name: 'span_services_libraries_kinds', kind: 'filter', signals: ['traces'], body: `spans:\n  include:\n    match_type: strict\n    services: [interop-rich, interop-multi-a, tg-plain]\n    libraries:\n      - { name: interop-scope, version: 1.0.0 }\n    span_kinds: [SPAN_KIND_SERVER, SPAN_KIND_CLIENT]` },
  // An attribute named without a value matches when it is present.
  { name: 'span_key_only', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: strict\n    attributes:\n      - { key: peer.service }` },
  { name: 'log_severity', kind: 'filter', signals: ['logs'], body: `logs:\n  include:\n    severity_number:\n      min: WARN\n      match_undefined: false` },
  { name: 'log_body_regexp', kind: 'filter', signals: ['logs'], body: `logs:\n  exclude:\n    match_type: regexp\n    bodies: ["^it "]` },
  { name: 'log_resource', kind: 'filter', signals: ['logs'], body: `logs:\n  include:\n    match_type: strict\n    resource_attributes:\n      - { key: service.name, value: tg-warn }` },
  // A severity text and an int attribute's text, together.
  { name: 'log_text_and_attribute', kind: 'filter', signals: ['logs'], body: `logs:\n  exclude:\n    match_type: regexp\n    severity_texts: ["^(Warn|ERROR)$"]\n    record_attributes:\n      - { key: log.int, value: "^-42$" }` },
  // Bodies of every kind matched on Go's text of them: a map's JSON, an int's digits, bytes' base64.
  { name: 'log_body_kinds', kind: 'filter', signals: ['logs'], body: `logs:\n  include:\n    match_type: regexp\n    bodies: ['"msg":"structured"', "^77$", "^aGVsbG8=$", "^minimal$"]` },
  { name: 'metric_names', kind: 'filter', signals: ['metrics'], body: `metrics:\n  exclude:\n    match_type: regexp\n    metric_names: ["^rich\\\\.(sum|histogram)", "^gen$"]` },
  // Go matches a metric block's resource attributes apart from its names: an exclude drops what matches either...
  { name: 'metric_resource_or_name', kind: 'filter', signals: ['metrics'], body: `metrics:\n  exclude:\n    match_type: strict\n    metric_names: [rich.gauge.int]\n    resource_attributes:\n      - { key: service.name, value: tg-sum }` },
  // ...and an include needs both.
  { name: 'metric_resource_and_name', kind: 'filter', signals: ['metrics'], body: `metrics:\n  include:\n    match_type: regexp\n    metric_names: ["^gen$", "^rich\\\\.sum"]\n    resource_attributes:\n      - { key: service.name, value: "^(tg-gauge|interop-multi-b)$" }` },
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
