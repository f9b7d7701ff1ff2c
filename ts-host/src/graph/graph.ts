// The pipelines as one graph of component instances, built with the Go Collector's rules (service/internal/graph):
// receivers and exporters are shared per signal, processors belong to one pipeline, connectors exist per signal pair;
// a virtual capabilities node heads each pipeline and a virtual fan-out node ends it. Components are built downstream
// first, started exporters first and receivers last, and shut down receivers first so that each drains into its
// consumer before that consumer stops.
import type { Logger } from 'pino';
import {
  BuildInfo, Component, Host, ID, Kind, Settings, Signal, StabilityLevel, stabilityLogMessage,
} from '../component';
import { newRouter } from '../connector';
import * as consumer from '../consumer';
import type { Config, ComponentConfig, PipelineConfig } from '../otelcol';
import type { ServiceMetrics } from '../telemetry';
import { fanout } from './fanout';
import { observeExporter, observeProcessor, observeReceiver } from './obs';

type NodeKind = Kind | 'capabilities' | 'fanout';

interface Node {
  readonly key: string;
  readonly kind: NodeKind;
  /** How the node is named in a cycle error; undefined for virtual nodes, which such errors leave out. */
  readonly label?: string;
  component?: Component & { readonly id?: ID };
  consumer?: consumer.AnyConsumer;
}

export interface GraphSettings {
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  readonly buildInfo: BuildInfo;
}

export class GraphError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GraphError';
  }
}

const KIND_TITLE: Readonly<Record<Kind, string>> = {
  receiver: 'Receiver', processor: 'Processor', exporter: 'Exporter', connector: 'Connector', extension: 'Extension',
};

/** A started-or-not set of component instances wired into pipelines. */
export class Graph {
  private readonly nodes = new Map<string, Node>();
  private readonly edges = new Map<string, string[]>();
  /** Topological order: receivers towards exporters. */
  private order: Node[] = [];
  /** Every component instance, in build order: downstream first. */
  private readonly instances: Array<{ node: Node; id: string; kind: Kind }> = [];

  private constructor(private readonly config: Config, private readonly settings: GraphSettings) {}

  /** Creates every component the pipelines use, downstream first. Unused components are not built. */
  static async build(config: Config, settings: GraphSettings): Promise<Graph> {
    const graph = new Graph(config, settings);
    graph.createNodes();
    graph.order = graph.sort();
    for (const node of [...graph.order].reverse()) await graph.buildNode(node);
    return graph;
  }

  /**
   * Exporters first, receivers last, with `beforeReceivers` in between (the engine starts what was deployed on it).
   * The first failure aborts with Go's message.
   */
  async startAll(host: Host, beforeReceivers?: () => Promise<void>): Promise<void> {
    const firstReceiver = this.instances.findIndex((instance) => instance.kind === 'receiver');
    for (const [index, instance] of this.instances.entries()) {
      if (index === firstReceiver) await beforeReceivers?.();
      try {
        await instance.node.component?.start(host);
      } catch (err) {
        throw new GraphError(`failed to start "${instance.id}" ${instance.kind}: ${(err as Error).message}`);
      }
    }
    if (firstReceiver === -1) await beforeReceivers?.();
  }

