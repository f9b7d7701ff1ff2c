// The pipelines as one graph of component instances, built with the Go Collector's rules (service/internal/graph):
// receivers and exporters are shared per signal, processors belong to one pipeline, connectors exist per signal pair;
// a virtual capabilities node heads each pipeline and a virtual fan-out node ends it. Components are built downstream
// first, started exporters first and receivers last, and shut down receivers first so that each drains into its
// consumer before that consumer stops.
import type { Logger } from 'pino';
import {
  BuildInfo, Component, Host, ID, Kind, Runtime, Settings, Signal, StabilityLevel, stabilityLogMessage,
} from '../component';
import { InstanceID, newEvent, newPermanentErrorEvent } from '../componentstatus';
import { newRouter } from '../connector';
import * as consumer from '../consumer';
import { type AnyFactory, type Config, type ComponentConfig, fromComponentPackage, type PipelineConfig } from '../otelcol';
import type { StatusReporter } from '../service/status';
import { componentTelemetry, type ServiceMetrics } from '../telemetry';
import { fanout } from './fanout';
import { guardConsumer, markDownstream } from './guard';
import { observeExporter, observeProcessor, observeReceiver } from './obs';
import { ConsumerSwitch } from './switch';

type NodeKind = Kind | 'capabilities' | 'fanout';

interface Node {
  readonly key: string;
  readonly kind: NodeKind;
  /** How the node is named in a cycle error; undefined for virtual nodes, which such errors leave out. */
  readonly label?: string;
  component?: Component & { readonly id?: ID };
  consumer?: consumer.AnyConsumer;
  /** Which process the component runs in, once built. */
  runtime?: Runtime;
  /** What the node was built from (type, runtime, config); a reload keeps a node whose fingerprint and successors match. */
  fingerprint?: string;
  /** The keys of the nodes it was built to feed. */
  successors?: readonly string[];
  /** Host receivers: the switch between the receiver and its pipelines, and (after a reload) where it is to point. */
  switch?: ConsumerSwitch<Signal>;
  retargetTo?: consumer.AnyConsumer;
}

export interface GraphSettings {
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly buildInfo: BuildInfo;
}

export class GraphError extends Error {
  /** The component that failed, when one did (not for errors of the graph's shape, such as a cycle). */
  constructor(message: string, readonly component?: { readonly kind: Kind; readonly id: string }) {
    super(message);
    this.name = 'GraphError';
  }
}

/** A started-or-not set of component instances wired into pipelines. */
export class Graph {
  private readonly nodes = new Map<string, Node>();
  private readonly edges = new Map<string, string[]>();
  /** Topological order: receivers towards exporters. */
  private order: Node[] = [];
  /** Every component instance, in build order: downstream first. `kept`: taken over, running, from the previous graph. */
  private readonly instances: Array<{ node: Node; id: string; kind: Kind; instanceID: InstanceID; kept?: boolean; previousID?: InstanceID }> = [];
  /** The node keys to take over from the previous graph, decided before building. */
  private keep = new Set<string>();

  private constructor(private readonly config: Config, private readonly settings: GraphSettings, private readonly previous?: Graph) {}

  /**
   * Creates every component the pipelines use, downstream first. Unused components are not built. With `previous`
   * (a reload), components it has with the same config and the same successors are taken over instead, still
   * running; host receivers with the same config are taken over whatever follows them (their switch is pointed at
   * the new pipelines once those run). The engine's part is taken over whole or not at all: its deployment can only
   * be replaced whole.
   */
  static async build(config: Config, settings: GraphSettings, previous?: Graph): Promise<Graph> {
    const graph = new Graph(config, settings, previous);
    graph.createNodes();
    graph.order = graph.sort();
    if (previous) graph.keep = graph.planKeep(previous);
    for (const node of [...graph.order].reverse()) await graph.buildNode(node);
    return graph;
  }

  /** The instances taken over from the previous graph and those built anew, by component (`receiver:otlp`). */
  changes(): { kept: string[]; built: string[] } {
    const names = (kept: boolean) => [...new Set(this.instances.filter((i) => Boolean(i.kept) === kept).map((i) => i.instanceID.toString()))].sort();
    return { kept: names(true), built: names(false) };
  }

