// Connector factories: an exporter in one pipeline and a receiver in another, with one create function and one
// stability level per (from, to) signal pair, as in Go's connector package.
import {
  baseFactory, Component, Factory as BaseFactory, FactoryOptions, Settings, Signal, StabilityLevel, Support,
  SupportTable,
} from '../component';
import type { ConsumerFor } from '../consumer';
import type { Router } from './router';

export { newRouter, type Router } from './router';

export type Pair = `${Signal}->${Signal}`;
export const pair = (from: Signal, to: Signal): Pair => `${from}->${to}`;

export type Connector<From extends Signal> = Component & ConsumerFor<From>;
export type CreateFunc<From extends Signal, To extends Signal> = (
  settings: Settings,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory's create takes its own config type; the factory checked it against its schema
  config: any,
  next: Router<To>,
) => Promise<Connector<From>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table holds every signal's create function pair's create function
export type Option = Support<Pair, CreateFunc<any, any>>;

export interface Factory extends BaseFactory {
  readonly kind: 'connector';
  stability(from: Signal, to: Signal): StabilityLevel;
  /** Every supported pair, for listings and for checking connector uses. */
  pairs(): Array<[Signal, Signal]>;
  create<From extends Signal, To extends Signal>(
    from: From, to: To, settings: Settings, config: unknown, next: Router<To>,
  ): Promise<Connector<From>>;
}

/** Go's `WithTracesToMetrics(...)` and its eight siblings, as one function of the pair. */
export function withPair<From extends Signal, To extends Signal>(
  from: From, to: To, create: CreateFunc<From, To>, stability: StabilityLevel,
): Option {
  return { key: pair(from, to), create, stability };
}

export function newFactory<C>(type: string, createDefaultConfig: () => C, pairs: readonly Option[], options: FactoryOptions<C> = {}): Factory {
  const table = new SupportTable(pairs);
  return {
    ...baseFactory('connector', type, createDefaultConfig, options),
    kind: 'connector',
    stability: (from, to) => table.stability(pair(from, to)),
    pairs: () => table.keys().map((key) => key.split('->') as [Signal, Signal]),
    create: async (from, to, settings, config, next) =>
      table.creator(pair(from, to), () =>
        new Error(`connector "${settings.id}" cannot connect from ${from} to ${to}: telemetry type is not supported`),
      )(settings, config, next),
  };
}
