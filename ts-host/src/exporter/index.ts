// Exporter factories: one create function and one stability level per signal, as in Go's exporter package.
// An exporter is a component and the last consumer of a pipeline; it has no next consumer.
import {
  baseFactory, Component, Factory as BaseFactory, FactoryOptions, Settings, Signal, SignalNotSupportedError,
  StabilityLevel, Support, SupportTable,
} from '../component';
import type { ConsumerFor } from '../consumer';

export type Exporter<S extends Signal> = Component & ConsumerFor<S>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory's create takes its own config type; the factory checked it against its schema
export type CreateFunc<S extends Signal> = (settings: Settings, config: any) => Promise<Exporter<S>>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the table holds every signal's create function
export type Option = Support<Signal, CreateFunc<any>>;

export interface Factory extends BaseFactory {
  readonly kind: 'exporter';
  stability(signal: Signal): StabilityLevel;
  create<S extends Signal>(signal: S, settings: Settings, config: unknown): Promise<Exporter<S>>;
}

export const withTraces = (create: CreateFunc<'traces'>, stability: StabilityLevel): Option => ({ key: 'traces', create, stability });
export const withMetrics = (create: CreateFunc<'metrics'>, stability: StabilityLevel): Option => ({ key: 'metrics', create, stability });
export const withLogs = (create: CreateFunc<'logs'>, stability: StabilityLevel): Option => ({ key: 'logs', create, stability });

export function newFactory<C>(type: string, createDefaultConfig: () => C, signals: readonly Option[], options: FactoryOptions<C> = {}): Factory {
  const table = new SupportTable(signals);
  return {
    ...baseFactory('exporter', type, createDefaultConfig, options),
    kind: 'exporter',
    stability: (signal) => table.stability(signal),
    create: async (signal, settings, config) => table.creator(signal, () => new SignalNotSupportedError())(settings, config),
  };
}
