import { Component, Signal, StabilityLevel } from '../../src/component';
import * as connector from '../../src/connector';
import * as consumer from '../../src/consumer';
import * as exporter from '../../src/exporter';
import { fanout, Graph } from '../../src/graph';
import { Factories, unmarshal } from '../../src/otelcol';
import { emptyFor, PData } from '../../src/pdata';
import * as processor from '../../src/processor';
import * as receiver from '../../src/receiver';
import { StatusReporter } from '../../src/service/status';
import { ServiceMetrics } from '../../src/telemetry';
import { recordingLogger, sample } from '../components/helpers';

const S = StabilityLevel.Beta;
const ALL: Signal[] = ['traces', 'metrics', 'logs'];

interface Delivery { who: string; data: PData }

/** Fake components that record what happens to them. */
class World {
  readonly events: string[] = [];
  readonly created: string[] = [];
  readonly deliveries: Delivery[] = [];
  /** The `next` each receiver instance was given, by `id/signal`. */
  readonly receiverNext = new Map<string, consumer.AnyConsumer>();
  failStart?: string;

  private lifecycle(name: string): Component {
    return {
      start: async () => {
        if (this.failStart === name) throw new Error('boom');
        this.events.push(`start ${name}`);
      },
      shutdown: async () => {
        this.events.push(`shutdown ${name}`);
      },
    };
  }

  factories(): Factories {
    const recv = (signal: Signal) => async (settings: any, _config: any, next: consumer.AnyConsumer) => {
      const name = `receiver ${settings.id}/${signal}`;
      this.created.push(name);
      this.receiverNext.set(`${settings.id}/${signal}`, next);
      return this.lifecycle(name);
    };
    const proc = (signal: Signal) => async (settings: any, config: any, next: any) => {
      const name = `processor ${settings.id}/${signal}#${this.created.filter((c) => c.startsWith(`processor ${settings.id}/`)).length}`;
      this.created.push(name);
      return {
        ...this.lifecycle(name),
        ...consumer.newConsumer(signal, async (ctx, data) => {
          this.deliveries.push({ who: name, data });
          await consumer.consume(signal, next, ctx, data);
        }, { capabilities: { mutatesData: !!config?.mutates, validatesData: !!config?.validates } }),
      } as any;
    };
    const exp = (signal: Signal) => async (settings: any, config: any) => {
      const name = `exporter ${settings.id}/${signal}`;
      this.created.push(name);
      return {
        ...this.lifecycle(name),
        ...consumer.newConsumer(signal, async (_ctx, data) => {
          if (config?.fail) throw new Error(`${settings.id} failed`);
          this.deliveries.push({ who: name, data });
        }, { capabilities: { mutatesData: !!config?.mutates, validatesData: !!config?.validates } }),
      } as any;
    };
    const conn = (from: Signal, to: Signal) => async (settings: any, _config: any, next: any) => {
      const name = `connector ${settings.id}/${from}->${to}`;
      this.created.push(name);
      return {
        ...this.lifecycle(name),
        ...consumer.newConsumer(from, async (ctx, data) => {
          this.deliveries.push({ who: name, data });
          await consumer.consume(to, next, ctx, from === to ? data as any : emptyFor(to));
        }),
      } as any;
    };
    return new Factories([
      receiver.newFactory('fake', () => ({}), [receiver.withTraces(recv('traces'), S), receiver.withMetrics(recv('metrics'), S), receiver.withLogs(recv('logs'), S)]),
      receiver.newFactory('tonly', () => ({}), [receiver.withTraces(recv('traces'), S)]),
      processor.newFactory('fake', () => ({}), ALL.map((s) => ({ key: s, create: proc(s), stability: S }))),
      processor.newFactory('tonly', () => ({}), [processor.withTraces(proc('traces'), S)]),
      exporter.newFactory('fake', () => ({}), ALL.map((s) => ({ key: s, create: exp(s), stability: S }))),
      exporter.newFactory('tonly', () => ({}), [exporter.withTraces(exp('traces'), S)]),
      connector.newFactory('fake', () => ({}), [
        connector.withPair('traces', 'traces', conn('traces', 'traces'), S),
        connector.withPair('traces', 'logs', conn('traces', 'logs'), S),
        connector.withPair('logs', 'logs', conn('logs', 'logs'), S),
      ]),
    ]);
  }

