// What every signal's navigable API shares, in the shape of Go's pcommon: attribute maps and values, resources,
// instrumentation scopes, slices of messages, timestamps and ids.
import Long from 'long';
import { PdataError } from './errors';
import { common, resource } from './otlp';
import {
  deepCopy, DetachedRef, ElementRef, FieldRef, MessageType, ownArray, REF, Ref, replaceFields, Wrapped,
} from './ref';

// ---- scalars -------------------------------------------------------------------------------------------------------

/** Nanoseconds since the Unix epoch (Go's pcommon.Timestamp). */
export type Timestamp = bigint;

type LongLike = Long | number | string | null | undefined;

/** A protobuf 64-bit integer (protobufjs gives Long objects) as a bigint. */
export function toBigInt(value: LongLike): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number' || typeof value === 'string') return BigInt(value);
  return value.toBigInt();
}

/** A bigint or number as the Long protobufjs encodes. */
export function toLong(value: bigint | number, unsigned: boolean): Long {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new PdataError(`${value} is not an integer`);
    return Long.fromNumber(value, unsigned);
  }
  return Long.fromBigInt(value, unsigned);
}

/** A protobuf 64-bit count as a number (counts stay far below 2^53). */
export const toNumber = (value: LongLike): number => Number(toBigInt(value));

export const timestampFromDate = (date: Date): Timestamp => BigInt(date.getTime()) * 1_000_000n;
export const timestampToDate = (timestamp: Timestamp): Date => new Date(Number(timestamp / 1_000_000n));

