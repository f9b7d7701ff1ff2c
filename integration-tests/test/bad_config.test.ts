// Bad configs given to the real `tandem` command: each refused with the Go Collector's wording and path, exit code 1.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir } from './collector';

const TANDEM = resolve(__dirname, '..', '..', 'scripts', 'bin', 'tandem.js');

const GOOD = `runtime:
  rust:
    mode: off
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:0
exporters:
  debug: {}
service:
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [debug]
`;

function validate(yaml: string): { status: number | null; stderr: string } {
  const file = join(tempDir('tandem-bad-config-'), 'config.yaml');
  writeFileSync(file, yaml);
  return spawnSync(process.execPath, [TANDEM, 'validate', '--config', file], { encoding: 'utf8' });
}

test('the good config validates', () => {
  expect(validate(GOOD)).toMatchObject({ status: 0, stderr: '' });
});

test.each([
  [
    'an unknown key in a component',
    GOOD.replace('  debug: {}', '  debug:\n    verbosity: basic\n    colour: blue'),
    "failed to get config: cannot unmarshal the configuration: error decoding 'exporters': error reading configuration for \"debug\": decoding failed due to the following error(s):\n\n'' has invalid keys: colour",
  ],
  [
    'an unknown component type',
    GOOD.replace('  debug: {}', '  debug: {}\n  kafka: {}'),
    'unknown type: "kafka" for id: "kafka" (valid values: [',
  ],
  ['a pipeline naming a component that is not configured', GOOD.replace('exporters: [debug]', 'exporters: [debug, file]'), 'service::pipelines::traces: references exporter "file" which is not configured'],
  ['an unknown signal', GOOD.replace('    traces:', '    spans:'), "error decoding 'service::pipelines': unknown pipeline signal: \"spans\""],
  ['a top-level key the Collector does not know', `${GOOD}extras: {}\n`, "'' has invalid keys: extras"],
])('%s is refused with the Collector wording', (_name, yaml, message) => {
  const result = validate(yaml);
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(message);
});

test.each([
  [
    'an unknown key',
    '  rust_batch:\n    colour: blue',
    "failed to get config: cannot unmarshal the configuration: error decoding 'processors': error reading configuration for \"rust_batch\": decoding failed due to the following error(s):\n\n'' has invalid keys: colour",
  ],
  [
    'a bad duration',
    '  rust_batch/slow:\n    timeout: soon',
    "error decoding 'processors': error reading configuration for \"rust_batch/slow\": 'timeout' is not a duration: \"soon\"",
  ],
  [
    'an unsupported attributes action',
    '  rust_attributes:\n    actions:\n      - { key: a, action: upsert, value: 1 }\n      - { key: b, action: explode }',
    'error reading configuration for "rust_attributes": error creating AttrProc due to unsupported action "explode" at the 1-th actions',
  ],
  [
    'an attributes action without its value',
    '  rust_attributes:\n    actions:\n      - { key: a, action: insert }',
    'error reading configuration for "rust_attributes": error creating AttrProc. Field "value" must be specified for 0-th action',
  ],
  [
    'one attribute key in two actions',
    '  rust_attributes:\n    actions:\n      - { key: a, action: delete }\n      - { key: a, action: hash }',
    "error reading configuration for \"rust_attributes\": 'actions': ",
  ],
  [
    'a filter match type that does not exist',
    '  rust_filter:\n    spans:\n      exclude:\n        match_type: fuzzy\n        span_names: [a]',
    "error reading configuration for \"rust_filter\": 'spans.exclude.match_type' must be strict or regexp, got fuzzy",
  ],
  [
    'a filter regexp that does not compile',
    '  rust_filter:\n    logs:\n      include:\n        match_type: regexp\n        severity_texts: ["(unclosed"]',
    "error reading configuration for \"rust_filter\": 'logs.include.severity_texts' is not a valid regexp",
  ],
  [
    'an unknown key in a filter block',
    '  rust_filter:\n    logs:\n      include:\n        severity: WARN',
    "error reading configuration for \"rust_filter\": 'logs.include' has invalid keys: severity",
  ],
  [
    'a transform query that does not parse',
    '  rust_transform:\n    kql_query: "logs | explode"',
    'error reading configuration for "rust_transform": A config error occurred: An invalid user configuration occurred: Could not parse TransformProcessor query: [SyntaxNotSupported(',
  ],
  [
    'two transform queries',
    '  rust_transform:\n    kql_query: "logs"\n    opl_query: "logs"',
    'error reading configuration for "rust_transform": exactly one of kql_query, opl_query, ottl must be set',
  ],
])('an engine component with %s is refused by the engine, in the Collector wording', (_name, processors, message) => {
  const id = processors.split(':')[0].trim();
  const yaml = GOOD.replace('mode: off', 'mode: spawn')
    .replace('exporters:\n  debug: {}', `processors:\n${processors}\nexporters:\n  debug: {}`)
    .replace('exporters: [debug]', `processors: [${id}]\n      exporters: [debug]`);
  const result = validate(yaml);
  expect(result.stderr).toContain(message);
  expect(result.status).toBe(1);
});

test.each([
  ['a Parquet exporter without a path', '  rust_parquet: {}', "error decoding 'exporters': error reading configuration for \"rust_parquet\": 'path' must be set to the directory to write to"],
  [
    'an OTAP exporter with a bad stream lifetime',
    '  rust_otap_grpc:\n    max_stream_lifetime: forever',
    "error decoding 'exporters': error reading configuration for \"rust_otap_grpc\": 'max_stream_lifetime' is not a duration: \"forever\"",
  ],
  ['a perf exporter with a zero interval', '  rust_perf:\n    interval: 0s', "error reading configuration for \"rust_perf\": 'interval' must be more than 0"],
])('an engine exporter with %s is refused by the engine, in the Collector wording', (_name, exporters, message) => {
  const id = exporters.split(':')[0].trim();
  const yaml = GOOD.replace('mode: off', 'mode: spawn')
    .replace('exporters:\n  debug: {}', `exporters:\n  debug: {}\n${exporters}`)
    .replace('exporters: [debug]', `exporters: [debug, ${id}]`);
  const result = validate(yaml);
  expect(result.stderr).toContain(message);
  expect(result.status).toBe(1);
});
