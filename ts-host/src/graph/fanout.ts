// Fan-out with the Go Collector's sharing rules: mutating consumers get private copies (the last one may get the
// original when nobody else reads it), read-only consumers share one instance marked read-only. A fan-out names its
// consumers (`FANNED_OUT`), so that an engine component feeding it fans out inside the engine.
import type { Signal } from '../component';
import { combine } from '../consumererror';
import * as consumer from '../consumer';
import type { PDataFor } from '../pdata';

/** A consumer that hands `data` to every one of `consumers`, concurrently; fails if any of them fails. */
export function fanout<S extends Signal>(signal: S, consumers: readonly consumer.ConsumerFor<S>[]): consumer.ConsumerFor<S> {
  if (consumers.length === 1 && !consumers[0].capabilities().mutatesData) return consumers[0];
  const mutable = consumers.filter((c) => c.capabilities().mutatesData);
  const readonly = consumers.filter((c) => !c.capabilities().mutatesData);
  const capabilities = {
    mutatesData: mutable.length > 0 && readonly.length === 0,
    validatesData: consumers.every((c) => c.capabilities().validatesData === true),
  };

  const fanned = consumer.newConsumer(
    signal,
    async (ctx, data) => {
      const deliveries: Promise<void>[] = [];
      mutable.forEach((next, i) => {
        const last = i === mutable.length - 1;
        // Never share one instance between a mutating consumer and any other consumer.
        const own = last && readonly.length === 0 && !data.isReadOnly() ? data : (data.clone() as PDataFor<S>);
        deliveries.push(consumer.consume(signal, next, ctx, own));
      });
      if (readonly.length > 1) data.markReadOnly();
      for (const next of readonly) deliveries.push(consumer.consume(signal, next, ctx, data));
      const failures = (await Promise.allSettled(deliveries))
        .filter((result): result is PromiseRejectedResult => result.status === 'rejected')
        .map((result) => result.reason);
      if (failures.length > 0) throw combine(failures);
    },
    { capabilities },
  );
  return Object.assign(fanned, { [consumer.FANNED_OUT]: consumers });
}