  /** Host receivers taken over from the previous graph hold their requests until `retargetReceivers`. */
  holdReceivers(): void {
    for (const node of this.nodes.values()) if (node.retargetTo) node.switch?.hold();
  }

  /** Points the host receivers taken over at this graph's pipelines, and lets their held requests through. */
  retargetReceivers(): void {
    for (const node of this.nodes.values()) {
      if (!node.retargetTo) continue;
      node.switch?.retarget(node.retargetTo as consumer.ConsumerFor<Signal>);
      node.retargetTo = undefined;
    }
  }

  /** The components of this graph that `next` (the graph of a reload) took over: they run on, not to be shut down. */
  private handsOver(next: Graph): Set<Component> {
    return new Set(next.instances.filter((i) => i.kept).map((i) => i.node.component).filter((c): c is NonNullable<typeof c> => c !== undefined));
  }

  /** What a node is built from. */
  private fingerprintOf(node: Node): string {
    const [kind, ...rest] = node.key.split('|');
    const section = ({ receiver: 'receivers', processor: 'processors', exporter: 'exporters', connector: 'connectors' } as const)[kind as 'receiver'];
    if (!section) return kind;
    const { factory, config } = this.lookup(section, ID.parse(rest[rest.length - 1]));
    return `${factory.type}|${factory.runtime}|${stableJSON(config)}`;
  }

  private runtimeOf(node: Node): Runtime | undefined {
    const [kind, ...rest] = node.key.split('|');
    const section = ({ receiver: 'receivers', processor: 'processors', exporter: 'exporters', connector: 'connectors' } as const)[kind as 'receiver'];
    return section ? this.lookup(section, ID.parse(rest[rest.length - 1])).factory.runtime : undefined;
  }

  /** The nodes a reload takes over from `previous` (see `build`). */
  private planKeep(previous: Graph): Set<string> {
    const plan = (forbidden: (node: Node) => boolean) => {
      const keep = new Set<string>();
      for (const node of [...this.order].reverse()) {
        const old = previous.nodes.get(node.key);
        if (!old || forbidden(node) || old.fingerprint !== this.fingerprintOf(node)) continue;
        const successors = this.edges.get(node.key) ?? [];
        const hostReceiver = node.kind === 'receiver' && this.runtimeOf(node) === 'typescript';
        if (hostReceiver || (sameList(successors, old.successors ?? []) && successors.every((key) => keep.has(key)))) keep.add(node.key);
      }
      return keep;
    };
    const keep = plan(() => false);
    const engineNodes = (graph: Graph) => [...graph.nodes.values()].filter((n) => graph.runtimeOf(n) === 'rust');
    const engineChanged = engineNodes(this).some((n) => !keep.has(n.key)) || engineNodes(previous).some((n) => !this.nodes.has(n.key));
    return engineChanged ? plan((node) => this.runtimeOf(node) === 'rust') : keep;
  }

  /** Takes `node` over from the previous graph, running; true when it did. */
  private takeOver(node: Node): boolean {
    if (!this.keep.has(node.key) || !this.previous) return false;
    const old = this.previous.nodes.get(node.key) as Node;
    Object.assign(node, { component: old.component, consumer: old.consumer, runtime: old.runtime, fingerprint: old.fingerprint, switch: old.switch });
    node.successors = this.edges.get(node.key) ?? [];
    const instance = this.previous.instances.find((i) => i.node === old);
    if (instance) this.instances.push({ ...instance, node, kept: true, previousID: instance.instanceID, instanceID: this.instanceIDFor(node, instance.instanceID) });
    return true;
  }