  async build(raw: Record<string, unknown>, previous?: Graph): Promise<Graph> {
    const config = unmarshal(raw, this.factories());
    return Graph.build(config, { logger: recordingLogger().logger, metrics: new ServiceMetrics(), buildInfo: { command: 't', description: 't', version: '0' } }, previous);
  }

  push(id: string, signal: Signal, data: PData = sample[signal](2)): Promise<void> {
    return consumer.consume(signal, this.receiverNext.get(`${id}/${signal}`) as any, consumer.background, data as any);
  }

  to(who: string): PData[] {
    return this.deliveries.filter((d) => d.who === who).map((d) => d.data);
  }
}

const host = { getExtensions: () => new Map() };

describe('graph: instances', () => {
  test('receivers and exporters are shared per signal; processors are one per pipeline; unused components are not built', async () => {
    const world = new World();
    await world.build({
      receivers: { fake: null, 'fake/unused': null },
      processors: { fake: null },
      exporters: { fake: null, 'fake/unused': null },
      service: {
        pipelines: {
          traces: { receivers: ['fake'], processors: ['fake'], exporters: ['fake'] },
          'traces/2': { receivers: ['fake'], processors: ['fake'], exporters: ['fake'] },
          logs: { receivers: ['fake'], exporters: ['fake'] },
        },
      },
    });
    expect(world.created.sort()).toEqual([
      'exporter fake/logs', 'exporter fake/traces',
      'processor fake/traces#0', 'processor fake/traces#1',
      'receiver fake/logs', 'receiver fake/traces',
    ]);
  });

  test('a shared receiver feeds every pipeline of its signal; a shared exporter gets data from each', async () => {
    const world = new World();
    await world.build({
      receivers: { fake: null },
      processors: { fake: null },
      exporters: { fake: null, 'fake/b': null },
      service: {
        pipelines: {
          traces: { receivers: ['fake'], processors: ['fake'], exporters: ['fake'] },
          'traces/2': { receivers: ['fake'], exporters: ['fake', 'fake/b'] },
        },
      },
    });
    await world.push('fake', 'traces');
    expect(world.to('processor fake/traces#0')).toHaveLength(1);
    expect(world.to('exporter fake/traces')).toHaveLength(2);
    expect(world.to('exporter fake/b/traces')).toHaveLength(1);
    expect(world.to('exporter fake/traces').every((d) => d.itemCount() === 2)).toBe(true);
  });

  test('connectors: one instance per supported signal pair, data flows through', async () => {
    const world = new World();
    await world.build({
      receivers: { fake: null },
      exporters: { fake: null },
      connectors: { 'fake/c': null },
      service: {
        pipelines: {
          'traces/in': { receivers: ['fake'], exporters: ['fake/c'] },
          'traces/out': { receivers: ['fake/c'], exporters: ['fake'] },
          'logs/out': { receivers: ['fake/c'], exporters: ['fake'] },
          'logs/out2': { receivers: ['fake/c'], exporters: ['fake'] },
        },
      },
    });
    expect(world.created.filter((c) => c.startsWith('connector')).sort()).toEqual(['connector fake/c/traces->logs', 'connector fake/c/traces->traces']);
    await world.push('fake', 'traces');
    expect(world.to('exporter fake/traces')).toHaveLength(1);
    expect(world.to('exporter fake/logs')).toHaveLength(2); // both logs pipelines
  });
});

