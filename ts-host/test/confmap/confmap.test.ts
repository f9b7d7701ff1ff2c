import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expand, merge, parseSetFlag, resolve } from '../../src/confmap';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'confmap-test-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const full = path.join(dir, name);
  fs.writeFileSync(full, text);
  return full;
}

describe('merge', () => {
  test('maps merge deeply, later wins, lists and scalars are replaced', () => {
    const base = { a: { b: 1, c: [1, 2, 3], d: { e: 'x', f: 'y' } }, keep: true };
    const override = { a: { b: 2, c: [9], d: { f: 'z' } }, extra: 1 };
    expect(merge(base, override)).toEqual({ a: { b: 2, c: [9], d: { e: 'x', f: 'z' } }, keep: true, extra: 1 });
    expect(base.a.d).toEqual({ e: 'x', f: 'y' }); // inputs untouched
  });

  test('an explicit null replaces a map (Go "null maps" pitfall)', () => {
    expect(merge({ processors: { batch: {} } }, { processors: null })).toEqual({ processors: null });
    expect(merge({ a: null }, { a: { b: 1 } })).toEqual({ a: { b: 1 } });
  });
});

describe('--set', () => {
  test('dots nest keys and the value is YAML', () => {
    expect(parseSetFlag('processors.batch.timeout=2s')).toEqual({ processors: { batch: { timeout: '2s' } } });
    expect(parseSetFlag('a.b=3')).toEqual({ a: { b: 3 } });
    expect(parseSetFlag('a=[1, 2]')).toEqual({ a: [1, 2] });
    expect(parseSetFlag('a::b=true')).toEqual({ a: { b: true } });
    expect(parseSetFlag('a=x=y')).toEqual({ a: 'x=y' });
    expect(parseSetFlag('a.b=')).toEqual({ a: { b: null } });
  });

  test('without an equal sign', () => {
    expect(() => parseSetFlag('processors.batch')).toThrow('missing equal sign');
  });
});

describe('expansion', () => {
  const env = { NUM: '123', LIST: '[a, b]', HOST: 'example.com', PORT: '4317', EMPTY: '', ZERO: '0123', MAP: '{k: v}' };

  test('${env:VAR} and ${VAR} are the same', () => {
    expect(expand({ a: '${env:HOST}', b: '${HOST}' }, env)).toEqual({ a: 'example.com', b: 'example.com' });
  });

  test('a whole-field reference is parsed as YAML; an embedded one is substituted as text', () => {
    expect(expand({ n: '${env:NUM}', l: '${LIST}', m: '${MAP}' }, env)).toEqual({ n: 123, l: ['a', 'b'], m: { k: 'v' } });
    expect(expand({ url: 'http://${env:HOST}:${PORT}/x', s: 'n=${NUM}', l: 'l=${LIST}' }, env))
      .toEqual({ url: 'http://example.com:4317/x', s: 'n=123', l: 'l=[a, b]' });
  });

  test('defaults apply only when the variable is unset', () => {
    expect(expand({ a: '${env:UNSET:-fallback}', b: '${env:HOST:-fallback}', c: '${env:UNSET:-42}', d: 'x${env:UNSET:-y}z' }, env))
      .toEqual({ a: 'fallback', b: 'example.com', c: 42, d: 'xyz' });
    // As in Go, the default syntax needs the env: scheme; `${VAR:-x}` reads VAR as a scheme.
    expect(() => expand({ a: '${UNSET:-y}' }, env)).toThrow('scheme "UNSET" is not supported');
    expect(expand({ e: '${env:EMPTY:-fallback}' }, env)).toEqual({ e: null });
  });

  test('unset variables are empty: null as a whole field, nothing inline', () => {
    expect(expand({ a: '${env:UNSET}', b: 'x${UNSET}y' }, env)).toEqual({ a: null, b: 'xy' });
  });

  test('$$ escapes a dollar; naked $VAR is not expanded', () => {
    expect(expand({ a: '$${env:HOST}', b: 'cost $$5', c: '$HOST', d: 'a$$$${HOST}' }, env))
      .toEqual({ a: '${env:HOST}', b: 'cost $5', c: '$HOST', d: 'a$${HOST}' });
  });

  test('expands inside lists and nested maps, leaves non-strings alone', () => {
    expect(expand({ l: ['${HOST}', 1, { x: '${NUM}' }], t: true, n: null }, env))
      .toEqual({ l: ['example.com', 1, { x: 123 }], t: true, n: null });
  });

  test('invalid variable names and unsupported schemes', () => {
    expect(() => expand({ a: '${env:1BAD}' }, env))
      .toThrow('environment variable "1BAD" has invalid name: must match regex ^[a-zA-Z_][a-zA-Z0-9_]*$');
    expect(() => expand({ a: '${http:foo}' }, env)).toThrow('scheme "http" is not supported');
  });

  test('${file:PATH} reads a file', () => {
    const p = file('value.txt', 'from-file');
    expect(expand({ a: `x-\${file:${p}}` }, {})).toEqual({ a: 'x-from-file' });
  });
});

