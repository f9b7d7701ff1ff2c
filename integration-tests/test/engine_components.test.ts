// The engine's processors (rust_attributes, rust_filter, rust_transform), connectors (rust_count, rust_routing) and rust_perf in tandem
// configs, fed by the OpenTelemetry JS SDK and read back from the host's file exporter or log.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Collector, freePort, tempDir, WITH_ENGINE } from './collector';
import { exportRaw, logRequest, traceRequest } from './otlp';
import { attr, send, written, type Json } from './sdk';

type Pipeline = { signal: string; name?: string; receiver?: string; processors: string[]; exporter: string };

/** A tandem config: an OTLP/gRPC receiver, the given components and file exporters, and the pipelines. */
function config(grpcPort: number, components: string, files: Record<string, string>, pipelines: Pipeline[]): string {
  const exporters = Object.entries(files).map(([name, path]) => `  ${name}:\n    path: ${path}\n`).join('');
  const pipelineYaml = pipelines
    .map((p) => `    ${p.name ?? p.signal}:\n      receivers: [${p.receiver ?? 'otlp'}]\n${p.processors.length ? `      processors: [${p.processors.join(', ')}]\n` : ''}      exporters: [${p.exporter}]\n`)
    .join('');
  return `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
${components}exporters:
${exporters}service:
  telemetry:
    metrics:
      level: none
  pipelines:
${pipelineYaml}`;
}

async function withCollector(yaml: (grpcPort: number) => string, body: (grpcPort: number, collector: Collector) => Promise<void>): Promise<void> {
  const grpcPort = await freePort();
  const collector = await Collector.start(yaml(grpcPort), [grpcPort]);
  try {
    await body(grpcPort, collector);
  } finally {
    expect(await collector.stop()).toBe(0);
  }
}

const spansOf = (resources: Json[]): Json[] => resources.flatMap((rs) => rs.scopeSpans.flatMap((ss: Json) => ss.spans));
const keysOf = (attributes: Json[] | undefined) => (attributes ?? []).map((kv) => kv.key).sort();

describe('rust_attributes', () => {
  test('inserts, updates, upserts, deletes, renames and hashes span and resource attributes', async () => {
    const out = join(tempDir(), 'out.jsonl');
    const processors = `processors:\n  rust_attributes:
    apply_to: [signal, resource]
    actions:
      - { action: upsert, key: env, value: prod }
      - { action: insert, key: ok, value: false }
      - { action: update, key: service.name, value: renamed }
      - { action: delete, key: retries }
      - { action: rename, source_key: ratio, destination_key: fraction }
      - { action: hash, key: http.method, salt: pepper }
`;
    const pipelines = [{ signal: 'traces', processors: ['rust_attributes'], exporter: 'file' }];
    await withCollector((port) => config(port, processors, { file: out }, pipelines), async (port) => {
      await send('traces', 'grpc', `127.0.0.1:${port}`, 'attributes');
      const resources = written(out, 'resourceSpans', 'attributes'); // the SDK exports each span on its own
      expect(resources).toHaveLength(2);
      for (const { resource } of resources) {
        expect(attr(resource.attributes, 'service.name')).toEqual({ stringValue: 'renamed' });
        expect(attr(resource.attributes, 'env')).toEqual({ stringValue: 'prod' });
        expect(attr(resource.attributes, 'ok')).toEqual({ boolValue: false }); // apply_to resource: every action applies
      }
      const spans = spansOf(resources);
      const child = spans.find((s) => s.name === 'child')!;
      const parent = spans.find((s) => s.name === 'parent')!;
      expect(keysOf(child.attributes)).toEqual(['env', 'fraction', 'http.method', 'ok', 'tags']);
      expect(attr(child.attributes, 'env')).toEqual({ stringValue: 'prod' });
      expect(attr(child.attributes, 'ok')).toEqual({ boolValue: true }); // insert leaves an existing key alone
      expect(attr(child.attributes, 'fraction')).toEqual({ doubleValue: 0.25 });
      const hashed = createHash('sha256').update('pepper').update('GET').digest('hex');
      expect(attr(child.attributes, 'http.method')).toEqual({ stringValue: hashed });
      expect(attr(parent.attributes, 'ok')).toEqual({ boolValue: false }); // inserted where it was missing
      expect(attr(parent.attributes, 'env')).toEqual({ stringValue: 'prod' });
    });
  });
});