  /**
   * Exporters first, receivers last, with `beforeReceivers` in between (the engine starts what was deployed on it).
   * Each is reported Starting, then OK (or PermanentError); the first failure aborts with Go's message.
   */
  async startAll(host: Host, reporter: StatusReporter, beforeReceivers?: () => Promise<void>): Promise<void> {
    const firstReceiver = this.instances.findIndex((instance) => instance.kind === 'receiver');
    for (const [index, instance] of this.instances.entries()) {
      if (index === firstReceiver) await beforeReceivers?.();
      if (instance.kept) {
        // Running already: only a new identity (its pipelines changed) is reported, and its reports go there.
        if (instance.previousID && instance.previousID !== instance.instanceID) {
          reporter.rename(instance.previousID, instance.instanceID);
          reporter.report(instance.instanceID, newEvent('StatusStarting'));
          reporter.reportOKIfStarting(instance.instanceID);
        }
        continue;
      }
      reporter.report(instance.instanceID, newEvent('StatusStarting'));
      try {
        await instance.node.component?.start(reporter.hostFor(host, instance.instanceID));
      } catch (err) {
        reporter.report(instance.instanceID, newPermanentErrorEvent(err));
        throw new GraphError(`failed to start "${instance.id}" ${instance.kind}: ${(err as Error).message}`, instance);
      }
      reporter.reportOKIfStarting(instance.instanceID);
    }
    if (firstReceiver === -1) await beforeReceivers?.();
  }

  /**
   * Receivers first, so that every component drains into its consumer before that one stops, with `afterReceivers`
   * once the last receiver stopped and the host components feeding the engine drained into it, before the first
   * engine processor, exporter or connector (the engine stops what was deployed on it); each is reported Stopping, then
   * Stopped (or PermanentError); errors accumulate. With `next` (a reload), what `next` takes over is left running.
   */
  async shutdownAll(reporter: StatusReporter, next?: Graph, afterReceivers?: () => Promise<void>): Promise<Error[]> {
    const errors: Error[] = [];
    const handedOver = next ? this.handsOver(next) : new Set<Component>();
    const stillReported = new Set(next?.instances.map((i) => i.instanceID));
    const order = [...this.instances].reverse();
    const firstInEngine = order.findIndex((i) => i.kind !== 'receiver' && i.node.runtime === 'rust');
    const afterAt = firstInEngine === -1 ? order.map((i) => i.kind).lastIndexOf('receiver') + 1 : firstInEngine;
    const after = async () => {
      try {
        await afterReceivers?.();
      } catch (err) {
        errors.push(err as Error);
      }
    };
    for (const [index, { node, id, kind, instanceID }] of order.entries()) {
      if (index === afterAt) await after();
      if (node.component && handedOver.has(node.component)) {
        if (!stillReported.has(instanceID)) reporter.forget(instanceID);
        continue;
      }
      reporter.report(instanceID, newEvent('StatusStopping'));
      try {
        await node.component?.shutdown();
        reporter.report(instanceID, newEvent('StatusStopped'));
        if (next) reporter.forget(instanceID);
      } catch (err) {
        reporter.report(instanceID, newPermanentErrorEvent(err));
        errors.push(new Error(`failed to shutdown "${id}" ${kind}: ${(err as Error).message}`));
      }
    }
    if (afterAt >= order.length) await after();
    return errors;
  }

  /** Every component instance: its status identity, the runtime it runs in, and the component. */
  componentInstances(): Array<{ instanceID: InstanceID; runtime: Runtime; component?: Component }> {
    return this.instances.map(({ instanceID, node }) => ({ instanceID, runtime: node.runtime ?? 'typescript', component: node.component }));
  }

  // ---- nodes and edges -------------------------------------------------------------------------------------------

  private node(key: string, kind: NodeKind, label?: string): Node {
    let node = this.nodes.get(key);
    if (!node) {
      node = { key, kind, label };
      this.nodes.set(key, node);
      this.edges.set(key, []);
    }
    return node;
  }

  private edge(from: Node, to: Node): void {
    const targets = this.edges.get(from.key) as string[];
    if (!targets.includes(to.key)) targets.push(to.key);
  }

  private isConnector(id: ID): boolean {
    return this.config.components.connectors.has(id.toString());
  }

  private receiverNode(signal: Signal, id: ID): Node {
    return this.isConnector(id) ? this.node(`connector-as-receiver|${id}`, 'connector') : this.node(`receiver|${signal}|${id}`, 'receiver', `receiver "${id}"`);
  }

  private capabilitiesNode(pipeline: PipelineConfig): Node {
    return this.node(`capabilities|${pipeline.id}`, 'capabilities');
  }

