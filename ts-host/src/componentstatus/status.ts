// Component status as the Go Collector reports it (component/componentstatus): what a component says about itself
// (through the host it was started with), and what the service says about it while starting and stopping it.
import type { Host, Kind } from '../component';

/** Go's componentstatus.Status, named as its String() prints them. */
export const STATUSES = [
  'StatusNone', 'StatusStarting', 'StatusOK', 'StatusRecoverableError', 'StatusPermanentError', 'StatusFatalError', 'StatusStopping', 'StatusStopped',
] as const;
export type Status = (typeof STATUSES)[number];

export function statusIsError(status: Status): boolean {
  return status === 'StatusRecoverableError' || status === 'StatusPermanentError' || status === 'StatusFatalError';
}

/** One status change: the status, the error for the error statuses, and when it happened. */
export interface Event {
  readonly status: Status;
  readonly error?: Error;
  readonly timestamp: Date;
}

export function newEvent(status: Exclude<Status, 'StatusRecoverableError' | 'StatusPermanentError' | 'StatusFatalError'>): Event {
  return { status, timestamp: new Date() };
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** A transient error the component may recover from (a destination that refuses, an engine being restarted). */
export function newRecoverableErrorEvent(err: unknown): Event {
  return { status: 'StatusRecoverableError', error: asError(err), timestamp: new Date() };
}

/** A condition that needs a person to fix it; the collector keeps running, degraded. */
export function newPermanentErrorEvent(err: unknown): Event {
  return { status: 'StatusPermanentError', error: asError(err), timestamp: new Date() };
}

/** An error the collector cannot run with: the service shuts down. */
export function newFatalErrorEvent(err: unknown): Event {
  return { status: 'StatusFatalError', error: asError(err), timestamp: new Date() };
}

/** Which component instance an event is about: its ID, kind and the pipelines it belongs to. */
export class InstanceID {
  constructor(readonly componentID: string, readonly kind: Kind, readonly pipelineIDs: readonly string[] = []) {}

  /** The same instance, also belonging to `pipelines`. */
  withPipelines(...pipelines: string[]): InstanceID {
    return new InstanceID(this.componentID, this.kind, [...new Set([...this.pipelineIDs, ...pipelines])]);
  }

  /** `receiver:otlp`, as health check v2 names a component inside a pipeline. */
  toString(): string {
    return `${this.kind}:${this.componentID}`;
  }
}

/** Implemented by the host a component is started with (Go's componentstatus.Reporter). */
export interface Reporter {
  report(event: Event): void;
}

/** Implemented by extensions that follow every component's status (Go's componentstatus.Watcher). */
export interface Watcher {
  componentStatusChanged(source: InstanceID, event: Event): void;
  /** A reload replaced or removed the instance: it reports no more. */
  componentRemoved?(source: InstanceID): void;
}

/** Reports `event` for the component started with `host`, when the host takes reports (Go's ReportStatus). */
export function reportStatus(host: Host | undefined, event: Event): void {
  (host as Partial<Reporter> | undefined)?.report?.(event);
}

export function isWatcher(component: object): component is Watcher {
  return typeof (component as Partial<Watcher>).componentStatusChanged === 'function';
}
