// Builds processors the way Go's processorhelper does: the component supplies a function that turns the incoming
// data into the outgoing data, and the helper forwards the result to the next consumer.
import { type Component, type Host, type Settings, type Signal, withLifecycle } from '../component';
import * as consumer from '../consumer';
import type { PDataFor } from '../pdata';

/** Thrown by a process function to drop the data silently: the caller sees success. */
export const ErrSkipProcessingData: Error = new Error('sentinel error to skip processing data from the remainder of the pipeline');

/** Returns the data to pass on (the input, changed or not, or new data); may be async. */
export type ProcessFunc<S extends Signal> = (ctx: consumer.Context, data: PDataFor<S>) => PDataFor<S> | Promise<PDataFor<S>>;

export { withLifecycle };

export interface Options {
  /** Defaults to `{ mutatesData: false }`; a processor that changes its input in place must say so. */
  capabilities?: consumer.Capabilities;
  start?: (host: Host) => Promise<void>;
  shutdown?: () => Promise<void>;
}

export type Processor<S extends Signal> = Component & consumer.ConsumerFor<S>;

export function newProcessor<S extends Signal>(
  signal: S,
  _settings: Settings,
  _config: unknown,
  next: consumer.ConsumerFor<S>,
  process: ProcessFunc<S>,
  options: Options = {},
): Processor<S> {
  const consume = async (ctx: consumer.Context, data: PDataFor<S>): Promise<void> => {
    let out: PDataFor<S>;
    try {
      out = await process(ctx, data);
    } catch (err) {
      if (err === ErrSkipProcessingData) return;
      throw err;
    }
    await consumer.consume(signal, next, ctx, out);
  };
  const processor = consumer.newConsumer(signal, consume, { capabilities: options.capabilities });
  return withLifecycle(processor, options.start, options.shutdown);
}

export const newTraces = (settings: Settings, config: unknown, next: consumer.Traces, process: ProcessFunc<'traces'>, options?: Options) =>
  newProcessor('traces', settings, config, next, process, options);
export const newMetrics = (settings: Settings, config: unknown, next: consumer.Metrics, process: ProcessFunc<'metrics'>, options?: Options) =>
  newProcessor('metrics', settings, config, next, process, options);
export const newLogs = (settings: Settings, config: unknown, next: consumer.Logs, process: ProcessFunc<'logs'>, options?: Options) =>
  newProcessor('logs', settings, config, next, process, options);
