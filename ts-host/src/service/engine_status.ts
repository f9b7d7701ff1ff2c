// The status of the components that run in the engine, reported for them by the host: RecoverableError while the
// engine is down (with why), OK once it serves again; and, between those, RecoverableError while the engine counts
// failed requests for a component, OK once it counts successes only.
import type { ComponentCounters, Engine, EngineState } from '../engine';
import { InstanceID, newEvent, newRecoverableErrorEvent } from '../componentstatus';
import type { StatusReporter } from './status';

/** How often the engine's counters are read for failures. */
const POLL_MS = 1_000;

interface Outcomes {
  ok: number;
  failed: number;
}

export class EngineComponentStatus {
  private readonly last = new Map<string, Outcomes>();
  /** The instances currently reported failing because of their counters. */
  private readonly failing = new Set<InstanceID>();
  private timer: NodeJS.Timeout | undefined;
  private readonly onState = (state: EngineState) => this.engineChanged(state);

  constructor(private readonly engine: Engine, private readonly instances: readonly InstanceID[], private readonly reporter: StatusReporter) {}

  start(): void {
    if (this.instances.length === 0) return;
    this.engine.states.on('change', this.onState);
    if (this.engine.state.state === 'down') this.engineChanged(this.engine.state);
    this.timer = setInterval(() => void this.poll(), POLL_MS).unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.engine.states.off('change', this.onState);
  }

  private engineChanged(state: EngineState): void {
    this.last.clear(); // a restarted engine counts from zero
    this.failing.clear();
    if (state.state === 'stopped') return;
    const event = state.state === 'running' ? newEvent('StatusOK') : newRecoverableErrorEvent(new Error(state.reason ?? 'the engine is down'));
    for (const instance of this.instances) this.reporter.report(instance, event);
  }

  private async poll(): Promise<void> {
    if (this.engine.state.state !== 'running') return;
    let counters: ComponentCounters[];
    try {
      counters = await this.engine.componentCounters();
    } catch {
      return; // the engine went away meanwhile: its state change reports that
    }
    const totals = new Map<string, Outcomes>();
    for (const c of counters) {
      const key = `${c.kind.replace(/^KIND_/, '').toLowerCase()}:${c.id}`;
      const total = totals.get(key) ?? { ok: 0, failed: 0 };
      total.ok += c.requestsOk;
      total.failed += c.requestsFailed;
      totals.set(key, total);
    }
    for (const instance of this.instances) {
      const key = instance.toString();
      const now = totals.get(key);
      const before = this.last.get(key);
      if (!now) continue;
      this.last.set(key, now);
      if (!before || now.failed < before.failed || now.ok < before.ok) continue;
      const failed = now.failed - before.failed;
      if (failed > 0) {
        this.failing.add(instance);
        this.reporter.report(instance, newRecoverableErrorEvent(new Error(`${failed} of ${failed + now.ok - before.ok} requests failed in the engine in the last ${POLL_MS / 1000}s`)));
      } else if (now.ok > before.ok && this.failing.delete(instance)) {
        this.reporter.report(instance, newEvent('StatusOK'));
      }
    }
  }
}