describe('resolve', () => {
  test('several configs merge in order, --set goes on top, references are expanded after merging', () => {
    const first = file('first.yaml', [
      'receivers:', '  otlp:', '    protocols:', '      grpc:', '        endpoint: ${env:EP}',
      'processors:', '  batch:', '    timeout: 1s', '    send_batch_size: 10',
      'service:', '  pipelines:', '    traces:', '      receivers: [otlp]', '      exporters: [debug, otlp_grpc]', '',
    ].join('\n'));
    const second = file('second.yaml', [
      'processors:', '  batch:', '    timeout: 5s',
      'service:', '  pipelines:', '    traces:', '      exporters: [debug]', '',
    ].join('\n'));
    const config = resolve({
      configs: [first, `file:${second}`],
      sets: ['processors.batch.send_batch_size=20', 'exporters.debug.verbosity=detailed'],
      env: { EP: 'localhost:1234' },
    });
    expect(config).toEqual({
      receivers: { otlp: { protocols: { grpc: { endpoint: 'localhost:1234' } } } },
      processors: { batch: { timeout: '5s', send_batch_size: 20 } },
      exporters: { debug: { verbosity: 'detailed' } },
      service: { pipelines: { traces: { receivers: ['otlp'], exporters: ['debug'] } } },
    });
  });

  test('yaml: and env: sources; yaml: keys use :: as the key delimiter', () => {
    expect(resolve({ configs: ['yaml:a: {b: 1}', 'env:CFG'], env: { CFG: 'a: {c: 2}' } })).toEqual({ a: { b: 1, c: 2 } });
    expect(resolve({ configs: ['yaml:exporters::debug::verbosity: normal'] })).toEqual({ exporters: { debug: { verbosity: 'normal' } } });
    expect(resolve({ configs: ['yaml:{exporters: {debug: {a: 1}}}', 'yaml:exporters::debug::b: 2'] }))
      .toEqual({ exporters: { debug: { a: 1, b: 2 } } });
  });

  test('an empty document is an empty map', () => {
    expect(resolve({ configs: [file('empty.yaml', '')] })).toEqual({});
  });

  test('errors', () => {
    expect(() => resolve({ configs: [] })).toThrow('at least one config flag must be provided');
    expect(() => resolve({ configs: ['http://example.com/x.yaml'] }))
      .toThrow('scheme "http" is not supported for uri "http://example.com/x.yaml"');
    const missing = path.join(dir, 'missing.yaml');
    expect(() => resolve({ configs: [missing] })).toThrow(`cannot retrieve the configuration: unable to read the file ${missing}`);
    expect(() => resolve({ configs: [file('list.yaml', '- a\n- b\n')] })).toThrow('must be a YAML map at the top level');
    expect(() => resolve({ configs: [file('bad.yaml', 'a: [\n')] })).toThrow('cannot parse the file');
    expect(() => resolve({ configs: ['yaml:a: 1'], sets: ['nope'] })).toThrow('missing equal sign');
  });
});
