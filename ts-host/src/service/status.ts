// The service's side of component status (Go's service/internal/status): one state machine per component instance,
// so that only the Collector's transitions get through (Starting -> OK -> RecoverableError -> OK ..., Stopping ->
// Stopped), and the host handed to each component, through which it reports about itself.
import type { Host } from '../component';
import type { Event, InstanceID, Reporter, Status } from '../componentstatus';

const TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = {
  StatusNone: ['StatusStarting'],
  StatusStarting: ['StatusOK', 'StatusRecoverableError', 'StatusPermanentError', 'StatusFatalError', 'StatusStopping'],
  StatusOK: ['StatusRecoverableError', 'StatusPermanentError', 'StatusFatalError', 'StatusStopping'],
  StatusRecoverableError: ['StatusOK', 'StatusPermanentError', 'StatusFatalError', 'StatusStopping'],
  StatusPermanentError: ['StatusStopping'],
  StatusFatalError: [],
  StatusStopping: ['StatusRecoverableError', 'StatusPermanentError', 'StatusFatalError', 'StatusStopped'],
  StatusStopped: [],
};

/** How many of a component's latest errors are kept. */
const RECENT_ERRORS = 10;

export class StatusReporter {
  private readonly current = new Map<InstanceID, Event>();
  private readonly errors = new Map<InstanceID, Event[]>();
  /** Components kept across a reload under a new identity: what they report goes to the new one. */
  private readonly renamed = new Map<InstanceID, InstanceID>();

  /**
   * `onChange` hears every accepted transition; `onInvalid` every refused one, except a repeat of the current status
   * (a component reporting OK after each success is not a mistake worth a log line).
   */
  constructor(
    private readonly onChange: (source: InstanceID, event: Event) => void,
    private readonly onInvalid: (message: string) => void,
    private readonly onForget: (source: InstanceID) => void = () => {},
  ) {}

  report(source: InstanceID, event: Event): void {
    if (event.error) {
      // Kept even when the status does not change: a failing exporter's every error, newest last.
      const errors = this.errors.get(source) ?? [];
      errors.push(event);
      if (errors.length > RECENT_ERRORS) errors.shift();
      this.errors.set(source, errors);
    }
    const from = this.current.get(source)?.status ?? 'StatusNone';
    if (!TRANSITIONS[from].includes(event.status)) {
      if (from !== event.status) this.onInvalid(`cannot transition from ${from} to ${event.status}: invalid state transition`);
      return;
    }
    this.current.set(source, event);
    this.onChange(source, event);
  }

  /** After a successful start: OK, unless the component already reported something else while starting. */
  reportOKIfStarting(source: InstanceID): void {
    if (this.current.get(source)?.status === 'StatusStarting') this.report(source, { status: 'StatusOK', timestamp: new Date() });
  }

  /** The latest errors `source` reported (up to ten), oldest first. */
  recentErrors(source: InstanceID): readonly Event[] {
    return this.errors.get(source) ?? [];
  }

  /** An instance that is gone (replaced or removed by a reload): its state is dropped and watchers are told. */
  forget(source: InstanceID): void {
    if (!this.current.delete(source)) return;
    this.errors.delete(source);
    this.onForget(source);
  }

  /** A component kept across a reload belongs to other pipelines now: it reports as `to` from now on. */
  rename(from: InstanceID, to: InstanceID): void {
    this.renamed.set(from, to);
  }

  private identityOf(source: InstanceID): InstanceID {
    for (let next = this.renamed.get(source); next; next = this.renamed.get(source)) source = next;
    return source;
  }

  /** Every instance's latest event, for a watcher that arrives late. */
  latest(): ReadonlyMap<InstanceID, Event> {
    return this.current;
  }

  /** The host `source` is started with: `host` that also takes its reports. */
  hostFor(host: Host, source: InstanceID): Host & Reporter {
    return Object.assign(Object.create(host) as Host, { report: (event: Event) => this.report(this.identityOf(source), event) });
  }
}
