// The persistent sending queue (`sending_queue.storage`): each request is appended to a record log of the storage
// extension and acknowledged once it is written and synced there; `num_consumers` pushes export from the log, oldest
// first; a request leaves the log when its export succeeds or fails for good (dropped and logged, as Go does). What
// the log holds at start-up (an earlier run crashed or stopped with a backlog) is exported first; the exporter starts
// before any receiver, so the backlog is on its way before new data arrives.
import type { Buffered, Host, Settings, Signal } from '../component';
import type { Context } from '../consumer';
import { isPermanent } from '../consumererror';
import { isStorageExtension, RecordLog, StoredRecord } from '../extension/storage';
import { fromProtoFor, PDataFor } from '../pdata';
import type { QueueConfig } from './config';
import { Capacity, Queue, queueFull } from './queue';
import { messageOf, Send } from './senders';

const sizeOf = (record: StoredRecord) => ({ items: record.items, bytes: record.size });

export class PersistentQueue<S extends Signal> implements Queue<PDataFor<S>> {
  private log: RecordLog | undefined;
  private readonly ready: StoredRecord[] = [];
  private readonly capacity: Capacity;
  private active = 0;
  private stopped = false;
  private idle: (() => void) | undefined;

  constructor(
    private readonly signal: S,
    private readonly send: Send<PDataFor<S>>,
    private readonly config: QueueConfig & { storage: string },
    private readonly settings: Settings,
    /** Aborted when the exporter shuts down: a request whose export fails then is kept for the next start. */
    private readonly stopping: AbortSignal,
  ) {
    this.capacity = new Capacity(config);
  }

  async start(host: Host): Promise<void> {
    // Go's errors for a storage ID that names no extension, or one that keeps no data.
    const extension = host.getExtensions().get(this.config.storage);
    if (!extension) throw new Error('no storage client extension found');
    if (!isStorageExtension(extension)) throw new Error('requested extension is not a storage extension');
    this.log = await extension.openLog('exporter', this.settings.id, this.signal);
    for (const record of this.log.recovered) {
      this.capacity.take(sizeOf(record));
      this.ready.push(record);
    }
    if (this.ready.length > 0) {
      const items = this.ready.reduce((sum, record) => sum + record.items, 0);
      this.settings.telemetry.logger.info({ requests: this.ready.length, items }, 'Sending the requests the persistent queue kept from the last run');
    }
    this.pump();
  }

  fill(): ReturnType<Buffered['bufferFill']> {
    return this.capacity.fill();
  }

  async offer(_ctx: Context, data: PDataFor<S>): Promise<void> {
    const log = this.log;
    if (!log || this.stopped) throw new Error('the persistent queue is not running');
    const payload = data.toProto();
    const size = { items: data.itemCount(), bytes: payload.length };
    if (!this.capacity.tryTake(size)) throw queueFull(this.settings.telemetry.logger, size.items);
    let record: StoredRecord;
    try {
      record = await log.append(payload, size.items);
    } catch (err) {
      this.capacity.give(size);
      throw err;
    }
    this.ready.push(record);
    this.pump();
  }

  /** Stops exporting; waits for the exports in flight. What is left stays in the log for the next start. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    if (this.active > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.log?.close();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.config.num_consumers && this.ready.length > 0) {
      const record = this.ready.shift() as StoredRecord;
      this.active++;
      void this.export(record).finally(() => {
        this.active--;
        this.pump();
        if (this.active === 0) this.idle?.();
      });
    }
  }

  private async export(record: StoredRecord): Promise<void> {
    const log = this.log as RecordLog;
    const logger = this.settings.telemetry.logger;
    try {
      await this.send({}, fromProtoFor(this.signal, await log.read(record)));
    } catch (err) {
      if (this.stopping.aborted && !isPermanent(err)) {
        logger.info({ error: messageOf(err), items: record.items }, 'Export interrupted by shutdown; the request stays in the persistent queue');
        return;
      }
      logger.error({ error: messageOf(err), dropped_items: record.items }, 'Exporting failed. Dropping data.');
    }
    log.release(record);
    this.capacity.give(sizeOf(record));
  }
}
