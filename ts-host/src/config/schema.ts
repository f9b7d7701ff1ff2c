// Declarative config schemas: a component declares its config's shape once, and user config is decoded on top of the
// factory's defaults with the Go Collector's (mapstructure's) error wording, every error naming its key path.

export type Schema =
  | { readonly kind: 'string' | 'boolean' | 'number' | 'integer' | 'duration' | 'bytes' | 'any' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'list' | 'map'; readonly of: Schema }
  | { readonly kind: 'object'; readonly fields: Readonly<Record<string, Schema>> }
  /** A section that is off unless present; present but empty means its defaults (Go's configoptional). */
  | { readonly kind: 'optional'; readonly of: Schema; readonly defaults: () => unknown };

/** Builders, so a component's config schema reads like its config. */
export const field = {
  string: (): Schema => ({ kind: 'string' }),
  boolean: (): Schema => ({ kind: 'boolean' }),
  number: (): Schema => ({ kind: 'number' }),
  integer: (): Schema => ({ kind: 'integer' }),
  /** Go durations (`200ms`, `1m30s`) or integer nanoseconds; decoded to milliseconds. */
  duration: (): Schema => ({ kind: 'duration' }),
  /** Sizes such as `64MiB`, `16MB` or a plain number of bytes; decoded to bytes. */
  bytes: (): Schema => ({ kind: 'bytes' }),
  any: (): Schema => ({ kind: 'any' }),
  enum: (...values: string[]): Schema => ({ kind: 'enum', values }),
  list: (of: Schema): Schema => ({ kind: 'list', of }),
  map: (of: Schema): Schema => ({ kind: 'map', of }),
  object: (fields: Record<string, Schema>): Schema => ({ kind: 'object', fields }),
  optional: (of: Schema, defaults: () => unknown): Schema => ({ kind: 'optional', of, defaults }),
};

/** All problems found while decoding one config, in the wording of Go's mapstructure. */
export class DecodeError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`decoding failed due to the following error(s):\n\n${problems.join('\n')}`);
    this.name = 'DecodeError';
  }
}

const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/;
const DURATION_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g;

/** Go's `time.ParseDuration`, in milliseconds; undefined when the text is not a duration. */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const match = DURATION_PATTERN.exec(text);
  if (!match) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) total += Number(amount) * DURATION_UNITS[unit];
  return match[1] === '-' ? -total : total;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};

/** A size in bytes from `64MiB`, `16MB`, `512k` or a number; undefined when the text is not a size. */
export function parseBytes(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = match ? BYTE_UNITS[match[2].toLowerCase()] : undefined;
  return match && unit !== undefined ? Math.round(Number(match[1]) * unit) : undefined;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (Array.isArray(value)) return 'slice';
  if (isPlainObject(value)) return 'map';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

const GO_TYPE: Readonly<Record<string, string>> = {
  string: 'string', boolean: 'bool', number: 'float64', integer: 'int', duration: 'time.Duration', bytes: 'int64',
};

class Decoder {
  readonly problems: string[] = [];

  decode(schema: Schema, base: unknown, value: unknown, path: string): unknown {
    switch (schema.kind) {
      case 'any':
        return value === undefined ? base : value;
      case 'optional':
        if (value === undefined) return base;
        return this.decode(schema.of, base ?? schema.defaults(), value ?? {}, path);
      case 'object':
        return this.object(schema.fields, base, value, path);
      case 'list':
        if (value === null || value === undefined) return base;
        if (!Array.isArray(value)) return this.fail(path, `source data must be an array or slice, got ${typeName(value)}`, base);
        return value.map((item, i) => this.decode(schema.of, undefined, item, `${path}[${i}]`));
      case 'map': {
        if (value === null || value === undefined) return base;
        if (!isPlainObject(value)) return this.mismatch(path, 'map', value, base);
        const out: Record<string, unknown> = { ...(isPlainObject(base) ? base : {}) };
        // mapstructure names a map entry `name[key]` (a struct field is `name.field`).
        for (const [key, item] of Object.entries(value)) out[key] = this.decode(schema.of, out[key], item, `${path}[${key}]`);
        return out;
      }
      default:
        if (value === undefined) return base;
        return this.scalar(schema, value, path, base);
    }
  }

  private object(fields: Readonly<Record<string, Schema>>, base: unknown, value: unknown, path: string): unknown {
    const out: Record<string, unknown> = { ...(isPlainObject(base) ? base : {}) };
    if (value === null || value === undefined) return out;
    if (!isPlainObject(value)) return this.mismatch(path, 'map', value, out);
    const unknown = Object.keys(value).filter((key) => !(key in fields));
    if (unknown.length > 0) this.problems.push(`'${path}' has invalid keys: ${unknown.sort().join(', ')}`);
    for (const [key, schema] of Object.entries(fields)) {
      if (key in value) out[key] = this.decode(schema, out[key], value[key], join(path, key));
    }
    return out;
  }

  private scalar(schema: Schema, value: unknown, path: string, base: unknown): unknown {
    switch (schema.kind) {
      case 'string':
        if (typeof value === 'string') return value;
        if (typeof value === 'number' || typeof value === 'boolean') return String(value); // weakly typed, as mapstructure
        break;
      case 'boolean':
        if (typeof value === 'boolean') return value;
        if (value === 'true' || value === 'false') return value === 'true';
        break;
      case 'number':
      case 'integer': {
        const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
        if (typeof number === 'number' && Number.isFinite(number) && (schema.kind === 'number' || Number.isInteger(number))) {
          return number;
        }
        break;
      }
      case 'duration':
        if (typeof value === 'number' && Number.isInteger(value)) return value / 1e6; // Go: integer nanoseconds
        if (typeof value === 'string') {
          const ms = parseDuration(value.trim());
          if (ms !== undefined) return ms;
          return this.fail(path, `time: invalid duration "${value}"`, base);
        }
        break;
      case 'bytes':
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
        if (typeof value === 'string') {
          const size = parseBytes(value);
          if (size !== undefined) return size;
        }
        break;
      case 'enum':
        if (typeof value === 'string' && schema.values.includes(value)) return value;
        return this.fail(path, `unsupported value "${String(value)}" (valid values: [${schema.values.join(', ')}])`, base);
    }
    return this.mismatch(path, GO_TYPE[schema.kind] ?? schema.kind, value, base);
  }

  private mismatch(path: string, expected: string, value: unknown, fallback: unknown): unknown {
    const shown = typeof value === 'object' ? JSON.stringify(value) : String(value);
    return this.fail(path, `expected type '${expected}', got unconvertible type '${typeName(value)}', value: '${shown}'`, fallback);
  }

  private fail(path: string, problem: string, fallback: unknown): unknown {
    this.problems.push(`'${path}' ${problem}`);
    return fallback;
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Decodes `value` (the user's YAML subtree, possibly null for "all defaults") on top of `defaults`.
 * Throws DecodeError listing every problem; never mutates `defaults`.
 */
export function decode<T>(schema: Schema, defaults: T, value: unknown): T {
  const decoder = new Decoder();
  const result = decoder.decode(schema, structuredClone(defaults), value, '');
  if (decoder.problems.length > 0) throw new DecodeError(decoder.problems);
  return result as T;
}