describe('graph: errors', () => {
  const conn = (pipelines: Record<string, unknown>) => ({
    receivers: { fake: null }, exporters: { fake: null }, processors: { fake: null }, connectors: { 'fake/conn': null }, service: { pipelines },
  });

  test('connector used as exporter but no supported receiver pipeline', async () => {
    await expect(new World().build(conn({
      'metrics/in': { receivers: ['fake'], exporters: ['fake/conn'] },
      'traces/out': { receivers: ['fake/conn'], exporters: ['fake'] },
    }))).rejects.toThrow('connector "fake/conn" used as exporter in [metrics/in] pipeline but not used in any supported receiver pipeline');
  });

  test('connector used as receiver but no supported exporter pipeline', async () => {
    await expect(new World().build(conn({
      'traces/in': { receivers: ['fake'], exporters: ['fake/conn'] },
      'traces/out': { receivers: ['fake/conn'], exporters: ['fake'] },
      'metrics/out': { receivers: ['fake/conn'], exporters: ['fake'] },
    }))).rejects.toThrow('connector "fake/conn" used as receiver in [metrics/out] pipeline but not used in any supported exporter pipeline');
  });

  test('unsupported pairs are skipped when the connector is valid elsewhere', async () => {
    const world = new World();
    await world.build(conn({
      'traces/in': { receivers: ['fake'], exporters: ['fake/conn'] },
      'logs/in': { receivers: ['fake'], exporters: ['fake/conn'] },
      'traces/out': { receivers: ['fake/conn'], exporters: ['fake'] },
      'logs/out': { receivers: ['fake/conn'], exporters: ['fake'] },
    }));
    // logs->traces is not supported; the other three pairs are.
    expect(world.created.filter((c) => c.startsWith('connector')).sort())
      .toEqual(['connector fake/conn/logs->logs', 'connector fake/conn/traces->logs', 'connector fake/conn/traces->traces']);
  });

  test('cycle detected, worded as Go does', async () => {
    await expect(new World().build(conn({
      traces: { receivers: ['fake/conn'], processors: ['fake'], exporters: ['fake/conn'] },
    }))).rejects.toThrow(
      'cycle detected: connector "fake/conn" (traces to traces) -> processor "fake" in pipeline "traces" -> connector "fake/conn" (traces to traces)',
    );
  });

  test('cycle detected when the looping pipeline also exports elsewhere', async () => {
    await expect(new World().build(conn({
      'traces/in': { receivers: ['fake'], exporters: ['fake/conn'] },
      'traces/loop': { receivers: ['fake/conn'], processors: ['fake'], exporters: ['fake', 'fake/conn'] },
    }))).rejects.toThrow(
      'cycle detected: connector "fake/conn" (traces to traces) -> processor "fake" in pipeline "traces/loop" -> connector "fake/conn" (traces to traces)',
    );
  });

  test('unsupported signals, in Go graph_test.go wording', async () => {
    const base = { receivers: { tonly: null, fake: null }, processors: { tonly: null }, exporters: { tonly: null, fake: null } };
    await expect(new World().build({ ...base, service: { pipelines: { logs: { receivers: ['tonly'], exporters: ['fake'] } } } }))
      .rejects.toThrow('failed to create "tonly" receiver for data type "logs": telemetry type is not supported');
    await expect(new World().build({ ...base, service: { pipelines: { logs: { receivers: ['fake'], processors: ['tonly'], exporters: ['fake'] } } } }))
      .rejects.toThrow('failed to create "tonly" processor, in pipeline "logs": telemetry type is not supported');
    await expect(new World().build({ ...base, service: { pipelines: { logs: { receivers: ['fake'], exporters: ['tonly'] } } } }))
      .rejects.toThrow('failed to create "tonly" exporter for data type "logs": telemetry type is not supported');
  });
});

/** A status reporter that keeps `kind:id [pipelines] Status` for every accepted transition. */
function recordingReporter(): { reporter: StatusReporter; statuses: string[] } {
  const statuses: string[] = [];
  const reporter = new StatusReporter((source, event) => statuses.push(`${source} [${source.pipelineIDs.join(' ')}] ${event.status}`), () => {});
  return { reporter, statuses };
}

