// What all factories share: a type, a kind, the runtime the components live in, default config and its schema.
import type { Schema } from '../config';
import type { Kind, Runtime } from './component';
import { validateType } from './id';
import type { StabilityLevel } from './stability';

export interface Factory {
  readonly type: string;
  readonly kind: Kind;
  readonly runtime: Runtime;
  /**
   * The npm package the factory comes from, set by the distribution that registers it (see `collector.run`). Unset
   * for the host's built-in components and the engine's.
   */
  readonly package?: string;
  /** Older type names still accepted in configs; each use logs a deprecation warning. */
  readonly deprecatedTypes: readonly string[];
  createDefaultConfig(): unknown;
  /** The config's shape; decoding rejects keys it does not list. Without one, any config is accepted as is. */
  readonly configSchema?: Schema;
  /** Semantic checks after decoding (Go's `Validate() error`). */
  validateConfig?(config: unknown): void;
  /** The engine component that does this one's work, where the graph may run it instead (see `placement`). */
  readonly engineTwin?: EngineTwin;
}

/**
 * An engine component type that does the same work as a host one (`batch` and `rust_batch`): a component of the host
 * type runs as it, in the engine, when its neighbours run there and its config means the same to both.
 */
export interface EngineTwin<C = unknown> {
  readonly type: string;
  /** The twin's config for this component's decoded config, or why this config only works in the host. */
  readonly config: (config: C) => { readonly config: unknown } | { readonly hostOnly: string };
}

/** The options every kind's `newFactory` accepts besides its signals. */
export interface FactoryOptions<C> {
  readonly configSchema?: Schema;
  readonly validateConfig?: (config: C) => void;
  readonly deprecatedTypes?: readonly string[];
  readonly runtime?: Runtime;
  readonly engineTwin?: EngineTwin<C>;
}

/** Builds the common part of a factory of any kind. */
export function baseFactory<C>(kind: Kind, type: string, createDefaultConfig: () => C, options: FactoryOptions<C>): Factory {
  return {
    type: validateType(type),
    kind,
    runtime: options.runtime ?? 'typescript',
    deprecatedTypes: options.deprecatedTypes ?? [],
    createDefaultConfig,
    configSchema: options.configSchema,
    validateConfig: options.validateConfig as ((config: unknown) => void) | undefined,
    engineTwin: options.engineTwin as EngineTwin | undefined,
  };
}

/** This package: what the host's own factories (and the engine's, which ship with it) come from. */
export const HOST_PACKAGE = '@tandem/host';

/** The factory as coming from `pkg`: the same factory, with `package` set. */
export function fromPackage<F extends Factory>(pkg: string, factory: F): F {
  return Object.assign(Object.create(factory) as F, { package: pkg });
}

/** A stability level per key (signal or signal pair); missing keys are Undefined, i.e. unsupported. */
export type StabilityTable<K extends string> = Partial<Record<K, StabilityLevel>>;

/** One create function with its stability, registered for a key: a signal, or a signal pair for connectors. */
export interface Support<K extends string, F> {
  readonly key: K;
  readonly create: F;
  readonly stability: StabilityLevel;
}

/** Looks up per-key create functions; an unsupported key has Undefined stability and fails to create. */
export class SupportTable<K extends string, F> {
  private readonly byKey: ReadonlyMap<K, Support<K, F>>;

  constructor(supports: readonly Support<K, F>[]) {
    this.byKey = new Map(supports.map((support) => [support.key, support]));
  }

  stability(key: K): StabilityLevel {
    return this.byKey.get(key)?.stability ?? 0;
  }

  keys(): K[] {
    return [...this.byKey.keys()];
  }

  /** The create function for `key`, or the error Go returns for an unsupported signal. */
  creator(key: K, unsupported: () => Error): F {
    const support = this.byKey.get(key);
    if (!support) throw unsupported();
    return support.create;
  }
}
