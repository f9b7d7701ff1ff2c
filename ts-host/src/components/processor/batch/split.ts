// Splits a request so that the first part holds at most a given number of items (spans, data points, log records),
// keeping each item under copies of its resource and scope.
import type { Signal } from '../../../component';
import { fromRequestFor, PDataFor } from '../../../pdata';

type Node = Record<string, unknown>;

/** How to reach the children of a node at one level of the hierarchy, and how to copy a node with other children. */
interface Level {
  children(node: Node): Node[];
  withChildren(node: Node, children: Node[]): Node;
}

const listField = (field: string): Level => ({
  children: (node) => (node[field] as Node[] | undefined) ?? [],
  withChildren: (node, children) => ({ ...node, [field]: children }),
});

const METRIC_DATA = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'];

/** A metric's data points live under whichever data kind it holds. */
const metricDataPoints: Level = {
  children: (metric) => {
    const kind = METRIC_DATA.find((name) => metric[name]);
    return kind ? ((metric[kind] as Node).dataPoints as Node[] | undefined) ?? [] : [];
  },
  withChildren: (metric, points) => {
    const kind = METRIC_DATA.find((name) => metric[name]) as string;
    return { ...metric, [kind]: { ...(metric[kind] as Node), dataPoints: points } };
  },
};

const HIERARCHY: Record<Signal, Level[]> = {
  traces: [listField('resourceSpans'), listField('scopeSpans'), listField('spans')],
  metrics: [listField('resourceMetrics'), listField('scopeMetrics'), listField('metrics'), metricDataPoints],
  logs: [listField('resourceLogs'), listField('scopeLogs'), listField('logRecords')],
};

function countItems(node: Node, levels: Level[]): number {
  if (levels.length === 0) return 1;
  const [level, ...rest] = levels;
  return level.children(node).reduce((total, child) => total + countItems(child, rest), 0);
}

/** Splits `node` into a copy holding the first `budget` items and a copy holding the rest. */
function splitNode(node: Node, levels: Level[], budget: number): [Node, Node] {
  const [level, ...rest] = levels;
  const head: Node[] = [];
  const tail: Node[] = [];
  for (const child of level.children(node)) {
    if (budget <= 0) {
      tail.push(child);
      continue;
    }
    const count = countItems(child, rest);
    if (count <= budget) {
      head.push(child);
      budget -= count;
    } else {
      const [childHead, childTail] = splitNode(child, rest, budget);
      head.push(childHead);
      tail.push(childTail);
      budget = 0;
    }
  }
  return [level.withChildren(node, head), level.withChildren(node, tail)];
}

/** The first `budget` items of `data` and the rest, as two new instances; `data` itself is left unchanged. */
export function splitItems<S extends Signal>(signal: S, data: PDataFor<S>, budget: number): [PDataFor<S>, PDataFor<S>] {
  const [head, tail] = splitNode(data.request() as unknown as Node, HIERARCHY[signal], budget);
  return [fromRequestFor(signal, head), fromRequestFor(signal, tail)];
}
