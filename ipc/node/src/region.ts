// The shared region (ipc/SPEC.md sections 2 and 6): creating it (anonymous or by name), attaching to it, and checking
// the identity block before anything else is trusted. Shared words are read and written with Atomics on views of the
// one external ArrayBuffer the addon maps; Atomics are sequentially consistent, which covers every ordering the spec
// asks for (acquire, release, relaxed) at the cost of an implicit fence.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as L from './layout';
import { native } from './native';

export interface RegionOptions {
  ring0Capacity: number;
  ring1Capacity: number;
  maxMessageSize: number;
  queueSize: number;
}

export type Role = 'creator' | 'attacher';

/** Both rings of `bufferSize` bytes (rounded up to a power of two), as `runtime.rust.ipc` configures them. */
export function symmetricOptions(bufferSize: number, maxMessageSize: number, queueSize: number): RegionOptions {
  const capacity = 2 ** Math.ceil(Math.log2(Math.max(bufferSize, L.MIN_CAPACITY)));
  return { ring0Capacity: capacity, ring1Capacity: capacity, maxMessageSize, queueSize };
}

/** Why `options` cannot make a valid region, or undefined. */
export function optionsProblem(o: RegionOptions): string | undefined {
  for (const [name, c] of [['ring0_capacity', o.ring0Capacity], ['ring1_capacity', o.ring1Capacity]] as const) {
    if (!Number.isInteger(Math.log2(c)) || c < L.MIN_CAPACITY) return `${name} ${c} must be a power of two of at least ${L.MIN_CAPACITY}`;
  }
  const limit = Math.min(o.ring0Capacity, o.ring1Capacity) / 2 - L.RECORD_HEADER;
  if (!(o.maxMessageSize >= 32 && o.maxMessageSize <= limit)) {
    return `max_message_size ${o.maxMessageSize} must be between 32 and ${limit} (half the smaller ring minus a record header)`;
  }
  if (!(o.queueSize >= 1)) return 'queue_size must be at least 1';
  return undefined;
}

export class Region {
  readonly bytes: Buffer;
  private readonly view: DataView;
  private readonly words64: BigInt64Array;
  private readonly words32: Int32Array;
  private closed = false;

  private constructor(
    readonly buffer: ArrayBuffer,
    readonly fd: number,
    readonly role: Role,
    readonly path: string | undefined,
  ) {
    this.bytes = Buffer.from(buffer);
    this.view = new DataView(buffer);
    this.words64 = new BigInt64Array(buffer, 0, L.HEADER_SIZE / 8);
    this.words32 = new Int32Array(buffer, 0, L.HEADER_SIZE / 4);
  }

  /** An anonymous region (memfd) for a child that inherits the descriptor (section 6.1). */
  static createAnonymous(options: RegionOptions): Region {
    check(options);
    const fd = native.memfdCreate('tandem-ring');
    return Region.initialize(fd, options, undefined);
  }

  /** A region found by name under `dir` (section 6.2): `NAME.ring`, mode 0600, locked for as long as it lives. */
  static createNamed(dir: string, name: string, options: RegionOptions): Region {
    check(options);
    const file = path.join(dir, `${name}.ring`);
    replaceStale(file);
    const tmp = `${file}.tmp`;
    fs.rmSync(tmp, { force: true });
    const fd = fs.openSync(tmp, 'wx+', 0o600);
    native.flock(fd, false);
    const region = Region.initialize(fd, options, file);
    fs.renameSync(tmp, file);
    return region;
  }

