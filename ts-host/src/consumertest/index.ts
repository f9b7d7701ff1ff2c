// Consumers for tests, as Go's consumertest: a sink that records what it gets, one that accepts and drops everything,
// and one that fails every call.
import type { Signal } from '../component';
import type * as consumer from '../consumer';
import type { PDataFor } from '../pdata';

const NOT_MUTATING: consumer.Capabilities = Object.freeze({ mutatesData: false });

type AllSignals = consumer.Traces & consumer.Metrics & consumer.Logs;

interface Waiter {
  readonly count: number;
  readonly resolve: () => void;
}

/** Records every request it consumes, with its context; answers success. */
export class Sink<S extends Signal> implements AllSignals {
  private readonly received: PDataFor<S>[] = [];
  private readonly receivedContexts: consumer.Context[] = [];
  private waiters: Waiter[] = [];
  private items = 0;

  constructor(readonly signal: S) {}

  capabilities(): consumer.Capabilities {
    return NOT_MUTATING;
  }

  private async record(ctx: consumer.Context, data: PDataFor<Signal>): Promise<void> {
    if (data.signal !== this.signal) throw new Error(`a ${this.signal} sink was given ${data.signal}`);
    this.received.push(data as PDataFor<S>);
    this.receivedContexts.push(ctx);
    this.items += data.itemCount();
    this.waiters = this.waiters.filter((waiter) => {
      if (this.items < waiter.count) return true;
      waiter.resolve();
      return false;
    });
  }

  consumeTraces(ctx: consumer.Context, td: PDataFor<'traces'>): Promise<void> {
    return this.record(ctx, td);
  }
  consumeMetrics(ctx: consumer.Context, md: PDataFor<'metrics'>): Promise<void> {
    return this.record(ctx, md);
  }
  consumeLogs(ctx: consumer.Context, ld: PDataFor<'logs'>): Promise<void> {
    return this.record(ctx, ld);
  }

  /** Every request in arrival order. */
  all(): readonly PDataFor<S>[] {
    return this.received;
  }

  /** The context of each request, in the same order. */
  contexts(): readonly consumer.Context[] {
    return this.receivedContexts;
  }

  /** Spans, data points or log records received so far. */
  itemCount(): number {
    return this.items;
  }

  reset(): void {
    this.received.length = 0;
    this.receivedContexts.length = 0;
    this.items = 0;
  }

  /** Resolves once at least `count` items arrived; rejects after `timeoutMs` saying how many did. */
  waitForItems(count: number, timeoutMs = 5000): Promise<void> {
    if (this.items >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.resolve !== done);
        reject(new Error(`the ${this.signal} sink got ${this.items} items in ${timeoutMs}ms, expected ${count}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ count, resolve: done });
    });
  }
}

export const newTracesSink = (): Sink<'traces'> => new Sink('traces');
export const newMetricsSink = (): Sink<'metrics'> => new Sink('metrics');
export const newLogsSink = (): Sink<'logs'> => new Sink('logs');

/** Accepts and drops everything, for every signal. */
export function newNop(): AllSignals {
  const accept = async () => {};
  return { capabilities: () => NOT_MUTATING, consumeTraces: accept, consumeMetrics: accept, consumeLogs: accept };
}

/** Fails every call with `err`, for every signal. */
export function newErr(err: unknown): AllSignals {
  const fail = () => Promise.reject(err);
  return { capabilities: () => NOT_MUTATING, consumeTraces: fail, consumeMetrics: fail, consumeLogs: fail };
}