describe('graph: lifecycle', () => {
  const config = {
    receivers: { fake: null },
    processors: { fake: null },
    exporters: { fake: null },
    connectors: { 'fake/c': null },
    service: {
      pipelines: {
        'traces/in': { receivers: ['fake'], processors: ['fake'], exporters: ['fake/c'] },
        'traces/out': { receivers: ['fake/c'], exporters: ['fake'] },
      },
    },
  };

  test('start: exporters first, receivers last; shutdown: receivers first, exporters last', async () => {
    const world = new World();
    const graph = await world.build(config);
    await graph.startAll(host, recordingReporter().reporter);
    expect(world.events).toEqual([
      'start exporter fake/traces', 'start connector fake/c/traces->traces', 'start processor fake/traces#0', 'start receiver fake/traces',
    ]);
    world.events.length = 0;
    expect(await graph.shutdownAll(recordingReporter().reporter)).toEqual([]);
    expect(world.events).toEqual([
      'shutdown receiver fake/traces', 'shutdown processor fake/traces#0', 'shutdown connector fake/c/traces->traces', 'shutdown exporter fake/traces',
    ]);
  });

  test('beforeReceivers runs once every other component started, before the first receiver', async () => {
    const world = new World();
    const graph = await world.build(config);
    await graph.startAll(host, recordingReporter().reporter, async () => {
      world.events.push('before receivers');
    });
    expect(world.events).toEqual([
      'start exporter fake/traces', 'start connector fake/c/traces->traces', 'start processor fake/traces#0', 'before receivers', 'start receiver fake/traces',
    ]);
  });

  test('beforeReceivers runs last when no component is a receiver of the graph', async () => {
    const world = new World();
    const graph = await world.build({ receivers: {}, exporters: { fake: null }, connectors: {}, service: { pipelines: {} } });
    const calls: string[] = [];
    await graph.startAll(host, recordingReporter().reporter, async () => {
      calls.push('before receivers');
    });
    expect(calls).toEqual(['before receivers']);
  });

  test('afterReceivers runs once the last receiver stopped, before any other component stops', async () => {
    const world = new World();
    const graph = await world.build(config);
    world.events.length = 0;
    expect(await graph.shutdownAll(recordingReporter().reporter, undefined, async () => {
      world.events.push('after receivers');
    })).toEqual([]);
    expect(world.events).toEqual([
      'shutdown receiver fake/traces', 'after receivers', 'shutdown processor fake/traces#0', 'shutdown connector fake/c/traces->traces', 'shutdown exporter fake/traces',
    ]);
  });

  test('afterReceivers runs first when no component is a receiver of the graph, and its failure is collected', async () => {
    const world = new World();
    const graph = await world.build({ receivers: {}, exporters: { fake: null }, connectors: {}, service: { pipelines: {} } });
    const errors = await graph.shutdownAll(recordingReporter().reporter, undefined, async () => {
      throw new Error('engine down');
    });
    expect(errors.map((e) => e.message)).toEqual(['engine down']);
  });

  test('a failing start aborts with the component named', async () => {
    const world = new World();
    world.failStart = 'processor fake/traces#0';
    const graph = await world.build(config);
    const { reporter, statuses } = recordingReporter();
    await expect(graph.startAll(host, reporter)).rejects.toThrow('failed to start "fake" processor: boom');
    expect(world.events).toEqual(['start exporter fake/traces', 'start connector fake/c/traces->traces']);
    expect(statuses.slice(-2)).toEqual(['processor:fake [traces/in] StatusStarting', 'processor:fake [traces/in] StatusPermanentError']);
  });

  test('each instance is reported Starting, OK, Stopping, Stopped, with the pipelines it belongs to', async () => {
    const world = new World();
    const graph = await world.build(config);
    const { reporter, statuses } = recordingReporter();
    await graph.startAll(host, reporter);
    await graph.shutdownAll(reporter);
    const lifecycle = (who: string) => ['StatusStarting', 'StatusOK', 'StatusStopping', 'StatusStopped'].map((s) => `${who} ${s}`);
    const byInstance = (who: string) => statuses.filter((line) => line.startsWith(`${who} `));
    expect(byInstance('exporter:fake [traces/out]')).toEqual(lifecycle('exporter:fake [traces/out]'));
    expect(byInstance('connector:fake/c [traces/in traces/out]')).toEqual(lifecycle('connector:fake/c [traces/in traces/out]'));
    expect(byInstance('processor:fake [traces/in]')).toEqual(lifecycle('processor:fake [traces/in]'));
    expect(byInstance('receiver:fake [traces/in]')).toEqual(lifecycle('receiver:fake [traces/in]'));
    expect(statuses).toHaveLength(16);
  });

  test('a component reporting through its host is heard; a transition Go forbids is not', async () => {
    const world = new World();
    const graph = await world.build(config);
    const { reporter, statuses } = recordingReporter();
    const hosts: any[] = [];
    const spy = { getExtensions: () => new Map() };
    await graph.startAll(spy, reporter);
    // The host each instance got takes reports for that instance only.
    for (const { instanceID } of graph.componentInstances()) hosts.push([instanceID.toString(), reporter.hostFor(spy, instanceID)]);
    const [, exporterHost] = hosts.find(([id]) => id === 'exporter:fake');
    statuses.length = 0;
    exporterHost.report({ status: 'StatusRecoverableError', error: new Error('refused'), timestamp: new Date() });
    exporterHost.report({ status: 'StatusStarting', timestamp: new Date() }); // OK -> Starting: refused
    exporterHost.report({ status: 'StatusOK', timestamp: new Date() });
    expect(statuses).toEqual(['exporter:fake [traces/out] StatusRecoverableError', 'exporter:fake [traces/out] StatusOK']);
  });
});

