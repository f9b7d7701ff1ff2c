// Collects data into batches by item count and time. Unlike Go's batch processor, a caller's promise settles when
// the batch holding its data has been exported, with that export's result, so errors and backpressure reach the
// receiver. So that callers are not kept waiting for `timeout`, a batch leaves as soon as nothing of this processor is
// in flight (after `linger`, 0 by default), and while an export is in flight it gathers what its callers send next
// (Nagle's algorithm; see README.md).
import type { Buffered, Settings, Signal } from '../../../component';
import * as consumer from '../../../consumer';
import { isPermanent } from '../../../consumererror';
import { fromProtoFor, PDataFor } from '../../../pdata';
import { BatchConfig, dueAt } from './config';
import { splitItems } from './split';

/** One caller's wait: its data may be split over several batches, and it settles when all of them are exported. */
class Waiter {
  private outstanding = 1;
  private error: unknown;

  constructor(private readonly resolve: () => void, private readonly reject: (err: unknown) => void) {}

  /** The caller's data was split in two, so one more export must finish. */
  split(): void {
    this.outstanding++;
  }

  partDone(error: unknown): void {
    this.error ??= error;
    if (--this.outstanding > 0) return;
    if (this.error === undefined) this.resolve();
    else this.reject(this.error);
  }
}

interface Pending<S extends Signal> {
  data: PDataFor<S>;
  items: number;
  waiter: Waiter;
}

export class Batcher<S extends Signal> {
  private pending: Pending<S>[] = [];
  private pendingItems = 0;
  /** One timer for the pending batch, never one per request: it is armed by the batch's first data and re-arms
   * itself for the remainder when data arrived after it was armed (an immediate when the batch is due at once). Held
   * as what cancels it. */
  private timer: (() => void) | undefined;
  /** Arrival times (performance.now()) of the pending batch's first and latest data. */
  private firstArrival = 0;
  private latestArrival = 0;
  /** Bumped by every flush, so that a timer armed for an earlier batch leaves a later one alone. */
  private generation = 0;
  /** The pending batch has lingered and waits for the exports in flight to end. */
  private lingered = false;
  private readonly exports = new Set<Promise<void>>();

  constructor(
    private readonly signal: S,
    private readonly config: BatchConfig,
    private readonly next: consumer.ConsumerFor<S>,
    private readonly settings: Settings,
  ) {}

  consume(_ctx: consumer.Context, data: PDataFor<S>): Promise<void> {
    const items = data.itemCount();
    if (items === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const now = performance.now();
      if (this.pending.length === 0) this.firstArrival = now;
      this.latestArrival = now;
      this.pending.push({ data, items, waiter: new Waiter(resolve, reject) });
      this.pendingItems += items;
      if (this.pendingItems >= this.config.send_batch_size || this.config.timeout === 0) this.flush();
      else this.timer ??= this.armTimer(now);
    });
  }

  private armTimer(now: number, due = dueAt(this.config, this.firstArrival, this.latestArrival)): () => void {
    const generation = this.generation;
    // Requests that came in while the event loop was busy are read before immediates run: decide once they are in,
    // so that a busy loop is not taken for a lull in the data, and a burst read at once leaves as one batch.
    const decide = () => {
      if (generation === this.generation) this.decide(performance.now()); // else sent meanwhile
    };
    // setTimeout waits 1 ms at the least: a batch due now is decided after this turn's I/O instead.
    if (due <= now) {
      const immediate = setImmediate(decide);
      return () => clearImmediate(immediate);
    }
    const timeout = setTimeout(() => setImmediate(decide), due - now);
    return () => clearTimeout(timeout);
  }

  /**
   * The timer woke: not due yet, sleep again; lingered while an export of this processor is still in flight, let
   * that export's end take the batch (its callers' next requests are what the batch is waiting for, as in Nagle's
   * algorithm), with `timeout` still the bound; else send.
   */
  private decide(at: number): void {
    const due = dueAt(this.config, this.firstArrival, this.latestArrival);
    const deadline = this.firstArrival + this.config.timeout;
    if (at < due) this.timer = this.armTimer(at, due);
    else if (this.exports.size > 0 && at < deadline) {
      this.lingered = true;
      this.timer = this.armTimer(at, deadline);
    } else this.flush();
  }

  /** Sends everything pending, in batches of at most send_batch_max_size items. */
  flush(): void {
    this.timer?.();
    this.timer = undefined;
    this.lingered = false;
    this.generation++;
    const max = this.config.send_batch_max_size || Infinity;
    while (this.pending.length > 0) this.send(this.takeBatch(max));
  }

  /** The pending batch against the size that sends it, for the live page. */
  fill(): ReturnType<Buffered['bufferFill']> {
    return { used: this.pendingItems, capacity: this.config.send_batch_size, unit: 'items' };
  }

  /** Flushes and waits for every export in flight. */
  async shutdown(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.exports]);
  }

  private takeBatch(max: number): Pending<S>[] {
    const batch: Pending<S>[] = [];
    let items = 0;
    while (this.pending.length > 0 && items < max) {
      const entry = this.pending[0];
      if (items + entry.items <= max) {
        batch.push(this.pending.shift() as Pending<S>);
        items += entry.items;
        continue;
      }
      const [head, tail] = splitItems(this.signal, entry.data, max - items);
      const headItems = max - items;
      entry.waiter.split();
      batch.push({ data: head, items: headItems, waiter: entry.waiter });
      this.pending[0] = { data: tail, items: entry.items - headItems, waiter: entry.waiter };
      items = max;
    }
    this.pendingItems -= items;
    return batch;
  }

  private send(batch: Pending<S>[]): void {
    const exported = this.export(batch);
    this.exports.add(exported);
    void exported.finally(() => {
      this.exports.delete(exported);
      if (this.exports.size === 0 && this.lingered) this.flush();
    });
  }

  /**
   * Exports a batch and settles its members. A permanent failure of a batch of several members is not passed to all
   * of them: each is exported on its own, so that only a member whose own data fails gets the failure.
   */
  private async export(batch: Pending<S>[]): Promise<void> {
    try {
      await consumer.consume(this.signal, this.next, {}, merge(this.signal, batch.map((entry) => entry.data)));
    } catch (err) {
      if (batch.length > 1 && isPermanent(err)) {
        this.settings.telemetry.logger.debug({ err: String(err), members: batch.length }, 'Batch failed permanently; exporting its members one by one');
        await Promise.all(batch.map((entry) => this.export([entry])));
        return;
      }
      this.settings.telemetry.logger.warn({ err: String(err) }, 'Sender failed');
      batch.forEach((entry) => entry.waiter.partDone(err));
      return;
    }
    batch.forEach((entry) => entry.waiter.partDone(undefined));
  }
}

/**
 * Merges requests by concatenating their encodings: protobuf appends repeated fields of concatenated messages, so
 * the result is one request holding every resource, and nothing is decoded or re-encoded.
 */
function merge<S extends Signal>(signal: S, parts: PDataFor<S>[]): PDataFor<S> {
  if (parts.length === 1) return parts[0];
  return fromProtoFor(signal, Buffer.concat(parts.map((part) => part.toProto())));
}