  /**
   * Receivers first, so that every component drains into its consumer before that one stops, with `afterReceivers`
   * once the last receiver stopped (the engine stops what was deployed on it); errors accumulate.
   */
  async shutdownAll(afterReceivers?: () => Promise<void>): Promise<Error[]> {
    const errors: Error[] = [];
    const order = [...this.instances].reverse();
    const lastReceiver = order.map((instance) => instance.kind).lastIndexOf('receiver');
    const after = async () => {
      try {
        await afterReceivers?.();
      } catch (err) {
        errors.push(err as Error);
      }
    };
    if (lastReceiver === -1) await after();
    for (const [index, { node, id, kind }] of order.entries()) {
      try {
        await node.component?.shutdown();
      } catch (err) {
        errors.push(new Error(`failed to shutdown "${id}" ${kind}: ${(err as Error).message}`));
      }
      if (index === lastReceiver) await after();
    }
    return errors;
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
    const fields: Record<string, string> = { 'otelcol.component.id': id.toString(), 'otelcol.component.kind': KIND_TITLE[kind] };
    if (signal) fields['otelcol.signal'] = signal;
    return {
      id,
      telemetry: { logger: this.settings.logger.child(fields), metrics: this.settings.metrics.registry },
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
    switch (kind as NodeKind | 'connector-as-receiver') {
      case 'exporter':
        return this.buildExporter(node, rest[0] as Signal, ID.parse(rest[1]));
      case 'fanout': {
        const pipeline = this.config.service.pipelines.get(rest[0]) as PipelineConfig;
        node.consumer = fanout(pipeline.signal, this.consumersOf(node) as consumer.ConsumerFor<Signal>[]);
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

  private record(node: Node, id: ID, kind: Kind): void {
    this.instances.push({ node, id: id.toString(), kind });
  }

  private async buildExporter(node: Node, signal: Signal, id: ID): Promise<void> {
    const { factory, config } = this.lookup('exporters', id);
    if (factory.kind !== 'exporter') return;
    const settings = this.componentSettings(id, 'exporter', signal);
    if (factory.stability(signal) === StabilityLevel.Undefined) {
      throw new GraphError(`failed to create "${id}" exporter for data type "${signal}": telemetry type is not supported`);
    }
    this.logStability(settings, factory.stability(signal));
    const exporter = await factory.create(signal, settings, config);
    node.component = exporter;
    node.consumer = observeExporter(signal, exporter, this.settings.metrics, id);
    this.record(node, id, 'exporter');
  }

  private async buildProcessor(node: Node, pipeline: PipelineConfig, id: ID): Promise<void> {
    const { factory, config } = this.lookup('processors', id);
    if (factory.kind !== 'processor') return;
    const signal = pipeline.signal;
    const settings = this.componentSettings(id, 'processor', signal);
    if (factory.stability(signal) === StabilityLevel.Undefined) {
      throw new GraphError(`failed to create "${id}" processor, in pipeline "${pipeline.id}": telemetry type is not supported`);
    }
    this.logStability(settings, factory.stability(signal));
    const [next] = this.consumersOf(node) as consumer.ConsumerFor<Signal>[];
    const processor = await factory.create(signal, settings, config, observeProcessor(signal, next, this.settings.metrics, id, 'outgoing'));
    node.component = processor;
    node.consumer = observeProcessor(signal, processor, this.settings.metrics, id, 'incoming');
    this.record(node, id, 'processor');
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
    const capabilities = { mutatesData: processorsMutate || exportersMutate };
    node.consumer = withCapabilities(next, capabilities);
  }

  private async buildConnector(node: Node, from: Signal, to: Signal, id: ID): Promise<void> {
    const { factory, config } = this.lookup('connectors', id);
    if (factory.kind !== 'connector') return;
    const settings = this.componentSettings(id, 'connector');
    this.logStability(settings, factory.stability(from, to));
    const fed = this.pipelinesUsing(id, 'receivers').filter((pipeline) => pipeline.signal === to);
    const next = newRouter(to, new Map(fed.map((pipeline) => [pipeline.id.toString(), this.capabilitiesNode(pipeline).consumer as consumer.ConsumerFor<Signal>])));
    const connector = await factory.create(from, to, settings, config, next);
    node.component = connector;
    // A connector that passes data through mutates whatever its downstream pipelines mutate.
    node.consumer = from === to && next.capabilities().mutatesData ? withCapabilities(connector, { mutatesData: true }) : connector;
    this.record(node, id, 'connector');
  }

  private async buildReceiver(node: Node, signal: Signal, id: ID): Promise<void> {
    const { factory, config } = this.lookup('receivers', id);
    if (factory.kind !== 'receiver') return;
    const settings = this.componentSettings(id, 'receiver', signal);
    if (factory.stability(signal) === StabilityLevel.Undefined) {
      throw new GraphError(`failed to create "${id}" receiver for data type "${signal}": telemetry type is not supported`);
    }
    this.logStability(settings, factory.stability(signal));
    const next = fanout(signal, this.consumersOf(node) as consumer.ConsumerFor<Signal>[]);
    node.component = await factory.create(signal, settings, config, observeReceiver(signal, next, this.settings.metrics, id));
    this.record(node, id, 'receiver');
  }
}

/** The same consumer, reporting other capabilities. */
function withCapabilities<C extends consumer.AnyConsumer>(inner: C, capabilities: consumer.Capabilities): C {
  return Object.assign(Object.create(inner) as C, { capabilities: () => capabilities });
}
