// Consumers that cross into the engine: a host consumer of one signal whose data is written into the engine's ring on
// a route the engine serves. The engine's answer settles it: OK, or the matching consumererror. Data that was never
// decoded or changed crosses as the bytes it arrived as.
import { layout, RingError } from '@tandem/ipc';
import type { Signal } from '../component';
import { newConsumer, type ConsumerFor } from '../consumer';
import { PermanentError, RetryableError } from '../consumererror';
import type { Engine } from './engine';

const SIGNAL_CODE: Readonly<Record<Signal, number>> = {
  traces: layout.SIGNAL_TRACES,
  metrics: layout.SIGNAL_METRICS,
  logs: layout.SIGNAL_LOGS,
};

/** Without a deadline from the caller, a request may wait this long; a dead or hung engine fails it sooner. */
const NO_DEADLINE_MS = 5 * 60_000;

export function engineConsumer<S extends Signal>(engine: Engine, signal: S, route: number): ConsumerFor<S> {
  return newConsumer(signal, async (ctx, data) => {
    try {
      await engine.send(SIGNAL_CODE[signal], route, data.toProto(), ctx.deadline ?? Date.now() + NO_DEADLINE_MS);
    } catch (err) {
      if (!(err instanceof RingError)) throw err;
      throw err.retryable ? new RetryableError(`engine: ${err.message}`, err) : new PermanentError(new Error(`engine: ${err.message}`));
    }
  });
}
