// A distribution of one's own (a main program calling `collector.run` with component packages) whose packages go wrong
// in every way the issue lists; each bad component is a clear error naming its package, type and pipeline, takes down
// only its pipeline, and valid traffic beside it keeps flowing.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { parse as parseYAML } from 'yaml';
import { Collector, freePort, tempDir, WITH_ENGINE } from './collector';

const HOST = resolve(__dirname, '..', '..', 'ts-host');

/** The user's main program: good packages, and bad ones of each kind. */
const MAIN = `'use strict';
const { collector, component, consumer, consumererror, exporter, processor, processorhelper } = require(${JSON.stringify(HOST)});
const { StabilityLevel } = component;
const logsProcessor = (type, process, options = {}) => processor.newFactory(type, () => ({}), [
  processor.withLogs(async (settings, config, next) => processorhelper.newLogs(settings, config, next, process), StabilityLevel.Alpha),
], options);
const faulty = (type, consume) => processor.newFactory(type, () => ({}), [
  processor.withLogs(async () => component.withLifecycle(consumer.newLogs(consume)), StabilityLevel.Alpha),
]);
const tag = logsProcessor('tag', (_ctx, ld) => {
  for (const rl of ld.resourceLogs()) for (const sl of rl.scopeLogs()) for (const record of sl.logRecords()) record.attributes().putStr('tagged', 'yes');
  return ld;
});
collector.run({
  buildInfo: { command: 'acme-otelcol', description: 'Acme collector', version: '9.9.9' },
  packages: [
    collector.loadPackage('@acme/tag', () => ({ newFactory: () => tag })),
    collector.loadPackage('@acme/missing', () => require('@acme/missing')),
    collector.loadPackage('@acme/dup-a', () => ({ newFactory: () => logsProcessor('dup', (_ctx, ld) => ld) })),
    collector.loadPackage('@acme/dup-b', () => ({ newFactory: () => logsProcessor('dup', (_ctx, ld) => ld) })),
    collector.loadPackage('@acme/not-rust', () => ({ newFactory: () => logsProcessor('rust_batch', (_ctx, ld) => ld) })),
    collector.loadPackage('@acme/strict', () => ({
      newFactory: () => logsProcessor('strict', (_ctx, ld) => ld, { validateConfig: () => { throw new Error('"limit" is required'); } }),
    })),
    collector.loadPackage('@acme/failstart', () => ({
      newFactory: () => exporter.newFactory('failstart', () => ({}), [
        exporter.withLogs(async () => component.withLifecycle(consumer.newLogs(async () => {}), async () => { throw new Error('cannot reach the backend'); }), StabilityLevel.Alpha),
      ]),
    })),
    collector.loadPackage('@acme/faulty', () => ({
      factories: [
        faulty('thrower', () => { throw new TypeError('cannot read properties of undefined'); }),
        faulty('rejecter', async () => { throw new consumererror.RetryableError('backend busy'); }),
        faulty('hang', () => new Promise(() => {})),
      ],
    })),
  ],
});
`;

function config(ports: Record<'good' | 'sync' | 'reject' | 'hang' | 'other' | 'metrics', number>, out: string): string {
  const http = (port: number) => `    protocols:\n      http:\n        endpoint: 127.0.0.1:${port}\n`;
  const grpcOn = (port: number) => `    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${port}\n`;
  const pipeline = (name: string, receiver: string, processors: string[], exporters = ['file']) =>
    `    logs/${name}:\n      receivers: [${receiver}]\n      processors: [${processors.join(', ')}]\n      exporters: [${exporters.join(', ')}]\n`;
  return `${WITH_ENGINE}receivers:
  otlp/good:
${http(ports.good)}  otlp/sync:
${grpcOn(ports.sync)}  otlp/reject:
${grpcOn(ports.reject)}  otlp/hang:
${grpcOn(ports.hang)}  otlp/other:
${http(ports.other)}processors:
  tag: {}
  missing_proc: {}
  dup: {}
  rust_batch: {}
  strict: {}
  thrower: {}
  rejecter: {}
  hang: {}
exporters:
  file:
    path: ${out}
  failstart: {}
service:
  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${ports.metrics}
  pipelines:
${pipeline('good', 'otlp/good', ['tag'])}${pipeline('missing', 'otlp/other', ['missing_proc'])}${pipeline('dup', 'otlp/other', ['dup'])}${pipeline('rustclash', 'otlp/other', ['rust_batch'])}${pipeline('strict', 'otlp/other', ['strict'])}${pipeline('failstart', 'otlp/other', [], ['failstart'])}${pipeline('sync', 'otlp/sync', ['thrower'])}${pipeline('reject', 'otlp/reject', ['rejecter'])}${pipeline('hang', 'otlp/hang', ['hang'])}`;
}

