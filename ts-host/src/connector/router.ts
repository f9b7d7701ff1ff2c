// The `next` a connector gets, as the Go Collector's connector routers: every downstream pipeline as one consumer,
// and each pipeline by its ID, for connectors that choose where data goes.
import type { Signal } from '../component';
import type { ConsumerFor } from '../consumer';
import { fanout } from '../graph/fanout';

export type Router<S extends Signal> = ConsumerFor<S> & {
  /** The IDs of the pipelines the connector feeds. */
  pipelineIDs(): string[];
  /** The named pipelines as one consumer; throws Go's `missing consumer: "<id>"` for one the connector does not feed. */
  consumer(...pipelineIDs: string[]): ConsumerFor<S>;
};

export function newRouter<S extends Signal>(signal: S, pipelines: ReadonlyMap<string, ConsumerFor<S>>): Router<S> {
  const pick = (id: string) => {
    const next = pipelines.get(id);
    if (next === undefined) throw new Error(`missing consumer: "${id}"`);
    return next;
  };
  const all: ConsumerFor<S> = Object.create(fanout(signal, [...pipelines.values()]));
  return Object.assign(all, {
    pipelineIDs: () => [...pipelines.keys()],
    consumer: (...ids: string[]) => {
      if (ids.length === 0) throw new Error('missing consumers');
      return fanout(signal, ids.map(pick));
    },
  });
}