describe('rust_filter', () => {
  test('drops spans by name, metrics by name pattern and log records by severity and attribute', async () => {
    const [main, dropped] = [join(tempDir(), 'main.jsonl'), join(tempDir(), 'dropped.jsonl')];
    const processors = `processors:\n  rust_filter/spans_and_metrics:
    spans:
      exclude:
        match_type: strict
        span_names: [parent]
    metrics:
      exclude:
        match_type: regexp
        metric_names: ['^lat']
  rust_filter/errors:
    logs:
      include:
        severity_number: { min: ERROR }
  rust_filter/not_u1:
    logs:
      include:
        severity_number: { min: WARN }
      exclude:
        record_attributes: [{ key: user, value: u1 }]
  rust_filter/warnings:
    logs:
      include:
        severity_number: { min: warn }
      exclude:
        record_attributes: [{ key: user, value: u2 }]
`;
    const pipelines = [
      { signal: 'traces', processors: ['rust_filter/spans_and_metrics'], exporter: 'file/main' },
      { signal: 'metrics', processors: ['rust_filter/spans_and_metrics'], exporter: 'file/main' },
      { signal: 'logs', name: 'logs/errors', processors: ['rust_filter/errors'], exporter: 'file/dropped' },
      { signal: 'logs', name: 'logs/not_u1', processors: ['rust_filter/not_u1'], exporter: 'file/dropped' },
      { signal: 'logs', name: 'logs/warnings', processors: ['rust_filter/warnings'], exporter: 'file/main' },
    ];
    await withCollector((port) => config(port, processors, { 'file/main': main, 'file/dropped': dropped }, pipelines), async (port) => {
      const address = `127.0.0.1:${port}`;
      await send('traces', 'grpc', address, 'filter-traces');
      await send('metrics', 'grpc', address, 'filter-metrics');
      await send('logs', 'grpc', address, 'filter-logs');
      expect(spansOf(written(main, 'resourceSpans', 'filter-traces')).map((s) => s.name)).toEqual(['child']);
      const metrics = written(main, 'resourceMetrics', 'filter-metrics').flatMap((rm) => rm.scopeMetrics.flatMap((sm: Json) => sm.metrics));
      expect(metrics.length).toBeGreaterThan(0);
      expect(new Set(metrics.map((m) => m.name))).toEqual(new Set(['requests'])); // each SDK export had requests and latency
      const logs = written(main, 'resourceLogs', 'filter-logs').flatMap((rl) => rl.scopeLogs.flatMap((sl: Json) => sl.logRecords));
      expect(logs.map((l) => [l.severityText, l.body])).toEqual([['WARN', { stringValue: 'hello' }]]);
      // The WARN record of user u1 is below ERROR for one pipeline and excluded by attribute in the other: both
      // requests were emptied and nothing was written.
      expect(existsSync(dropped) ? written(dropped, 'resourceLogs', 'filter-logs') : []).toEqual([]);
    });
  });
});

