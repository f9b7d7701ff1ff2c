// Consumers: what receives telemetry. A promise that resolves means the data was accepted downstream; one that
// rejects carries the consumererror that says whether the sender may retry. After the promise settles the data
// belongs to the consumer: the caller must not touch it again.
import type { Signal } from '../component';
import type * as pdata from '../pdata';

export interface Capabilities {
  /** True when the consumer changes the data it is given; fan-out then hands it a private copy. */
  readonly mutatesData: boolean;
  /**
   * True when the consumer itself refuses data that is not well-formed OTLP, before anything reads it (the engine's
   * ring ingress checks every request in Rust). A receiver whose pipelines all start with such a consumer hands
   * requests on unchecked and checks one only when it is refused, for the error it answers with.
   */
  readonly validatesData?: boolean;
}

/** Request-scoped values that travel with the data (Go's context.Context). */
export interface Context {
  /** Epoch milliseconds after which the sender no longer waits. */
  readonly deadline?: number;
  /** Client metadata, such as gRPC metadata or HTTP headers, keyed in lower case. */
  readonly metadata?: Readonly<Record<string, readonly string[]>>;
  /** How the data arrived (`grpc`, `http`), for the receiver's metrics. */
  readonly transport?: string;
}

export const background: Context = Object.freeze({});

interface Base {
  capabilities(): Capabilities;
}
export interface Traces extends Base {
  consumeTraces(ctx: Context, td: pdata.Traces): Promise<void>;
}
export interface Metrics extends Base {
  consumeMetrics(ctx: Context, md: pdata.Metrics): Promise<void>;
}
export interface Logs extends Base {
  consumeLogs(ctx: Context, ld: pdata.Logs): Promise<void>;
}

/** The consumer interface of a signal. */
export type ConsumerFor<S extends Signal> = { traces: Traces; metrics: Metrics; logs: Logs }[S];
export type AnyConsumer = Traces | Metrics | Logs;

type ConsumeFunc<S extends Signal> = (ctx: Context, data: pdata.PDataFor<S>) => Promise<void>;

const METHOD = { traces: 'consumeTraces', metrics: 'consumeMetrics', logs: 'consumeLogs' } as const;

/** Calls the consumer's method for `signal`: one place for code that handles every signal alike. */
export function consume<S extends Signal>(
  signal: S,
  consumer: ConsumerFor<S>,
  ctx: Context,
  data: pdata.PDataFor<S>,
): Promise<void> {
  const method = (consumer as unknown as Record<string, ConsumeFunc<S>>)[METHOD[signal]];
  return method.call(consumer, ctx, data);
}

/**
 * Set on a consumer that forwards into an engine component, to that component's key. Wrappers that only observe
 * (the graph's counters) carry it over, so that consecutive engine components connect inside the engine instead of
 * crossing the ring between them.
 */
export const ENGINE_COMPONENT = Symbol('tandem.engineComponent');

/** The engine component a consumer forwards into, if it does. */
export const engineComponentOf = (consumer: object): string | undefined => (consumer as { [ENGINE_COMPONENT]?: string })[ENGINE_COMPONENT];

/**
 * Set on a fan-out consumer, to the consumers it calls, so that an engine component feeding it sends to the engine
 * components among them inside the engine (an engine fan-out) instead of crossing to the host and back.
 */
export const FANNED_OUT = Symbol('tandem.fannedOut');

/** The consumers a fan-out consumer calls, if it is one. */
export const fannedOutOf = (consumer: object): readonly AnyConsumer[] | undefined => (consumer as { [FANNED_OUT]?: readonly AnyConsumer[] })[FANNED_OUT];

/** Marks `wrapper`, which only observes `inner`, as forwarding where `inner` forwards: into the same engine component,
 * or to the same fanned-out consumers. */
export function carryEngineComponent<C extends object>(inner: object, wrapper: C): C {
  const key = engineComponentOf(inner);
  const fanned = fannedOutOf(inner);
  if (key !== undefined) Object.assign(wrapper, { [ENGINE_COMPONENT]: key });
  if (fanned !== undefined) Object.assign(wrapper, { [FANNED_OUT]: fanned });
  return wrapper;
}

const NOT_MUTATING: Capabilities = Object.freeze({ mutatesData: false });

/** A consumer of `signal` made from a function; it does not mutate data unless told so. */
export function newConsumer<S extends Signal>(
  signal: S,
  fn: ConsumeFunc<S>,
  options: { capabilities?: Capabilities } = {},
): ConsumerFor<S> {
  if (typeof fn !== 'function') throw new Error('nil consumer func');
  const capabilities = options.capabilities ?? NOT_MUTATING;
  return { capabilities: () => capabilities, [METHOD[signal]]: fn } as unknown as ConsumerFor<S>;
}

export const newTraces = (fn: ConsumeFunc<'traces'>, options?: { capabilities?: Capabilities }): Traces =>
  newConsumer('traces', fn, options);
export const newMetrics = (fn: ConsumeFunc<'metrics'>, options?: { capabilities?: Capabilities }): Metrics =>
  newConsumer('metrics', fn, options);
export const newLogs = (fn: ConsumeFunc<'logs'>, options?: { capabilities?: Capabilities }): Logs =>
  newConsumer('logs', fn, options);
