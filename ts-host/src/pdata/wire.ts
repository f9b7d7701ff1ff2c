// A protobuf wire-format walker driven by the OTLP schema. It validates payloads and counts items without building
// decoded messages, so data that only passes through the collector is never materialised.
import { isUtf8 } from 'node:buffer';
import { Root, Type } from 'protobufjs';
import { PdataError } from './errors';

// The schema descriptor generated next to the static code (see proto/otlp/generate.js). `require` keeps the path
// valid from both src/ (tests) and dist/ (the built package), which sit at the same depth.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const descriptor = require('../../generated/otlp.json');

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** The largest field number protobuf allows (2^29 - 1). */
const MAX_FIELD_NUMBER = 536_870_911;

/** Deep enough for any sensible AnyValue nesting, shallow enough that hostile input cannot exhaust the stack. */
const MAX_DEPTH = 100;

const SCALAR_WIRE_TYPES: Record<string, number> = {
  double: WIRE_FIXED64, fixed64: WIRE_FIXED64, sfixed64: WIRE_FIXED64,
  float: WIRE_FIXED32, fixed32: WIRE_FIXED32, sfixed32: WIRE_FIXED32,
  int32: WIRE_VARINT, int64: WIRE_VARINT, uint32: WIRE_VARINT, uint64: WIRE_VARINT,
  sint32: WIRE_VARINT, sint64: WIRE_VARINT, bool: WIRE_VARINT,
  string: WIRE_LEN, bytes: WIRE_LEN,
};

/** Byte lengths of the id fields, by field name (the same names in spans, links, log records and exemplars). */
export const ID_LENGTHS: Readonly<Record<string, number>> = { traceId: 16, spanId: 8, parentSpanId: 8 };

interface FieldShape {
  readonly name: string;
  readonly wireType: number;
  /** Trace and span ids: the only lengths allowed besides empty (pdata in Go rejects other lengths too); 0 for others. */
  readonly idLength: number;
  /** Repeated numeric fields may also arrive packed (length-delimited). */
  readonly packable: boolean;
  /** `string` fields must hold valid UTF-8 (proto3; Go's decoder refuses the request otherwise). */
  readonly utf8: boolean;
  /** Set for message fields: the shape to validate the field's contents against. */
  readonly message: MessageShape | undefined;
}

export interface MessageShape {
  readonly name: string;
  /** By field number (OTLP's are small, so an array: the lookup happens for every field of every request). */
  readonly fields: (FieldShape | undefined)[];
}

const root = Root.fromJSON(descriptor).resolveAll();
const shapes = new Map<Type, MessageShape>();

function shapeOf(type: Type): MessageShape {
  let shape = shapes.get(type);
  if (shape) return shape;
  const fields = new Array<FieldShape | undefined>(Math.max(0, ...type.fieldsArray.map((f) => f.id)) + 1).fill(undefined);
  shape = { name: type.name, fields };
  shapes.set(type, shape); // registered before its fields so that recursive types (AnyValue) resolve
  for (const field of type.fieldsArray) {
    // Every shape is built by this one literal, so that its objects share one hidden class: the walk reads them for
    // every field of every request, and property reads on objects of one class are what V8 makes fastest.
    const resolved = field.resolvedType;
    const message = resolved instanceof Type ? shapeOf(resolved) : undefined;
    const wireType = message ? WIRE_LEN : resolved ? WIRE_VARINT : SCALAR_WIRE_TYPES[field.type];
    fields[field.id] = {
      name: field.name,
      wireType,
      idLength: (field.type === 'bytes' && ID_LENGTHS[field.name]) || 0,
      packable: !message && field.repeated && wireType !== WIRE_LEN,
      utf8: field.type === 'string',
      message,
    };
  }
  return shape;
}

/** The shape of a message type of the OTLP schema, by its fully qualified name. */
export function messageShape(fullName: string): MessageShape {
  return shapeOf(root.lookupType(fullName));
}

/**
 * A cursor over a protobuf byte range; every read is bounds-checked. The field just read is kept in the cursor's own
 * fields rather than returned as tuples: validation walks every field of every request, and per-field arrays were
 * most of the host's garbage.
 */
class Cursor {
  /** The field number and wire type of the latest tag(). */
  field = 0;
  wireType = 0;
  /** The value range of the latest length-delimited value(). */
  valueStart = 0;
  valueEnd = 0;

