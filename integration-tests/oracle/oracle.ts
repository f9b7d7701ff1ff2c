// The Go Collector as the oracle: inputs from generators nobody here tuned (telemetrygen, the OTel JS SDK,
// payloads.js), the Go Collector built from ../otelcol, and the item-by-item comparison of what two `file` exporters
// wrote (see README.md beside this file).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Collector, tempDir } from '../test/collector';
import { send } from '../test/sdk';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build: { otelcol(): string; telemetrygen(): string } = require('../otelcol/build.js');

type Json = Record<string, any>;
export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

/** Starts the Go Collector with `yaml`; resolves once every port in `readyPorts` accepts connections. */
export function startGo(yaml: string, readyPorts: number[]): Promise<Collector> {
  return Collector.launch('the Go Collector', build.otelcol(), [], yaml, readyPorts);
}

/** A `file` exporter of the Go Collector that writes what it gets within 100 ms. */
export const goFile = (path: string) => `    path: ${path}\n    flush_interval: 100ms\n`;

/** A receiver (`otlp`, `otelarrow`, their named instances) on 127.0.0.1: gRPC, and OTLP/HTTP when `http` is given. */
export const receiverYaml = (name: string, grpc: number, http?: number) =>
  `  ${name}:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${grpc}\n${http ? `      http:\n        endpoint: 127.0.0.1:${http}\n` : ''}`;

/** One pipeline of `service.pipelines`. */
export const pipelineYaml = (name: string, receivers: string[], processors: string[], exporters: string[]) =>
  `    ${name}:\n      receivers: [${receivers.join(', ')}]\n${processors.length ? `      processors: [${processors.join(', ')}]\n` : ''}      exporters: [${exporters.join(', ')}]\n`;

/** `service:` with the collector's own metrics off (no fixed port) and these pipelines. */
export const serviceYaml = (pipelines: string) => `service:\n  telemetry:\n    metrics:\n      level: none\n  pipelines:\n${pipelines}`;

/**
 * The Go Collector as the reference of a batch pipeline: it receives every input on `grpc` and `http`, batches it
 * (`otlp -> batch`, timeout 200ms) into `reference`, passes it unbatched over OTLP to Tandem at `tandemGrpc`, and
 * writes what Tandem exports back to each receiver port of `back` into that path's file.
 */
export function startGoBatchReference(ports: { grpc: number; http: number; tandemGrpc: number }, back: Record<string, number>, file: (name: string) => string): Promise<Collector> {
  const paths = Object.keys(back);
  return startGo(`receivers:
${receiverYaml('otlp', ports.grpc, ports.http)}${paths.map((p) => receiverYaml(`otlp/${p}`, back[p])).join('')}processors:
  batch:
    timeout: 200ms
exporters:
  otlp/tandem:
    endpoint: 127.0.0.1:${ports.tandemGrpc}
    tls:
      insecure: true
  file/reference:
${goFile(file('reference'))}${paths.map((p) => `  file/${p}:\n${goFile(file(p))}`).join('')}${serviceYaml(SIGNALS.map((s) => [
  pipelineYaml(`${s}/reference`, ['otlp'], ['batch'], ['file/reference']),
  pipelineYaml(`${s}/to_tandem`, ['otlp'], [], ['otlp/tandem']),
  ...paths.map((p) => pipelineYaml(`${s}/${p}`, [`otlp/${p}`], [], [`file/${p}`])),
].join('')).join(''))}`, [ports.grpc, ports.http, ...Object.values(back)]);
}

