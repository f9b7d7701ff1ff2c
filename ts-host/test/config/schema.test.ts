import { decode, DecodeError, field, parseBytes, parseDuration, Schema } from '../../src/config';

const schema: Schema = field.object({
  name: field.string(),
  enabled: field.boolean(),
  count: field.integer(),
  ratio: field.number(),
  timeout: field.duration(),
  size: field.bytes(),
  mode: field.enum('a', 'b'),
  tags: field.list(field.string()),
  headers: field.map(field.string()),
  nested: field.object({ inner: field.integer(), deeper: field.object({ x: field.string() }) }),
  extra: field.any(),
  tls: field.optional(field.object({ insecure: field.boolean(), ca: field.string() }), () => ({ insecure: false, ca: '' })),
});

const defaults = () => ({
  name: 'n', enabled: false, count: 1, ratio: 0.5, timeout: 5000, size: 1024, mode: 'a', tags: ['x'], headers: { h: 'v' },
  nested: { inner: 1, deeper: { x: 'd' } },
});

function problems(value: unknown): readonly string[] {
  try {
    decode(schema, defaults(), value);
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError);
    return (err as DecodeError).problems;
  }
  throw new Error('expected a decode error');
}

describe('decode', () => {
  test('null or an empty map means all defaults; defaults are not mutated', () => {
    const base = defaults();
    expect(decode(schema, base, null)).toEqual(defaults());
    expect(decode(schema, base, {})).toEqual(defaults());
    const decoded = decode(schema, base, { nested: { inner: 2 }, headers: { k: 'w' }, tags: ['y', 'z'] }) as any;
    expect(decoded.nested).toEqual({ inner: 2, deeper: { x: 'd' } });
    expect(decoded.headers).toEqual({ h: 'v', k: 'w' });
    expect(decoded.tags).toEqual(['y', 'z']); // lists replace
    expect(base).toEqual(defaults());
  });

  test('unknown keys are rejected with the mapstructure wording and their path', () => {
    expect(() => decode(schema, defaults(), { nope: 1, also: 2 }))
      .toThrow("decoding failed due to the following error(s):\n\n'' has invalid keys: also, nope");
    expect(problems({ nested: { deeper: { y: 1 } } })).toEqual(["'nested.deeper' has invalid keys: y"]);
    expect(problems({ tls: { insecur: true } })).toEqual(["'tls' has invalid keys: insecur"]);
  });

  test('every problem is reported, one per line', () => {
    expect(() => decode(schema, defaults(), { count: 'many', nested: { bad: 1 }, mode: 'c' })).toThrow(
      "decoding failed due to the following error(s):\n\n'count' expected type 'int', got unconvertible type 'string', value: 'many'\n" +
      "'mode' unsupported value \"c\" (valid values: [a, b])\n'nested' has invalid keys: bad",
    );
  });

  test('type mismatches', () => {
    expect(problems({ tags: { a: 1 } })).toEqual(["'tags' source data must be an array or slice, got map"]);
    expect(problems({ nested: [1] })).toEqual(["'nested' expected type 'map', got unconvertible type 'slice', value: '[1]'"]);
    expect(problems({ count: 1.5 })).toEqual(["'count' expected type 'int', got unconvertible type 'float64', value: '1.5'"]);
    expect(problems({ enabled: 1 })).toEqual(["'enabled' expected type 'bool', got unconvertible type 'int', value: '1'"]);
    expect(problems({ tags: ['ok', { no: 1 }] })).toHaveLength(1);
    expect(problems({ tags: ['ok', { no: 1 }] })[0]).toMatch(/^'tags\[1\]' expected type 'string', got unconvertible type 'map'/);
  });

  test('map entries are named name[key], as mapstructure does', () => {
    expect(problems({ headers: { auth: ['x'] } })[0]).toMatch(/^'headers\[auth\]' expected type 'string', got unconvertible type 'slice'/);
  });

  test('weak typing: scalars convert to strings, numeric and boolean strings convert back', () => {
    expect(decode(schema, defaults(), { name: 5, count: '7', ratio: '0.25', enabled: 'true' }))
      .toMatchObject({ name: '5', count: 7, ratio: 0.25, enabled: true });
  });

  test('enums', () => {
    expect(decode(schema, defaults(), { mode: 'b' })).toMatchObject({ mode: 'b' });
    expect(problems({ mode: 'A' })).toEqual(["'mode' unsupported value \"A\" (valid values: [a, b])"]);
  });

  test('optional sections: absent is off, present but empty is its defaults', () => {
    expect((decode(schema, defaults(), {}) as any).tls).toBeUndefined();
    expect((decode(schema, defaults(), { tls: null }) as any).tls).toEqual({ insecure: false, ca: '' });
    expect((decode(schema, defaults(), { tls: { insecure: true } }) as any).tls).toEqual({ insecure: true, ca: '' });
  });

  test('any passes values through untouched', () => {
    expect((decode(schema, defaults(), { extra: { anything: [1, { b: 2 }] } }) as any).extra).toEqual({ anything: [1, { b: 2 }] });
  });

  test('durations decode to milliseconds; integers are Go nanoseconds', () => {
    const timeout = (value: unknown) => (decode(schema, defaults(), { timeout: value }) as any).timeout;
    expect(timeout('200ms')).toBe(200);
    expect(timeout('1m30s')).toBe(90_000);
    expect(timeout('1.5h')).toBe(5_400_000);
    expect(timeout('0')).toBe(0);
    expect(timeout(' 2s ')).toBe(2000);
    expect(timeout(1_000_000)).toBe(1);
    expect(problems({ timeout: 'soon' })).toEqual(["'timeout' time: invalid duration \"soon\""]);
    expect(problems({ timeout: '5' })).toEqual(["'timeout' time: invalid duration \"5\""]);
    expect(problems({ timeout: true })[0]).toMatch(/^'timeout' expected type 'time.Duration'/);
  });

  test('byte sizes decode to bytes', () => {
    const size = (value: unknown) => (decode(schema, defaults(), { size: value }) as any).size;
    expect(size('64MiB')).toBe(64 * 1024 * 1024);
    expect(size('16MB')).toBe(16_000_000);
    expect(size('512k')).toBe(512 * 1024);
    expect(size('1.5KiB')).toBe(1536);
    expect(size(100)).toBe(100);
    expect(size('100')).toBe(100);
    expect(problems({ size: 'lots' })).toEqual(["'size' expected type 'int64', got unconvertible type 'string', value: 'lots'"]);
    expect(problems({ size: -1 })).toHaveLength(1);
  });
});

describe('parsers', () => {
  test('parseDuration follows time.ParseDuration', () => {
    expect(parseDuration('1h2m3s4ms')).toBe(3_723_004);
    expect(parseDuration('1us')).toBeCloseTo(0.001);
    expect(parseDuration('1µs')).toBeCloseTo(0.001);
    expect(parseDuration('-1.5s')).toBe(-1500);
    expect(parseDuration('.5s')).toBe(500);
    expect(parseDuration('1d')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
    expect(parseDuration('s')).toBeUndefined();
  });

  test('parseBytes', () => {
    expect(parseBytes('1GiB')).toBe(1024 ** 3);
    expect(parseBytes('1gb')).toBe(1e9);
    expect(parseBytes('2 MiB')).toBe(2 * 1024 ** 2);
    expect(parseBytes('10B')).toBe(10);
    expect(parseBytes('1TB')).toBeUndefined();
    expect(parseBytes('-1')).toBeUndefined();
  });
});
