// What the running collector looks like from outside, in one JSON-able document (the tandem_ui extension serves it
// at /api/v1/state): the pipelines as a graph of nodes (each with its runtime, status, counters, config with secrets
// redacted, latest errors) and edges (the ring crossings marked), the engine and its rings. Counters are totals;
// the reader takes rates from two snapshots.
import type { Buffered, Component, Host, Kind, Runtime, Signal } from '../component';
import { type Event, type InstanceID, type Status } from '../componentstatus';
import { engineComponentOf } from '../consumer';
import type { ComponentCounters, Engine } from '../engine';
import type { ComponentConfig, Config, PipelineConfig } from '../otelcol';
import type { ServiceMetrics } from '../telemetry';
import type { StatusReporter } from './status';

export interface NodeCounters {
  /** Items the node took in (receivers: accepted from clients; exporters: given to send). */
  itemsIn: number;
  /** Items it passed on (receivers: accepted; processors: emitted; exporters: sent). */
  itemsOut: number;
  /** Items refused to a client (receivers) or failed to send (exporters); engine components: failed requests. */
  failed: number;
}

export interface NodeView {
  /** `receiver:otlp`, `exporter:debug`, `connector:forward`; processors are per pipeline: `processor:batch@traces`. */
  readonly key: string;
  readonly kind: Kind;
  readonly id: string;
  readonly type: string;
  readonly runtime: Runtime;
  readonly pipelines: readonly string[];
  readonly status: Status;
  readonly error?: string;
  readonly statusTime?: string;
  readonly config: unknown;
  readonly recentErrors: ReadonlyArray<{ time: string; message: string }>;
  readonly counters?: NodeCounters;
  readonly fill?: ReturnType<Buffered['bufferFill']>;
}

export interface EdgeView {
  readonly from: string;
  readonly to: string;
  readonly pipeline: string;
  /** Set when the edge is a ring crossing between the runtimes. */
  readonly crossing?: 'host_to_engine' | 'engine_to_host';
}

export interface RingView {
  readonly requests: number;
  readonly bytes: number;
  /** Bytes written and not yet read, summed over cores, and the rings' total size. */
  readonly used: number;
  readonly capacity: number;
}

export interface ServiceView {
  readonly time: string;
  readonly collector: { readonly version: string; readonly pid: number; readonly startTime: string };
  readonly pipelines: ReadonlyArray<{ id: string; signal: Signal; receivers: string[]; processors: string[]; exporters: string[] }>;
  readonly nodes: readonly NodeView[];
  readonly edges: readonly EdgeView[];
  readonly engine?: {
    readonly state: string;
    readonly reason?: string;
    readonly since: string;
    readonly pid?: number;
    readonly version?: string;
    readonly executor?: string;
    readonly cores?: number;
    readonly restarts: number;
    readonly inFlight: number;
    readonly waits: number;
    readonly rings: { readonly hostToEngine: RingView; readonly engineToHost: RingView };
  };
}

/** Offered by the host: the service as a ServiceView (what the live page reads). */
export interface Inspectable {
  inspect(): Promise<ServiceView>;
}

export function isInspectable(host: Host): host is Host & Inspectable {
  return typeof (host as Partial<Inspectable>).inspect === 'function';
}

export interface InspectSources {
  readonly config: Config;
  readonly version: string;
  readonly startTime: Date;
  readonly metrics: ServiceMetrics;
  readonly status: StatusReporter;
  readonly instances: ReadonlyArray<{ instanceID: InstanceID; runtime: Runtime; component?: Component }>;
  readonly engine?: Engine;
}

const SECTIONS = { receiver: 'receivers', processor: 'processors', exporter: 'exporters', connector: 'connectors' } as const;

/** How bad a status is, to show a node (shared by several instances) by its worst. */
const SEVERITY: Readonly<Record<Status, number>> = {
  StatusOK: 0, StatusNone: 1, StatusStopped: 2, StatusStarting: 3, StatusStopping: 4,
  StatusRecoverableError: 5, StatusPermanentError: 6, StatusFatalError: 7,
};

const SECRET_KEY = /(^|_)(password|passwd|secret|token|api_?key|authorization|credentials?|bearer)($|_)/i;

/** A component's config with the values of secret-looking keys and of every header replaced by `[REDACTED]`. */
export function redact(value: unknown, key = ''): unknown {
  if (key === 'headers' && value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.fromEntries(Object.keys(value).map((k) => [k, '[REDACTED]']));
  }
  if (SECRET_KEY.test(key) && value !== null && value !== undefined && typeof value !== 'object') return '[REDACTED]';
  if (Array.isArray(value)) return value.map((item) => redact(item));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, k)]));
  return value;
}

/** The graph node an instance belongs to. */
const nodeKey = (kind: Kind, id: string, pipeline?: string) => (kind === 'processor' ? `processor:${id}@${pipeline}` : `${kind}:${id}`);

