// The collector's own logs on stderr (pino), at the level `service.telemetry.logs.level` sets, in the encoding
// `service.telemetry.logs.encoding` sets: `json` (one pino object per line) or `console`, the Go Collector's zap
// console layout for people: time, level, message, then the fields as one JSON object, separated by tabs.
import pino, { type DestinationStream, type Logger } from 'pino';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const LOG_ENCODINGS = ['console', 'json'] as const;
export type LogEncoding = (typeof LOG_ENCODINGS)[number];

export interface LoggerOptions {
  readonly level?: LogLevel;
  /** Default: console when stderr is a terminal (as Go's default), json otherwise (a file, a pipe, a log shipper). */
  readonly encoding?: LogEncoding;
  /** Where lines go; stderr when not given. */
  readonly destination?: DestinationStream;
}

export function defaultLogEncoding(): LogEncoding {
  return process.stderr.isTTY ? 'console' : 'json';
}

export function createLogger(options: LoggerOptions | LogLevel = {}): Logger {
  const { level = 'info', encoding = defaultLogEncoding(), destination = pino.destination({ fd: 2, sync: false }) } =
    typeof options === 'string' ? { level: options } : options;
  if (encoding === 'json') return pino({ level, base: { pid: process.pid } }, destination);
  return pino({ level, base: undefined }, consoleStream(destination));
}

/** pino's numeric levels as zap names them. */
const LEVEL_NAMES: Readonly<Record<number, string>> = { 10: 'debug', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** A stream that takes pino's JSON lines and writes each in the console encoding to `out`. */
function consoleStream(out: DestinationStream): DestinationStream {
  return {
    write(line: string) {
      out.write(consoleLine(JSON.parse(line) as Record<string, unknown>));
    },
    // pino flushes its destination on logger.flush(); pass it on.
    flush: (cb?: (err?: Error) => void) => (out as { flush?: (cb?: (err?: Error) => void) => void }).flush?.(cb),
  } as DestinationStream;
}

/** One record as zap's console encoder lays it out: `2024-01-18T17:27:12.570-0800\tinfo\tmessage\t{"k": "v"}`. */
export function consoleLine(record: Record<string, unknown>): string {
  const { level, time, msg, ...fields } = record;
  const parts = [zapTime(new Date(time as number)), LEVEL_NAMES[level as number] ?? String(level), String(msg ?? '')];
  if (Object.keys(fields).length > 0) parts.push(zapJSON(fields));
  return `${parts.join('\t')}\n`;
}

/** ISO 8601 in local time with milliseconds and the zone offset, as zapcore.ISO8601TimeEncoder writes it. */
function zapTime(date: Date): string {
  const pad = (n: number, width = 2) => String(Math.abs(n)).padStart(width, '0');
  const offset = -date.getTimezoneOffset();
  const zone = offset === 0 ? 'Z' : `${offset > 0 ? '+' : '-'}${pad(Math.trunc(offset / 60))}${pad(offset % 60)}`;
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}${zone}`;
}

/** JSON with a space after each colon and comma, as zap's console encoder writes the fields. */
function zapJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(zapJSON).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${zapJSON(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