/** A trace or span id as lower-case hex; '' when unset. */
export const idToHex = (bytes: Uint8Array | null | undefined): string => (bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex') : '');

const HEX = /^[0-9a-fA-F]*$/;

/** Hex text as id bytes of `length`, or empty for ''; anything else is a PdataError. */
export function idFromHex(hex: string, length: number, what: string): Buffer {
  if (hex !== '' && (hex.length !== 2 * length || !HEX.test(hex))) {
    throw new PdataError(`invalid ${what} ${JSON.stringify(hex)}: want ${2 * length} hex digits, or '' for none`);
  }
  return Buffer.from(hex, 'hex');
}

// ---- structs and slices ----------------------------------------------------------------------------------------------

/** A wrapper of one message: copy and move it as a whole. */
export abstract class Struct<M extends object> implements Wrapped<M> {
  readonly [REF]: Ref<M>;

  constructor(ref: Ref<M>, private readonly messageType: MessageType<M>) {
    this[REF] = ref;
  }

  /** Makes `dest` a deep copy of this. */
  copyTo(dest: this): void {
    replaceFields(dest[REF].use(), deepCopy(this.messageType, this[REF].get()));
  }

  /** Moves everything into `dest` and leaves this empty (both must be writable). */
  moveTo(dest: this): void {
    const source = this[REF].use();
    const target = dest[REF].use();
    if (source === target) return;
    replaceFields(target, source);
    replaceFields(source, {});
  }
}

/** How a slice makes and wraps its elements. */
export interface ElementKind<M, W> {
  readonly type: MessageType<M>;
  wrap(ref: Ref<M>): W;
}

/** A repeated message field, as Go's generated `...Slice` types: index, append, remove, copy and move. */
export class MessageSlice<M extends object, W> implements Iterable<W> {
  constructor(private readonly parent: Ref<object>, private readonly key: string, private readonly kind: ElementKind<M, W>) {}

  private items(): readonly M[] {
    return ((this.parent.get() as Record<string, M[] | null>)[this.key] ?? []) as readonly M[];
  }

  private ownItems(): M[] {
    return ownArray<M>(this.parent.use(), this.key);
  }

  private wrap(message: M): W {
    return this.kind.wrap(new ElementRef(this.parent, message));
  }

  len(): number {
    return this.items().length;
  }

  at(index: number): W {
    const items = this.items();
    if (!Number.isInteger(index) || index < 0 || index >= items.length) {
      throw new RangeError(`index ${index} out of range [0, ${items.length})`);
    }
    return this.wrap(items[index]);
  }

  /** Appends an empty element and returns it. */
  appendEmpty(): W {
    const message = this.kind.type.create();
    this.ownItems().push(message);
    return this.wrap(message);
  }

  /** Removes every element `predicate` is true for; does not write when none matches. */
  removeIf(predicate: (element: W) => boolean): void {
    const items = this.items();
    const keep = items.filter((message) => !predicate(this.wrap(message)));
    if (keep.length === items.length) return;
    const own = this.ownItems();
    own.splice(0, own.length, ...keep);
  }

  /** Moves every element to the end of `dest`, leaving this slice empty. */
  moveAndAppendTo(dest: MessageSlice<M, W>): void {
    if (dest === this || this.len() === 0) return;
    const moved = this.ownItems().splice(0);
    dest.ownItems().push(...moved);
  }

  /** Makes `dest` hold deep copies of this slice's elements. */
  copyTo(dest: MessageSlice<M, W>): void {
    const copies = this.items().map((message) => deepCopy(this.kind.type, message));
    const own = dest.ownItems();
    own.splice(0, own.length, ...copies);
  }

  /** Sorts in place by `compare`. */
  sort(compare: (a: W, b: W) => number): void {
    const own = this.ownItems();
    own.sort((a, b) => compare(this.wrap(a), this.wrap(b)));
  }

  // An array's iterator rather than a generator: this is the hot loop of every processor, and V8 runs it faster.
  [Symbol.iterator](): Iterator<W> {
    return this.items().map((message) => this.wrap(message))[Symbol.iterator]();
  }

  /** [index, element] pairs, as Go's `All()`. */
  *all(): IterableIterator<[number, W]> {
    let index = 0;
    for (const message of this.items()) yield [index++, this.wrap(message)];
  }
}

// ---- values --------------------------------------------------------------------------------------------------------

/** The type of an attribute value, in Go's order. */
export enum ValueType {
  Empty = 0,
  Str,
  Int,
  Double,
  Bool,
  Map,
  Slice,
  Bytes,
}

/** What `asRaw()` gives and `fromRaw()` takes: plain JavaScript values. */
export type RawValue = null | string | bigint | number | boolean | Uint8Array | RawValue[] | { [key: string]: RawValue };

const ONEOF = 'value';

/** One attribute value, log body or slice element (OTLP's AnyValue), as Go's pcommon.Value. */
export class Value implements Wrapped<common.AnyValue> {
  readonly [REF]: Ref<common.AnyValue>;

  constructor(ref: Ref<common.AnyValue>) {
    this[REF] = ref;
  }

  private get message(): common.AnyValue {
    return this[REF].get();
  }

  /** Sets one member of the value's oneof, clearing the others. */
  private set(key: 'stringValue' | 'boolValue' | 'intValue' | 'doubleValue' | 'arrayValue' | 'kvlistValue' | 'bytesValue', value: unknown): void {
    const message = this[REF].use() as unknown as Record<string, unknown>;
    message[key] = value;
    message[ONEOF] = key;
  }

  /** Makes the value empty (clears every member of the oneof). */
  private clear(): void {
    (this[REF].use() as unknown as Record<string, unknown>)[ONEOF] = undefined;
  }

  type(): ValueType {
    const m = this.message;
    if (m.stringValue != null) return ValueType.Str;
    if (m.intValue != null) return ValueType.Int;
    if (m.doubleValue != null) return ValueType.Double;
    if (m.boolValue != null) return ValueType.Bool;
    if (m.kvlistValue != null) return ValueType.Map;
    if (m.arrayValue != null) return ValueType.Slice;
    if (m.bytesValue != null) return ValueType.Bytes;
    return ValueType.Empty;
  }

  /** The string, or '' for another type (as Go). */
  str(): string {
    return this.message.stringValue ?? '';
  }
  int(): bigint {
    return toBigInt(this.message.intValue);
  }
  double(): number {
    return this.message.doubleValue ?? 0;
  }
  bool(): boolean {
    return this.message.boolValue ?? false;
  }
  bytes(): Uint8Array {
    return this.message.bytesValue ?? new Uint8Array(0);
  }
  /** The map this value holds; writing to it makes the value a map. */
  map(): Map {
    return new Map(new FieldRef(this[REF], 'kvlistValue', common.KeyValueList, ONEOF), 'values');
  }
  /** The slice this value holds; appending to it makes the value a slice. */
  slice(): Slice {
    return new Slice(new FieldRef(this[REF], 'arrayValue', common.ArrayValue, ONEOF));
  }

  setStr(value: string): void {
    this.set('stringValue', value);
  }
  setInt(value: bigint | number): void {
    this.set('intValue', toLong(value, false));
  }
  setDouble(value: number): void {
    this.set('doubleValue', value);
  }
  setBool(value: boolean): void {
    this.set('boolValue', value);
  }
  setBytes(value: Uint8Array): void {
    this.set('bytesValue', Uint8Array.from(value));
  }
  setEmptyMap(): Map {
    this.set('kvlistValue', common.KeyValueList.create());
    return this.map();
  }
  setEmptySlice(): Slice {
    this.set('arrayValue', common.ArrayValue.create());
    return this.slice();
  }

  /** The value as text, as Go's `AsString`: maps and slices as JSON, bytes as base64, empty as ''. */
  asString(): string {
    switch (this.type()) {
      case ValueType.Str: return this.str();
      case ValueType.Int: return this.int().toString();
      case ValueType.Double: return String(this.double());
      case ValueType.Bool: return String(this.bool());
      case ValueType.Bytes: return Buffer.from(this.bytes()).toString('base64');
      case ValueType.Map:
      case ValueType.Slice: return JSON.stringify(this.asRaw(), (_key, v) => (typeof v === 'bigint' ? Number(v) : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v));
      default: return '';
    }
  }

  /** The value as a plain JavaScript value (ints as bigint, bytes as Uint8Array, empty as null). */
  asRaw(): RawValue {
    switch (this.type()) {
      case ValueType.Str: return this.str();
      case ValueType.Int: return this.int();
      case ValueType.Double: return this.double();
      case ValueType.Bool: return this.bool();
      case ValueType.Bytes: return Uint8Array.from(this.bytes());
      case ValueType.Map: return this.map().asRaw();
      case ValueType.Slice: return this.slice().asRaw();
      default: return null;
    }
  }

  /** Sets the value from a plain JavaScript value; integral numbers become Int, others Double. */
  fromRaw(raw: RawValue): void {
    if (raw === null || raw === undefined) this.clear();
    else if (typeof raw === 'string') this.setStr(raw);
    else if (typeof raw === 'bigint') this.setInt(raw);
    else if (typeof raw === 'number' && Number.isInteger(raw)) this.setInt(raw);
    else if (typeof raw === 'number') this.setDouble(raw);
    else if (typeof raw === 'boolean') this.setBool(raw);
    else if (raw instanceof Uint8Array) this.setBytes(raw);
    else if (Array.isArray(raw)) this.setEmptySlice().fromRaw(raw);
    else if (typeof raw === 'object') this.setEmptyMap().fromRaw(raw);
    else throw new PdataError(`cannot store a ${typeof raw} in a pdata value`);
  }

  /** Makes `dest` a deep copy of this value. */
  copyTo(dest: Value): void {
    replaceFields(dest[REF].use(), deepCopy(common.AnyValue, this.message));
  }
}

/** A value that belongs to no pdata instance (for building and comparing). */
export function newValue(raw: RawValue = null): Value {
  const value = new Value(new DetachedRef(common.AnyValue.create()));
  value.fromRaw(raw);
  return value;
}

/** A slice of values (OTLP's ArrayValue), as Go's pcommon.Slice. */
export class Slice extends MessageSlice<common.AnyValue, Value> {
  constructor(ref: Ref<common.ArrayValue>) {
    super(ref, 'values', { type: common.AnyValue, wrap: (element) => new Value(element) });
  }

  asRaw(): RawValue[] {
    return [...this].map((value) => value.asRaw());
  }

  /** Replaces the contents with `raw`'s elements. */
  fromRaw(raw: readonly RawValue[]): void {
    this.removeIf(() => true);
    for (const item of raw) this.appendEmpty().fromRaw(item);
  }
}

/**
 * Attributes (a repeated KeyValue), as Go's pcommon.Map: keys are unique, `put*` replaces an existing key's value
 * and appends a new key at the end, iteration keeps the order.
 */
export class Map implements Iterable<[string, Value]> {
  constructor(private readonly parent: Ref<object>, private readonly key: string) {}

  private entries(): readonly common.KeyValue[] {
    return ((this.parent.get() as Record<string, common.KeyValue[] | null>)[this.key] ?? []) as readonly common.KeyValue[];
  }

  private wrap(entry: common.KeyValue): Value {
    return new Value(new FieldRef(new ElementRef(this.parent, entry), 'value', common.AnyValue));
  }

  len(): number {
    return this.entries().length;
  }

  /** The value of `key`, or undefined when the map has none. */
  get(key: string): Value | undefined {
    const entry = this.entries().find((kv) => kv.key === key);
    return entry ? this.wrap(entry) : undefined;
  }

  has(key: string): boolean {
    return this.entries().some((kv) => kv.key === key);
  }

  /** Sets `key` to `value` (replacing the old value of an existing key, appending a new key); returns its entry. */
  private put(key: string, value: common.AnyValue): common.KeyValue {
    const entries = ownArray<common.KeyValue>(this.parent.use(), this.key);
    let entry = entries.find((kv) => kv.key === key);
    if (entry) entry.value = value;
    else entries.push((entry = common.KeyValue.create({ key, value })));
    return entry;
  }

  /** The value of `key`, emptied, appended when the key is new. */
  putEmpty(key: string): Value {
    return this.wrap(this.put(key, common.AnyValue.create()));
  }

  // The scalar puts build the value directly: one walk up to the root per put, as processors call them per item.
  putStr(key: string, value: string): void {
    this.put(key, common.AnyValue.create({ stringValue: value }));
  }
  putInt(key: string, value: bigint | number): void {
    this.put(key, common.AnyValue.create({ intValue: toLong(value, false) }));
  }
  putDouble(key: string, value: number): void {
    this.put(key, common.AnyValue.create({ doubleValue: value }));
  }
  putBool(key: string, value: boolean): void {
    this.put(key, common.AnyValue.create({ boolValue: value }));
  }
  putBytes(key: string, value: Uint8Array): void {
    this.put(key, common.AnyValue.create({ bytesValue: Uint8Array.from(value) }));
  }
  putEmptyMap(key: string): Map {
    return this.putEmpty(key).setEmptyMap();
  }
  putEmptySlice(key: string): Slice {
    return this.putEmpty(key).setEmptySlice();
  }

  /** Removes `key`; true when it was there. */
  remove(key: string): boolean {
    if (!this.has(key)) return false;
    this.removeIf((k) => k === key);
    return true;
  }

  /** Removes every entry `predicate` is true for; does not write when none matches. */
  removeIf(predicate: (key: string, value: Value) => boolean): void {
    const entries = this.entries();
    const keep = entries.filter((kv) => !predicate(kv.key, this.wrap(kv)));
    if (keep.length === entries.length) return;
    const own = ownArray<common.KeyValue>(this.parent.use(), this.key);
    own.splice(0, own.length, ...keep);
  }

  /** Calls `fn` for each entry in order until it returns false. */
  range(fn: (key: string, value: Value) => boolean | void): void {
    for (const kv of this.entries()) if (fn(kv.key, this.wrap(kv)) === false) return;
  }

  [Symbol.iterator](): Iterator<[string, Value]> {
    return this.entries().map((kv): [string, Value] => [kv.key, this.wrap(kv)])[Symbol.iterator]();
  }

  /** Makes `dest` a deep copy of this map. */
  copyTo(dest: Map): void {
    const copies = this.entries().map((kv) => deepCopy(common.KeyValue, kv));
    const own = ownArray<common.KeyValue>(dest.parent.use(), dest.key);
    own.splice(0, own.length, ...copies);
  }

  asRaw(): { [key: string]: RawValue } {
    const raw: { [key: string]: RawValue } = {};
    for (const [key, value] of this) raw[key] = value.asRaw();
    return raw;
  }

  /** Replaces the contents with `raw`'s entries. */
  fromRaw(raw: { readonly [key: string]: RawValue }): void {
    this.removeIf(() => true);
    for (const [key, value] of Object.entries(raw)) this.putEmpty(key).fromRaw(value);
  }
}

/** A map that belongs to no pdata instance. */
export function newMap(raw: { readonly [key: string]: RawValue } = {}): Map {
  const map = new Map(new DetachedRef(common.KeyValueList.create()), 'values');
  map.fromRaw(raw);
  return map;
}

// ---- resource and scope --------------------------------------------------------------------------------------------

/** A message with attributes and a count of the attributes dropped before it got here. */
export abstract class Attributed<M extends { droppedAttributesCount: number }> extends Struct<M> {
  attributes(): Map {
    return new Map(this[REF], 'attributes');
  }
  droppedAttributesCount(): number {
    return this[REF].get().droppedAttributesCount;
  }
  setDroppedAttributesCount(count: number): void {
    this[REF].use().droppedAttributesCount = count;
  }
}

/** An attributed message that names a trace and span (spans, links, log records), with its trace flags. */
export abstract class Correlated<M extends { droppedAttributesCount: number; traceId: Uint8Array; spanId: Uint8Array; flags: number }> extends Attributed<M> {
  traceID(): string {
    return idToHex(this[REF].get().traceId);
  }
  setTraceID(hex: string): void {
    this[REF].use().traceId = idFromHex(hex, 16, 'trace id');
  }
  spanID(): string {
    return idToHex(this[REF].get().spanId);
  }
  setSpanID(hex: string): void {
    this[REF].use().spanId = idFromHex(hex, 8, 'span id');
  }
  flags(): number {
    return this[REF].get().flags;
  }
  setFlags(flags: number): void {
    this[REF].use().flags = flags;
  }
}

export class Resource extends Attributed<resource.Resource> {
  constructor(ref: Ref<resource.Resource>) {
    super(ref, resource.Resource);
  }
}

export class InstrumentationScope extends Attributed<common.InstrumentationScope> {
  constructor(ref: Ref<common.InstrumentationScope>) {
    super(ref, common.InstrumentationScope);
  }
  name(): string {
    return this[REF].get().name;
  }
  setName(name: string): void {
    this[REF].use().name = name;
  }
  version(): string {
    return this[REF].get().version;
  }
  setVersion(version: string): void {
    this[REF].use().version = version;
  }
}

/**
 * The parts every signal's resource and scope levels share: `resource()` / `scope()`, the schema URL, and the slice
 * of what they hold.
 */
export abstract class Scoped<M extends { schemaUrl: string }> extends Struct<M> {
  schemaUrl(): string {
    return this[REF].get().schemaUrl;
  }
  setSchemaUrl(url: string): void {
    this[REF].use().schemaUrl = url;
  }
}

/** `resource()` of a Resource* message. */
export const resourceOf = (ref: Ref<object>): Resource => new Resource(new FieldRef(ref, 'resource', resource.Resource));
/** `scope()` of a Scope* message. */
export const scopeOf = (ref: Ref<object>): InstrumentationScope => new InstrumentationScope(new FieldRef(ref, 'scope', common.InstrumentationScope));
