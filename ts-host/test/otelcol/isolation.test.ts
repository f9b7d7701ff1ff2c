// Bad components from component packages take down only their pipelines (and those joined to them by connectors).
import { fromPackage, noLifecycle, StabilityLevel } from '../../src/component';
import { field } from '../../src/config';
import * as connector from '../../src/connector';
import { newConsumer } from '../../src/consumer';
import * as exporter from '../../src/exporter';
import { affectedPipelines, describeFailure, Factories, isolateConfigFailures } from '../../src/otelcol';
import * as processor from '../../src/processor';
import * as receiver from '../../src/receiver';

const S = StabilityLevel.Beta;
const sink = async () => ({ ...noLifecycle, ...newConsumer('logs', async () => undefined) }) as any;

function factories(): Factories {
  return new Factories([
    receiver.newFactory('in', () => ({}), [receiver.withLogs(async () => noLifecycle, S)]),
    exporter.newFactory('out', () => ({}), [exporter.withLogs(sink, S)]),
    connector.newFactory('join', () => ({}), [connector.withPair('logs', 'logs', sink, S)]),
    fromPackage('@acme/good', processor.newFactory('good', () => ({ level: 1 }), [processor.withLogs(sink, S)], { configSchema: field.object({ level: field.integer() }) })),
    fromPackage('@acme/picky', processor.newFactory('picky', () => ({}), [processor.withLogs(sink, S)], {
      validateConfig: () => {
        throw new Error('"pattern" is required');
      },
    })),
    fromPackage('@acme/a', processor.newFactory('twice', () => ({}), [processor.withLogs(sink, S)])),
    fromPackage('@acme/b', processor.newFactory('twice', () => ({}), [processor.withLogs(sink, S)])),
  ]);
}

const pipelines = (entries: Record<string, { receivers?: string[]; processors?: string[]; exporters?: string[] }>) =>
  new Map(Object.entries(entries).map(([id, p]) => [id, { receivers: p.receivers ?? [], processors: p.processors ?? [], exporters: p.exporters ?? [] }]));

describe('affectedPipelines', () => {
  test('a processor takes down its pipelines; connectors join pipelines transitively; others stay', () => {
    const uses = pipelines({
      'logs/a': { receivers: ['in'], processors: ['p'], exporters: ['join'] },
      'logs/b': { receivers: ['join'], exporters: ['join/2'] },
      'logs/c': { receivers: ['join/2'], exporters: ['out'] },
      'logs/d': { receivers: ['in'], processors: ['p/other'], exporters: ['out'] },
    });
    const connectors = new Set(['join', 'join/2']);
    expect(affectedPipelines(uses, connectors, 'processor', 'p')).toEqual(['logs/a', 'logs/b', 'logs/c']);
    expect(affectedPipelines(uses, connectors, 'processor', 'p/other')).toEqual(['logs/d']);
    expect(affectedPipelines(uses, connectors, 'receiver', 'in')).toEqual(['logs/a', 'logs/b', 'logs/c', 'logs/d']);
    expect(affectedPipelines(uses, connectors, 'exporter', 'out')).toEqual(['logs/a', 'logs/b', 'logs/c', 'logs/d']);
  });
});

describe('isolateConfigFailures', () => {
  const raw = () => ({
    receivers: { in: null },
    processors: { good: { level: 2 }, picky: null, twice: null, 'good/bad': { level: 'high' }, unknown_type: null },
    exporters: { out: null },
    service: {
      pipelines: {
        'logs/good': { receivers: ['in'], processors: ['good'], exporters: ['out'] },
        'logs/picky': { receivers: ['in'], processors: ['picky'], exporters: ['out'] },
        'logs/twice': { receivers: ['in'], processors: ['twice'], exporters: ['out'] },
        'logs/badconfig': { receivers: ['in'], processors: ['good/bad'], exporters: ['out'] },
      },
    },
  });

  test('refused configs and ambiguous types are taken out with their pipelines; the rest is left as it was', () => {
    const { raw: runnable, failures } = isolateConfigFailures(raw(), factories(), []);
    expect(failures.map(describeFailure)).toEqual([
      'processor "picky" (package "@acme/picky"): invalid configuration: "pattern" is required; pipelines not running: ["logs/picky"]',
      'processor "twice" (package "@acme/a", "@acme/b"): processor type "twice" is defined 2 times: by package "@acme/a" (typescript runtime), by package "@acme/b" (typescript runtime); pipelines not running: ["logs/twice"]',
      'processor "good/bad" (package "@acme/good"): error reading configuration for "good/bad": decoding failed due to the following error(s):\n\n'
        + '\'level\' expected type \'int\', got unconvertible type \'string\', value: \'high\'; pipelines not running: ["logs/badconfig"]',
    ]);
    expect(Object.keys((runnable.service as any).pipelines)).toEqual(['logs/good']);
    expect(Object.keys(runnable.processors as object)).toEqual(['good', 'unknown_type']);
  });

  test('an unknown type is the config\'s own error unless a package failed to load', () => {
    expect(isolateConfigFailures(raw(), factories(), []).failures.map((f) => f.id)).not.toContain('unknown_type');
    const { failures } = isolateConfigFailures(raw(), factories(), [{ name: '@acme/gone', error: new Error('component package "@acme/gone" failed to load: boom') }]);
    expect(failures.find((f) => f.id === 'unknown_type')).toMatchObject({
      packages: ['@acme/gone'], reason: 'unknown type "unknown_type", perhaps from a package that did not load: component package "@acme/gone" failed to load: boom',
    });
  });

  test('Tandem\'s own components are not isolated: a config without component packages comes back as it was', () => {
    const plain = { receivers: { in: { bad: 1 } }, exporters: { out: null }, service: { pipelines: { logs: { receivers: ['in'], exporters: ['out'] } } } };
    expect(isolateConfigFailures(plain, factories(), [])).toEqual({ raw: plain, failures: [] });
  });
});