describe('rust_transform (otap-dataflow\'s transform processor)', () => {
  test('a KQL query filters spans and an OPL query sets a log attribute, on OTAP batches', async () => {
    const out = join(tempDir(), 'out.jsonl');
    const processors = `processors:
  rust_transform/children:
    kql_query: 'traces | where name == "child"'
  rust_transform/team:
    opl_query: 'logs | set attributes["team"] = "payments"'
`;
    const pipelines = [
      { signal: 'traces', processors: ['rust_transform/children'], exporter: 'file' },
      { signal: 'logs', processors: ['rust_transform/team'], exporter: 'file' },
    ];
    await withCollector((port) => config(port, processors, { file: out }, pipelines), async (port) => {
      await send('traces', 'grpc', `127.0.0.1:${port}`, 'transform-traces');
      await send('logs', 'grpc', `127.0.0.1:${port}`, 'transform-logs');
      expect(spansOf(written(out, 'resourceSpans', 'transform-traces')).map((s) => s.name)).toEqual(['child']);
      const logs = written(out, 'resourceLogs', 'transform-logs').flatMap((rl) => rl.scopeLogs.flatMap((sl: Json) => sl.logRecords));
      expect(logs).toHaveLength(1);
      expect(logs[0].body).toEqual({ stringValue: 'hello' });
      expect(attr(logs[0].attributes, 'team')).toEqual({ stringValue: 'payments' });
      expect(attr(logs[0].attributes, 'user')).toEqual({ stringValue: 'u1' });
    });
  });

  test('a batch the query fails on is refused to its sender (error_mode propagate) or passed on unchanged (ignore), and the pipeline runs on', async () => {
    const out = join(tempDir(), 'out.jsonl');
    // Both parse, and otap-dataflow 0.62's columnar engine fails on every batch of their signal: a scope name is a string.
    const processors = `processors:
  rust_transform/propagate:
    opl_query: 'traces | extend instrumentation_scope.name = 42'
  rust_transform/ignore:
    opl_query: 'logs | extend instrumentation_scope.name = 42'
    error_mode: ignore
`;
    const pipelines = [
      { signal: 'traces', processors: ['rust_transform/propagate'], exporter: 'file' },
      { signal: 'logs', processors: ['rust_transform/ignore'], exporter: 'file' },
    ];
    await withCollector((port) => config(port, processors, { file: out }, pipelines), async (port, collector) => {
      const refused = /INTERNAL.*rust_transform: .*Error executing query engine pipeline/;
      await expect(exportRaw('traces', `127.0.0.1:${port}`, traceRequest('failing', 3).bytes)).rejects.toThrow(refused);
      await send('logs', 'grpc', `127.0.0.1:${port}`, 'transform-ignored');
      const logs = written(out, 'resourceLogs', 'transform-ignored').flatMap((rl) => rl.scopeLogs.flatMap((sl: Json) => sl.logRecords));
      expect(logs.map((l) => l.body)).toEqual([{ stringValue: 'hello' }]);
      expect(attr(logs[0].attributes, 'user')).toEqual({ stringValue: 'u1' });
      // The same answer again: the core's pipeline did not end, and the engine was not restarted.
      await expect(exportRaw('traces', `127.0.0.1:${port}`, traceRequest('failing-again', 3).bytes)).rejects.toThrow(refused);
      expect(collector.output).not.toContain('Engine restarted');
      expect(collector.output).toContain('the query failed on a batch');
      expect(existsSync(out) ? readFileSync(out, 'utf8') : '').not.toContain('failing');
    });
  });
});

describe('rust_count', () => {
  test('counts spans, span events and log records into delta sums per resource', async () => {
    const out = join(tempDir(), 'out.jsonl');
    const pipelines = [
      { signal: 'traces', processors: [], exporter: 'rust_count' },
      { signal: 'logs', processors: [], exporter: 'rust_count' },
      { signal: 'metrics', receiver: 'rust_count', processors: [], exporter: 'file' },
    ];
    await withCollector((port) => config(port, 'connectors:\n  rust_count: {}\n', { file: out }, pipelines), async (port) => {
      await send('traces', 'grpc', `127.0.0.1:${port}`, 'count-traces');
      await send('logs', 'grpc', `127.0.0.1:${port}`, 'count-logs');
      const totals = (run: string) => {
        const sums: Record<string, number> = {};
        for (const rm of written(out, 'resourceMetrics', run)) {
          expect(attr(rm.resource.attributes, 'service.name')).toEqual({ stringValue: 'it' }); // the resource is kept
          for (const metric of rm.scopeMetrics.flatMap((sm: Json) => sm.metrics)) {
            expect(metric.sum).toMatchObject({ aggregationTemporality: 1, isMonotonic: true });
            sums[metric.name] = (sums[metric.name] ?? 0) + metric.sum.dataPoints.reduce((n: number, p: Json) => n + Number(p.asInt), 0);
          }
        }
        return sums;
      };
      expect(totals('count-traces')).toEqual({ 'trace.span.count': 2, 'trace.span.event.count': 1 });
      expect(totals('count-logs')).toEqual({ 'log.record.count': 1 });
    });
  });
});

