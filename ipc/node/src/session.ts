// Requests and responses over a region's two rings (ipc/SPEC.md sections 4, 5 and 7) on Node's event loop.
//
// Senders write to the outgoing ring directly and get a promise; the doorbell socket's 'data' event drains the
// incoming ring, which settles those promises and hands the peer's requests to `onRequest`. Nothing blocks the loop:
// an idle session sleeps on the doorbell (no CPU), a busy one never rings it (no system call per message). Records
// written during one turn of the event loop are published together at its end, so a burst rings the peer once.
import net from 'node:net';
import * as L from './layout';
import type { Region } from './region';
import { Consumer, Producer, type RecordView } from './ring';

/** A failed request; `retryable` says whether sending it again may succeed. */
export class RingError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'RingError';
  }
}

export interface IncomingRequest {
  code: number;
  route: number;
  /** A copy: it stays valid after the handler returns. */
  payload: Buffer;
}

export interface SessionOptions {
  /** Answers the peer's requests: resolve for OK, reject for an error (see isPermanent). Default: refuse all. */
  onRequest?: (request: IncomingRequest) => Promise<void>;
  /** Whether a handler's rejection is PERMANENT; otherwise it is RETRYABLE, as in the Collector. */
  isPermanent?: (err: unknown) => boolean;
  peerTimeoutMs?: number;
  heartbeatIntervalMs?: number;
}

export interface SessionStats {
  requestsSent: number;
  /** Payload bytes of the requests this side wrote, and of the ones it received. */
  bytesSent: number;
  bytesReceived: number;
  /** Requests that found no slot or no ring space at once and had to wait. */
  waits: number;
  requestsReceived: number;
  responsesSent: number;
  responsesReceived: number;
  /** Responses whose request was no longer in flight (it timed out first). */
  responsesUnmatched: number;
}

interface Waiter {
  code: number;
  route: number;
  payload: Uint8Array;
  deadline: number;
  resolve: () => void;
  reject: (err: RingError) => void;
}

interface Pending {
  bytes: number;
  deadline: number;
  resolve: () => void;
  reject: (err: RingError) => void;
}

const RECORDS = Buffer.of(L.BELL_RECORDS);
const SPACE = Buffer.of(L.BELL_SPACE);
/** Records handled per turn of the event loop before yielding to other work. */
const DRAIN_BATCH = 4096;
/** How often deadlines are checked, and how long a sender waits for space before looking again unprompted. */
const SWEEP_MS = 25;

