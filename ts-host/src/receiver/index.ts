// Receiver factories: one create function and one stability level per signal, as in Go's receiver package.
import {
  baseFactory, Component, Factory as BaseFactory, FactoryOptions, Settings, Signal, SignalNotSupportedError,
  StabilityLevel, Support, SupportTable,
} from '../component';
import type { ConsumerFor } from '../consumer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory's create takes its own config type; the factory checked it against its schema
export type CreateFunc<S extends Signal> = (settings: Settings, config: any, next: ConsumerFor<S>) => Promise<Component>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table holds every signal's create function
export type Option = Support<Signal, CreateFunc<any>>;

export interface Factory extends BaseFactory {
  readonly kind: 'receiver';
  stability(signal: Signal): StabilityLevel;
  /** Rejects with "telemetry type is not supported" for a signal the factory was not given. */
  create<S extends Signal>(signal: S, settings: Settings, config: unknown, next: ConsumerFor<S>): Promise<Component>;
}

export const withTraces = (create: CreateFunc<'traces'>, stability: StabilityLevel): Option => ({ key: 'traces', create, stability });
export const withMetrics = (create: CreateFunc<'metrics'>, stability: StabilityLevel): Option => ({ key: 'metrics', create, stability });
export const withLogs = (create: CreateFunc<'logs'>, stability: StabilityLevel): Option => ({ key: 'logs', create, stability });

export function newFactory<C>(type: string, createDefaultConfig: () => C, signals: readonly Option[], options: FactoryOptions<C> = {}): Factory {
  const table = new SupportTable(signals);
  return {
    ...baseFactory('receiver', type, createDefaultConfig, options),
    kind: 'receiver',
    stability: (signal) => table.stability(signal),
    create: async (signal, settings, config, next) => table.creator(signal, () => new SignalNotSupportedError())(settings, config, next),
  };
}
