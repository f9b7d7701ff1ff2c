// How the Go Collector's pdata prints values, ids and times, which the debug exporter's text follows: AnyValue's
// type names and AsString, hex ids (empty when all zero), UTC times in Go's time.Time layout, Go's %f and %v.
import type { otlp } from '../../../pdata';

type Node = otlp.Message;

const VALUE_TYPES: ReadonlyArray<[field: string, name: string]> = [
  ['stringValue', 'Str'], ['boolValue', 'Bool'], ['intValue', 'Int'], ['doubleValue', 'Double'],
  ['kvlistValue', 'Map'], ['arrayValue', 'Slice'], ['bytesValue', 'Bytes'],
];

/** The oneof field an AnyValue has set, or undefined when it is empty. */
function setField(value: Node | null | undefined): string | undefined {
  if (!value) return undefined;
  if (typeof value.value === 'string') return value.value; // protobufjs' virtual oneof property
  return VALUE_TYPES.find(([field]) => value[field] !== null && value[field] !== undefined)?.[0];
}

/** pcommon.ValueType's name: Empty, Str, Bool, Int, Double, Map, Slice, Bytes. */
export function valueTypeName(value: Node | null | undefined): string {
  const field = setField(value);
  return VALUE_TYPES.find(([f]) => f === field)?.[1] ?? 'Empty';
}

/** The value as plain JSON-able data, as pcommon's AsRaw (bytes as base64, as Go's json.Marshal writes []byte). */
function asRaw(value: Node | null | undefined): unknown {
  const field = setField(value);
  if (!field) return null;
  const v = (value as Node)[field];
  switch (field) {
    case 'intValue':
      return BigInt(String(v));
    case 'kvlistValue':
      return Object.fromEntries((v.values ?? []).map((kv: Node) => [kv.key, asRaw(kv.value)]));
    case 'arrayValue':
      return (v.values ?? []).map(asRaw);
    case 'bytesValue':
      return Buffer.from(v).toString('base64');
    default:
      return v;
  }
}

/** Go's encoding/json: object keys sorted, <, > and & escaped, floats as ES6 numbers. */
function goJSON(raw: unknown): string {
  if (raw === null || raw === undefined) return 'null';
  if (typeof raw === 'bigint') return raw.toString();
  if (typeof raw === 'number') return Number.isFinite(raw) ? String(raw) : 'null';
  if (typeof raw === 'string') return JSON.stringify(raw).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(raw)) return `[${raw.map(goJSON).join(',')}]`;
  if (typeof raw === 'object') {
    const entries = Object.entries(raw as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${goJSON(k)}:${goJSON(v)}`).join(',')}}`;
  }
  return JSON.stringify(raw);
}

/** pcommon.Value.AsString. */
export function valueAsString(value: Node | null | undefined): string {
  const field = setField(value);
  if (!field) return '';
  const v = (value as Node)[field];
  switch (field) {
    case 'stringValue':
      return v;
    case 'boolValue':
      return String(v);
    case 'intValue':
      return String(v);
    case 'doubleValue':
      return Number.isFinite(v) ? String(v) : `json: unsupported value: ${goFloatV(v)}`;
    case 'bytesValue':
      return Buffer.from(v).toString('base64');
    default:
      return goJSON(asRaw(value));
  }
}

/** A trace or span id as pdata prints it: hex, or empty when every byte is zero. */
export function idHex(id: Uint8Array | null | undefined): string {
  if (!id || id.every((b) => b === 0)) return '';
  return Buffer.from(id).toString('hex');
}

/** A uint64 nanosecond timestamp as pcommon.Timestamp.String: `2023-11-14 22:13:20.001 +0000 UTC`. */
export function timestamp(nanos: unknown): string {
  const ns = BigInt.asIntN(64, BigInt(String(nanos ?? 0)));
  let seconds = ns / 1_000_000_000n;
  let fraction = ns % 1_000_000_000n;
  if (fraction < 0n) {
    fraction += 1_000_000_000n;
    seconds -= 1n;
  }
  const date = new Date(Number(seconds) * 1000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const day = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}`;
  const time = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  const frac = fraction === 0n ? '' : `.${fraction.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${day} ${time}${frac} +0000 UTC`;
}

/** Go's %f: six decimals, never an exponent. */
export function goFloatF(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (Math.abs(x) >= 1e21) return `${BigInt(x).toString()}.000000`;
  return Object.is(x, -0) ? '-0.000000' : x.toFixed(6);
}

/** Go's %v for a float64 (strconv's shortest %g): the shortest digits, with an exponent below -4 or from 6 on. */
export function goFloatV(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '+Inf' : '-Inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, exp] = x.toExponential().split('e');
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return String(x);
}

/** A uint64 or int64 field (a protobufjs Long, a number or a decimal string) as decimal text. */
export function integer(value: unknown): string {
  return String(value ?? 0);
}

/** Whether a proto3 `optional` field is present. */
export function present(value: unknown): boolean {
  return value !== null && value !== undefined;
}
