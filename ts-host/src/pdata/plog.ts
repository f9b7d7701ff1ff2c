// Logs, navigable as Go's plog: ResourceLogs -> ScopeLogs -> LogRecord.
import { common, logs } from './otlp';
import {
  Correlated, ElementKind, InstrumentationScope, MessageSlice, Resource, resourceOf, Scoped, scopeOf, Timestamp,
  toBigInt, toLong, Value,
} from './pcommon';
import { FieldRef, REF, Ref } from './ref';

/** OTLP's severity numbers: Trace=1 ... Fatal4=24. */
export enum SeverityNumber {
  Unspecified = 0,
  Trace, Trace2, Trace3, Trace4,
  Debug, Debug2, Debug3, Debug4,
  Info, Info2, Info3, Info4,
  Warn, Warn2, Warn3, Warn4,
  Error, Error2, Error3, Error4,
  Fatal, Fatal2, Fatal3, Fatal4,
}

export type ResourceLogsSlice = MessageSlice<logs.ResourceLogs, ResourceLogs>;
export type ScopeLogsSlice = MessageSlice<logs.ScopeLogs, ScopeLogs>;
export type LogRecordSlice = MessageSlice<logs.LogRecord, LogRecord>;

export class ResourceLogs extends Scoped<logs.ResourceLogs> {
  constructor(ref: Ref<logs.ResourceLogs>) {
    super(ref, logs.ResourceLogs);
  }
  resource(): Resource {
    return resourceOf(this[REF]);
  }
  scopeLogs(): ScopeLogsSlice {
    return new MessageSlice(this[REF], 'scopeLogs', SCOPE_LOGS);
  }
}

export class ScopeLogs extends Scoped<logs.ScopeLogs> {
  constructor(ref: Ref<logs.ScopeLogs>) {
    super(ref, logs.ScopeLogs);
  }
  scope(): InstrumentationScope {
    return scopeOf(this[REF]);
  }
  logRecords(): LogRecordSlice {
    return new MessageSlice(this[REF], 'logRecords', LOG_RECORD);
  }
}

export class LogRecord extends Correlated<logs.LogRecord> {
  constructor(ref: Ref<logs.LogRecord>) {
    super(ref, logs.LogRecord);
  }
  timestamp(): Timestamp {
    return toBigInt(this[REF].get().timeUnixNano);
  }
  setTimestamp(nanos: Timestamp | number): void {
    this[REF].use().timeUnixNano = toLong(nanos, true);
  }
  observedTimestamp(): Timestamp {
    return toBigInt(this[REF].get().observedTimeUnixNano);
  }
  setObservedTimestamp(nanos: Timestamp | number): void {
    this[REF].use().observedTimeUnixNano = toLong(nanos, true);
  }
  severityNumber(): SeverityNumber {
    return this[REF].get().severityNumber as number;
  }
  setSeverityNumber(severity: SeverityNumber): void {
    this[REF].use().severityNumber = severity as number;
  }
  severityText(): string {
    return this[REF].get().severityText;
  }
  setSeverityText(text: string): void {
    this[REF].use().severityText = text;
  }
  /** The body, any value (a string, a map, ...). */
  body(): Value {
    return new Value(new FieldRef(this[REF], 'body', common.AnyValue));
  }
  eventName(): string {
    return this[REF].get().eventName;
  }
  setEventName(name: string): void {
    this[REF].use().eventName = name;
  }
}

export const RESOURCE_LOGS: ElementKind<logs.ResourceLogs, ResourceLogs> = { type: logs.ResourceLogs, wrap: (ref) => new ResourceLogs(ref) };
const SCOPE_LOGS: ElementKind<logs.ScopeLogs, ScopeLogs> = { type: logs.ScopeLogs, wrap: (ref) => new ScopeLogs(ref) };
const LOG_RECORD: ElementKind<logs.LogRecord, LogRecord> = { type: logs.LogRecord, wrap: (ref) => new LogRecord(ref) };
