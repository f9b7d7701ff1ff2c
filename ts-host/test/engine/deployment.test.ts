// The host's side of the engine's subgraph: which edges an engine node gets from the consumer the graph hands it.
import * as consumer from '../../src/consumer';
import { Deployment } from '../../src/engine/deployment';
import { fanout } from '../../src/graph';

const engineConsumer = (key: string) => Object.assign(consumer.newConsumer('logs', async () => {}), { [consumer.ENGINE_COMPONENT]: key });
const hostConsumer = () => consumer.newConsumer('logs', async () => {});

/** A deployment whose host routes are numbered in registration order, with what each route was registered for. */
function deployment() {
  const routes: consumer.AnyConsumer[] = [];
  const d = new Deployment((_signal, next) => routes.push(next));
  d.addNode({ key: 'p', kind: 'KIND_PROCESSOR', id: 'rust_batch', type: 'rust_batch', configJson: 'null' }, 'logs');
  return { d, routes };
}

test('an engine consumer is an edge inside the engine; a host consumer is an edge to its own host route', () => {
  const { d, routes } = deployment();
  const host = hostConsumer();
  d.addOutput('p', 'logs', engineConsumer('e'));
  d.addOutput('p', 'logs', host);
  expect(d.request().edges).toEqual([
    { from: 'p', signal: 'SIGNAL_LOGS', node: 'e' },
    { from: 'p', signal: 'SIGNAL_LOGS', hostRoute: 1 },
  ]);
  expect(routes).toEqual([host]);
});

test('a fan-out to two engine consumers stays in the engine: two edges, no host route', () => {
  const { d, routes } = deployment();
  d.addOutput('p', 'logs', fanout('logs', [engineConsumer('a'), engineConsumer('b')]));
  expect(d.request().edges).toEqual([
    { from: 'p', signal: 'SIGNAL_LOGS', node: 'a' },
    { from: 'p', signal: 'SIGNAL_LOGS', node: 'b' },
  ]);
  expect(routes).toEqual([]);
});

test('a fan-out to engine and host consumers: an edge per engine consumer and one host route for the host ones together', async () => {
  const { d, routes } = deployment();
  const got: string[] = [];
  const host = (name: string) => consumer.newConsumer('logs', async () => void got.push(name));
  d.addOutput('p', 'logs', fanout('logs', [engineConsumer('a'), host('x'), host('y')]));
  expect(d.request().edges).toEqual([
    { from: 'p', signal: 'SIGNAL_LOGS', node: 'a' },
    { from: 'p', signal: 'SIGNAL_LOGS', hostRoute: 1 },
  ]);
  // The one host route reaches both host consumers.
  const { Logs } = await import('../../src/pdata');
  await consumer.consume('logs', routes[0] as consumer.ConsumerFor<'logs'>, consumer.background, Logs.fromJSON({ resourceLogs: [] }));
  expect(got.sort()).toEqual(['x', 'y']);
});

test('a fan-out of host consumers only is one host route: the host fans out', () => {
  const { d, routes } = deployment();
  const fan = fanout('logs', [hostConsumer(), hostConsumer()]);
  d.addOutput('p', 'logs', fan);
  expect(d.request().edges).toEqual([{ from: 'p', signal: 'SIGNAL_LOGS', hostRoute: 1 }]);
  expect(routes).toEqual([fan]);
});

test('observing wrappers keep the way into the engine, through nested fan-outs too', () => {
  const { d } = deployment();
  const observed = consumer.carryEngineComponent(fanout('logs', [engineConsumer('a'), engineConsumer('b')]), hostConsumer());
  d.addOutput('p', 'logs', fanout('logs', [observed, engineConsumer('c')]));
  expect(d.request().edges.map((e) => ('node' in e ? e.node : e.hostRoute))).toEqual(['a', 'b', 'c']);
});

test('a receiver or exporter used by several signals is one node listing them; routing edges name their pipeline', () => {
  const d = new Deployment(() => 1);
  d.addNode({ key: 'x', kind: 'KIND_EXPORTER', id: 'rust_otlp_grpc', type: 'rust_otlp_grpc', configJson: '{}' }, 'logs');
  d.addNode({ key: 'x', kind: 'KIND_EXPORTER', id: 'rust_otlp_grpc', type: 'rust_otlp_grpc', configJson: '{}' }, 'traces');
  d.addNode({ key: 'x', kind: 'KIND_EXPORTER', id: 'rust_otlp_grpc', type: 'rust_otlp_grpc', configJson: '{}' }, 'logs');
  d.addOutput('r', 'logs', engineConsumer('x'), 'logs/a');
  expect(d.request().nodes).toEqual([{ key: 'x', kind: 'KIND_EXPORTER', id: 'rust_otlp_grpc', type: 'rust_otlp_grpc', configJson: '{}', signals: ['SIGNAL_LOGS', 'SIGNAL_TRACES'] }]);
  expect(d.request().edges).toEqual([{ from: 'r', signal: 'SIGNAL_LOGS', pipeline: 'logs/a', node: 'x' }]);
});