  private connectorNode(id: ID, from: Signal, to: Signal): Node {
    return this.node(`connector|${from}|${to}|${id}`, 'connector', `connector "${id}" (${from} to ${to})`);
  }

  private pipelinesUsing(id: ID, as: 'receivers' | 'exporters'): PipelineConfig[] {
    return [...this.config.service.pipelines.values()].filter((p) => p[as].some((used) => used.equals(id)));
  }

  private createNodes(): void {
    for (const pipeline of this.config.service.pipelines.values()) {
      const capabilities = this.capabilitiesNode(pipeline);
      for (const id of pipeline.receivers) {
        if (!this.isConnector(id)) this.edge(this.receiverNode(pipeline.signal, id), capabilities);
      }
      let previous = capabilities;
      for (const id of pipeline.processors) {
        const processor = this.node(`processor|${pipeline.id}|${id}`, 'processor', `processor "${id}" in pipeline "${pipeline.id}"`);
        this.edge(previous, processor);
        previous = processor;
      }
      const fanoutNode = this.node(`fanout|${pipeline.id}`, 'fanout');
      this.edge(previous, fanoutNode);
      for (const id of pipeline.exporters) {
        if (!this.isConnector(id)) this.edge(fanoutNode, this.node(`exporter|${pipeline.signal}|${id}`, 'exporter', `exporter "${id}"`));
      }
    }
    for (const { id, factory } of this.config.components.connectors.values()) {
      if (factory.kind !== 'connector') continue;
      const asExporter = this.pipelinesUsing(id, 'exporters');
      const asReceiver = this.pipelinesUsing(id, 'receivers');
      const supported = (from: PipelineConfig, to: PipelineConfig) => factory.stability(from.signal, to.signal) !== StabilityLevel.Undefined;
      for (const from of asExporter) {
        if (!asReceiver.some((to) => supported(from, to))) {
          throw new GraphError(`connector "${id}" used as exporter in [${from.id}] pipeline but not used in any supported receiver pipeline`);
        }
      }
      for (const to of asReceiver) {
        if (!asExporter.some((from) => supported(from, to))) {
          throw new GraphError(`connector "${id}" used as receiver in [${to.id}] pipeline but not used in any supported exporter pipeline`);
        }
      }
      for (const from of asExporter) {
        for (const to of asReceiver) {
          if (!supported(from, to)) continue;
          const node = this.connectorNode(id, from.signal, to.signal);
          this.edge(this.node(`fanout|${from.id}`, 'fanout'), node);
          this.edge(node, this.capabilitiesNode(to));
        }
      }
    }
  }

  /** Kahn's algorithm; leftover nodes lie on a cycle, reported the Go way. */
  private sort(): Node[] {
    const incoming = new Map<string, number>([...this.nodes.keys()].map((key) => [key, 0]));
    for (const targets of this.edges.values()) for (const target of targets) incoming.set(target, (incoming.get(target) ?? 0) + 1);
    const ready = [...incoming].filter(([, count]) => count === 0).map(([key]) => key).sort();
    const order: Node[] = [];
    while (ready.length > 0) {
      const key = ready.shift() as string;
      order.push(this.nodes.get(key) as Node);
      for (const target of this.edges.get(key) ?? []) {
        const left = (incoming.get(target) as number) - 1;
        incoming.set(target, left);
        if (left === 0) ready.push(target);
      }
    }
    if (order.length < this.nodes.size) throw new GraphError(this.describeCycle(new Set([...incoming].filter(([, n]) => n > 0).map(([k]) => k))));
    return order;
  }