const logsBody = (body: string) => JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: body } }] }] }] });
const LOGS_EXPORT = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';
/** ExportLogsServiceRequest { resource_logs { scope_logs { log_records { body { string_value: "x" } } } } }, by hand. */
const ONE_LOG = Buffer.from([0x0a, 0x0b, 0x12, 0x09, 0x12, 0x07, 0x2a, 0x05, 0x0a, 0x03, 0x61, 0x62, 0x63]);

/** Exports one log record over gRPC; resolves with the error status, or undefined on success. */
function exportLog(port: number, timeoutMs: number): Promise<grpc.ServiceError | undefined> {
  const client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((done) => {
    client.makeUnaryRequest(LOGS_EXPORT, (b: Buffer) => b, (b: Buffer) => b, ONE_LOG, new grpc.Metadata(), { deadline: Date.now() + timeoutMs },
      (err: grpc.ServiceError | null) => {
        client.close();
        done(err ?? undefined);
      });
  });
}

async function postGood(port: number, body: string): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: logsBody(body) })).status;
}

function bodies(out: string): Array<{ body: string; tagged?: string }> {
  return readFileSync(out, 'utf8').split('\n').filter(Boolean).flatMap((line) => JSON.parse(line).resourceLogs.flatMap((rl: any) =>
    rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((r: any) => ({
      body: r.body.stringValue, tagged: r.attributes?.find((a: any) => a.key === 'tagged')?.value.stringValue,
    })))));
}

/** Resolves once `text` appears in the collector's output, or fails with what it printed. */
async function outputContains(collector: Collector, text: string, timeoutMs = 10_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !collector.output.includes(text); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error(`the output never contained ${JSON.stringify(text)}:\n${collector.output}`);
  }
}

