// Component statuses aggregated per pipeline and over the collector, as the Go Collector's health check v2 does
// (contrib pkg/status): the most relevant status of the parts bubbles up, with the event that caused it.
import type { Event, InstanceID, Status } from './status';
import { statusIsError } from './status';

/** An event with the statuses it aggregates, keyed `pipeline:traces` / `extensions`, then `receiver:otlp`. */
export interface AggregateStatus {
  readonly event: Event;
  readonly components?: ReadonlyMap<string, AggregateStatus>;
}

/** Which error outranks the other when the parts disagree; health check v2 puts recoverable first when it only counts those. */
export type ErrorPriority = 'permanent' | 'recoverable';

interface MutableAggregate {
  event: Event;
  components: Map<string, MutableAggregate>;
}

const NONE: Event = Object.freeze({ status: 'StatusNone', timestamp: new Date(0) });

export class Aggregator {
  private readonly root: MutableAggregate = { event: NONE, components: new Map() };

  constructor(private readonly priority: ErrorPriority = 'permanent') {}

  /** Records `event` for `source` in each of its pipelines (extensions in their own scope), and re-aggregates. */
  record(source: InstanceID, event: Event): void {
    const scopes = source.kind === 'extension' ? ['extensions'] : source.pipelineIDs.map((id) => `pipeline:${id}`);
    for (const scope of scopes) {
      let pipeline = this.root.components.get(scope);
      if (!pipeline) {
        pipeline = { event: NONE, components: new Map() };
        this.root.components.set(scope, pipeline);
      }
      pipeline.components.set(source.toString(), { event, components: new Map() });
      pipeline.event = this.aggregate(pipeline);
    }
    this.root.event = this.aggregate(this.root);
  }

  /** Drops `source` from its scopes (and a scope left empty), and re-aggregates. */
  remove(source: InstanceID): void {
    for (const scope of source.kind === 'extension' ? ['extensions'] : source.pipelineIDs.map((id) => `pipeline:${id}`)) {
      const pipeline = this.root.components.get(scope);
      if (!pipeline?.components.delete(source.toString())) continue;
      if (pipeline.components.size === 0) this.root.components.delete(scope);
      else pipeline.event = this.aggregate(pipeline);
    }
    this.root.event = this.root.components.size === 0 ? NONE : this.aggregate(this.root);
  }

  /** The collector's status (scope undefined) or one pipeline's (`traces`, `logs/2`); undefined for an unknown one. */
  status(pipeline?: string, verbose = true): AggregateStatus | undefined {
    const node = pipeline === undefined ? this.root : this.root.components.get(`pipeline:${pipeline}`);
    return node && snapshot(node, verbose);
  }

  private statusOf(node: MutableAggregate): Status {
    const seen = new Set([...node.components.values()].map((c) => c.event.status));
    if (seen.size === 1) return [...seen][0];
    for (const status of ['StatusFatalError', 'StatusStarting', 'StatusStopping'] as const) if (seen.has(status)) return status;
    if (seen.has('StatusStopped')) return 'StatusStopping';
    const errors: Status[] = this.priority === 'permanent' ? ['StatusPermanentError', 'StatusRecoverableError'] : ['StatusRecoverableError', 'StatusPermanentError'];
    return errors.find((status) => seen.has(status)) ?? 'StatusNone';
  }

  /** The aggregate's event: for an error the earliest matching one (when the failure began), else the latest. */
  private aggregate(node: MutableAggregate): Event {
    const status = this.statusOf(node);
    let last: Event | undefined;
    let matching: Event | undefined;
    for (const { event } of node.components.values()) {
      if (!last || last.timestamp < event.timestamp) last = event;
      if (event.status !== status) continue;
      if (!matching || (statusIsError(status) ? event.timestamp < matching.timestamp : event.timestamp > matching.timestamp)) matching = event;
    }
    if (statusIsError(status)) return matching as Event;
    if (last && last.status === status) return last;
    return { status, timestamp: last?.timestamp ?? new Date() };
  }
}

function snapshot(node: MutableAggregate, verbose: boolean): AggregateStatus {
  if (!verbose || node.components.size === 0) return { event: node.event };
  return { event: node.event, components: new Map([...node.components].map(([key, child]) => [key, snapshot(child, verbose)])) };
}