  private describeCycle(stuck: Set<string>): string {
    // Nodes downstream of a cycle are stuck too; drop those that lead nowhere inside the set (repeatedly), so that
    // every node left has a successor on or towards a cycle and the walk below cannot end in a dead end.
    for (let pruned = true; pruned; ) {
      pruned = false;
      for (const key of stuck) {
        if (!(this.edges.get(key) ?? []).some((next) => stuck.has(next))) {
          stuck.delete(key);
          pruned = true;
        }
      }
    }
    // Walk from a connector along edges inside the stuck set until a node repeats: that loop is a cycle.
    const start = [...stuck].sort().find((key) => this.nodes.get(key)?.kind === 'connector') ?? [...stuck].sort()[0];
    const path: string[] = [];
    let current = start;
    while (!path.includes(current)) {
      path.push(current);
      current = (this.edges.get(current) ?? []).find((next) => stuck.has(next)) as string;
    }
    const loop = path.slice(path.indexOf(current));
    const labels = loop.map((key) => this.nodes.get(key)?.label).filter((label): label is string => label !== undefined);
    return `cycle detected: ${[...labels, labels[0]].join(' -> ')}`;
  }

  // ---- building ----------------------------------------------------------------------------------------------------

  private consumersOf(node: Node): consumer.AnyConsumer[] {
    return (this.edges.get(node.key) ?? []).map((key) => this.nodes.get(key)?.consumer as consumer.AnyConsumer);
  }

  private componentSettings(id: ID, kind: Kind, signal?: Signal): Settings {
    return {
      id,
      telemetry: componentTelemetry(this.settings.logger, this.settings.metrics.registry, { id: id.toString(), kind, signal }),
      buildInfo: this.settings.buildInfo,
    };
  }

  private logStability(settings: Settings, level: StabilityLevel): void {
    const log = settings.telemetry.logger;
    if (level < StabilityLevel.Alpha) log.info(stabilityLogMessage(level));
    else log.debug(stabilityLogMessage(level));
  }

  private lookup(section: 'receivers' | 'processors' | 'exporters' | 'connectors', id: ID): ComponentConfig {
    return this.config.components[section].get(id.toString()) as ComponentConfig;
  }

  private async buildNode(node: Node): Promise<void> {
    const [kind, ...rest] = node.key.split('|');
    if (this.takeOver(node)) {
      if (node.switch) node.retargetTo = fanout(rest[0] as Signal, this.consumersOf(node) as consumer.ConsumerFor<Signal>[]);
      return;
    }
    switch (kind as NodeKind | 'connector-as-receiver') {
      case 'exporter':
        return this.buildExporter(node, rest[0] as Signal, ID.parse(rest[1]));
      case 'fanout': {
        const pipeline = this.config.service.pipelines.get(rest[0]) as PipelineConfig;
        node.consumer = fanout(pipeline.signal, this.consumersOf(node) as consumer.ConsumerFor<Signal>[]);
        node.fingerprint = this.fingerprintOf(node);
        node.successors = this.edges.get(node.key) ?? [];
        return;
      }
      case 'processor':
        return this.buildProcessor(node, this.config.service.pipelines.get(rest[0]) as PipelineConfig, ID.parse(rest[1]));
      case 'capabilities':
        return this.buildCapabilities(node, this.config.service.pipelines.get(rest[0]) as PipelineConfig);
      case 'connector':
        return this.buildConnector(node, rest[0] as Signal, rest[1] as Signal, ID.parse(rest[2]));
      case 'receiver':
        return this.buildReceiver(node, rest[0] as Signal, ID.parse(rest[1]));
      default:
        return; // a connector's use as a receiver has no node of its own
    }
  }

  /** Remembers a built instance, with the pipelines it belongs to as the Go Collector's InstanceID lists them. */
  private record(node: Node, id: ID, kind: Kind, runtime: Runtime, pipelines: readonly PipelineConfig[]): void {
    node.runtime = runtime;
    node.fingerprint = this.fingerprintOf(node);
    node.successors = this.edges.get(node.key) ?? [];
    const instanceID = new InstanceID(id.toString(), kind, pipelines.map((pipeline) => pipeline.id.toString()));
    this.instances.push({ node, id: id.toString(), kind, instanceID });
  }

