// The engine's factories as host factories (runtime: rust), so that they join the one registry the config is decoded
// against. A component created from one proxies into the engine: it is deployed there when the graph starts it, and
// its output comes back to the host consumer the graph gave it, over the ring.
import { parseStability, type Component, type Settings, type Signal } from '../component';
import type { ConsumerFor } from '../consumer';
import type { AnyFactory } from '../otelcol/factories';
import * as receiver from '../receiver';
import type { EngineComponent, EngineFactory } from './control';
import type { Engine } from './engine';

type EngineSignal = EngineFactory['signals'][number]['signal'];
const SIGNAL_OF: Readonly<Record<EngineSignal, Signal>> = { SIGNAL_TRACES: 'traces', SIGNAL_METRICS: 'metrics', SIGNAL_LOGS: 'logs' };
const ENGINE_SIGNAL: Readonly<Record<Signal, EngineSignal>> = { traces: 'SIGNAL_TRACES', metrics: 'SIGNAL_METRICS', logs: 'SIGNAL_LOGS' };

/** "STABILITY_DEVELOPMENT" -> the host's level. */
const stabilityOf = (name: string) => parseStability(name.replace(/^STABILITY_/, ''));

export function engineFactories(engine: Engine): AnyFactory[] {
  return engine.factories.map((f) => {
    if (f.kind !== 'KIND_RECEIVER') {
      throw new Error(`the engine offers ${f.kind} "${f.type}", which this host cannot run yet: upgrade the host (tandem)`);
    }
    const signals = f.signals.map(({ signal, stability }) => ({
      key: SIGNAL_OF[signal],
      stability: stabilityOf(stability),
      create: (settings: Settings, config: unknown, next: ConsumerFor<Signal>) => engineReceiver(engine, SIGNAL_OF[signal], settings, config, next),
    }));
    return receiver.newFactory(f.type, () => JSON.parse(f.defaultConfigJson), signals, { runtime: 'rust' });
  });
}

/** A receiver in the engine whose output, for `signal`, goes to `next` in the host. */
async function engineReceiver(engine: Engine, signal: Signal, settings: Settings, config: unknown, next: ConsumerFor<Signal>): Promise<Component> {
  const id = settings.id.toString();
  const component: EngineComponent = {
    key: `${id}/${signal}`,
    kind: 'KIND_RECEIVER',
    id,
    signal: ENGINE_SIGNAL[signal],
    configJson: JSON.stringify(config ?? null),
    next: [{ hostRoute: engine.addRoute(signal, next) }],
  };
  return {
    start: () => engine.deploy(component),
    shutdown: () => engine.undeploy(),
  };
}