  private static initialize(fd: number, o: RegionOptions, file: string | undefined): Region {
    const size = L.HEADER_SIZE + o.ring0Capacity + o.ring1Capacity;
    fs.ftruncateSync(fd, size);
    const region = new Region(native.map(fd), fd, 'creator', file);
    const v = region.view;
    let epoch = 0n;
    while (epoch === 0n) epoch = randomBytes(8).readBigUInt64LE();
    // The file is fresh (zeroed): only the identity block is written, with plain stores published by `state`.
    v.setBigUint64(L.OFF_MAGIC, L.MAGIC, true);
    v.setUint32(L.OFF_LAYOUT_VERSION, L.LAYOUT_VERSION, true);
    v.setUint32(L.OFF_HEADER_SIZE, L.HEADER_SIZE, true);
    v.setBigUint64(L.OFF_EPOCH, epoch, true);
    v.setBigUint64(L.OFF_REGION_SIZE, BigInt(size), true);
    v.setBigUint64(L.OFF_RING0_OFFSET, BigInt(L.HEADER_SIZE), true);
    v.setBigUint64(L.OFF_RING0_CAPACITY, BigInt(o.ring0Capacity), true);
    v.setBigUint64(L.OFF_RING1_OFFSET, BigInt(L.HEADER_SIZE + o.ring0Capacity), true);
    v.setBigUint64(L.OFF_RING1_CAPACITY, BigInt(o.ring1Capacity), true);
    v.setUint32(L.OFF_MAX_MESSAGE_SIZE, o.maxMessageSize, true);
    v.setUint32(L.OFF_QUEUE_SIZE, o.queueSize, true);
    v.setUint32(L.OFF_CREATOR_PID, process.pid, true);
    // Release (seq-cst here): readiness is written last and publishes the identity block.
    region.store32(L.OFF_STATE, L.STATE_READY);
    return region;
  }

  /** Maps a region from a descriptor (section 6.1, the child's side), checking it first. */
  static attachFd(fd: number): Region {
    const region = new Region(native.map(fd), fd, 'attacher', undefined);
    try {
      region.checkIdentity();
    } catch (err) {
      native.unmap(region.buffer);
      throw err;
    }
    // Release: tells the creator an attacher mapped the region.
    region.store32(L.OFF_ATTACHER_PID, process.pid);
    return region;
  }

  /** Maps the region at `file` (section 6.2, step 2). */
  static attachPath(file: string): Region {
    return Region.attachFd(fs.openSync(file, 'r+'));
  }

  private checkIdentity(): void {
    const fail = (field: string, why: string) => {
      throw new Error(`ring region refused: ${field}: ${why}`);
    };
    if (this.buffer.byteLength < L.HEADER_SIZE) fail('region_size', `${this.buffer.byteLength} bytes is smaller than the header`);
    // Acquire: pairs with the creator's release of READY.
    const state = this.load32(L.OFF_STATE);
    if (state !== L.STATE_READY) fail('state', `${state} is not READY (1)`);
    const v = this.view;
    if (v.getBigUint64(L.OFF_MAGIC, true) !== L.MAGIC) fail('magic', 'not a Tandem ring');
    const version = v.getUint32(L.OFF_LAYOUT_VERSION, true);
    if (version !== L.LAYOUT_VERSION) fail('layout_version', `the region has layout ${version}, this side implements ${L.LAYOUT_VERSION}`);
    if (v.getUint32(L.OFF_HEADER_SIZE, true) !== L.HEADER_SIZE) fail('header_size', `must be ${L.HEADER_SIZE}`);
    if (v.getUint32(L.OFF_FEATURES, true) !== 0) fail('features', `unknown feature bits ${v.getUint32(L.OFF_FEATURES, true)}`);
    if (this.epoch === 0n) fail('epoch', 'must not be zero');
    const problem = optionsProblem({
      ring0Capacity: this.capacity(0),
      ring1Capacity: this.capacity(1),
      maxMessageSize: this.maxMessageSize,
      queueSize: this.queueSize,
    });
    if (problem) throw new Error(`ring region refused: ${problem}`);
    const c0 = this.capacity(0);
    if (Number(v.getBigUint64(L.OFF_RING0_OFFSET, true)) !== L.HEADER_SIZE || Number(v.getBigUint64(L.OFF_RING1_OFFSET, true)) !== L.HEADER_SIZE + c0) {
      fail('ring0_offset', 'ring offsets do not follow the header');
    }
    const expected = L.HEADER_SIZE + c0 + this.capacity(1);
    const declared = Number(v.getBigUint64(L.OFF_REGION_SIZE, true));
    if (declared !== expected || this.buffer.byteLength !== expected) {
      fail('region_size', `header says ${declared}, mapped ${this.buffer.byteLength}, rings need ${expected}`);
    }
  }

