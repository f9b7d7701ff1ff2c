// The engine's part of the pipelines, collected while the host's graph builds its components: the engine components
// as nodes, where their output goes as edges (to other engine components, or to host consumers over the ring), and
// where the host feeds them. The whole of it is deployed at once (proto/control.proto `Deploy`), so data that stays
// in the engine never crosses the ring: an engine fan-out, a connector between two engine pipelines, a chain of
// engine components.
import type { Signal } from '../component';
import { engineComponentOf, fannedOutOf, type AnyConsumer, type ConsumerFor } from '../consumer';
import { fanout } from '../graph/fanout';
import type { EngineDeployment, EngineEdge, EngineNode } from './control';

export type EngineSignal = EngineNode['signals'][number];
export const ENGINE_SIGNAL: Readonly<Record<Signal, EngineSignal>> = { traces: 'SIGNAL_TRACES', metrics: 'SIGNAL_METRICS', logs: 'SIGNAL_LOGS' };

/** Where an engine node's output can go: another engine node, or a host consumer (registered for a ring route). */
export type EdgeTarget = { node: string } | { host: ConsumerFor<Signal> };

/** Whether `next` leads into an engine component, directly or through a fan-out. */
function reachesEngine(next: AnyConsumer): boolean {
  return engineComponentOf(next) !== undefined || (fannedOutOf(next)?.some(reachesEngine) ?? false);
}

/**
 * Where output of `signal` sent to `next` goes: the engine components behind it (through fan-outs), and the host
 * consumers among a fan-out's consumers as one host fan-out (one crossing for all of them).
 */
export function targetsOf(signal: Signal, next: ConsumerFor<Signal>): EdgeTarget[] {
  const key = engineComponentOf(next);
  if (key !== undefined) return [{ node: key }];
  const fanned = fannedOutOf(next) as readonly ConsumerFor<Signal>[] | undefined;
  if (fanned === undefined || !fanned.some(reachesEngine)) return [{ host: next }];
  const inEngine = fanned.filter(reachesEngine).flatMap((consumer) => targetsOf(signal, consumer));
  const inHost = fanned.filter((consumer) => !reachesEngine(consumer));
  return inHost.length === 0 ? inEngine : [...inEngine, { host: fanout(signal, inHost) }];
}

export class Deployment {
  private readonly nodes = new Map<string, EngineNode>();
  private readonly edges: EngineEdge[] = [];
  private readonly entries: EngineDeployment['entries'] = [];

  constructor(private readonly hostRoute: (signal: Signal, consumer: ConsumerFor<Signal>) => number) {}

  get empty(): boolean {
    return this.nodes.size === 0;
  }

  /** Adds a node, or adds `signal` to the node of that key (a receiver or exporter serves all its signals at once). */
  addNode(node: Omit<EngineNode, 'signals'>, signal: Signal): void {
    const existing = this.nodes.get(node.key);
    if (existing === undefined) this.nodes.set(node.key, { ...node, signals: [ENGINE_SIGNAL[signal]] });
    else if (!existing.signals.includes(ENGINE_SIGNAL[signal])) existing.signals.push(ENGINE_SIGNAL[signal]);
  }

  /** Output of `signal` from node `from` goes to `next` (a routing connector's edges name the pipeline they start). */
  addOutput(from: string, signal: Signal, next: ConsumerFor<Signal>, pipeline?: string): void {
    for (const target of targetsOf(signal, next)) {
      const to = 'node' in target ? { node: target.node } : { hostRoute: this.hostRoute(signal, target.host) };
      this.edges.push({ from, signal: ENGINE_SIGNAL[signal], ...(pipeline === undefined ? {} : { pipeline }), ...to });
    }
  }

  /** The host feeds node `node` with `signal` on `route`. */
  addEntry(route: number, node: string, signal: Signal): void {
    this.entries.push({ route, node, signal: ENGINE_SIGNAL[signal] });
  }

  /** What `Deploy` sends. */
  request(): EngineDeployment {
    return { nodes: [...this.nodes.values()], edges: [...this.edges], entries: [...this.entries] };
  }
}
