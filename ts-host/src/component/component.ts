// What every component is: something the service starts and shuts down, built by a factory with settings.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Meter } from '../telemetry/meter';
import type { ID } from './id';

export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

export type Kind = 'receiver' | 'processor' | 'exporter' | 'connector' | 'extension';

/** Which process a component runs in. */
export type Runtime = 'typescript' | 'rust';

/** What components see of the service that runs them. */
export interface Host {
  /** Started extensions by ID text. */
  getExtensions(): ReadonlyMap<string, Component>;
}

/**
 * Started before it receives data, shut down after. `start` returns quickly; long work runs in the background.
 * `shutdown` stops accepting data, flushes buffers to the next consumer, and is idempotent and safe without `start`.
 */
export interface Component {
  start(host: Host): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Gives `target` idempotent `start` and `shutdown` (Go's component.StartFunc / ShutdownFunc): each runs at most once,
 * and later calls get the first call's promise.
 */
export function withLifecycle<C extends object>(target: C, start?: (host: Host) => Promise<void>, shutdown?: () => Promise<void>): C & Component {
  let started: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return Object.assign(target, {
    start: (host: Host) => (started ??= start ? start(host) : Promise.resolve()),
    shutdown: () => (stopped ??= shutdown ? shutdown() : Promise.resolve()),
  });
}

/** Implemented by components that hold data (a queue, a pending batch): how full they are, for the live page. */
export interface Buffered {
  bufferFill(): { used: number; capacity: number; unit: 'items' | 'requests' | 'bytes' };
}

/** Reusable start/shutdown that do nothing, for components with no lifecycle. */
export const noLifecycle: Component = {
  start: async () => {},
  shutdown: async () => {},
};

/**
 * The service's internal telemetry as handed to a component: its logger (fields name the component), a meter whose
 * instruments carry the component's identity, and the registry both the meter's and the service's metrics join.
 */
export interface TelemetrySettings {
  readonly logger: Logger;
  readonly meter: Meter;
  readonly metrics: Registry;
}

export interface BuildInfo {
  readonly command: string;
  readonly description: string;
  readonly version: string;
}

/** What a factory gets besides the component's config. */
export interface Settings {
  readonly id: ID;
  readonly telemetry: TelemetrySettings;
  readonly buildInfo: BuildInfo;
}

/** Thrown by a factory asked for a signal it does not support. */
export class SignalNotSupportedError extends Error {
  constructor() {
    super('telemetry type is not supported');
  }
}