  get epoch(): bigint {
    return this.view.getBigUint64(L.OFF_EPOCH, true);
  }
  get epochTag(): number {
    return this.view.getUint32(L.OFF_EPOCH, true);
  }
  capacity(ring: number): number {
    return Number(this.view.getBigUint64(ring === 0 ? L.OFF_RING0_CAPACITY : L.OFF_RING1_CAPACITY, true));
  }
  /** Byte offset of a ring's data area within the region. */
  ringOffset(ring: number): number {
    return ring === 0 ? L.HEADER_SIZE : L.HEADER_SIZE + this.capacity(0);
  }
  get maxMessageSize(): number {
    return this.view.getUint32(L.OFF_MAX_MESSAGE_SIZE, true);
  }
  get queueSize(): number {
    return this.view.getUint32(L.OFF_QUEUE_SIZE, true);
  }
  /** The ring this side produces into; it consumes the other one. */
  get outgoingRing(): number {
    return this.role === 'creator' ? 0 : 1;
  }
  get state(): number {
    return this.load32(L.OFF_STATE);
  }

  load64(offset: number): number {
    return Number(Atomics.load(this.words64, offset / 8));
  }
  store64(offset: number, value: number): void {
    Atomics.store(this.words64, offset / 8, BigInt(value));
  }
  load32(offset: number): number {
    return Atomics.load(this.words32, offset / 4);
  }
  store32(offset: number, value: number): void {
    Atomics.store(this.words32, offset / 4, value);
  }
  exchange32(offset: number, value: number): number {
    return Atomics.exchange(this.words32, offset / 4, value);
  }

  /** Marks the session over (creator only): CLOSED on a clean close, FAILED on corruption. */
  setState(state: number): void {
    if (this.role === 'creator' && !this.closed) this.store32(L.OFF_STATE, state);
  }

  /** Unmaps the region and closes its descriptor; a named creator also removes its files (section 6.2, step 4). */
  close(): void {
    if (this.closed) return;
    if (this.role === 'creator' && this.state === L.STATE_READY) this.setState(L.STATE_CLOSED);
    this.closed = true;
    if (this.role === 'creator' && this.path) {
      fs.rmSync(this.path, { force: true });
      fs.rmSync(bellPath(this.path), { force: true });
    }
    native.unmap(this.buffer);
    fs.closeSync(this.fd);
  }
}

/** The doorbell socket next to a named region. */
export const bellPath = (regionFile: string) => regionFile.replace(/\.ring$/, '.bell');

function check(options: RegionOptions): void {
  const problem = optionsProblem(options);
  if (problem) throw new Error(`invalid ring options: ${problem}`);
}

/**
 * Section 6.2 step 3: a region whose lock nobody holds was left by a dead creator and is removed; a locked one belongs
 * to a live creator and is an error.
 */
function replaceStale(file: string): void {
  if (removeIfStale(file) === 'live') {
    const pid = Buffer.alloc(4);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, pid, 0, 4, L.OFF_CREATOR_PID);
    } finally {
      fs.closeSync(fd);
    }
    throw new Error(`ring region ${file} is in use by a live creator (pid ${pid.readUInt32LE(0)})`);
  }
}

/** Removes a region file (and its doorbell socket) whose creator's lock nobody holds. */
function removeIfStale(file: string): 'absent' | 'live' | 'removed' {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw err;
  }
  try {
    if (!native.flock(fd, true)) return 'live';
    fs.rmSync(file, { force: true });
    fs.rmSync(bellPath(file), { force: true });
    return 'removed';
  } finally {
    fs.closeSync(fd);
  }
}

/** How Tandem's hosts name their regions under `shm_dir`: `tandem-<pid>-<core>.ring`. */
const HOST_REGION = /^tandem-\d+-\d+\.ring$/;

/**
 * Removes the regions of hosts that are gone from `dir` (section 6.2 step 3 applied to every host's files, so that a
 * killed host's files do not outlive it); returns the files removed. Regions of live creators are left alone.
 */
export function reclaimStaleRegions(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names.filter((n) => HOST_REGION.test(n))) {
    const file = path.join(dir, name);
    if (removeIfStale(file) === 'removed') removed.push(file);
  }
  return removed;
}
