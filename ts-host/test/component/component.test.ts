import {
  ID, SIGNALS, SignalNotSupportedError, StabilityLevel, SupportTable, baseFactory, parseStability, stabilityLogMessage,
  stabilityName, validateType,
} from '../../src/component';

describe('component IDs', () => {
  test('type only and type/name parse and format back', () => {
    const plain = ID.parse('otlp');
    expect([plain.type, plain.name, plain.toString()]).toEqual(['otlp', '', 'otlp']);
    const named = ID.parse('otlp/in');
    expect([named.type, named.name, named.toString()]).toEqual(['otlp', 'in', 'otlp/in']);
    expect(ID.of('batch', 'x').toString()).toBe('batch/x');
    expect(ID.of('batch').toString()).toBe('batch');
  });

  test('splits on the first slash only and trims both parts', () => {
    const id = ID.parse('  otlp / a/b ');
    expect(id.type).toBe('otlp');
    expect(id.name).toBe('a/b');
    expect(ID.parse('  debug  ').toString()).toBe('debug');
  });

  test('equality compares type and name', () => {
    expect(ID.parse('a/b').equals(ID.of('a', 'b'))).toBe(true);
    expect(ID.parse('a/b').equals(ID.of('a'))).toBe(false);
    expect(ID.parse('a/b').equals(ID.of('c', 'b'))).toBe(false);
  });

  test('type regexp: 1 to 63 chars, ASCII letter first, then letters, digits and _', () => {
    expect(validateType('a')).toBe('a');
    expect(validateType('A_1_b')).toBe('A_1_b');
    expect(validateType('a'.repeat(63))).toHaveLength(63);
    expect(() => validateType('a'.repeat(64))).toThrow(`invalid character(s) in type "${'a'.repeat(64)}"`);
    expect(() => validateType('')).toThrow('id must not be empty');
    expect(() => validateType('1abc')).toThrow('invalid character(s) in type "1abc"');
    expect(() => validateType('_abc')).toThrow('invalid character(s) in type "_abc"');
    expect(() => validateType('a-b')).toThrow('invalid character(s) in type "a-b"');
    expect(() => validateType('a.b')).toThrow('invalid character(s) in type "a.b"');
    expect(() => validateType('é')).toThrow('invalid character(s) in type "é"');
  });

  test('ID parse errors use the Go wording', () => {
    expect(() => ID.parse('')).toThrow('id must not be empty');
    expect(() => ID.parse('/name')).toThrow('in "/name" id: the part before / should not be empty');
    expect(() => ID.parse('type/')).toThrow('in "type/" id: the part after / should not be empty');
    expect(() => ID.parse('type/   ')).toThrow('in "type/   " id: the part after / should not be empty');
    expect(() => ID.parse('1x/name')).toThrow('in "1x/name" id: invalid character(s) in type "1x"');
    expect(() => ID.parse('1x')).toThrow('invalid character(s) in type "1x"');
  });

  test('name: no separators, control characters or symbols; at most 1024 bytes', () => {
    expect(ID.parse('t/ünïcode-name_1.2').name).toBe('ünïcode-name_1.2');
    expect(() => ID.parse('t/a b')).toThrow('invalid character(s) in name "a b"');
    expect(() => ID.parse('t/a\tb')).toThrow('invalid character(s) in name "a\tb"');
    expect(() => ID.parse('t/a+b')).toThrow('invalid character(s) in name "a+b"'); // + is a math symbol (Sm)
    expect(() => ID.parse('t/a$b')).toThrow('invalid character(s) in name "a$b"'); // $ is a currency symbol (Sc)
    expect(() => ID.of('t', 'a\u00a0b')).toThrow('invalid character(s) in name');
    expect(ID.parse(`t/${'n'.repeat(1024)}`).name).toHaveLength(1024);
    const long = 'n'.repeat(1025);
    expect(() => ID.parse(`t/${long}`)).toThrow(`name "${long}" is longer than 1024 characters (1025 characters)`);
    // Bytes, not characters: 513 two-byte characters are 1026 bytes.
    const wide = 'é'.repeat(513);
    expect(() => ID.of('t', wide)).toThrow(`is longer than 1024 characters (1026 characters)`);
  });
});

describe('stability levels', () => {
  test('iota order and names', () => {
    expect([StabilityLevel.Undefined, StabilityLevel.Unmaintained, StabilityLevel.Deprecated, StabilityLevel.Development,
      StabilityLevel.Alpha, StabilityLevel.Beta, StabilityLevel.Stable]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(stabilityName(StabilityLevel.Beta)).toBe('Beta');
    expect(stabilityName(StabilityLevel.Undefined)).toBe('Undefined');
    expect(stabilityName(99 as StabilityLevel)).toBe('Undefined');
  });

  test('parsing is case-insensitive and rejects unknown values', () => {
    expect(parseStability('stable')).toBe(StabilityLevel.Stable);
    expect(parseStability('ALPHA')).toBe(StabilityLevel.Alpha);
    expect(parseStability('Unmaintained')).toBe(StabilityLevel.Unmaintained);
    expect(() => parseStability('gamma')).toThrow('unsupported stability level: "gamma"');
  });

  test('log messages', () => {
    expect(stabilityLogMessage(StabilityLevel.Development)).toBe('Development component. May change in the future.');
    expect(stabilityLogMessage(StabilityLevel.Alpha)).toBe('Alpha component. May change in the future.');
    expect(stabilityLogMessage(StabilityLevel.Beta)).toBe('Beta component. May change in the future.');
    expect(stabilityLogMessage(StabilityLevel.Stable)).toBe('Stable component.');
    expect(stabilityLogMessage(StabilityLevel.Deprecated)).toBe('Deprecated component. Will be removed in future releases.');
    expect(stabilityLogMessage(StabilityLevel.Unmaintained)).toBe(
      'Unmaintained component. Actively looking for contributors. Component will become deprecated after 3 months of remaining unmaintained.');
    expect(stabilityLogMessage(StabilityLevel.Undefined)).toBe('Stability level of component is undefined');
  });
});

describe('factory building blocks', () => {
  test('baseFactory validates the type and fills defaults', () => {
    const factory = baseFactory('receiver', 'fake', () => ({ a: 1 }), {});
    expect(factory).toMatchObject({ type: 'fake', kind: 'receiver', runtime: 'typescript', deprecatedTypes: [] });
    expect(factory.createDefaultConfig()).toEqual({ a: 1 });
    expect(baseFactory('exporter', 'r', () => ({}), { runtime: 'rust', deprecatedTypes: ['old'] }))
      .toMatchObject({ runtime: 'rust', deprecatedTypes: ['old'] });
    expect(() => baseFactory('receiver', 'bad-type', () => ({}), {})).toThrow('invalid character(s) in type "bad-type"');
  });

  test('SupportTable: unsupported keys are Undefined and fail to create', () => {
    const table = new SupportTable<'traces' | 'logs', () => string>([
      { key: 'traces', create: () => 't', stability: StabilityLevel.Beta },
    ]);
    expect(table.stability('traces')).toBe(StabilityLevel.Beta);
    expect(table.stability('logs')).toBe(StabilityLevel.Undefined);
    expect(table.keys()).toEqual(['traces']);
    expect(table.creator('traces', () => new SignalNotSupportedError())()).toBe('t');
    expect(() => table.creator('logs', () => new SignalNotSupportedError())).toThrow('telemetry type is not supported');
  });

  test('signals', () => {
    expect(SIGNALS).toEqual(['traces', 'metrics', 'logs']);
  });
});
