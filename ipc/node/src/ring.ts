// One direction of the region: the producer and consumer halves of an SPSC ring (ipc/SPEC.md sections 3 and 5).
// Shared words go through Region's Atomics (sequentially consistent, so each is at least as strong as the spec's
// acquire/release and the Dekker fences come for free); records are read and written with plain byte copies that the
// atomic stores order.
import * as L from './layout';
import type { Region } from './region';

export interface Header {
  length: number;
  type: number;
  code: number;
  correlationId: bigint;
  route: number;
}

/** A header that failed a check of section 3.2. */
export class Corruption extends Error {
  constructor(
    readonly position: number,
    readonly field: 'head' | 'tail' | 'epoch_tag' | 'type' | 'code' | 'length',
    readonly reason: string,
  ) {
    super(`corrupt record at position ${position}: ${field}: ${reason}`);
    this.name = 'Corruption';
  }
}

export interface Claim {
  index: number;
  start: number;
  length: number;
}

abstract class RingHalf {
  protected readonly capacity: number;
  protected readonly base: number;
  protected readonly epochTag: number;

  constructor(
    protected readonly region: Region,
    protected readonly ring: number,
  ) {
    this.capacity = region.capacity(ring);
    this.base = region.ringOffset(ring);
    this.epochTag = region.epochTag;
  }
}

export class Producer extends RingHalf {
  private tail: number;
  private cachedHead: number;
  private published: number;

  constructor(region: Region, ring: number) {
    super(region, ring);
    this.tail = region.load64(L.offTail(ring));
    this.cachedHead = region.load64(L.offHead(ring));
    this.published = this.tail;
  }

  private need(length: number): { size: number; toEnd: number; need: number } {
    const size = L.recordSize(length);
    const toEnd = this.capacity - (this.tail % this.capacity);
    return { size, toEnd, need: size <= toEnd ? size : toEnd + size };
  }

  /** Reserves room for a record of `length` payload bytes (section 3.4), or null when the ring is full. */
  claim(length: number): Claim | null {
    const { size, toEnd, need } = this.need(length);
    if (this.capacity - (this.tail - this.cachedHead) < need) {
      // Acquire: the consumer released this space after copying its records out.
      this.cachedHead = this.region.load64(L.offHead(this.ring));
      if (this.capacity - (this.tail - this.cachedHead) < need) return null;
    }
    if (size > toEnd) {
      this.writeHeader(this.tail % this.capacity, toEnd - L.RECORD_HEADER, L.TYPE_PADDING, 0, 0n, 0);
      this.tail += toEnd;
      return { index: 0, start: this.tail, length };
    }
    return { index: this.tail % this.capacity, start: this.tail, length };
  }

  /** The claimed payload area, to be filled in place (a view into the region: no copy). */
  payload(claim: Claim): Buffer {
    return this.region.bytes.subarray(this.base + claim.index + L.RECORD_HEADER, this.base + claim.index + L.RECORD_HEADER + claim.length);
  }

  /** Writes the header of a claimed record; it becomes visible at the next publish(). */
  commit(claim: Claim, header: Header): void {
    this.writeHeader(claim.index, header.length, header.type, header.code, header.correlationId, header.route);
    this.tail = claim.start + L.recordSize(header.length);
  }

  /** Claims, copies `payload` in and commits: the common case. False when the ring is full. */
  push(type: number, code: number, correlationId: bigint, route: number, payload: Uint8Array): boolean {
    const claim = this.claim(payload.length);
    if (!claim) return false;
    this.region.bytes.set(payload, this.base + claim.index + L.RECORD_HEADER);
    this.commit(claim, { length: payload.length, type, code, correlationId, route });
    return true;
  }

  /** Publishes committed records with one tail store; true when the sleeping consumer must be woken (section 5). */
  publish(): boolean {
    if (this.tail === this.published) return false;
    this.published = this.tail;
    // Release + the Dekker fence: the records are visible before the tail, the tail before the flag load.
    this.region.store64(L.offTail(this.ring), this.tail);
    const waiting = L.offConsumerWaiting(this.ring);
    // Load then exchange: at most one wake-up per sleep.
    return this.region.load32(waiting) === 1 && this.region.exchange32(waiting, 0) === 1;
  }

  /** Before waiting for space: announces the wait and re-checks. False when `length` fits after all. */
  prepareWait(length: number): boolean {
    const flag = L.offProducerWaiting(this.ring);
    // Seq-cst store: the flag is visible before the head re-read (Dekker with the consumer's release).
    this.region.store32(flag, 1);
    this.cachedHead = this.region.load64(L.offHead(this.ring));
    if (this.capacity - (this.tail - this.cachedHead) >= this.need(length).need) {
      this.region.store32(flag, 0);
      return false;
    }
    return true;
  }

  private writeHeader(index: number, length: number, type: number, code: number, id: bigint, route: number): void {
    const b = this.region.bytes;
    const at = this.base + index;
    b.writeUInt32LE(length, at);
    b.writeUInt16LE(type, at + 4);
    b.writeUInt16LE(code, at + 6);
    b.writeBigUInt64LE(id, at + 8);
    b.writeUInt32LE(route, at + 16);
    b.writeUInt32LE(this.epochTag, at + 20);
  }
}