  constructor(readonly buf: Uint8Array, public pos: number, public end: number) {}

  fail(reason: string): never {
    throw new PdataError(`invalid protobuf: ${reason} at byte ${this.pos}`);
  }

  /** Reads a varint as a JS number; lengths and tags always fit, larger values are only skipped. */
  varint(): number {
    if (this.pos < this.end && this.buf[this.pos] < 0x80) return this.buf[this.pos++]; // most tags and lengths: one byte
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail('truncated varint');
      const byte = this.buf[this.pos++];
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    return this.fail('varint longer than 10 bytes');
  }

  skip(n: number): void {
    if (n > this.end - this.pos) this.fail(`length ${n} exceeds the remaining ${this.end - this.pos} bytes`);
    this.pos += n;
  }

  /** Reads a tag into `field` and `wireType`. */
  tag(): void {
    const first = this.pos < this.end ? this.buf[this.pos] : 0x80;
    if (first < 0x80 && first >= 8) {
      // One byte, the tag of every OTLP field (their numbers are below 16): an integer shift instead of a division.
      this.pos++;
      this.field = first >> 3;
      this.wireType = first & 7;
      return;
    }
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    if (field === 0) this.fail('field number 0');
    if (field > MAX_FIELD_NUMBER) this.fail(`field number ${field} is larger than ${MAX_FIELD_NUMBER}`);
    this.field = field;
    this.wireType = tag & 7;
  }

  /** Skips the value of the latest tag; true for a length-delimited one, whose range is then in valueStart/valueEnd. */
  value(): boolean {
    switch (this.wireType) {
      case WIRE_VARINT: this.varint(); return false;
      case WIRE_FIXED64: this.skip(8); return false;
      case WIRE_FIXED32: this.skip(4); return false;
      case WIRE_LEN: {
        const length = this.varint();
        this.valueStart = this.pos;
        this.skip(length);
        this.valueEnd = this.pos;
        return true;
      }
      default: return this.fail(`unsupported wire type ${this.wireType}`);
    }
  }
}

/** Whether bytes [start, end) are valid UTF-8; ASCII, the common case, is checked in JavaScript without making a view. */
function utf8(buf: Uint8Array, start: number, end: number): boolean {
  let bits = 0;
  for (let i = start; i < end; i++) bits |= buf[i]; // no branch per byte: faster than stopping at the first high bit
  return bits < 0x80 || isUtf8(buf.subarray(start, end));
}

/** A packed repeated numeric field holds whole values only: complete varints, or a multiple of the fixed width. */
function validatePacked(buf: Uint8Array, start: number, end: number, field: FieldShape, shape: MessageShape): void {
  const cursor = new Cursor(buf, start, end);
  const width = field.wireType === WIRE_FIXED64 ? 8 : field.wireType === WIRE_FIXED32 ? 4 : 0;
  if (width > 0) {
    if ((end - start) % width !== 0) cursor.fail(`${shape.name}.${field.name} packs ${end - start} bytes, not a multiple of ${width}`);
    return;
  }
  while (cursor.pos < end) cursor.varint();
}

/**
 * Validates the message of `shape` from the cursor's position to `end`; nested messages reuse the cursor. Counts the
 * items on the way: `step` is this message's place along `path` (as in countAlong), -1 when it is off the path.
 */
function validateFields(cursor: Cursor, end: number, shape: MessageShape, depth: number, path: ItemPath, step: number): number {
  if (depth > MAX_DEPTH) cursor.fail(`message nesting deeper than ${MAX_DEPTH}`);
  const outerEnd = cursor.end;
  cursor.end = end;
  let items = 0;
  while (cursor.pos < end) {
    cursor.tag();
    const { wireType } = cursor;
    const field = shape.fields[cursor.field];
    if (field && wireType !== field.wireType && !(field.packable && wireType === WIRE_LEN)) {
      cursor.fail(`${shape.name}.${field.name} has wire type ${wireType}, expected ${field.wireType}`);
    }
    if (!cursor.value() || !field) continue;
    const { valueStart, valueEnd } = cursor;
    if (field.packable) validatePacked(cursor.buf, valueStart, valueEnd, field, shape);
    else if (field.message) {
      cursor.pos = valueStart;
      const onPath = step >= 0 && path[step].includes(cursor.field);
      if (onPath && step === path.length - 1) items++;
      const next = onPath && step < path.length - 1 ? step + 1 : -1;
      items += validateFields(cursor, valueEnd, field.message, depth + 1, path, next);
    } else if (field.utf8 && !utf8(cursor.buf, valueStart, valueEnd)) {
      cursor.pos = valueStart;
      cursor.fail(`${shape.name}.${field.name}: string field contains invalid UTF-8`);
    }
    const length = valueEnd - valueStart;
    if (field.idLength && length !== 0 && length !== field.idLength) {
      cursor.fail(`${shape.name}.${field.name} is ${length} bytes long, expected ${field.idLength}`);
    }
  }
  cursor.end = outerEnd;
  return items;
}

