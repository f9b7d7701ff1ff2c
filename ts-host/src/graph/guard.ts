// The graph's guard around consumers of components from component packages: whatever such a consumer does (throw
// instead of rejecting, reject, never settle), its caller gets one answer that names the component, by the caller's
// deadline, and nothing else in the host is held up or crashed.
import type { Logger } from 'pino';
import type { Signal } from '../component';
import * as consumer from '../consumer';
import { ComponentError, PermanentError, RetryableError } from '../consumererror';
import type { PDataFor } from '../pdata';

/** Pending calls with a deadline, failed when it passes; one timer for all, armed for the earliest. */
class Deadlines {
  private readonly pending = new Set<{ deadline: number; expire: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;

  /** Calls `expire` at `deadline` unless the returned function is called first. */
  watch(deadline: number, expire: () => void): () => void {
    const entry = { deadline, expire };
    this.pending.add(entry);
    if (deadline < this.armedFor) this.arm(deadline);
    return () => this.pending.delete(entry);
  }

  private arm(at: number): void {
    clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, at - Date.now()));
    this.timer.unref();
  }

  private sweep(): void {
    this.armedFor = Infinity;
    const now = Date.now();
    let next = Infinity;
    for (const entry of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(entry);
        entry.expire();
      } else {
        next = Math.min(next, entry.deadline);
      }
    }
    if (next < Infinity) this.arm(next);
  }
}

const deadlines = new Deadlines();

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * `inner`, guarded: a synchronous throw becomes a permanent error (it is a bug in the component, and the same data
 * would hit it again), a rejection keeps its meaning (permanent or retryable) and gains the component's name, and a
 * call still pending at the caller's deadline fails as retryable.
 */
export function guardConsumer<S extends Signal>(
  signal: S, inner: consumer.ConsumerFor<S>, component: string, logger: Logger,
): consumer.ConsumerFor<S> {
  const named = (err: unknown): unknown =>
    err instanceof ComponentError || (typeof err === 'object' && err !== null && downstream.has(err)) ? err : new ComponentError(component, err);
  return consumer.newConsumer(signal, (ctx: consumer.Context, data: PDataFor<S>) => {
    let answer: Promise<void>;
    try {
      answer = Promise.resolve(consumer.consume(signal, inner, ctx, data));
    } catch (err) {
      logger.error({ error: messageOf(err) }, `${component} threw instead of answering; the request fails as permanent`);
      return Promise.reject(new ComponentError(component, new PermanentError(err)));
    }
    const guarded = answer.catch((err: unknown) => Promise.reject(named(err)));
    if (ctx.deadline === undefined) return guarded;
    const deadline = ctx.deadline;
    return new Promise<void>((resolve, reject) => {
      const unwatch = deadlines.watch(deadline, () => {
        logger.error(`${component} did not answer by the caller's deadline`);
        reject(new ComponentError(component, new RetryableError('did not answer by the caller\'s deadline')));
      });
      guarded.then(resolve, reject).finally(unwatch);
    });
  }, { capabilities: inner.capabilities() });
}

/** Errors that came from further down the pipeline, which a guard passes on unchanged rather than as its component's. */
const downstream = new WeakSet<object>();

/** `next`, with its failures marked as downstream for the guard of the component that calls it. */
export function markDownstream<S extends Signal>(signal: S, next: consumer.ConsumerFor<S>): consumer.ConsumerFor<S> {
  const marked = consumer.newConsumer(signal, (ctx: consumer.Context, data: PDataFor<S>) =>
    consumer.consume(signal, next, ctx, data).catch((err: unknown) => {
      if (typeof err === 'object' && err !== null) downstream.add(err);
      throw err;
    }), { capabilities: next.capabilities() });
  return consumer.carryEngineComponent(next, marked);
}
