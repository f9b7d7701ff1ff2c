// The engine's factories as host factories (runtime: rust), so that they join the one registry the config is decoded
// against. A component created from one proxies into the engine: it is deployed there when the graph starts it, and
// its output comes back to the host consumer the graph gave it, over the ring.
import { parseStability, type Component, type Settings, type Signal } from '../component';
import { ENGINE_COMPONENT, engineComponentOf, type ConsumerFor } from '../consumer';
import type { Config } from '../otelcol/config';
import type { AnyFactory } from '../otelcol/factories';
import * as connector from '../connector';
import * as exporter from '../exporter';
import * as processor from '../processor';
import * as receiver from '../receiver';
import { engineConsumer } from './consumer';
import type { EngineComponent, EngineFactory } from './control';
import type { Engine } from './engine';

type EngineSignal = EngineFactory['signals'][number]['signal'];
const SIGNAL_OF: Readonly<Record<EngineSignal, Signal>> = { SIGNAL_TRACES: 'traces', SIGNAL_METRICS: 'metrics', SIGNAL_LOGS: 'logs' };
const ENGINE_SIGNAL: Readonly<Record<Signal, EngineSignal>> = { traces: 'SIGNAL_TRACES', metrics: 'SIGNAL_METRICS', logs: 'SIGNAL_LOGS' };

/** "STABILITY_DEVELOPMENT" -> the host's level. */
const stabilityOf = (name: string) => parseStability(name.replace(/^STABILITY_/, ''));

type Create = (engine: Engine, signal: Signal, settings: Settings, config: unknown, next?: ConsumerFor<Signal>) => Promise<Component>;
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
      create: (settings: Settings, config: unknown, next?: ConsumerFor<Signal>) => proxy.create(engine, SIGNAL_OF[signal], settings, config, next),
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

/**
 * Has the engine check the configs of its components, as the host decoded them; resolves with the first error in the
 * Collector's wording and path (`error decoding 'processors': error reading configuration for "rust_batch": ...`).
 */
export async function engineConfigError(config: Config, engine: Engine): Promise<string | undefined> {
  for (const [section, components] of Object.entries(config.components)) {
    for (const [id, { factory, config: componentConfig }] of components) {
      if (factory.runtime !== 'rust') continue;
      const error = await engine.validateConfig(KIND_OF_SECTION[section], id, componentConfig);
      if (error) return `error decoding '${section}': error reading configuration for "${id}": ${error}`;
    }
  }
  return undefined;
}

/**
 * A connector in the engine, for each pair it supports: an exporter of one pipeline feeding others. A routing
 * connector gets a target per pipeline (so each may cross to the host on its own); others one target for all.
 */
function engineConnectorFactory(engine: Engine, f: EngineFactory): AnyFactory {
  const pairs = f.pairs.map(({ from, to, stability }) =>
    connector.withPair(SIGNAL_OF[from], SIGNAL_OF[to], (settings: Settings, config: unknown, next: connector.Router<Signal>) => {
      const targets = f.routes
        ? next.pipelineIDs().map((pipeline) => ({ ...targetOf(engine, SIGNAL_OF[to], next.consumer(pipeline)), pipeline }))
        : [targetOf(engine, SIGNAL_OF[to], next)];
      return engineNode(engine, SIGNAL_OF[from], settings, config, 'KIND_CONNECTOR', targets, to) as never;
    }, stabilityOf(stability)),
  );
  return connector.newFactory(f.type, () => JSON.parse(f.defaultConfigJson), pairs, { runtime: 'rust' });
}

/** Where an engine component sends to reach `next`: the engine component behind it, else the host over the ring. */
function targetOf(engine: Engine, signal: Signal, next: ConsumerFor<Signal>): EngineComponent['next'][number] {
  const downstream = engineComponentOf(next);
  return downstream !== undefined ? { componentKey: downstream } : { hostRoute: engine.addRoute(signal, next) };
}

let instances = 0;

/**
 * A processor in the engine. The host feeds it on an entry route; its output goes to the next engine component
 * directly when the next component is an engine processor or exporter (no crossing), else to `next` in the host.
 */
async function engineProcessor(engine: Engine, signal: Signal, settings: Settings, config: unknown, next: ConsumerFor<Signal>): Promise<Component> {
  return engineNode(engine, signal, settings, config, 'KIND_PROCESSOR', [targetOf(engine, signal, next)]);
}

/** An engine component that takes data: a consumer the host feeds on an entry route, marked with the component's key. */
async function engineNode(
  engine: Engine, signal: Signal, settings: Settings, config: unknown, kind: EngineComponent['kind'], next: EngineComponent['next'],
  outputSignal?: EngineComponent['outputSignal'],
): Promise<Component> {
  const id = settings.id.toString();
  const key = `${kind}/${id}/${signal}/${++instances}`;
  const entryRoute = engine.addEntryRoute();
  const component: EngineComponent = { key, kind, id, signal: ENGINE_SIGNAL[signal], outputSignal, configJson: JSON.stringify(config ?? null), next, entryRoute };
  return Object.assign(engineConsumer(engine, signal, entryRoute), {
    [ENGINE_COMPONENT]: key,
    start: () => engine.deploy(component),
    shutdown: () => engine.undeploy(),
  });
}

/** An exporter in the engine: the host feeds it on an entry route, unless an engine processor sends to it directly. */
async function engineExporter(engine: Engine, signal: Signal, settings: Settings, config: unknown): Promise<Component> {
  return engineNode(engine, signal, settings, config, 'KIND_EXPORTER', []);
}

/**
 * A receiver in the engine whose output, for `signal`, goes to `next`: inside the engine when `next` is an engine
 * component (no crossing), else to the host over the ring.
 */
async function engineReceiver(engine: Engine, signal: Signal, settings: Settings, config: unknown, next: ConsumerFor<Signal>): Promise<Component> {
  const id = settings.id.toString();
  const component: EngineComponent = {
    key: `${id}/${signal}`,
    kind: 'KIND_RECEIVER',
    id,
    signal: ENGINE_SIGNAL[signal],
    configJson: JSON.stringify(config ?? null),
    next: [targetOf(engine, signal, next)],
  };
  return {
    start: () => engine.deploy(component),
    shutdown: () => engine.undeploy(),
  };
}
