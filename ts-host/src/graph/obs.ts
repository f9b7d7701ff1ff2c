// Counting what crosses each component, with the Go Collector's metric names, so components need not count.
import type { ID, Signal } from '../component';
import * as consumer from '../consumer';
import type { PDataFor } from '../pdata';
import type { ServiceMetrics } from '../telemetry';

/** Wraps `inner` so that every call is measured by `observe` with the item count and the outcome. */
function measured<S extends Signal>(
  signal: S,
  inner: consumer.ConsumerFor<S>,
  observe: (ctx: consumer.Context, items: number, ok: boolean) => void,
): consumer.ConsumerFor<S> {
  const observed = consumer.newConsumer(
    signal,
    async (ctx, data: PDataFor<S>) => {
      const items = data.itemCount(); // counted before the consumer owns (and may change) the data
      try {
        await consumer.consume(signal, inner, ctx, data);
      } catch (err) {
        observe(ctx, items, false);
        throw err;
      }
      observe(ctx, items, true);
    },
  );
  // Asked for on every call: a receiver's `inner` is a switch that a reload points elsewhere.
  return consumer.carryEngineComponent(inner, Object.assign(observed, { capabilities: () => inner.capabilities() }));
}

/** otelcol_receiver_accepted_* / refused_*, labelled with the receiver and the transport the data came by. */
export function observeReceiver<S extends Signal>(signal: S, next: consumer.ConsumerFor<S>, metrics: ServiceMetrics, id: ID): consumer.ConsumerFor<S> {
  const receiver = id.toString();
  return measured(signal, next, (ctx, items, ok) =>
    (ok ? metrics.receiverAccepted : metrics.receiverRefused)[signal].inc({ receiver, transport: ctx.transport ?? '' }, items),
  );
}

/** otelcol_exporter_sent_* / send_failed_*. */
export function observeExporter<S extends Signal>(signal: S, exporter: consumer.ConsumerFor<S>, metrics: ServiceMetrics, id: ID): consumer.ConsumerFor<S> {
  const labels = { exporter: id.toString() };
  return measured(signal, exporter, (_ctx, items, ok) => (ok ? metrics.exporterSent : metrics.exporterSendFailed)[signal].inc(labels, items));
}

/** otelcol_processor_incoming_items (calls into the processor) or outgoing_items (calls out of it). */
export function observeProcessor<S extends Signal>(
  signal: S, inner: consumer.ConsumerFor<S>, metrics: ServiceMetrics, id: ID, direction: 'incoming' | 'outgoing',
): consumer.ConsumerFor<S> {
  const counter = direction === 'incoming' ? metrics.processorIncoming : metrics.processorOutgoing;
  const labels = { processor: id.toString(), otel_signal: signal };
  const observed = consumer.newConsumer(
    signal,
    (ctx, data: PDataFor<S>) => {
      counter.inc(labels, data.itemCount());
      return consumer.consume(signal, inner, ctx, data);
    },
    { capabilities: inner.capabilities() },
  );
  return consumer.carryEngineComponent(inner, observed);
}