  /** A taken-over instance keeps its identity unless the pipelines it belongs to changed. */
  private instanceIDFor(node: Node, old: InstanceID): InstanceID {
    const [kind, ...rest] = node.key.split('|');
    const id = ID.parse(rest[rest.length - 1]);
    const pipelines = (() => {
      switch (kind) {
        case 'receiver':
          return this.pipelinesOf(rest[0] as Signal, id, 'receivers');
        case 'exporter':
          return this.pipelinesOf(rest[0] as Signal, id, 'exporters');
        case 'processor':
          return [this.config.service.pipelines.get(rest[0]) as PipelineConfig];
        default: {
          const fed = this.pipelinesUsing(id, 'receivers').filter((p) => p.signal === rest[1]);
          return [...this.pipelinesOf(rest[0] as Signal, id, 'exporters'), ...fed];
        }
      }
    })().map((p) => p.id.toString());
    return sameList(pipelines, old.pipelineIDs) ? old : new InstanceID(old.componentID, old.kind, pipelines);
  }

  /** The pipelines of `signal` that list `id` among their receivers or exporters. */
  private pipelinesOf(signal: Signal, id: ID, as: 'receivers' | 'exporters'): PipelineConfig[] {
    return this.pipelinesUsing(id, as).filter((pipeline) => pipeline.signal === signal);
  }

  /** Runs a factory's create, turning its failure into Go's `failed to create "<id>" <what>: <reason>`. */
  private async create<T>(kind: Kind, id: ID, what: string, create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (err) {
      throw new GraphError(`failed to create "${id}" ${what}: ${(err as Error).message}`, { kind, id: id.toString() });
    }
  }

  /** A consumer of a component-package component, guarded (see guard.ts); Tandem's own are used as they are. */
  private guarded<S extends Signal>(factory: AnyFactory, signal: S, inner: consumer.ConsumerFor<S>, component: string, settings: Settings): consumer.ConsumerFor<S> {
    if (!fromComponentPackage(factory)) return inner;
    return guardConsumer(signal, inner, `${component} (package "${factory.package}")`, settings.telemetry.logger);
  }

  /** The `next` of a component-package component: its failures reach the caller as they are, not as the component's. */
  private downstreamOf<C extends consumer.AnyConsumer>(factory: AnyFactory, signal: Signal, next: C): C {
    return fromComponentPackage(factory) ? markDownstream(signal, next as consumer.ConsumerFor<Signal>) as C : next;
  }

  private async buildExporter(node: Node, signal: Signal, id: ID): Promise<void> {
    const { factory, config } = this.lookup('exporters', id);
    if (factory.kind !== 'exporter') return;
    const settings = this.componentSettings(id, 'exporter', signal);
    const what = `exporter for data type "${signal}"`;
    if (factory.stability(signal) === StabilityLevel.Undefined) {
      throw new GraphError(`failed to create "${id}" ${what}: telemetry type is not supported`, { kind: 'exporter', id: id.toString() });
    }
    this.logStability(settings, factory.stability(signal));
    const exporter = await this.create('exporter', id, what, () => factory.create(signal, settings, config));
    node.component = exporter;
    const pipelines = this.pipelinesOf(signal, id, 'exporters');
    const guarded = this.guarded(factory, signal, exporter, `exporter "${id}" in pipelines ${pipelines.map((p) => `"${p.id}"`).join(', ')}`, settings);
    node.consumer = observeExporter(signal, guarded, this.settings.metrics, id);
    this.record(node, id, 'exporter', factory.runtime, pipelines);
  }

  private async buildProcessor(node: Node, pipeline: PipelineConfig, id: ID): Promise<void> {
    const { factory, config } = this.lookup('processors', id);
    if (factory.kind !== 'processor') return;
    const signal = pipeline.signal;
    const settings = this.componentSettings(id, 'processor', signal);
    const what = `processor, in pipeline "${pipeline.id}"`;
    if (factory.stability(signal) === StabilityLevel.Undefined) {
      throw new GraphError(`failed to create "${id}" ${what}: telemetry type is not supported`, { kind: 'processor', id: id.toString() });
    }
    this.logStability(settings, factory.stability(signal));
    const [next] = this.consumersOf(node) as consumer.ConsumerFor<Signal>[];
    const outgoing = this.downstreamOf(factory, signal, observeProcessor(signal, next, this.settings.metrics, id, 'outgoing'));
    const processor = await this.create('processor', id, what, () => factory.create(signal, settings, config, outgoing));
    node.component = processor;
    const guarded = this.guarded(factory, signal, processor, `processor "${id}" in pipeline "${pipeline.id}"`, settings);
    node.consumer = observeProcessor(signal, guarded, this.settings.metrics, id, 'incoming');
    this.record(node, id, 'processor', factory.runtime, [pipeline]);
  }

