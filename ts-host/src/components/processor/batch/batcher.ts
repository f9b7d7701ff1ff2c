// Collects data into batches by item count and time. Unlike Go's batch processor, a caller's promise settles when
// the batch holding its data has been exported, with that export's result, so errors and backpressure reach the
// receiver (see README.md).
import type { Settings, Signal } from '../../../component';
import * as consumer from '../../../consumer';
import { isPermanent } from '../../../consumererror';
import { fromProtoFor, PDataFor } from '../../../pdata';
import type { BatchConfig } from './config';
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
  private timer: NodeJS.Timeout | undefined;
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
      this.pending.push({ data, items, waiter: new Waiter(resolve, reject) });
      this.pendingItems += items;
      if (this.pendingItems >= this.config.send_batch_size || this.config.timeout === 0) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.config.timeout);
    });
  }

  /** Sends everything pending, in batches of at most send_batch_max_size items. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const max = this.config.send_batch_max_size || Infinity;
    while (this.pending.length > 0) this.send(this.takeBatch(max));
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
    void exported.finally(() => this.exports.delete(exported));
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