const monotonicMs = () => Number(process.hrtime.bigint() / 1_000_000n);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class Session {
  readonly stats: SessionStats = {
    requestsSent: 0,
    bytesSent: 0,
    bytesReceived: 0,
    waits: 0,
    requestsReceived: 0,
    responsesSent: 0,
    responsesReceived: 0,
    responsesUnmatched: 0,
  };
  /** Resolves with the reason once the session has ended. */
  readonly closed: Promise<string>;
  private closedReason: string | undefined;
  private resolveClosed!: (reason: string) => void;
  private readonly producer: Producer;
  private readonly consumer: Consumer;
  private readonly waiters: Waiter[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly backlog: Array<{ id: bigint; code: number; message: Buffer }> = [];
  private nextId = 1;
  private inFlightBytes = 0;
  private readonly capacity: number;
  private draining = false;
  /** Whether a publish is scheduled for the end of this turn of the loop (`publishSoon`). */
  private publishing = false;
  private readonly heartbeat: NodeJS.Timeout;
  /** Runs only while something can pass a deadline, so that an idle session costs no wake-ups but the heartbeat's. */
  private sweeper: NodeJS.Timeout | undefined;
  private peerBeat = { value: -1, seenAt: 0 };
  /** What `idle()` handed out, resolved when the last answer comes in or the session ends. */
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    readonly region: Region,
    private readonly bell: net.Socket,
    private readonly options: SessionOptions = {},
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    const outgoing = region.outgoingRing;
    this.producer = new Producer(region, outgoing);
    this.consumer = new Consumer(region, 1 - outgoing);
    this.capacity = region.capacity(outgoing);
    bell.setNoDelay?.(true);
    bell.on('data', () => this.wake());
    const peerGone = 'the peer closed the doorbell (it exited or closed the session)';
    bell.on('end', () => this.fail(peerGone));
    // A peer killed with unread doorbell bytes resets the connection instead of closing it: the same event.
    bell.on('error', (err: NodeJS.ErrnoException) =>
      this.fail(err.code === 'ECONNRESET' || err.code === 'EPIPE' ? peerGone : `doorbell failed: ${err.message}`),
    );
    bell.on('close', () => this.fail('the doorbell closed'));
    const ownBeat = region.role === 'creator' ? L.OFF_CREATOR_HEARTBEAT : L.OFF_ATTACHER_HEARTBEAT;
    const peerBeat = region.role === 'creator' ? L.OFF_ATTACHER_HEARTBEAT : L.OFF_CREATOR_HEARTBEAT;
    const beat = () => region.store64(ownBeat, monotonicMs());
    beat();
    const peerTimeout = options.peerTimeoutMs ?? 5000;
    const heartbeat = setInterval(() => {
      beat();
      const value = region.load64(peerBeat);
      if (value !== this.peerBeat.value) this.peerBeat = { value, seenAt: Date.now() };
      else if (Date.now() - this.peerBeat.seenAt > peerTimeout) this.fail(`the peer's heartbeat stood still for ${peerTimeout} ms`);
    }, options.heartbeatIntervalMs ?? 250);
    this.peerBeat = { value: region.load64(peerBeat), seenAt: Date.now() };
    heartbeat.unref();
    this.heartbeat = heartbeat;
    // Records may have been written before this side listened.
    setImmediate(() => this.wake());
  }

  get closedWith(): string | undefined {
    return this.closedReason;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /** Resolves once every request this side sent or queued has its answer, or the session has ended. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.closedReason !== undefined || (this.pending.size === 0 && this.waiters.length === 0);
  }

  /** Called wherever answers settle: wakes what `idle()` handed out once nothing is left. */
  private settleIdle(): void {
    if (this.idleWaiters.length === 0 || !this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * Sends one request and resolves when the peer answers OK (section 4). Rejects with a RingError: PERMANENT for an
   * oversized payload (at once) or the peer's permanent answer; RETRYABLE when no slot or ring space frees up before
   * `deadline` (epoch milliseconds), when the answer does not come by then, or when the session ends.
   */
  request(code: number, route: number, payload: Uint8Array, deadline: number): Promise<void> {
    const max = this.region.maxMessageSize;
    if (payload.length > max) {
      return Promise.reject(new RingError(`message of ${payload.length} bytes exceeds max_message_size (${max})`, false));
    }
    if (this.closedReason !== undefined) return Promise.reject(this.ended());
    this.sweeper ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { code, route, payload, deadline, resolve, reject };
      if (this.waiters.length > 0 || !this.tryWrite(waiter)) {
        this.stats.waits++;
        this.waiters.push(waiter);
      }
    });
  }

  /** Ends the session from this side: everything in flight fails RETRYABLE. */
  close(reason = 'closed by this side'): void {
    this.region.setState(L.STATE_CLOSED);
    this.fail(reason);
  }

  /** Writes a request if a slot, the byte budget and ring space allow; false when it must wait. */
  private tryWrite(w: Waiter): boolean {
    if (this.pending.size >= this.region.queueSize || this.inFlightBytes + w.payload.length > this.capacity) return false;
    this.flushBacklog();
    if (this.backlog.length > 0) return false;
    const id = this.nextId++;
    if (!this.producer.push(L.TYPE_REQUEST, w.code, BigInt(id), w.route, w.payload)) {
      this.nextId--;
      this.producer.prepareWait(w.payload.length);
      return false;
    }
    this.pending.set(id, { bytes: w.payload.length, deadline: w.deadline, resolve: w.resolve, reject: w.reject });
    this.inFlightBytes += w.payload.length;
    this.stats.requestsSent++;
    this.stats.bytesSent += w.payload.length;
    this.publishSoon();
    return true;
  }

  /** Admits waiting requests in order while they fit. */
  private admit(): void {
    while (this.waiters.length > 0 && this.closedReason === undefined && this.tryWrite(this.waiters[0])) this.waiters.shift();
  }

  private respond(id: bigint, code: number, message: string): void {
    if (this.closedReason !== undefined) return; // the requester went with the session
    let bytes = Buffer.from(message);
    if (bytes.length > this.region.maxMessageSize) bytes = bytes.subarray(0, this.region.maxMessageSize);
    this.backlog.push({ id, code, message: bytes });
    this.stats.responsesSent++;
    this.flushBacklog();
  }

  /** Writes queued responses in order (they never wait behind requests: section 4, rule 5). */
  private flushBacklog(): void {
    let wrote = false;
    while (this.backlog.length > 0) {
      const r = this.backlog[0];
      if (!this.producer.push(L.TYPE_RESPONSE, r.code, r.id, 0, r.message)) {
        if (this.producer.prepareWait(r.message.length)) break;
        continue;
      }
      this.backlog.shift();
      wrote = true;
    }
    if (wrote) this.publishSoon();
  }

  /**
   * Publishes what this turn of the loop wrote once its I/O callbacks have run: the requests of one socket read, the
   * responses of one drain go out with one tail store and at most one wake-up, where each used to ring on its own (a
   * doorbell write cost the host about 25 CPU-us per request in bench:crossing's profile).
   */
  private publishSoon(): void {
    if (this.publishing) return;
    this.publishing = true;
    setImmediate(() => {
      this.publishing = false;
      if (this.closedReason === undefined && this.producer.publish()) this.bell.write(RECORDS);
    });
  }

  /** The doorbell rang (or might have): drain the incoming ring, then let waiting senders in. */
  private wake(): void {
    if (this.draining || this.closedReason !== undefined) return;
    this.draining = true;
    try {
      this.drain();
    } finally {
      this.draining = false;
    }
  }

  private drain(): void {
    for (;;) {
      const { delivered, corruption, wakeProducer } = this.consumer.poll((r) => this.deliver(r), DRAIN_BATCH);
      if (wakeProducer) this.bell.write(SPACE);
      if (corruption) {
        this.region.setState(L.STATE_FAILED);
        this.fail(corruption.message);
        return;
      }
      this.flushBacklog();
      this.admit();
      this.settleIdle();
      if (delivered === DRAIN_BATCH) {
        setImmediate(() => this.wake()); // more to do: yield to the rest of the loop first
        return;
      }
      if (delivered === 0) {
        // Nothing new: announce the sleep; the producer then rings for the next record.
        if (this.consumer.prepareSleep()) return;
      }
    }
  }

  private deliver(r: RecordView): void {
    const { header } = r;
    if (header.type === L.TYPE_REQUEST) {
      this.stats.requestsReceived++;
      this.stats.bytesReceived += r.payload.length;
      const request = { code: header.code, route: header.route, payload: Buffer.from(r.payload) };
      const id = header.correlationId;
      const handle = this.options.onRequest ?? (() => Promise.reject(new Error(`no handler for route ${header.route}`)));
      let answer: Promise<void>;
      try {
        answer = handle(request);
      } catch (err) {
        answer = Promise.reject(err);
      }
      answer.then(
        () => this.respond(id, L.STATUS_OK, ''),
        (err) => this.respond(id, this.options.isPermanent?.(err) ? L.STATUS_PERMANENT : L.STATUS_RETRYABLE, messageOf(err)),
      );
      return;
    }
    const id = Number(header.correlationId);
    const p = this.pending.get(id);
    if (!p) {
      this.stats.responsesUnmatched++;
      return;
    }
    this.pending.delete(id);
    this.inFlightBytes -= p.bytes;
    this.stats.responsesReceived++;
    if (header.code === L.STATUS_OK) p.resolve();
    else p.reject(new RingError(r.payload.toString('utf8'), header.code === L.STATUS_RETRYABLE));
  }

  /** Fails what passed its deadline, and retries waiting senders in case a space wake-up was missed. */
  private sweep(): void {
    const now = Date.now();
    for (let i = 0; i < this.waiters.length; ) {
      const w = this.waiters[i];
      if (w.deadline > now) {
        i++;
        continue;
      }
      this.waiters.splice(i, 1);
      const bound =
        this.pending.size >= this.region.queueSize
          ? `a request slot (queue_size ${this.region.queueSize} in flight)`
          : this.inFlightBytes + w.payload.length > this.capacity
            ? 'ring capacity (too many request bytes in flight)'
            : `ring space for ${w.payload.length} bytes`;
      w.reject(new RingError(`deadline exceeded waiting for ${bound}`, true));
    }
    for (const [id, p] of this.pending) {
      if (p.deadline > now) continue;
      this.pending.delete(id);
      this.inFlightBytes -= p.bytes;
      p.reject(new RingError("deadline exceeded waiting for the peer's answer", true));
    }
    if (this.waiters.length > 0 || this.backlog.length > 0) this.wake();
    else if (this.pending.size === 0) this.stopSweeper();
    this.settleIdle();
  }

  private stopSweeper(): void {
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  private ended(): RingError {
    return new RingError(`ring session ended: ${this.closedReason ?? 'closed'}`, true);
  }

  /** Ends the session: every request in flight or waiting fails RETRYABLE with the cause (section 7). */
  private fail(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    clearInterval(this.heartbeat);
    this.stopSweeper();
    const err = this.ended();
    for (const p of this.pending.values()) p.reject(err);
    for (const w of this.waiters) w.reject(err);
    this.pending.clear();
    this.waiters.length = 0;
    this.backlog.length = 0;
    this.bell.destroy();
    this.settleIdle();
    this.resolveClosed(reason);
  }
}
