// How the navigable pdata API reaches the decoded request: every wrapper holds a Ref to its message. Reading goes
// through `get`, which never creates anything, so data that is only read keeps its original bytes; writing goes
// through `use`, which walks up to the root, where the pdata instance refuses read-only data and from then on
// re-encodes on `toProto()`.
import type { Writer } from 'protobufjs';

export interface Ref<M> {
  /** The message, for reading; a frozen empty message stands in for one that is absent. */
  get(): M;
  /** The message, for writing: checks the root is writable and creates absent messages on the way. */
  use(): M;
}

/** The static side of a generated message class, as the wrappers need it. */
export interface MessageType<M> {
  create(): M;
  encode(message: NoInfer<M>): Writer;
  decode(bytes: Uint8Array): M;
}

/** The key under which wrappers keep their Ref: shared by this package's modules, not part of the public API. */
export const REF: unique symbol = Symbol('tandem.pdata.ref');

export interface Wrapped<M> {
  readonly [REF]: Ref<M>;
}

const empties = new WeakMap<object, unknown>();

/** A frozen empty message of `type`: what reading an absent message sees (defaults come from the prototype). */
function emptyOf<M>(type: MessageType<M>): M {
  let empty = empties.get(type) as M | undefined;
  if (empty === undefined) {
    empty = Object.freeze(type.create()) as M;
    empties.set(type, empty);
  }
  return empty;
}

/** The request at the root of one pdata instance. */
export class RootRef<M> implements Ref<M> {
  constructor(private readonly owner: { request(): Readonly<M>; mutable(): M }) {}
  get(): M {
    return this.owner.request() as M;
  }
  use(): M {
    return this.owner.mutable();
  }
}

/** A message in a repeated field of its parent. */
export class ElementRef<M> implements Ref<M> {
  constructor(private readonly parent: Ref<unknown>, private readonly message: M) {}
  get(): M {
    return this.message;
  }
  use(): M {
    this.parent.use();
    return this.message;
  }
}

/**
 * A singular message field of its parent, created on the first write. Set `oneof` when the field is a member of a
 * oneof: writing it then clears the other members, as protobuf's semantics demand.
 */
export class FieldRef<M> implements Ref<M> {
  constructor(
    private readonly parent: Ref<object>,
    private readonly key: string,
    private readonly type: MessageType<M>,
    private readonly oneof?: string,
  ) {}
  get(): M {
    return ((this.parent.get() as Record<string, unknown>)[this.key] as M | null | undefined) ?? emptyOf(this.type);
  }
  use(): M {
    const parent = this.parent.use() as Record<string, unknown>;
    if (parent[this.key] == null) {
      parent[this.key] = this.type.create();
      if (this.oneof) parent[this.oneof] = this.key;
    }
    return parent[this.key] as M;
  }
}

/** A message that belongs to no pdata instance (a detached copy): always writable. */
export class DetachedRef<M> implements Ref<M> {
  constructor(private readonly message: M) {}
  get(): M {
    return this.message;
  }
  use(): M {
    return this.message;
  }
}

/** The repeated field `key` of `message` as an array the message owns (absent ones share a frozen default). */
export function ownArray<T>(message: object, key: string): T[] {
  const record = message as Record<string, T[]>;
  if (!Object.hasOwn(record, key) || Object.isFrozen(record[key])) record[key] = [];
  return record[key];
}

/** A deep copy of `message` that shares no memory with it. */
export function deepCopy<M>(type: MessageType<M>, message: M): M {
  return type.decode(type.encode(message).finish());
}

/** Makes `dest` hold exactly the fields of `source` (the same objects: callers copy or clear as they need). */
export function replaceFields(dest: object, source: object): void {
  for (const key of Object.keys(dest)) delete (dest as Record<string, unknown>)[key];
  Object.assign(dest, source);
}