describe('graph: reload', () => {
  const pipeline = (exporterConfig: unknown) => ({
    receivers: { fake: null },
    processors: { fake: null },
    exporters: { fake: exporterConfig },
    service: { pipelines: { traces: { receivers: ['fake'], processors: ['fake'], exporters: ['fake'] } } },
  });

  /** The reload's order: build the new graph, hold, shut the old down, start the new, point the receivers at it. */
  async function swap(old: Graph, next: Graph): Promise<void> {
    next.holdReceivers();
    await old.shutdownAll(recordingReporter().reporter, next);
    await next.startAll(host, recordingReporter().reporter);
    next.retargetReceivers();
  }

  test('the same config again: every component is taken over, nothing is created, stopped or started', async () => {
    const world = new World();
    const old = await world.build(pipeline(null));
    await old.startAll(host, recordingReporter().reporter);
    const created = world.created.length;
    world.events.length = 0;
    const next = await world.build(pipeline(null), old);
    await swap(old, next);
    expect(world.created.slice(created)).toEqual([]);
    expect(world.events).toEqual([]);
    expect(next.changes()).toEqual({ kept: ['exporter:fake', 'processor:fake', 'receiver:fake'], built: [] });
    await world.push('fake', 'traces');
    expect(world.to('exporter fake/traces')).toHaveLength(1);
  });

  test('a changed exporter is replaced with what feeds it; the receiver runs on and sends to the new pipeline', async () => {
    const world = new World();
    const old = await world.build(pipeline(null));
    await old.startAll(host, recordingReporter().reporter);
    const created = world.created.length;
    world.events.length = 0;
    const next = await world.build(pipeline({ mutates: false }), old);
    expect(next.changes()).toEqual({ kept: ['receiver:fake'], built: ['exporter:fake', 'processor:fake'] });
    expect(world.created.slice(created)).toEqual(['exporter fake/traces', 'processor fake/traces#1']);
    await swap(old, next);
    // The old processor and exporter stopped (upstream first), the new ones started (downstream first); not the receiver.
    expect(world.events).toEqual(['shutdown processor fake/traces#0', 'shutdown exporter fake/traces', 'start exporter fake/traces', 'start processor fake/traces#1']);
    world.deliveries.length = 0;
    await world.push('fake', 'traces');
    expect(world.deliveries.map((d) => d.who)).toEqual(['processor fake/traces#1', 'exporter fake/traces']);
  });

  test('requests that reach a held receiver wait for the new pipeline instead of the one stopping', async () => {
    const world = new World();
    const old = await world.build(pipeline(null));
    await old.startAll(host, recordingReporter().reporter);
    const next = await world.build(pipeline({ mutates: false }), old);
    next.holdReceivers();
    world.deliveries.length = 0;
    let done = false;
    const held = world.push('fake', 'traces').then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect([done, world.deliveries]).toEqual([false, []]);
    await old.shutdownAll(recordingReporter().reporter, next);
    await next.startAll(host, recordingReporter().reporter);
    next.retargetReceivers();
    await held;
    expect(world.deliveries.map((d) => d.who)).toEqual(['processor fake/traces#1', 'exporter fake/traces']);
  });
});