/**
 * Field numbers from a request down to its items (spans, data points, log records): each step is the set of field
 * numbers to descend into; the values of the last step are the items.
 */
export type ItemPath = readonly (readonly number[])[];

/**
 * Checks that `buf` is a well-formed encoding of the message `shape` (unknown fields are allowed, as in proto3) and
 * returns the number of items along `path`, so that a request is walked once for both.
 */
export function validate(buf: Uint8Array, shape: MessageShape, path: ItemPath): number {
  return validateFields(new Cursor(buf, 0, buf.length), buf.length, shape, 0, path, 0);
}

/** Counts the items along `path` (see ItemPath). Assumes `buf` is valid or throws PdataError. */
export function countAlong(buf: Uint8Array, path: ItemPath): number {
  const visit = (start: number, end: number, step: number): number => {
    const cursor = new Cursor(buf, start, end);
    const wanted = path[step];
    const last = step === path.length - 1;
    let count = 0;
    while (cursor.pos < end) {
      cursor.tag();
      const delimited = cursor.value();
      if (!wanted.includes(cursor.field)) continue;
      if (last) count++;
      else if (delimited) count += visit(cursor.valueStart, cursor.valueEnd, step + 1);
    }
    return count;
  };
  return visit(0, buf.length, 0);
}

/** A request that cannot be cut into parts under a size limit: one item with its resource and scope is larger. */
export class UnsplittableError extends Error {
  override readonly name = 'UnsplittableError';
  constructor(readonly itemBytes: number, readonly limit: number) {
    super(`one item with its resource and scope takes ${itemBytes} bytes, more than the limit of ${limit}`);
  }
}

/** Where the children sit in an Export*ServiceRequest: the resources (1), a resource's scopes (2), a scope's items (2). */
const CHILD_FIELDS = [1, 2, 2] as const;
/** A Metric's data (gauge 5, sum 7, histogram 9, exponential_histogram 10, summary 11) holds its data_points (1). */
const METRIC_DATA_FIELDS = new Set([5, 7, 9, 10, 11]);

interface WireField {
  /** The whole field, tag and length included. */
  readonly start: number;
  readonly end: number;
  readonly number: number;
  /** The value of a length-delimited field. */
  readonly body?: [number, number];
}

function fieldsIn(buf: Uint8Array, start: number, end: number): WireField[] {
  const cursor = new Cursor(buf, start, end);
  const fields: WireField[] = [];
  while (cursor.pos < end) {
    const fieldStart = cursor.pos;
    cursor.tag();
    const body: [number, number] | undefined = cursor.value() ? [cursor.valueStart, cursor.valueEnd] : undefined;
    fields.push({ start: fieldStart, end: cursor.pos, number: cursor.field, body });
  }
  return fields;
}

const varintLength = (n: number) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);

function lengthDelimited(number: number, parts: readonly Uint8Array[]): Buffer {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const prefix: number[] = [(number << 3) | WIRE_LEN];
  for (let n = length; ; n = Math.floor(n / 128)) {
    if (n < 0x80) {
      prefix.push(n);
      break;
    }
    prefix.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from(prefix), ...parts]);
}

/** A message about to be split: its children, and how a part of it is made around some of them. */
interface Frame {
  readonly children: readonly Uint8Array[];
  /** Makes one part from the header and some children. */
  encode(children: readonly Uint8Array[]): Buffer;
  /** The bytes the frame adds around its children. */
  readonly overhead: number;
  /** How to split a child that does not fit alone; undefined for items, which are never split. */
  splitChild?: (child: Uint8Array, limit: number) => Uint8Array[];
}

