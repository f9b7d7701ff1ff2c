// rust_filter against the Go Collector's filter processor and rust_attributes against its attributes processor, with
// the same config bodies: the Go Collector receives every input and passes it both to its own processors and, over
// OTLP, to Tandem's; each processor's output must be, item by item, what Go's made of it.
import { rmSync } from 'node:fs';
import { Collector, freePort, tempDir, WITH_ENGINE } from '../test/collector';
import { goFile, inputs, processedOutcome, sendAll, SIGNALS, startGo, workFile, written, type Signal } from './oracle';

/** A config body both collectors take, for the signals it applies to. */
type Case = { name: string; kind: 'filter' | 'attributes'; signals: Signal[]; body: string };

const CASES: Case[] = [
  // Bug 3: with telemetrygen's span links, rust_filter dropped spans that do not match.
  { name: 'span_name_regexp', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: regexp\n    span_names: ["^okey-dokey-0$"]` },
  { name: 'span_name_strict', kind: 'filter', signals: ['traces'], body: `spans:\n  include:\n    match_type: strict\n    span_names: [lets-go, rich-span]` },
  { name: 'span_attribute', kind: 'filter', signals: ['traces'], body: `spans:\n  exclude:\n    match_type: strict\n    attributes:\n      - { key: peer.service, value: telemetrygen-client }` },
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
  const dir = tempDir('tandem-oracle-');
  const goOut = (c: string) => workFile(dir, `go-${c}`);
  const tandemOut = (c: string) => workFile(dir, `tandem-${c}`);
  let go: Collector;
  let tandem: Collector;
  let into: { grpc: string; http: string };

  beforeAll(async () => {
    const [grpc, http, tandemGrpc] = [await freePort(), await freePort(), await freePort()];
    into = { grpc: `127.0.0.1:${grpc}`, http: `127.0.0.1:${http}` };
    const pipelines = (prefix: string) => SIGNALS.map((s) => `    ${s}/all:\n      receivers: [otlp]\n      exporters: [file/all]\n${CASES.filter((c) => c.signals.includes(s)).map((c) => `    ${s}/${c.name}:\n      receivers: [otlp]\n      processors: [${prefix}${c.kind}/${c.name}]\n      exporters: [file/${c.name}]\n`).join('')}`).join('');
    const processors = (prefix: string) => CASES.map((c) => `  ${prefix}${c.kind}/${c.name}:\n${indent(c.body, 4)}\n`).join('');
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${tandemGrpc}
processors:
${processors('rust_')}exporters:
  file/all:
    path: ${tandemOut('all')}
${CASES.map((c) => `  file/${c.name}:\n    path: ${tandemOut(c.name)}\n`).join('')}service:
  telemetry:
    metrics:
      level: none
  pipelines:
${pipelines('rust_')}`, [tandemGrpc]);
    go = await startGo(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpc}
      http:
        endpoint: 127.0.0.1:${http}
processors:
${processors('')}exporters:
  otlp/tandem:
    endpoint: 127.0.0.1:${tandemGrpc}
    tls:
      insecure: true
  file/all:
${goFile(goOut('all'))}${CASES.map((c) => `  file/${c.name}:\n${goFile(goOut(c.name))}`).join('')}service:
  telemetry:
    metrics:
      level: none
  pipelines:
${pipelines('')}${SIGNALS.map((s) => `    ${s}/to_tandem:\n      receivers: [otlp]\n      exporters: [otlp/tandem]\n`).join('')}`, [grpc, http]);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
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