describe('graph: capabilities', () => {
  test('a pipeline mutates when its exporters mutate, even behind non-mutating processors', async () => {
    const world = new World();
    await world.build({
      receivers: { fake: null },
      processors: { fake: null },
      exporters: { fake: { mutates: true } },
      service: { pipelines: { traces: { receivers: ['fake'], processors: ['fake'], exporters: ['fake'] } } },
    });
    expect(world.receiverNext.get('fake/traces')?.capabilities().mutatesData).toBe(true);
  });

  test('a pipeline mutates when a processor mutates; otherwise not', async () => {
    const world = new World();
    await world.build({
      receivers: { fake: null },
      processors: { fake: null, 'fake/m': { mutates: true } },
      exporters: { fake: null },
      service: {
        pipelines: {
          traces: { receivers: ['fake'], processors: ['fake', 'fake/m'], exporters: ['fake'] },
          logs: { receivers: ['fake'], processors: ['fake'], exporters: ['fake'] },
        },
      },
    });
    expect(world.receiverNext.get('fake/traces')?.capabilities().mutatesData).toBe(true);
    expect(world.receiverNext.get('fake/logs')?.capabilities().mutatesData).toBe(false);
  });

  // scenario: pipelines whose first consumer checks its input, or not, or whose exporters only some do / guarantee: the
  // receiver is told its input is checked downstream only when everything the data reaches first checks it
  test('a pipeline checks its input when whatever the data reaches first does', async () => {
    const world = new World();
    await world.build({
      receivers: { fake: null, 'fake/b': null },
      processors: { 'fake/v': { validates: true }, fake: null },
      exporters: { 'fake/v': { validates: true }, fake: null },
      service: {
        pipelines: {
          traces: { receivers: ['fake'], processors: ['fake/v', 'fake'], exporters: ['fake'] },
          metrics: { receivers: ['fake'], processors: ['fake', 'fake/v'], exporters: ['fake/v'] },
          logs: { receivers: ['fake'], exporters: ['fake/v'] },
          'logs/b': { receivers: ['fake/b'], exporters: ['fake/v', 'fake'] },
        },
      },
    });
    const validates = (key: string) => world.receiverNext.get(key)?.capabilities().validatesData;
    expect([validates('fake/traces'), validates('fake/metrics'), validates('fake/logs'), validates('fake/b/logs')]).toEqual([true, false, true, false]);
  });

  test('two pipelines, one mutating: it gets a clone, the read-only one gets the original', async () => {
    const world = new World();
    await world.build({
      receivers: { fake: null },
      exporters: { fake: null, 'fake/m': { mutates: true } },
      service: {
        pipelines: {
          traces: { receivers: ['fake'], exporters: ['fake'] },
          'traces/m': { receivers: ['fake'], exporters: ['fake/m'] },
        },
      },
    });
    const data = sample.traces(1);
    await world.push('fake', 'traces', data);
    expect(world.to('exporter fake/traces')[0]).toBe(data);
    expect(world.to('exporter fake/m/traces')[0]).not.toBe(data);
    expect(world.to('exporter fake/m/traces')[0].itemCount()).toBe(1);
  });
});

