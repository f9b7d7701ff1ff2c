// Writing components against the public API only (the package's index), and testing them with its test helpers.
import { Registry } from 'prom-client';
import {
  component, config, connector, consumer, consumererror, consumertest, componenttest, exporter, exporterhelper, pdata,
  pdatatest, processor, processorhelper, receiver, receiverhelper,
} from '../../src';

const { StabilityLevel } = component;

interface TagConfig {
  key: string;
  value: string;
}

/** A processor that sets one attribute on every span, with a counter of the spans it tagged. */
function tagFactory(): processor.Factory {
  return processor.newFactory<TagConfig>('tag', () => ({ key: 'tagged', value: 'yes' }), [
    processor.withTraces(async (settings, cfg: TagConfig, next) => {
      const tagged = settings.telemetry.meter.createCounter('tag.spans', { description: 'Spans tagged', attributeKeys: ['key'] });
      return processorhelper.newTraces(settings, cfg, next, (_ctx, td) => {
        for (const rs of td.resourceSpans()) for (const ss of rs.scopeSpans()) for (const span of ss.spans()) span.attributes().putStr(cfg.key, cfg.value);
        tagged.add(td.spanCount(), { key: cfg.key });
        return td;
      }, { capabilities: { mutatesData: true } });
    }, StabilityLevel.Development),
  ], {
    configSchema: config.field.object({ key: config.field.string(), value: config.field.string() }),
    validateConfig: (cfg) => {
      if (cfg.key === '') throw new Error('"key" must not be empty');
    },
  });
}

describe('a processor written against the public API', () => {
  test('started from YAML config by componenttest, it tags every span; a sink records what it passed on', async () => {
    const sink = consumertest.newTracesSink();
    const registry = new Registry();
    const tag = await componenttest.startProcessor(tagFactory(), 'traces', 'key: team\nvalue: payments\n', sink, { registry });
    await tag.consumeTraces(consumer.background, pdatatest.generateTraces(3));
    await tag.shutdown();
    expect(sink.itemCount()).toBe(3);
    const spans = [...sink.all()[0].resourceSpans().at(0).scopeSpans().at(0).spans()];
    expect(spans.map((span) => span.attributes().get('team')?.str())).toEqual(['payments', 'payments', 'payments']);
    const metrics = await registry.metrics();
    expect(metrics).toContain('otelcol_tag_spans_total{otelcol_component_id="tag",otelcol_component_kind="Processor",key="team"} 3');
  });

  test('a config the component refuses, in the collector\'s wording', () => {
    expect(() => componenttest.decodeConfig(tagFactory(), { key: '' })).toThrow('processors::tag: "key" must not be empty');
    expect(() => componenttest.decodeConfig(tagFactory(), { kye: 'x' })).toThrow(
      'error reading configuration for "tag": decoding failed due to the following error(s):\n\n\'\' has invalid keys: kye',
    );
    expect(componenttest.decodeConfig(tagFactory())).toEqual({ key: 'tagged', value: 'yes' });
  });

  test('skipping data answers success without passing anything on', async () => {
    const sink = consumertest.newLogsSink();
    const drop = processor.newFactory('drop', () => ({}), [
      processor.withLogs(async (settings, cfg, next) => processorhelper.newLogs(settings, cfg, next, () => {
        throw processorhelper.ErrSkipProcessingData;
      }), StabilityLevel.Alpha),
    ]);
    const instance = await componenttest.startProcessor(drop, 'logs', undefined, sink);
    await expect(instance.consumeLogs(consumer.background, pdatatest.generateLogs(2))).resolves.toBeUndefined();
    expect(sink.itemCount()).toBe(0);
  });
});