describe('rust_perf', () => {
  test('acknowledges at once and logs the throughput it measured', async () => {
    const pipelines = [{ signal: 'traces', processors: [], exporter: 'rust_perf' }];
    const components = 'exporters:\n  rust_perf:\n    interval: 100ms\n';
    await withCollector((port) => config(port, '', {}, pipelines).replace('exporters:\n', components), async (port, collector) => {
      await send('traces', 'grpc', `127.0.0.1:${port}`, 'perf');
      await new Promise((done) => setTimeout(done, 500));
      const reports = collector.output.split('\n').filter((line) => line.includes('"msg":"throughput"')).map((line) => JSON.parse(line));
      expect(reports.length).toBeGreaterThan(0);
      expect(reports[0]).toMatchObject({ component: 'rust_perf', signal: 'traces' });
      expect(reports.reduce((n, r) => n + r.items, 0)).toBe(2);
      expect(reports.reduce((n, r) => n + r.requests, 0)).toBe(2);
    });
  });
});

describe('rust_routing', () => {
  test('sends each resource to the pipelines of its attribute value, others to the default pipelines', async () => {
    const [acme, other] = [join(tempDir(), 'acme.jsonl'), join(tempDir(), 'other.jsonl')];
    const components = `connectors:
  rust_routing:
    attribute: test.run
    table:
      - value: route-acme
        pipelines: [logs/acme]
    default_pipelines: [logs/other]
`;
    const pipelines = [
      { signal: 'logs', processors: [], exporter: 'rust_routing' },
      { signal: 'logs', name: 'logs/acme', receiver: 'rust_routing', processors: [], exporter: 'file/acme' },
      { signal: 'logs', name: 'logs/other', receiver: 'rust_routing', processors: [], exporter: 'file/other' },
    ];
    await withCollector((port) => config(port, components, { 'file/acme': acme, 'file/other': other }, pipelines), async (port) => {
      await send('logs', 'grpc', `127.0.0.1:${port}`, 'route-acme');
      await send('logs', 'grpc', `127.0.0.1:${port}`, 'route-zeta');
      expect(written(acme, 'resourceLogs', 'route-acme')).toHaveLength(1);
      expect(written(other, 'resourceLogs', 'route-zeta')).toHaveLength(1);
      expect(written(acme, 'resourceLogs', 'route-zeta')).toEqual([]);
      expect(written(other, 'resourceLogs', 'route-acme')).toEqual([]);
    });
  });

  test('a table naming a pipeline the connector does not feed stops the start with the Collector router error', async () => {
    const components = 'connectors:\n  rust_routing:\n    attribute: a\n    table:\n      - value: x\n        pipelines: [logs/nowhere]\n';
    const pipelines = [
      { signal: 'logs', processors: [], exporter: 'rust_routing' },
      { signal: 'logs', name: 'logs/out', receiver: 'rust_routing', processors: [], exporter: 'file' },
    ];
    const port = await freePort();
    await expect(Collector.start(config(port, components, { file: join(tempDir(), 'out.jsonl') }, pipelines), [port])).rejects.toThrow(
      'connectors::rust_routing: missing consumer: "logs/nowhere"',
    );
  });
});

describe('rust_otlp', () => {
  // Scenario: logs sent to a receiver that only a traces pipeline lists. Guarantee: UNIMPLEMENTED, as the Go receiver
  // and the host's answer it (permanent, so the client does not retry it), and the engine goes on serving traces.
  test('a signal none of its pipelines takes is refused, and the engine serves on', async () => {
    const out = join(tempDir(), 'out.jsonl');
    const yaml = (port: number) => `${WITH_ENGINE}receivers:\n  rust_otlp:\n    endpoint: 127.0.0.1:${port}\nexporters:\n  file:\n    path: ${out}\n`
      + 'service:\n  telemetry:\n    metrics:\n      level: none\n  pipelines:\n    traces:\n      receivers: [rust_otlp]\n      exporters: [file]\n';
    await withCollector(yaml, async (port, collector) => {
      await expect(exportRaw('logs', `127.0.0.1:${port}`, logRequest('unserved', 3).bytes)).rejects.toThrow(/UNIMPLEMENTED.*LogsService\/Export is not served: no pipeline of that signal uses this receiver/);
      await send('traces', 'grpc', `127.0.0.1:${port}`, 'served');
      expect(spansOf(written(out, 'resourceSpans', 'served')).map((s) => s.name).sort()).toEqual(['child', 'parent']);
      expect(collector.output).not.toContain('Engine restarted');
    });
  });
});
