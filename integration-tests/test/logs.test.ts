// What a person running Tandem reads: the Go Collector's console log layout when asked (the default on a terminal),
// JSON lines otherwise; the engine's own log records in the same stream and encoding; the debug exporter's text as
// Go prints it.
import { Collector, freePort, until, WITH_ENGINE } from './collector';
import { send } from './sdk';

function config(port: number, encoding?: string): string {
  return `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  rust_batch:
    timeout: 10ms
exporters:
  debug:
    verbosity: detailed
service:
  telemetry:
${encoding ? `    logs:\n      encoding: ${encoding}\n` : ''}    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [rust_batch]
      exporters: [debug]
`;
}

/** A console line: time, level, message (possibly several lines), and the fields. */
const CONSOLE_LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d{4})\t(debug|info|warn|error)\t/;

/** The output once the debug exporter has dumped both of the SDK's spans (it exports them one request each). */
const dumpedBoth = (output: string) => (/Name {11}: parent\n/.test(output) && /Name {11}: child\n/.test(output) ? output : undefined);

describe('logs', () => {
  let collector: Collector | undefined;
  afterEach(async () => {
    await collector?.stop();
    collector = undefined;
  });

  test('console encoding: host and engine records in the Go layout, the debug dump as text', async () => {
    const port = await freePort();
    collector = await Collector.start(config(port, 'console'), [port]);
    await send('traces', 'http-proto', `127.0.0.1:${port}`, 'console-run');
    const dumped = await until('the debug exporter\'s dump', () => dumpedBoth(collector!.output));
    const records = dumped.split('\n').filter((line) => CONSOLE_LINE.test(line));
    // Every record starts a line in the console layout; nothing is JSON.
    expect(dumped.split('\n').filter((line) => line.startsWith('{'))).toEqual([]);
    expect(records.find((l) => l.includes('\tEverything is ready. Begin running and processing data.'))).toBeDefined();
    const engine = records.find((l) => l.includes('"otelcol.component.kind": "engine"') && l.includes('"engine_pid": '));
    expect(engine).toMatch(/\tinfo\t[^\t]+\t\{"otelcol\.component\.kind": "engine", .*"engine_pid": \d+\}$/);
    expect(records.find((l) => /\tinfo\tTraces\t\{.*"resource spans": \d, "spans": \d\}$/.test(l))).toBeDefined();
    // The detailed dump is the message itself: Go's text, unescaped, over several lines.
    expect(dumped).toMatch(/\tinfo\tResourceSpans #0\nResource SchemaURL: \nResource attributes:\n {5}-> service\.name: Str\(it\)\n/);
    expect(dumped).toMatch(/\n {4}Name {11}: child\n/);
    expect(dumped).toMatch(/\n {5}-> http\.method: Str\(GET\)\n/);
  });

  test('without a terminal and without `encoding`, records are JSON lines, engine records among them', async () => {
    const port = await freePort();
    collector = await Collector.start(config(port), [port]);
    await send('traces', 'http-proto', `127.0.0.1:${port}`, 'json-run');
    const messages = () => collector!.output.split('\n').filter(Boolean).map((line) => JSON.parse(line));
    const records = await until('the debug exporter\'s dump', () => (dumpedBoth(messages().map((r) => r.msg).join('\n')) ? messages() : undefined));
    expect(records.find((r) => r['otelcol.component.kind'] === 'engine' && typeof r.engine_pid === 'number')).toBeDefined();
    expect(records.find((r) => typeof r.msg === 'string' && r.msg.startsWith('ResourceSpans #0\n'))).toBeDefined();
  });
});
