// Extension factories: components outside pipelines (health checks, auth), started first and stopped last.
import { baseFactory, Component, Factory as BaseFactory, FactoryOptions, Settings, StabilityLevel } from '../component';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each factory's create takes its own config type; the factory checked it against its schema
export type CreateFunc = (settings: Settings, config: any) => Promise<Component>;

export interface Factory extends BaseFactory {
  readonly kind: 'extension';
  stability(): StabilityLevel;
  create(settings: Settings, config: unknown): Promise<Component>;
}

export function newFactory<C>(
  type: string, createDefaultConfig: () => C, create: CreateFunc, stability: StabilityLevel, options: FactoryOptions<C> = {},
): Factory {
  return { ...baseFactory('extension', type, createDefaultConfig, options), kind: 'extension', stability: () => stability, create };
}