/** Sums a counter family's values whose label `label` is `value`. */
async function sumOf(counters: ReadonlyArray<{ get(): Promise<{ values: Array<{ value: number; labels: Record<string, unknown> }> }> }>, match: Record<string, string>): Promise<number> {
  let total = 0;
  for (const counter of counters) {
    for (const { value, labels } of (await counter.get()).values) {
      if (Object.entries(match).every(([k, v]) => labels[k] === v)) total += value;
    }
  }
  return total;
}

const families = (family: Readonly<Record<Signal, unknown>>) => Object.values(family) as Parameters<typeof sumOf>[0];

/** The host's counters for a component of the host (the Collector's metrics, summed over signals and transports). */
async function hostCounters(metrics: ServiceMetrics, kind: Kind, id: string, signal?: Signal): Promise<NodeCounters | undefined> {
  switch (kind) {
    case 'receiver': {
      const accepted = await sumOf(families(metrics.receiverAccepted), { receiver: id });
      return { itemsIn: accepted, itemsOut: accepted, failed: await sumOf(families(metrics.receiverRefused), { receiver: id }) };
    }
    case 'processor': {
      const labels: Record<string, string> = signal ? { processor: id, otel_signal: signal } : { processor: id };
      return { itemsIn: await sumOf([metrics.processorIncoming], labels), itemsOut: await sumOf([metrics.processorOutgoing], labels), failed: 0 };
    }
    case 'exporter': {
      const sent = await sumOf(families(metrics.exporterSent), { exporter: id });
      const failed = await sumOf(families(metrics.exporterSendFailed), { exporter: id });
      return { itemsIn: sent + failed, itemsOut: sent, failed };
    }
    default:
      return undefined;
  }
}

function pipelineEdges(config: Config, runtimeOf: (key: string) => Runtime | undefined): EdgeView[] {
  const edges: EdgeView[] = [];
  const isConnector = (id: string) => config.components.connectors.has(id);
  const link = (from: string, to: string, pipeline: string) => {
    const [a, b] = [runtimeOf(from), runtimeOf(to)];
    const crossing = a && b && a !== b ? (b === 'rust' ? 'host_to_engine' : 'engine_to_host') : undefined;
    edges.push(crossing ? { from, to, pipeline, crossing } : { from, to, pipeline });
  };
  for (const pipeline of config.service.pipelines.values()) {
    const name = pipeline.id.toString();
    const sources = pipeline.receivers.map((id) => (isConnector(id.toString()) ? `connector:${id}` : `receiver:${id}`));
    const chain = pipeline.processors.map((id) => nodeKey('processor', id.toString(), name));
    const sinks = pipeline.exporters.map((id) => (isConnector(id.toString()) ? `connector:${id}` : `exporter:${id}`));
    let previous = sources;
    for (const processor of chain) {
      for (const from of previous) link(from, processor, name);
      previous = [processor];
    }
    for (const from of previous) for (const to of sinks) link(from, to, name);
  }
  return edges;
}

function pipelineNodes(config: Config): Map<string, { kind: Kind; id: string; component: ComponentConfig; pipelines: Set<string> }> {
  const nodes = new Map<string, { kind: Kind; id: string; component: ComponentConfig; pipelines: Set<string> }>();
  const add = (kind: Kind, id: string, pipeline: PipelineConfig) => {
    const section = kind === 'connector' ? 'connectors' : SECTIONS[kind as keyof typeof SECTIONS];
    const component = config.components[section].get(id) as ComponentConfig;
    const key = nodeKey(kind, id, pipeline.id.toString());
    const node = nodes.get(key) ?? { kind, id, component, pipelines: new Set<string>() };
    node.pipelines.add(pipeline.id.toString());
    nodes.set(key, node);
  };
  for (const pipeline of config.service.pipelines.values()) {
    const connector = (id: string) => config.components.connectors.has(id);
    for (const id of pipeline.receivers) add(connector(id.toString()) ? 'connector' : 'receiver', id.toString(), pipeline);
    for (const id of pipeline.processors) add('processor', id.toString(), pipeline);
    for (const id of pipeline.exporters) add(connector(id.toString()) ? 'connector' : 'exporter', id.toString(), pipeline);
  }
  return nodes;
}

/** The engine's counters per deployed instance (its key) and per `kind:id` (summed over instances and cores). */
async function engineCounters(engine: Engine): Promise<Map<string, NodeCounters>> {
  const totals = new Map<string, NodeCounters>();
  const add = (key: string, c: ComponentCounters) => {
    const total = totals.get(key) ?? { itemsIn: 0, itemsOut: 0, failed: 0 };
    total.itemsIn += c.itemsIn;
    total.itemsOut += c.itemsOut;
    total.failed += c.requestsFailed;
    totals.set(key, total);
  };
  for (const c of await engine.componentCounters().catch(() => [])) {
    add(c.key, c);
    add(`${c.kind.replace(/^KIND_/, '').toLowerCase()}:${c.id}`, c);
  }
  return totals;
}