  private buildCapabilities(node: Node, pipeline: PipelineConfig): void {
    const [next] = this.consumersOf(node) as consumer.ConsumerFor<Signal>[];
    const processorsMutate = pipeline.processors.some((id) => {
      const processor = this.nodes.get(`processor|${pipeline.id}|${id}`)?.consumer;
      return processor?.capabilities().mutatesData ?? false;
    });
    // As Go: the fan-out node (the exporters' aggregate) OR any processor; `next` alone misses mutating exporters
    // behind non-mutating processors.
    const exportersMutate = this.nodes.get(`fanout|${pipeline.id}`)?.consumer?.capabilities().mutatesData ?? false;
    // The data reaches `next` first: when it checks what it is given, nothing in this pipeline reads unchecked data.
    const capabilities = { mutatesData: processorsMutate || exportersMutate, validatesData: next.capabilities().validatesData === true };
    node.consumer = withCapabilities(next, capabilities);
    node.fingerprint = this.fingerprintOf(node);
    node.successors = this.edges.get(node.key) ?? [];
  }

  private async buildConnector(node: Node, from: Signal, to: Signal, id: ID): Promise<void> {
    const { factory, config } = this.lookup('connectors', id);
    if (factory.kind !== 'connector') return;
    const settings = this.componentSettings(id, 'connector');
    this.logStability(settings, factory.stability(from, to));
    const fed = this.pipelinesUsing(id, 'receivers').filter((pipeline) => pipeline.signal === to);
    const pipelines = new Map(fed.map((pipeline) => [pipeline.id.toString(), this.downstreamOf(factory, to, this.capabilitiesNode(pipeline).consumer as consumer.ConsumerFor<Signal>)]));
    const next = newRouter(to, pipelines);
    const connector = await this.create('connector', id, `connector from ${from} to ${to}`, () => factory.create(from, to, settings, config, next));
    node.component = connector;
    const guarded = this.guarded(factory, from, connector, `connector "${id}" from ${from} to ${to}`, settings);
    // A connector that passes data through mutates whatever its downstream pipelines mutate.
    node.consumer = from === to && next.capabilities().mutatesData ? withCapabilities(guarded, { mutatesData: true }) : guarded;
    this.record(node, id, 'connector', factory.runtime, [...this.pipelinesOf(from, id, 'exporters'), ...fed]);
  }

  private async buildReceiver(node: Node, signal: Signal, id: ID): Promise<void> {
    const { factory, config } = this.lookup('receivers', id);
    if (factory.kind !== 'receiver') return;
    const settings = this.componentSettings(id, 'receiver', signal);
    const what = `receiver for data type "${signal}"`;
    if (factory.stability(signal) === StabilityLevel.Undefined) {
      throw new GraphError(`failed to create "${id}" ${what}: telemetry type is not supported`, { kind: 'receiver', id: id.toString() });
    }
    this.logStability(settings, factory.stability(signal));
    let next = fanout(signal, this.consumersOf(node) as consumer.ConsumerFor<Signal>[]);
    if (factory.runtime === 'typescript') {
      // A reload can point it elsewhere (engine receivers are wired inside the engine, and redeployed instead).
      node.switch = new ConsumerSwitch<Signal>(signal, next);
      next = node.switch.consumer;
    }
    const observed = observeReceiver(signal, next, this.settings.metrics, id);
    node.component = await this.create('receiver', id, what, () => factory.create(signal, settings, config, observed));
    this.record(node, id, 'receiver', factory.runtime, this.pipelinesOf(signal, id, 'receivers'));
  }
}

/** JSON with object keys sorted, so that equal configs compare equal whatever their key order. */
function stableJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJSON).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJSON((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The same consumer, reporting other capabilities. */
function withCapabilities<C extends consumer.AnyConsumer>(inner: C, capabilities: consumer.Capabilities): C {
  return Object.assign(Object.create(inner) as C, { capabilities: () => capabilities });
}
