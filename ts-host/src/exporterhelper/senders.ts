// The sender chain of an exporter, innermost first: timeout -> retry (the queue in front of them is in queue.ts).
// Each stage is a function with the same signature, so stages compose by wrapping.
import { setTimeout as sleep } from 'node:timers/promises';
import type { TelemetrySettings } from '../component';
import type { Context } from '../consumer';
import { isPermanent } from '../consumererror';
import type { RetryConfig } from './config';
import { ThrottleRetryError } from './errors';

/** Sends one request. `signal` aborts when the timeout expires. */
export type PushFunc<D> = (ctx: Context, data: D, signal: AbortSignal) => Promise<void>;
export type Send<D> = (ctx: Context, data: D) => Promise<void>;

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

const NEVER = new AbortController().signal;

/**
 * Bounds each push by `timeout` milliseconds (and by the context's deadline), aborting it when exceeded. Shutdown
 * does not abort a push in flight: as in Go, it only stops retries, so a request being sent still gets its answer.
 */
export function timeoutSender<D>(push: PushFunc<D>, timeout: number): Send<D> {
  return async (ctx, data) => {
    const limits = [timeout > 0 ? timeout : Infinity, ctx.deadline !== undefined ? ctx.deadline - Date.now() : Infinity];
    const budget = Math.min(...limits);
    if (budget === Infinity) return push(ctx, data, NEVER);
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('context deadline exceeded')), Math.max(0, budget));
    try {
      return await Promise.race([
        push({ ...ctx, deadline: Date.now() + budget }, data, controller.signal),
        new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })),
      ]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Retries non-permanent failures with exponential back-off. Once `stopping` is aborted (shutdown) no new attempt
 * starts, so that the queue drains with one attempt per request, as in Go.
 */
export function retrySender<D>(
  send: Send<D>,
  config: RetryConfig,
  stopping: AbortSignal,
  logger: TelemetrySettings['logger'],
  random: () => number = Math.random,
): Send<D> {
  if (!config.enabled) return send;
  return async (ctx, data) => {
    const started = Date.now();
    let interval = config.initial_interval;
    for (;;) {
      let err: unknown;
      try {
        return await send(ctx, data);
      } catch (caught) {
        err = caught;
      }
      if (isPermanent(err)) throw err;
      const jitter = 1 + config.randomization_factor * (2 * random() - 1);
      const delay = err instanceof ThrottleRetryError ? err.delayMs : interval * jitter;
      interval = Math.min(interval * config.multiplier, config.max_interval);
      if (config.max_elapsed_time > 0 && Date.now() - started + delay > config.max_elapsed_time) {
        throw new Error(`no more retries left: ${messageOf(err)}`);
      }
      if (ctx.deadline !== undefined && Date.now() + delay > ctx.deadline) {
        throw new Error(`request will be cancelled before next retry: ${messageOf(err)}`);
      }
      if (stopping.aborted) throw err;
      logger.info({ error: messageOf(err), interval: `${Math.round(delay)}ms` }, 'Exporting failed. Will retry the request after interval.');
      try {
        await sleep(delay, undefined, { signal: stopping });
      } catch {
        throw err; // shutting down: give up with the last error
      }
    }
  };
}
