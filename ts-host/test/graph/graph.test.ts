import { Component, Signal, StabilityLevel } from '../../src/component';
import * as connector from '../../src/connector';
import * as consumer from '../../src/consumer';
import * as exporter from '../../src/exporter';
import { fanout, Graph } from '../../src/graph';
import { Factories, unmarshal } from '../../src/otelcol';
import { emptyFor, PData } from '../../src/pdata';
import * as processor from '../../src/processor';
import * as receiver from '../../src/receiver';
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
        }, { capabilities: { mutatesData: !!config?.mutates } }),
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
        }, { capabilities: { mutatesData: !!config?.mutates } }),
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

  async build(raw: Record<string, unknown>): Promise<Graph> {
    const config = unmarshal(raw, this.factories());
    return Graph.build(config, { logger: recordingLogger().logger, metrics: new ServiceMetrics(), buildInfo: { command: 't', description: 't', version: '0' } });
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
    await graph.startAll(host);
    expect(world.events).toEqual([
      'start exporter fake/traces', 'start connector fake/c/traces->traces', 'start processor fake/traces#0', 'start receiver fake/traces',
    ]);
    world.events.length = 0;
    expect(await graph.shutdownAll()).toEqual([]);
    expect(world.events).toEqual([
      'shutdown receiver fake/traces', 'shutdown processor fake/traces#0', 'shutdown connector fake/c/traces->traces', 'shutdown exporter fake/traces',
    ]);
  });

  test('beforeReceivers runs once every other component started, before the first receiver', async () => {
    const world = new World();
    const graph = await world.build(config);
    await graph.startAll(host, async () => {
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
    await graph.startAll(host, async () => {
      calls.push('before receivers');
    });
    expect(calls).toEqual(['before receivers']);
  });

  test('afterReceivers runs once the last receiver stopped, before any other component stops', async () => {
    const world = new World();
    const graph = await world.build(config);
    world.events.length = 0;
    expect(await graph.shutdownAll(async () => {
      world.events.push('after receivers');
    })).toEqual([]);
    expect(world.events).toEqual([
      'shutdown receiver fake/traces', 'after receivers', 'shutdown processor fake/traces#0', 'shutdown connector fake/c/traces->traces', 'shutdown exporter fake/traces',
    ]);
  });

  test('afterReceivers runs first when no component is a receiver of the graph, and its failure is collected', async () => {
    const world = new World();
    const graph = await world.build({ receivers: {}, exporters: { fake: null }, connectors: {}, service: { pipelines: {} } });
    const errors = await graph.shutdownAll(async () => {
      throw new Error('engine down');
    });
    expect(errors.map((e) => e.message)).toEqual(['engine down']);
  });

  test('a failing start aborts with the component named', async () => {
    const world = new World();
    world.failStart = 'processor fake/traces#0';
    const graph = await world.build(config);
    await expect(graph.startAll(host)).rejects.toThrow('failed to start "fake" processor: boom');
    expect(world.events).toEqual(['start exporter fake/traces', 'start connector fake/c/traces->traces']);
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