/** A node's engine counters: its own instances' when the host knows their keys, else every instance of its ID's. */
function engineNodeCounters(counters: Map<string, NodeCounters>, keys: string[], kindAndID: string): NodeCounters | undefined {
  if (keys.length === 0) return counters.get(kindAndID);
  const mine = keys.map((key) => counters.get(key)).filter((c): c is NodeCounters => c !== undefined);
  if (mine.length === 0) return undefined;
  return mine.reduce((a, c) => ({ itemsIn: a.itemsIn + c.itemsIn, itemsOut: a.itemsOut + c.itemsOut, failed: a.failed + c.failed }));
}

function engineView(engine: Engine): NonNullable<ServiceView['engine']> {
  const stats = engine.ringStats();
  const occupancy = engine.ringOccupancy();
  const ring = (requests: number, bytes: number, side: 'hostToEngine' | 'engineToHost'): RingView => ({
    requests,
    bytes,
    used: occupancy.reduce((n, core) => n + core[side].used, 0),
    capacity: occupancy.reduce((n, core) => n + core[side].capacity, 0),
  });
  const { state, reason, since } = engine.state;
  const runtime = engine.handshake?.runtime;
  return {
    state,
    ...(reason ? { reason } : {}),
    since: since.toISOString(),
    pid: state === 'running' ? (engine.pid ?? runtime?.pid) : undefined,
    version: engine.handshake?.engineVersion,
    executor: runtime?.executorType,
    cores: runtime?.cores,
    restarts: engine.restarts,
    inFlight: stats.inFlight,
    waits: stats.waits,
    rings: { hostToEngine: ring(stats.requestsSent, stats.bytesSent, 'hostToEngine'), engineToHost: ring(stats.requestsReceived, stats.bytesReceived, 'engineToHost') },
  };
}

export async function inspect(sources: InspectSources): Promise<ServiceView> {
  const { config, metrics, status, instances, engine } = sources;
  const nodes = pipelineNodes(config);
  const inEngine = engine && engine.state.state === 'running' ? await engineCounters(engine) : new Map<string, NodeCounters>();
  const latest = status.latest();
  const views: NodeView[] = [];
  for (const [key, node] of nodes) {
    const mine = instances.filter(({ instanceID }) =>
      instanceID.kind === node.kind && instanceID.componentID === node.id && (node.kind !== 'processor' || instanceID.pipelineIDs.includes([...node.pipelines][0])));
    const events = mine.map(({ instanceID }) => latest.get(instanceID)).filter((e): e is Event => e !== undefined);
    const worst = events.reduce<Event | undefined>((a, e) => (!a || SEVERITY[e.status] > SEVERITY[a.status] ? e : a), undefined);
    const recentErrors = mine.flatMap(({ instanceID }) => status.recentErrors(instanceID))
      .sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime()).slice(-10)
      .map((e) => ({ time: e.timestamp.toISOString(), message: e.error?.message ?? '' }));
    const runtime = node.component.factory.runtime;
    const signal = node.kind === 'processor' ? config.service.pipelines.get([...node.pipelines][0])?.signal : undefined;
    const engineKeys = mine.map(({ component }) => component && engineComponentOf(component)).filter((k): k is string => k !== undefined);
    const counters = runtime === 'rust' ? engineNodeCounters(inEngine, engineKeys, `${node.kind}:${node.id}`) : await hostCounters(metrics, node.kind, node.id, signal);
    const buffered = mine.map(({ component }) => (component as Partial<Buffered> | undefined)?.bufferFill?.()).filter((f) => f !== undefined);
    const fill = buffered.length > 0
      ? { used: buffered.reduce((n, f) => n + f.used, 0), capacity: buffered.reduce((n, f) => n + f.capacity, 0), unit: buffered[0].unit }
      : undefined;
    views.push({
      key,
      kind: node.kind,
      id: node.id,
      type: node.component.factory.type,
      runtime,
      pipelines: [...node.pipelines],
      status: worst?.status ?? 'StatusNone',
      ...(worst?.error ? { error: worst.error.message } : {}),
      ...(worst ? { statusTime: worst.timestamp.toISOString() } : {}),
      config: redact(node.component.config),
      recentErrors,
      ...(counters ? { counters } : {}),
      ...(fill ? { fill } : {}),
    });
  }
  const runtimes = new Map(views.map((v) => [v.key, v.runtime]));
  return {
    time: new Date().toISOString(),
    collector: { version: sources.version, pid: process.pid, startTime: sources.startTime.toISOString() },
    pipelines: [...config.service.pipelines.values()].map((p) => ({
      id: p.id.toString(),
      signal: p.signal,
      receivers: p.receivers.map(String),
      processors: p.processors.map(String),
      exporters: p.exporters.map(String),
    })),
    nodes: views,
    edges: pipelineEdges(config, (key) => runtimes.get(key)),
    ...(engine ? { engine: engineView(engine) } : {}),
  };
}
