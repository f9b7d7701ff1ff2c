// Traces, navigable as Go's ptrace: ResourceSpans -> ScopeSpans -> Span, with events, links and status.
import { trace } from './otlp';
import {
  Attributed, Correlated, ElementKind, idFromHex, idToHex, InstrumentationScope, MessageSlice, Resource, resourceOf, Scoped,
  scopeOf, Struct, Timestamp, toBigInt, toLong,
} from './pcommon';
import { FieldRef, REF, Ref } from './ref';

export enum SpanKind {
  Unspecified = 0,
  Internal,
  Server,
  Client,
  Producer,
  Consumer,
}

export enum StatusCode {
  Unset = 0,
  Ok,
  Error,
}

export type ResourceSpansSlice = MessageSlice<trace.ResourceSpans, ResourceSpans>;
export type ScopeSpansSlice = MessageSlice<trace.ScopeSpans, ScopeSpans>;
export type SpanSlice = MessageSlice<trace.Span, Span>;
export type SpanEventSlice = MessageSlice<trace.Span.Event, SpanEvent>;
export type SpanLinkSlice = MessageSlice<trace.Span.Link, SpanLink>;

export class ResourceSpans extends Scoped<trace.ResourceSpans> {
  constructor(ref: Ref<trace.ResourceSpans>) {
    super(ref, trace.ResourceSpans);
  }
  resource(): Resource {
    return resourceOf(this[REF]);
  }
  scopeSpans(): ScopeSpansSlice {
    return new MessageSlice(this[REF], 'scopeSpans', SCOPE_SPANS);
  }
}

export class ScopeSpans extends Scoped<trace.ScopeSpans> {
  constructor(ref: Ref<trace.ScopeSpans>) {
    super(ref, trace.ScopeSpans);
  }
  scope(): InstrumentationScope {
    return scopeOf(this[REF]);
  }
  spans(): SpanSlice {
    return new MessageSlice(this[REF], 'spans', SPAN);
  }
}

/** What spans and links share besides ids and flags: the trace state. */
abstract class SpanContext<M extends trace.Span | trace.Span.Link> extends Correlated<M> {
  traceState(): string {
    return this[REF].get().traceState;
  }
  setTraceState(state: string): void {
    this[REF].use().traceState = state;
  }
}

export class Span extends SpanContext<trace.Span> {
  constructor(ref: Ref<trace.Span>) {
    super(ref, trace.Span);
  }
  parentSpanID(): string {
    return idToHex(this[REF].get().parentSpanId);
  }
  setParentSpanID(hex: string): void {
    this[REF].use().parentSpanId = idFromHex(hex, 8, 'parent span id');
  }
  name(): string {
    return this[REF].get().name;
  }
  setName(name: string): void {
    this[REF].use().name = name;
  }
  kind(): SpanKind {
    return this[REF].get().kind as number;
  }
  setKind(kind: SpanKind): void {
    this[REF].use().kind = kind as number;
  }
  startTimestamp(): Timestamp {
    return toBigInt(this[REF].get().startTimeUnixNano);
  }
  setStartTimestamp(nanos: Timestamp | number): void {
    this[REF].use().startTimeUnixNano = toLong(nanos, true);
  }
  endTimestamp(): Timestamp {
    return toBigInt(this[REF].get().endTimeUnixNano);
  }
  setEndTimestamp(nanos: Timestamp | number): void {
    this[REF].use().endTimeUnixNano = toLong(nanos, true);
  }
  events(): SpanEventSlice {
    return new MessageSlice(this[REF], 'events', SPAN_EVENT);
  }
  droppedEventsCount(): number {
    return this[REF].get().droppedEventsCount;
  }
  setDroppedEventsCount(count: number): void {
    this[REF].use().droppedEventsCount = count;
  }
  links(): SpanLinkSlice {
    return new MessageSlice(this[REF], 'links', SPAN_LINK);
  }
  droppedLinksCount(): number {
    return this[REF].get().droppedLinksCount;
  }
  setDroppedLinksCount(count: number): void {
    this[REF].use().droppedLinksCount = count;
  }
  status(): Status {
    return new Status(new FieldRef(this[REF], 'status', trace.Status));
  }
}

export class SpanEvent extends Attributed<trace.Span.Event> {
  constructor(ref: Ref<trace.Span.Event>) {
    super(ref, trace.Span.Event);
  }
  timestamp(): Timestamp {
    return toBigInt(this[REF].get().timeUnixNano);
  }
  setTimestamp(nanos: Timestamp | number): void {
    this[REF].use().timeUnixNano = toLong(nanos, true);
  }
  name(): string {
    return this[REF].get().name;
  }
  setName(name: string): void {
    this[REF].use().name = name;
  }
}

export class SpanLink extends SpanContext<trace.Span.Link> {
  constructor(ref: Ref<trace.Span.Link>) {
    super(ref, trace.Span.Link);
  }
}

export class Status extends Struct<trace.Status> {
  constructor(ref: Ref<trace.Status>) {
    super(ref, trace.Status);
  }
  code(): StatusCode {
    return this[REF].get().code as number;
  }
  setCode(code: StatusCode): void {
    this[REF].use().code = code as number;
  }
  message(): string {
    return this[REF].get().message;
  }
  setMessage(message: string): void {
    this[REF].use().message = message;
  }
}

export const RESOURCE_SPANS: ElementKind<trace.ResourceSpans, ResourceSpans> = { type: trace.ResourceSpans, wrap: (ref) => new ResourceSpans(ref) };
const SCOPE_SPANS: ElementKind<trace.ScopeSpans, ScopeSpans> = { type: trace.ScopeSpans, wrap: (ref) => new ScopeSpans(ref) };
const SPAN: ElementKind<trace.Span, Span> = { type: trace.Span, wrap: (ref) => new Span(ref) };
const SPAN_EVENT: ElementKind<trace.Span.Event, SpanEvent> = { type: trace.Span.Event, wrap: (ref) => new SpanEvent(ref) };
const SPAN_LINK: ElementKind<trace.Span.Link, SpanLink> = { type: trace.Span.Link, wrap: (ref) => new SpanLink(ref) };
