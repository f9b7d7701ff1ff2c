// Consumers that cross into the engine: a host consumer of one signal whose data is written into the engine's ring on
// a route the engine serves. The engine's answer settles it: OK, or the matching consumererror. Data that was never
// decoded or changed crosses as the bytes it arrived as. A request larger than the ring's max_message_size crosses
// in parts cut at resource, scope and item boundaries; one whose single item is larger is refused as too large
// (413 / RESOURCE_EXHAUSTED at the receiver), never failed as if the data were wrong. Data need not be checked before
// it crosses: the engine checks it in Rust, so a receiver feeding only crossings leaves its wire walk to the engine.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { layout, RingError } from '@tandem/ipc';
import type { Signal } from '../component';
import { newConsumer, type ConsumerFor } from '../consumer';
import { combine, PermanentError, RetryableError, StatusError } from '../consumererror';
import { UnsplittableError } from '../pdata';
import type { Engine } from './engine';

const SIGNAL_CODE: Readonly<Record<Signal, number>> = {
  traces: layout.SIGNAL_TRACES,
  metrics: layout.SIGNAL_METRICS,
  logs: layout.SIGNAL_LOGS,
};

/** Without a deadline from the caller, a request may wait this long; a dead or hung engine fails it sooner. */
const NO_DEADLINE_MS = 5 * 60_000;

export function engineConsumer<S extends Signal>(engine: Engine, signal: S, route: number): ConsumerFor<S> {
  const send = async (payload: Uint8Array, deadline: number) => {
    try {
      await engine.send(SIGNAL_CODE[signal], route, payload, deadline);
    } catch (err) {
      if (!(err instanceof RingError)) throw err;
      throw err.retryable ? new RetryableError(`engine: ${err.message}`, err) : new PermanentError(new Error(`engine: ${err.message}`));
    }
  };
  return newConsumer(signal, async (ctx, data) => {
    const deadline = ctx.deadline ?? Date.now() + NO_DEADLINE_MS;
    const limit = engine.maxMessageSize;
    let parts;
    try {
      parts = data.splitBySize(limit);
    } catch (err) {
      if (!(err instanceof UnsplittableError)) throw err;
      const message = `request too large to cross into the engine: ${err.message} (runtime::rust::ipc::max_message_size)`;
      throw new StatusError(message, { http: 413, grpc: GrpcStatus.RESOURCE_EXHAUSTED });
    }
    if (parts.length === 1) return send(parts[0].toProto(), deadline);
    const failures = (await Promise.allSettled(parts.map((part) => send(part.toProto(), deadline)))).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (failures.length > 0) throw combine(failures);
  }, { capabilities: CROSSING });
}

/** The engine checks each request at its ring ingress and refuses a malformed one permanently. */
const CROSSING = Object.freeze({ mutatesData: false, validatesData: true });
