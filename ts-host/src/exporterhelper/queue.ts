// The sending queue in front of an exporter's retry and timeout: bounded by `queue_size` (counted by `sizer`) and by
// `queue_size_bytes`, drained by `num_consumers` concurrent pushes. In memory here; kept in a storage extension in
// persistent_queue.ts.
import type { Buffered, Host, TelemetrySettings } from '../component';
import type { Context } from '../consumer';
import type { QueueConfig } from './config';
import { ERR_QUEUE_IS_FULL } from './errors';
import { messageOf, Send } from './senders';

/** What one request takes of a queue. */
export interface Size {
  readonly items: number;
  readonly bytes: number;
}

export interface Queue<D> {
  /** Resolves once the request is safe: exported, or kept by durable storage (see QueueConfig.wait_for_result). */
  offer(ctx: Context, data: D): Promise<void>;
  start(host: Host): Promise<void>;
  /** Runs after retrying has stopped; what is queued is sent once (in memory) or kept for the next start (storage). */
  shutdown(): Promise<void>;
  /** How full the queue is, in its sizer's unit. */
  fill(): ReturnType<Buffered['bufferFill']>;
}

/**
 * A queue's bounds. A request that would take the queue past either is refused, except into an empty queue, so that
 * a request larger than the bounds is not refused forever.
 */
export class Capacity {
  private requests = 0;
  private used = 0;
  private bytes = 0;

  constructor(private readonly config: Pick<QueueConfig, 'queue_size' | 'sizer' | 'queue_size_bytes'>) {}

  private measure(size: Size): number {
    if (this.config.sizer === 'items') return size.items;
    if (this.config.sizer === 'bytes') return size.bytes;
    return 1;
  }

  tryTake(size: Size): boolean {
    const amount = this.measure(size);
    const fits = this.used + amount <= this.config.queue_size && this.bytes + size.bytes <= this.config.queue_size_bytes;
    if (!fits && this.requests > 0) return false;
    this.take(size);
    return true;
  }

  /** Takes without checking: what a persistent queue recovered is kept whatever the bounds are now. */
  take(size: Size): void {
    this.requests++;
    this.used += this.measure(size);
    this.bytes += size.bytes;
  }

  give(size: Size): void {
    this.requests--;
    this.used -= this.measure(size);
    this.bytes -= size.bytes;
  }

  /** How much is held against `queue_size`, in the sizer's unit. */
  fill(): ReturnType<Buffered['bufferFill']> {
    return { used: this.used, capacity: this.config.queue_size, unit: this.config.sizer };
  }
}

/** The refusal of a full queue, logged as Go logs it. */
export function queueFull(logger: TelemetrySettings['logger'], items: number): Error {
  logger.warn({ rejected_items: items }, 'Exporting failed. Rejecting data.');
  return new Error(ERR_QUEUE_IS_FULL);
}

interface Queued<D> {
  ctx: Context;
  data: D;
  size: Size;
  done?: { resolve: () => void; reject: (err: unknown) => void };
}

/**
 * The in-memory queue. Unless `wait_for_result` is false, a caller waits for its request's export: memory is not
 * safe, so it is not where a request is acknowledged.
 */
export class MemoryQueue<D> implements Queue<D> {
  private readonly items: Queued<D>[] = [];
  private readonly capacity: Capacity;
  private active = 0;
  private idle: (() => void) | undefined;

  constructor(
    private readonly send: Send<D>,
    private readonly config: QueueConfig,
    private readonly logger: TelemetrySettings['logger'],
    private readonly sizeOf: (data: D) => Size,
  ) {
    this.capacity = new Capacity(config);
  }

  async start(): Promise<void> {}

  fill(): ReturnType<Buffered['bufferFill']> {
    return this.capacity.fill();
  }

  offer(ctx: Context, data: D): Promise<void> {
    const size = this.sizeOf(data);
    if (!this.capacity.tryTake(size)) return Promise.reject(queueFull(this.logger, size.items));
    if (this.config.wait_for_result === false) {
      this.items.push({ ctx, data, size });
      this.pump();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.items.push({ ctx, data, size, done: { resolve, reject } });
      this.pump();
    });
  }

  /** Resolves once every queued and running request has finished. */
  async shutdown(): Promise<void> {
    if (this.items.length === 0 && this.active === 0) return;
    await new Promise<void>((resolve) => (this.idle = resolve));
  }

  private pump(): void {
    while (this.active < this.config.num_consumers && this.items.length > 0) {
      const item = this.items.shift() as Queued<D>;
      this.active++;
      this.send(item.ctx, item.data).then(
        () => item.done?.resolve(),
        (err: unknown) => {
          if (item.done) return item.done.reject(err);
          this.logger.error({ error: messageOf(err), dropped_items: item.size.items }, 'Exporting failed. Dropping data.');
        },
      ).finally(() => {
        this.active--;
        this.capacity.give(item.size);
        this.pump();
        if (this.active === 0 && this.items.length === 0) this.idle?.();
      });
    }
  }
}