describe('a distribution with bad component packages', () => {
  let collector: Collector;
  let ports: Record<'good' | 'sync' | 'reject' | 'hang' | 'other' | 'metrics', number>;
  let out: string;
  let main: string;
  let yamlPath: string;

  beforeAll(async () => {
    const dir = tempDir('tandem-dist-');
    main = join(dir, 'main.js');
    writeFileSync(main, MAIN);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'acme-otelcol', version: '9.9.9', private: true }));
    ports = { good: await freePort(), sync: await freePort(), reject: await freePort(), hang: await freePort(), other: await freePort(), metrics: await freePort() };
    out = join(dir, 'out.jsonl');
    const yaml = config(ports, out);
    yamlPath = join(dir, 'config.yaml');
    writeFileSync(yamlPath, yaml);
    collector = await Collector.launch('acme-otelcol', process.execPath, [main], yaml, [ports.good, ports.sync, ports.reject, ports.hang, ports.metrics], 60_000);
  });

  afterAll(async () => {
    expect(await collector?.stop()).toBe(0);
  });

  test('each bad package, type or config is an error naming the package, type and pipeline; those pipelines do not run', async () => {
    await outputContains(collector, 'Everything is ready');
    const errors = collector.output.split('\n').filter((line) => line.includes('"level":50')).map((line) => JSON.parse(line).msg as string);
    expect(errors).toEqual(expect.arrayContaining([
      'component package "@acme/missing" failed to load: Cannot find module \'@acme/missing\'',
      'processor "missing_proc" (package "@acme/missing"): unknown type "missing_proc", perhaps from a package that did not load: '
        + 'component package "@acme/missing" failed to load: Cannot find module \'@acme/missing\'; pipelines not running: ["logs/missing"]',
      'processor "dup" (package "@acme/dup-a", "@acme/dup-b"): processor type "dup" is defined 2 times: by package "@acme/dup-a" (typescript runtime), '
        + 'by package "@acme/dup-b" (typescript runtime); pipelines not running: ["logs/dup"]',
      'processor "rust_batch" (package "@acme/not-rust", "tandem-engine"): processor type "rust_batch" is defined 2 times: by package "@acme/not-rust" (typescript runtime), '
        + 'by the rust runtime; pipelines not running: ["logs/rustclash"]',
      'processor "strict" (package "@acme/strict"): invalid configuration: "limit" is required; pipelines not running: ["logs/strict"]',
      'exporter "failstart" (package "@acme/failstart"): failed to start: failed to start "failstart" exporter: cannot reach the backend; pipelines not running: ["logs/failstart"]',
    ]));
    // The only receiver of the pipelines that do not run is never started.
    await expect(fetch(`http://127.0.0.1:${ports.other}/v1/logs`, { method: 'POST', body: '{}' })).rejects.toThrow();
  });

  test('the good pipeline flows: its package\'s processor tags every record', async () => {
    expect(await postGood(ports.good, 'first')).toBe(200);
    expect(bodies(out)).toContainEqual({ body: 'first', tagged: 'yes' });
  });

  test('a consumer that throws synchronously: a permanent error naming it; nothing else is hurt', async () => {
    const err = await exportLog(ports.sync, 10_000);
    expect(err?.code).toBe(grpc.status.INTERNAL);
    expect(err?.details).toBe('processor "thrower" in pipeline "logs/sync" (package "@acme/faulty"): Permanent error: cannot read properties of undefined');
    expect(await postGood(ports.good, 'after-throw')).toBe(200);
  });

  test('a consumer that rejects: its error keeps its meaning (retryable) and names it', async () => {
    const err = await exportLog(ports.reject, 10_000);
    expect(err?.code).toBe(grpc.status.UNAVAILABLE);
    expect(err?.details).toBe('processor "rejecter" in pipeline "logs/reject" (package "@acme/faulty"): backend busy');
  });

  test('a consumer that never settles is bounded by the caller\'s deadline, and traffic beside it flows meanwhile', async () => {
    const hung = exportLog(ports.hang, 1500);
    for (let i = 0; i < 5; i++) expect(await postGood(ports.good, `during-hang-${i}`)).toBe(200);
    const err = await hung;
    expect(err?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await outputContains(collector, 'processor \\"hang\\" in pipeline \\"logs/hang\\" (package \\"@acme/faulty\\") did not answer by the caller\'s deadline');
    expect(bodies(out).filter((r) => r.body.startsWith('during-hang-'))).toHaveLength(5);
    // Only the good pipeline's records were written.
    expect(new Set(bodies(out).map((r) => r.tagged))).toEqual(new Set(['yes']));
  });

  test('validate reports every bad component and fails; components lists each factory with its package', () => {
    const validate = spawnSync(process.execPath, [main, 'validate', '--config', yamlPath], { encoding: 'utf8' });
    expect(validate.status).toBe(1);
    for (const type of ['missing_proc', 'dup', 'rust_batch', 'strict']) expect(validate.stderr).toContain(`processor "${type}" (package `);
    const components = spawnSync(process.execPath, [main, 'components'], { encoding: 'utf8' });
    expect(components.status).toBe(0);
    expect(components.stderr).toContain('warning: component package "@acme/missing" failed to load');
    const listed = parseYAML(components.stdout);
    expect(listed.buildinfo).toEqual({ command: 'acme-otelcol', description: 'Acme collector', version: '9.9.9' });
    const processors = Object.fromEntries(listed.processors.map((p: any) => [p.name, `${p.package} ${p.runtime}`]));
    expect(processors).toMatchObject({ tag: '@acme/tag typescript', thrower: '@acme/faulty typescript', batch: '@tandem/host typescript', rust_filter: '@tandem/host rust' });
    expect(processors.dup).toBeUndefined(); // ambiguous: neither is offered
  });
});