describe('fanout with the navigable pdata API', () => {
  const tagger = (key: string, mutates: boolean) => consumer.newTraces(async (_ctx, td) => {
    td.resourceSpans().at(0).scopeSpans().at(0).spans().at(0).attributes().putStr(key, 'set');
  }, { capabilities: { mutatesData: mutates } });
  const reader = (seen: string[][]) => consumer.newTraces(async (_ctx, td) => {
    seen.push([...td.resourceSpans().at(0).scopeSpans().at(0).spans().at(0).attributes()].map(([key]) => key));
  });

  test('a consumer that declares mutatesData writes its own copy; readers never see its writes', async () => {
    const seen: string[][] = [];
    const data = sample.traces(1) as any;
    await fanout('traces', [tagger('mine', true), reader(seen), reader(seen)]).consumeTraces(consumer.background, data);
    expect(seen).toEqual([[], []]);
  });

  test('a consumer that writes without declaring it, among others, is refused with the error naming mutatesData', async () => {
    const seen: string[][] = [];
    const error = await fanout('traces', [tagger('sneaky', false), reader(seen)])
      .consumeTraces(consumer.background, sample.traces(1) as any).then(() => undefined, (err) => err as Error);
    expect(error?.message).toMatch(/cannot modify read-only traces: .*mutatesData: true/);
    expect(seen).toEqual([[]]);
  });
});

describe('fanout (Go fanoutconsumer rules)', () => {
  function sinkConsumer(mutates: boolean, got: PData[], fail?: string) {
    return consumer.newTraces(async (_ctx, td) => {
      if (fail) throw new Error(fail);
      got.push(td);
    }, { capabilities: { mutatesData: mutates } });
  }

  test('a single non-mutating consumer is used as is', () => {
    const only = sinkConsumer(false, []);
    expect(fanout('traces', [only])).toBe(only);
    expect(fanout('traces', [sinkConsumer(true, [])])).not.toBe(only);
  });

  test('read-only consumers share one instance, marked read-only when more than one', async () => {
    const a: PData[] = [];
    const b: PData[] = [];
    const data = sample.traces(1) as any;
    const fan = fanout('traces', [sinkConsumer(false, a), sinkConsumer(false, b)]);
    expect(fan.capabilities().mutatesData).toBe(false);
    await fan.consumeTraces(consumer.background, data);
    expect(a[0]).toBe(data);
    expect(b[0]).toBe(data);
    expect(data.isReadOnly()).toBe(true);
  });

  test('mutating consumers get clones except the last, which gets the original when nobody reads it', async () => {
    const a: PData[] = [];
    const b: PData[] = [];
    const data = sample.traces(1) as any;
    const fan = fanout('traces', [sinkConsumer(true, a), sinkConsumer(true, b)]);
    expect(fan.capabilities().mutatesData).toBe(true);
    await fan.consumeTraces(consumer.background, data);
    expect(a[0]).not.toBe(data);
    expect(b[0]).toBe(data);
    expect(data.isReadOnly()).toBe(false);
  });

  test('a mutating consumer never shares data with a read-only one, nor gets read-only data', async () => {
    const m: PData[] = [];
    const r: PData[] = [];
    const data = sample.traces(1) as any;
    const fan = fanout('traces', [sinkConsumer(true, m), sinkConsumer(false, r)]);
    expect(fan.capabilities().mutatesData).toBe(false);
    await fan.consumeTraces(consumer.background, data);
    expect(m[0]).not.toBe(data);
    expect(r[0]).toBe(data);
    expect(data.isReadOnly()).toBe(false); // a single read-only consumer: not marked

    const only: PData[] = [];
    const frozen = sample.traces(1) as any;
    frozen.markReadOnly();
    await fanout('traces', [sinkConsumer(true, only)]).consumeTraces(consumer.background, frozen);
    expect(only[0]).not.toBe(frozen);
    expect(only[0].isReadOnly()).toBe(false);
  });

  test('every consumer is called even when one fails; the errors are combined', async () => {
    const got: PData[] = [];
    const fan = fanout('traces', [sinkConsumer(false, [], 'first'), sinkConsumer(false, got), sinkConsumer(false, [], 'third')]);
    const error = await fan.consumeTraces(consumer.background, sample.traces(1) as any).then(() => undefined, (err) => err as Error);
    expect(got).toHaveLength(1);
    expect(error?.message).toContain('first');
    expect(error?.message).toContain('third');
  });
});
