// The engine's factories as host factories (runtime: rust), so that they join the one registry the config is decoded
// against. A component created from one becomes a node of the engine's deployment (`deployment.ts`): its output goes
// to the engine components after it inside the engine, and to host consumers over the ring.
import { parseStability, type Component, type Settings, type Signal } from '../component';
import { ENGINE_COMPONENT, type ConsumerFor } from '../consumer';
import type { Config } from '../otelcol/config';
import type { AnyFactory } from '../otelcol/factories';
import * as connector from '../connector';
import * as exporter from '../exporter';
import * as processor from '../processor';
import * as receiver from '../receiver';
import { engineConsumer } from './consumer';
import type { EngineFactory, EngineNode } from './control';
import { ENGINE_SIGNAL } from './deployment';
import type { Engine } from './engine';
import type { EngineCheck } from '../placement';

type EngineSignal = EngineFactory['signals'][number]['signal'];
const SIGNAL_OF: Readonly<Record<EngineSignal, Signal>> = { SIGNAL_TRACES: 'traces', SIGNAL_METRICS: 'metrics', SIGNAL_LOGS: 'logs' };

/** "STABILITY_DEVELOPMENT" -> the host's level. */
const stabilityOf = (name: string) => parseStability(name.replace(/^STABILITY_/, ''));

type Create = (engine: Engine, type: string, signal: Signal, settings: Settings, config: unknown, next?: ConsumerFor<Signal>) => Promise<Component>;
const PROXIES: Partial<Record<EngineFactory['kind'], { kind: typeof receiver | typeof processor | typeof exporter; create: Create }>> = {
  KIND_RECEIVER: { kind: receiver, create: engineReceiver as Create },
  KIND_PROCESSOR: { kind: processor, create: engineProcessor as Create },
  KIND_EXPORTER: { kind: exporter, create: engineExporter },
};

export function engineFactories(engine: Engine): AnyFactory[] {
  return engine.factories.map((f) => {
    if (f.kind === 'KIND_CONNECTOR') return engineConnectorFactory(engine, f);
    const proxy = PROXIES[f.kind];
    if (!proxy) throw new Error(`the engine offers ${f.kind} "${f.type}", which this host cannot run yet: upgrade the host (tandem)`);
    const signals = f.signals.map(({ signal, stability }) => ({
      key: SIGNAL_OF[signal],
      stability: stabilityOf(stability),
      create: (settings: Settings, config: unknown, next?: ConsumerFor<Signal>) => proxy.create(engine, f.type, SIGNAL_OF[signal], settings, config, next),
    }));
    return proxy.kind.newFactory(f.type, () => JSON.parse(f.defaultConfigJson), signals as never, { runtime: 'rust' });
  });
}

const KIND_OF_SECTION: Readonly<Record<string, EngineFactory['kind']>> = {
  receivers: 'KIND_RECEIVER',
  processors: 'KIND_PROCESSOR',
  exporters: 'KIND_EXPORTER',
  connectors: 'KIND_CONNECTOR',
  extensions: 'KIND_EXTENSION',
};

/** The engine's check of a component's config as one of its types, for placement. */
export const engineCheck = (engine: Engine): EngineCheck => (section, type, id, config) => engine.validateConfig(KIND_OF_SECTION[section], type, id, config);

/**
 * Has the engine check the configs of its components, as the host decoded them; resolves with the first error in the
 * Collector's wording and path (`error decoding 'processors': error reading configuration for "rust_batch": ...`).
 */
export async function engineConfigError(config: Config, engine: Engine): Promise<string | undefined> {
  for (const [section, components] of Object.entries(config.components)) {
    for (const [id, { factory, config: componentConfig }] of components) {
      if (factory.runtime !== 'rust') continue;
      const error = await engine.validateConfig(KIND_OF_SECTION[section], factory.type, id, componentConfig);
      if (error) return `error decoding '${section}': error reading configuration for "${id}": ${error}`;
    }
  }
  return undefined;
}

/**
 * A connector in the engine, for each pair it supports: an exporter of one pipeline feeding others. A routing
 * connector's edges each name the pipeline they start; others' lead to every pipeline they feed.
 */
function engineConnectorFactory(engine: Engine, f: EngineFactory): AnyFactory {
  const pairs = f.pairs.map(({ from, to, stability }) =>
    connector.withPair(SIGNAL_OF[from], SIGNAL_OF[to], (settings: Settings, config: unknown, next: connector.Router<Signal>) => {
      const key = `connector/${settings.id}/${SIGNAL_OF[from]}/${SIGNAL_OF[to]}`;
      const node = engineNode(engine, f.type, key, 'KIND_CONNECTOR', SIGNAL_OF[from], settings, config, { outputSignal: ENGINE_SIGNAL[SIGNAL_OF[to]] });
      if (f.routes) for (const pipeline of next.pipelineIDs()) engine.deployment.addOutput(key, SIGNAL_OF[to], next.consumer(pipeline), pipeline);
      else engine.deployment.addOutput(key, SIGNAL_OF[to], next);
      return node as never;
    }, stabilityOf(stability)),
  );
  return connector.newFactory(f.type, () => JSON.parse(f.defaultConfigJson), pairs, { runtime: 'rust' });
}

/**
 * An engine component that takes data, as a node of the engine's deployment: a consumer the host feeds on an entry
 * route, marked with the node's key so that an engine component sending to it does so inside the engine. The
 * deployment starts and stops as a whole (`Engine.startDeployed`, `Engine.undeploy`), not per component.
 */
function engineNode(
  engine: Engine, type: string, key: string, kind: EngineNode['kind'], signal: Signal, settings: Settings, config: unknown,
  extra: Pick<EngineNode, 'outputSignal'> = {},
): Component {
  engine.deployment.addNode({ key, kind, type, id: settings.id.toString(), configJson: JSON.stringify(config ?? null), ...extra }, signal);
  const entryRoute = engine.addEntryRoute();
  engine.deployment.addEntry(entryRoute, key, signal);
  return Object.assign(engineConsumer(engine, signal, entryRoute), { [ENGINE_COMPONENT]: key, start: async () => {}, shutdown: async () => {} });
}

let processors = 0;

/** A processor in the engine, one per pipeline that lists it; its output goes to `next`, inside the engine when it can. */
async function engineProcessor(engine: Engine, type: string, signal: Signal, settings: Settings, config: unknown, next: ConsumerFor<Signal>): Promise<Component> {
  const key = `processor/${settings.id}/${signal}/${++processors}`;
  const node = engineNode(engine, type, key, 'KIND_PROCESSOR', signal, settings, config);
  engine.deployment.addOutput(key, signal, next);
  return node;
}

/** An exporter in the engine: one node for every signal it exports. */
async function engineExporter(engine: Engine, type: string, signal: Signal, settings: Settings, config: unknown): Promise<Component> {
  return engineNode(engine, type, `exporter/${settings.id}`, 'KIND_EXPORTER', signal, settings, config);
}

/** A receiver in the engine: one node for every signal it receives; its output of `signal` goes to `next`. */
async function engineReceiver(engine: Engine, type: string, signal: Signal, settings: Settings, config: unknown, next: ConsumerFor<Signal>): Promise<Component> {
  const key = `receiver/${settings.id}`;
  engine.deployment.addNode({ key, kind: 'KIND_RECEIVER', type, id: settings.id.toString(), configJson: JSON.stringify(config ?? null) }, signal);
  engine.deployment.addOutput(key, signal, next);
  return { start: async () => {}, shutdown: async () => {} };
}