/** A work folder for one test file, and the path of a file exporter's output in it. */
export function workFolder(): { file(name: string): string; remove(): void } {
  const dir = tempDir('tandem-oracle-');
  return { file: (name) => join(dir, `${name}.jsonl`), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Where an input is sent: an OTLP/gRPC and an OTLP/HTTP endpoint (host:port). */
export type Endpoints = { grpc: string; http: string };

/** Telemetry of one signal, told apart from every other input by `test.run = run` on its resources. */
export type Input = { name: string; signal: Signal; run: string; items: number; send(to: Endpoints): Promise<void> };

let runs = 0;
const runId = (name: string) => `${name}-${process.pid}-${++runs}`;

/** `telemetrygen <signal> <args>` with `test.run` and `service.name` on its resource; `items` is how many spans,
 * data points or log records the arguments make. */
export function telemetrygen(signal: Signal, name: string, items: number, args: string[]): Input {
  const run = runId(name);
  return {
    name, signal, run, items,
    async send(to) {
      // (Unthrottled: telemetrygen makes one trace a second by default.)
      const common = ['--otlp-endpoint', to.grpc, '--otlp-insecure', '--rate', '10000', '--otlp-attributes', `test.run="${run}"`, '--service', name];
      await promisify(execFile)(build.telemetrygen(), [signal, ...common, ...args], { timeout: 30_000 });
    },
  };
}

const PAYLOADS = resolve(__dirname, 'payloads.js');

/** A request from payloads.js (`rich`: most fields of the signal; `multi`: that under several resources and scopes;
 * `mixed`: with a minimal second resource), posted as OTLP/JSON. */
export function payload(signal: Signal, variant: 'rich' | 'multi' | 'mixed'): Input {
  const run = runId(`payloads-${variant}`);
  const { stdout } = spawnSync(process.execPath, [PAYLOADS, signal, run, ...(variant === 'rich' ? [] : [variant])], { encoding: 'utf8' });
  const request = JSON.parse(stdout);
  return {
    name: `payloads.js ${variant}`, signal, run, items: records(signal, Object.values(request)[0] as Json[]).length,
    async send(to) {
      const response = await fetch(`http://${to.http}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stdout });
      if (response.status !== 200) throw new Error(`payloads.js ${variant} ${signal}: HTTP ${response.status}: ${await response.text()}`);
    },
  };
}

/** What the OTel JS SDK sends in integration-tests/sdk/send.js: a request per span or log record; its two metrics
 * twice (cumulative, at its flush and at its shutdown). */
export function sdk(signal: Signal): Input {
  const run = runId('sdk');
  return {
    name: 'the OTel JS SDK', signal, run, items: { traces: 2, metrics: 4, logs: 1 }[signal],
    async send(to) {
      await send(signal, 'grpc', to.grpc, run);
    },
  };
}

/** The generators' inputs for a signal: several resources per request once a batching exporter merges them, and
 * several scopes per resource in `payloads.js multi`. */
export function inputs(signal: Signal): Input[] {
  const generated = {
    // Traces with links (a string and an int attribute each), child spans and error status.
    traces: [
      telemetrygen('traces', 'tg-links', 30, ['--traces', '6', '--child-spans', '4', '--span-links', '2', '--status-code', 'Error']),
      telemetrygen('traces', 'tg-link', 300, ['--traces', '150', '--child-spans', '1', '--span-links', '1']),
      telemetrygen('traces', 'tg-plain', 20, ['--traces', '10', '--child-spans', '1', '--status-code', 'Ok']),
    ],
    // Every metric type telemetrygen makes, with an exemplar.
    metrics: [
      telemetrygen('metrics', 'tg-gauge', 4, ['--metrics', '4', '--metric-type', 'Gauge', '--trace-id', 'ae87dadd90e9935a4bc9660628efd569', '--span-id', '5828fa4960140870']),
      telemetrygen('metrics', 'tg-sum', 4, ['--metrics', '4', '--metric-type', 'Sum', '--aggregation-temporality', 'cumulative']),
      telemetrygen('metrics', 'tg-histogram', 4, ['--metrics', '4', '--metric-type', 'Histogram']),
      telemetrygen('metrics', 'tg-exponential', 4, ['--metrics', '4', '--metric-type', 'ExponentialHistogram', '--aggregation-temporality', 'delta']),
    ],
    // Logs of several severities.
    logs: [
      telemetrygen('logs', 'tg-info', 5, ['--logs', '5', '--severity-text', 'Info', '--severity-number', '9', '--body', 'all is well']),
      telemetrygen('logs', 'tg-warn', 5, ['--logs', '5', '--severity-text', 'Warn', '--severity-number', '13', '--body', 'watch out']),
      telemetrygen('logs', 'tg-error', 5, ['--logs', '5', '--severity-text', 'Error', '--severity-number', '17', '--body', 'it broke']),
    ],
  }[signal];
  return [...generated, sdk(signal), payload(signal, 'rich'), payload(signal, 'multi'), payload(signal, 'mixed')];
}

/** Sends every input of a list at once (so that batching exporters put several resources in one request). */
export async function sendAll(list: Input[], to: Endpoints): Promise<void> {
  await Promise.all(list.map((input) => input.send(to)));
}

const KEYS: Record<Signal, [string, string, string]> = {
  traces: ['resourceSpans', 'scopeSpans', 'spans'],
  metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'],
  logs: ['resourceLogs', 'scopeLogs', 'logRecords'],
};
const METRIC_TYPES = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'];

/** Every item (span, data point with its metric, log record) of a list of resources, with its resource and scope. */
function records(signal: Signal, resources: Json[]): Json[] {
  const [, scopeKey, itemKey] = KEYS[signal];
  const out: Json[] = [];
  for (const r of resources) {
    const resource = { resource: r.resource, schemaUrl: r.schemaUrl };
    for (const s of r[scopeKey] ?? []) {
      const scope = { scope: s.scope, schemaUrl: s.schemaUrl };
      for (const item of s[itemKey] ?? []) {
        if (signal !== 'metrics') {
          out.push({ resource, scope, item });
          continue;
        }
        for (const type of METRIC_TYPES.filter((t) => item[t])) {
          const { dataPoints = [], ...kind } = item[type];
          for (const point of dataPoints) out.push({ resource, scope, item: { ...item, [type]: { ...kind, dataPoints: [point] } } });
        }
      }
    }
  }
  return out;
}

/** One spelling of an OTLP/JSON value, so that two writers' files compare: keys in order, 64-bit integers as strings,
 * fields holding their default left out, an all-zero trace or span id (which means none) left out, attributes
 * (maps) sorted by key, a span's events and links sorted (each carries its own time or ids). */
function canonical(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => canonical(v));
    if (/^(attributes|filteredAttributes|values)$/.test(key) && items.every((kv: any) => kv && typeof kv === 'object' && 'key' in kv)) {
      return items.sort((a: any, b: any) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    if (/^(events|links)$/.test(key)) return items.map((e) => JSON.stringify(e)).sort().map((e) => JSON.parse(e));
    return items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Json = {};
    for (const [k, field] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const c = canonical(field, k);
      const isDefault = c === null || c === undefined || c === '' || c === '0' || c === false
        || (Array.isArray(c) && c.length === 0) || (typeof c === 'object' && !Array.isArray(c) && Object.keys(c as Json).length === 0)
        || (/^(traceId|spanId|parentSpanId)$/.test(k) && typeof c === 'string' && /^0+$/.test(c));
      // An AnyValue holding an empty string, 0 or false is a value, not a default.
      if (isDefault && !/^(stringValue|intValue|boolValue|doubleValue|bytesValue)$/.test(k)) continue;
      out[k] = c;
    }
    return out;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return value;
}

/** The items a `file` exporter (OTLP/JSON, one request a line) wrote for some inputs of one signal, each as one
 * canonical JSON string of the item with its resource and scope. */
export function itemsIn(path: string, list: Input[]): string[] {
  if (!existsSync(path)) return [];
  const signal = list[0].signal;
  const runs = new Set(list.map((input) => input.run));
  const resources = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    .flatMap((request: Json) => request[KEYS[signal][0]] ?? [])
    .filter((r: Json) => (r.resource?.attributes ?? []).some((kv: Json) => kv.key === 'test.run' && runs.has(kv.value?.stringValue)));
  return records(signal, resources).map((r) => JSON.stringify(canonical(r))).sort();
}

/** The items written for some inputs, once there are at least as many as they sent or at `deadline` (the comparison
 * then says what is missing). */
export async function written(path: string, list: Input[], deadline: number): Promise<string[]> {
  const count = list.reduce((n, input) => n + input.items, 0);
  for (;;) {
    const items = itemsIn(path, list);
    if (items.length >= count || Date.now() > deadline) return items;
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The leaf values of a JSON value by path. */
function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) leaves(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`, out);
  } else {
    out.set(path, JSON.stringify(value));
  }
  return out;
}

/** Where an item differs from the most alike of `others` (or the item itself, shortened, when there is none). */
function howItDiffers(item: string, others: string[], shown = 4): string {
  const mine = leaves(JSON.parse(item));
  let best: string[] | undefined;
  for (const other of others) {
    const theirs = leaves(JSON.parse(other));
    const paths = new Set([...mine.keys(), ...theirs.keys()]);
    const differing = [...paths].filter((p) => mine.get(p) !== theirs.get(p)).map((p) => `${p}: ${mine.get(p) ?? 'absent'} here, ${theirs.get(p) ?? 'absent'} there`);
    if (!best || differing.length < best.length) best = differing;
  }
  if (!best) return `nothing like ${item.length > 200 ? `${item.slice(0, 200)}...` : item}`;
  return `${best.length} field(s) differ from the nearest, e.g. ${best.slice(0, shown).join('; ')}`;
}

/** How two sides' items differ: the items only one side has (as a multiset) and, for a few, where they differ from
 * the nearest item of the other side. */
export function difference(reference: string[], candidate: string[], shown = 2) {
  const left = new Map<string, number>();
  for (const item of candidate) left.set(item, (left.get(item) ?? 0) + 1);
  const onlyReference: string[] = [];
  for (const item of reference) {
    const n = left.get(item) ?? 0;
    if (n > 0) left.set(item, n - 1);
    else onlyReference.push(item);
  }
  const onlyCandidate = [...left].flatMap(([item, n]) => Array<string>(n).fill(item));
  return {
    reference: reference.length,
    candidate: candidate.length,
    onlyReference: onlyReference.length,
    onlyCandidate: onlyCandidate.length,
    examples: [
      ...onlyReference.slice(0, shown).map((item) => `only in the reference: ${howItDiffers(item, onlyCandidate)}`),
      ...onlyCandidate.slice(0, shown).map((item) => `only in the candidate: ${howItDiffers(item, onlyReference)}`),
    ],
  };
}

/** How `candidate` differs from `reference` for some inputs of one signal (see `agreement`). The files are read until
 * they hold the inputs' items, for 15 s at most. */
export async function outcome(referencePath: string, candidatePath: string, list: Input[]) {
  const deadline = Date.now() + 15_000;
  const reference = await written(referencePath, list, deadline);
  const candidate = await written(candidatePath, list, deadline);
  return { sent: list.reduce((n, input) => n + input.items, 0), ...difference(reference, candidate) };
}

/** How `candidate` differs from `reference`, two outputs of a processor that keeps an unknown part of the inputs,
 * once both hold as many items and did not change for 300 ms (or after 10 s). Call it once the inputs were
 * delivered everywhere (see `written`). */
export async function processedOutcome(referencePath: string, candidatePath: string, list: Input[]) {
  const deadline = Date.now() + 10_000;
  let last = '';
  let stableSince = Date.now();
  for (;;) {
    const [reference, candidate] = [itemsIn(referencePath, list), itemsIn(candidatePath, list)];
    const now = `${reference.length}/${candidate.length}`;
    if (now !== last) [last, stableSince] = [now, Date.now()];
    if ((reference.length === candidate.length && Date.now() - stableSince >= 300) || Date.now() > deadline) {
      return { kept: reference.length, ...difference(reference, candidate) };
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The outcome when both sides hold every item the inputs sent, alike. */
export const agreement = (list: Input[]) => {
  const sent = list.reduce((n, input) => n + input.items, 0);
  return { sent, reference: sent, candidate: sent, onlyReference: 0, onlyCandidate: 0, examples: [] };
};