/**
 * Cuts the message in `buf[start, end)` into encodings of at most `limit` bytes each, keeping every child once under
 * a copy of the message's other fields, in order. `level` is the depth in the request (0 is the request itself).
 */
function splitAt(buf: Uint8Array, start: number, end: number, level: number, metrics: boolean, limit: number): Uint8Array[] {
  const frame = frameOf(buf, start, end, level, metrics);
  if (frame.overhead > limit) throw new UnsplittableError(frame.overhead, limit);
  const parts: Uint8Array[] = [];
  let current: Uint8Array[] = [];
  let size = frame.overhead;
  for (const child of frame.children) {
    let pieces: Uint8Array[] = [child];
    if (frame.overhead + child.length > limit) {
      if (!frame.splitChild) throw new UnsplittableError(frame.overhead + child.length, limit);
      pieces = frame.splitChild(child, limit - frame.overhead);
    }
    for (const piece of pieces) {
      if (current.length > 0 && size + piece.length > limit) {
        parts.push(frame.encode(current));
        current = [];
        size = frame.overhead;
      }
      current.push(piece);
      size += piece.length;
    }
  }
  if (current.length > 0 || parts.length === 0) parts.push(frame.encode(current));
  return parts;
}

function frameOf(buf: Uint8Array, start: number, end: number, level: number, metrics: boolean): Frame {
  const fields = fieldsIn(buf, start, end);
  if (level === CHILD_FIELDS.length) {
    // A Metric: its data points are the items; the metric's fields and its data's own fields frame them.
    const data = fields.find((f) => METRIC_DATA_FIELDS.has(f.number) && f.body);
    if (!data) return plainFrame(buf, fields, -1, undefined);
    const dataFields = fieldsIn(buf, data.body![0], data.body![1]);
    const outer = fields.filter((f) => f !== data).map((f) => buf.subarray(f.start, f.end));
    const inner = dataFields.filter((f) => f.number !== 1).map((f) => buf.subarray(f.start, f.end));
    const children = dataFields.filter((f) => f.number === 1).map((f) => buf.subarray(f.start, f.end));
    const encode = (points: readonly Uint8Array[]) => Buffer.concat([...outer, lengthDelimited(data.number, [...inner, ...points])]);
    return { children, encode, overhead: encode([]).length + 4 }; // + room for the data's longer length prefix
  }
  const childField = CHILD_FIELDS[level];
  const splitDeeper = level + 1 < CHILD_FIELDS.length || metrics;
  const splitChild = (child: Uint8Array, limit: number) => {
    const [bodyStart, bodyEnd] = fieldsIn(child, 0, child.length)[0].body!;
    const room = limit - 1 - varintLength(limit); // each piece is wrapped in the child's tag and length again
    return splitAt(child, bodyStart, bodyEnd, level + 1, metrics, room).map((piece) => lengthDelimited(childField, [piece]));
  };
  return plainFrame(buf, fields, childField, splitDeeper ? splitChild : undefined);
}

function plainFrame(buf: Uint8Array, fields: WireField[], childField: number, splitChild: Frame['splitChild']): Frame {
  const isChild = (f: WireField) => f.number === childField && f.body !== undefined;
  const header = fields.filter((f) => !isChild(f)).map((f) => buf.subarray(f.start, f.end));
  const children = fields.filter(isChild).map((f) => buf.subarray(f.start, f.end));
  const overhead = header.reduce((sum, h) => sum + h.length, 0);
  return { children, encode: (some) => Buffer.concat([...header, ...some]), overhead, splitChild };
}

/**
 * Cuts an encoded Export*ServiceRequest into requests of at most `limit` bytes, at resource, then scope, then item
 * boundaries (for metrics, data points), each part keeping copies of the resource and scope around its items; the
 * request itself when it fits. Throws UnsplittableError when one item with its resource and scope alone is larger.
 * Assumes `buf` is valid (see validate).
 */
export function splitBySize(buf: Uint8Array, limit: number, metrics: boolean): Uint8Array[] {
  if (buf.length <= limit) return [buf];
  return splitAt(buf, 0, buf.length, 0, metrics, limit);
}