/** A record delivered by Consumer.poll; `payload` is a view into the ring, valid only during the callback. */
export interface RecordView {
  header: Header;
  position: number;
  payload: Buffer;
}

export interface PollResult {
  delivered: number;
  corruption?: Corruption;
  /** The producer waits for space and must be woken. */
  wakeProducer: boolean;
}

export class Consumer extends RingHalf {
  private head: number;
  private readonly maxMessageSize: number;

  constructor(region: Region, ring: number) {
    super(region, ring);
    this.head = region.load64(L.offHead(ring));
    this.maxMessageSize = region.maxMessageSize;
  }

  /**
   * Delivers up to `limit` published records in order (section 3.5), then returns their space. `deliver` must copy
   * out whatever it keeps. On corruption the records before it are delivered and head stays at the corrupt record.
   */
  poll(deliver: (record: RecordView) => void, limit = Infinity): PollResult {
    // Acquire: every record below the tail is fully written.
    const tail = this.region.load64(L.offTail(this.ring));
    let position = this.head;
    let delivered = 0;
    let corruption: Corruption | undefined;
    while (position < tail && delivered < limit) {
      const index = position % this.capacity;
      const header = this.check(index, position, tail);
      if (header instanceof Corruption) {
        corruption = header;
        break;
      }
      if (header.type === L.TYPE_PADDING) {
        position += this.capacity - index;
        continue;
      }
      const at = this.base + index + L.RECORD_HEADER;
      deliver({ header, position, payload: this.region.bytes.subarray(at, at + header.length) });
      delivered++;
      position += L.recordSize(header.length);
    }
    return { delivered, corruption, wakeProducer: this.release(position) };
  }

  private release(position: number): boolean {
    if (position === this.head) return false;
    this.head = position;
    // Release + the Dekker fence: the records were copied out before their space returns.
    this.region.store64(L.offHead(this.ring), position);
    const waiting = L.offProducerWaiting(this.ring);
    return this.region.load32(waiting) === 1 && this.region.exchange32(waiting, 0) === 1;
  }

  /** Before sleeping: announces the sleep and re-checks. False when records arrived meanwhile. */
  prepareSleep(): boolean {
    const flag = L.offConsumerWaiting(this.ring);
    // Seq-cst store: the flag is visible before the tail re-read (Dekker with the producer's publish).
    this.region.store32(flag, 1);
    if (this.region.load64(L.offTail(this.ring)) !== this.head) {
      this.region.store32(flag, 0);
      return false;
    }
    return true;
  }

  hasRecords(): boolean {
    return this.region.load64(L.offTail(this.ring)) !== this.head;
  }

  /** The checks of section 3.2, in order. */
  private check(index: number, position: number, tail: number): Header | Corruption {
    // Rule 0: the positions are shared memory too; no header is read where no record can start.
    if (position % L.RECORD_HEADER !== 0) return new Corruption(position, 'head', `position ${position} is not a multiple of ${L.RECORD_HEADER}`);
    if (tail - position > this.capacity) return new Corruption(position, 'tail', `the published tail ${tail} is more than a ring (${this.capacity}) ahead`);
    const b = this.region.bytes;
    const at = this.base + index;
    const tag = b.readUInt32LE(at + 20);
    if (tag !== this.epochTag) return new Corruption(position, 'epoch_tag', `${hex(tag)} is not this session's ${hex(this.epochTag)}`);
    const type = b.readUInt16LE(at + 4);
    const code = b.readUInt16LE(at + 6);
    let codeOk: boolean;
    if (type === L.TYPE_PADDING) codeOk = code === 0;
    else if (type === L.TYPE_REQUEST) codeOk = code >= L.SIGNAL_TRACES && code <= L.SIGNAL_PROFILES;
    else if (type === L.TYPE_RESPONSE) codeOk = code <= L.STATUS_PERMANENT;
    else return new Corruption(position, 'type', `unknown record type ${type}`);
    if (!codeOk) return new Corruption(position, 'code', `code ${code} is not valid for record type ${type}`);
    const length = b.readUInt32LE(at);
    if (type === L.TYPE_PADDING) {
      const expected = this.capacity - index - L.RECORD_HEADER;
      if (length !== expected) return new Corruption(position, 'length', `padding of ${length} bytes does not reach the end of the ring (${expected})`);
      return { length, type, code, correlationId: 0n, route: 0 };
    }
    const size = L.recordSize(length);
    if (length > this.maxMessageSize) return new Corruption(position, 'length', `${length} exceeds max_message_size (${this.maxMessageSize})`);
    if (index + size > this.capacity) return new Corruption(position, 'length', `record of ${size} bytes at index ${index} crosses the end of the ring`);
    if (position + size > tail) return new Corruption(position, 'length', `record of ${size} bytes runs past the published tail ${tail}`);
    if (type === L.TYPE_RESPONSE && code === L.STATUS_OK && length !== 0) {
      return new Corruption(position, 'length', `an OK response carries no payload, found ${length} bytes`);
    }
    return { length, type, code, correlationId: b.readBigUInt64LE(at + 8), route: b.readUInt32LE(at + 16) };
  }
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;