describe('exporters, receivers and connectors written against the public API', () => {
  test('an exporterhelper exporter: permanent errors are not retried, retryable ones are', async () => {
    let attempts = 0;
    const failing = exporter.newFactory('flaky', () => ({ ...exporterhelper.defaultExporterHelperConfig(), fail: 'permanent' }), [
      exporter.withMetrics(async (settings, cfg) => exporterhelper.newMetrics(settings, {
        ...cfg, sending_queue: { ...cfg.sending_queue, enabled: false }, retry_on_failure: { ...cfg.retry_on_failure, initial_interval: 1, max_elapsed_time: 1000 },
      }, async () => {
        attempts++;
        if (cfg.fail === 'permanent') throw new consumererror.PermanentError(new Error('bad data'));
        if (attempts < 3) throw new Error('try again');
      }), StabilityLevel.Alpha),
    ], { configSchema: config.field.object({ ...exporterhelper.exporterHelperSchema, fail: config.field.string() }) });
    const permanent = await componenttest.startExporter(failing, 'metrics', null);
    await expect(permanent.consumeMetrics(consumer.background, pdatatest.generateMetrics(1))).rejects.toThrow('Permanent error: bad data');
    expect(attempts).toBe(1);
    attempts = 0;
    const retried = await componenttest.startExporter(failing, 'metrics', { fail: 'retryable' });
    await retried.consumeMetrics(consumer.background, pdatatest.generateMetrics(1));
    expect(attempts).toBe(3);
    await Promise.all([permanent.shutdown(), retried.shutdown()]);
  });

  test('a receiver shared by every signal of one config; its start and shutdown run once', async () => {
    const events: string[] = [];
    const newTicker = () => component.withLifecycle({ next: new Map<string, consumer.AnyConsumer>() }, async () => void events.push('start'), async () => void events.push('shutdown'));
    type Ticker = ReturnType<typeof newTicker>;
    const shared = new receiverhelper.SharedComponents<object, Ticker>();
    const create = (signal: component.Signal) => async (_settings: component.Settings, cfg: object, next: consumer.AnyConsumer) => {
      const instance = shared.getOrAdd(cfg, newTicker);
      instance.next.set(signal, next);
      return instance;
    };
    const factory = receiver.newFactory('ticker', () => ({}), [
      receiver.withTraces(create('traces'), StabilityLevel.Alpha), receiver.withLogs(create('logs'), StabilityLevel.Alpha),
    ]);
    const cfg = componenttest.decodeConfig(factory);
    const settings = componenttest.nopSettings('receiver', 'ticker');
    const a = await factory.create('traces', settings, cfg, consumertest.newTracesSink());
    const b = await factory.create('logs', settings, cfg, consumertest.newLogsSink());
    expect(a).toBe(b);
    await a.start(componenttest.nopHost);
    await b.start(componenttest.nopHost);
    await a.shutdown();
    await b.shutdown();
    expect(events).toEqual(['start', 'shutdown']);
    // Once shut down it is forgotten: a service built again from the same config gets a new receiver.
    expect(shared.getOrAdd(cfg as object, newTicker)).not.toBe(a);
    expect([...(a as Ticker).next.keys()]).toEqual(['traces', 'logs']);
  });

  test('a routing connector picks pipelines by ID through its router', async () => {
    const [east, west] = [consumertest.newLogsSink(), consumertest.newLogsSink()];
    const route = connector.newFactory('route', () => ({}), [
      connector.withPair('logs', 'logs', async (_settings, _cfg, next: connector.Router<'logs'>) =>
        component.withLifecycle(consumer.newLogs((ctx, ld) => consumer.consume('logs', next.consumer('logs/east'), ctx, ld))), StabilityLevel.Alpha),
    ]);
    const instance = await componenttest.startConnector(route, 'logs', 'logs', null, new Map([['logs/east', east], ['logs/west', west]]));
    await instance.consumeLogs(consumer.background, pdatatest.generateLogs(2));
    expect([east.itemCount(), west.itemCount()]).toEqual([2, 0]);
  });
});

describe('consumertest', () => {
  test('waitForItems resolves when enough arrived and rejects with what did otherwise', async () => {
    const sink = consumertest.newTracesSink();
    const waiting = sink.waitForItems(3, 2000);
    await sink.consumeTraces(consumer.background, pdatatest.generateTraces(1));
    await sink.consumeTraces(consumer.background, pdatatest.generateTraces(2));
    await expect(waiting).resolves.toBeUndefined();
    await expect(sink.waitForItems(4, 10)).rejects.toThrow('the traces sink got 3 items in 10ms, expected 4');
    sink.reset();
    expect([sink.itemCount(), sink.all().length]).toEqual([0, 0]);
  });

  test('nop accepts and err fails every signal', async () => {
    await expect(consumertest.newNop().consumeLogs(consumer.background, pdatatest.generateLogs(1))).resolves.toBeUndefined();
    const failure = new consumererror.RetryableError('later');
    await expect(consumertest.newErr(failure).consumeMetrics(consumer.background, pdatatest.generateMetrics(1))).rejects.toBe(failure);
  });
});

describe('pdatatest', () => {
  test('generated data has the documented shape and arrives as undecoded bytes', () => {
    const td = pdatatest.generateTraces(2);
    expect(td.toJSON()).toMatchObject({
      resourceSpans: [{
        resource: { attributes: [{ key: 'resource-attr', value: { stringValue: 'resource-attr-val-1' } }] },
        scopeSpans: [{ spans: [{ name: 'span-0', spanId: '0000000000000001' }, { name: 'span-1', spanId: '0000000000000002' }] }],
      }],
    });
    const bytes = td.toProto();
    expect(td.toProto()).toBe(bytes);
    expect([pdatatest.generateMetrics(4).dataPointCount(), pdatatest.generateLogs(5).logRecordCount()]).toEqual([4, 5]);
    expect(pdatatest.generateMetrics(1).resourceMetrics().at(0).scopeMetrics().at(0).metrics().at(0).type()).toBe(pdata.pmetric.MetricType.Gauge);
  });
});
