// A minimum s-t cut (Edmonds-Karp) over the components, the engine as the source and the host as the sink: every
// hand-off between two components weighs `crossing` (more than all the preferences together), and each free
// component prefers the engine by 1; fixed components are tied to their side. The source's side of the cut is what
// runs in the engine: the fewest crossings, then the most components in the engine.
import type { Runtime } from '../component';

export function minimumCut(keys: readonly string[], edges: ReadonlyArray<readonly [string, string]>, fixed: (key: string) => Runtime | undefined, crossing: number): Set<string> {
  const ENGINE = 0;
  const HOST = 1;
  const index = new Map(keys.map((key, i) => [key, i + 2]));
  const size = keys.length + 2;
  const capacity = Array.from({ length: size }, () => new Array<number>(size).fill(0));
  const tie = Number.MAX_SAFE_INTEGER / 4;
  for (const key of keys) {
    const at = index.get(key) as number;
    const side = fixed(key);
    if (side === 'rust') capacity[ENGINE][at] = tie;
    else if (side === 'typescript') capacity[at][HOST] = tie;
    else capacity[ENGINE][at] += 1;
  }
  for (const [from, to] of edges) {
    const a = index.get(from);
    const b = index.get(to);
    if (a === undefined || b === undefined || a === b) continue;
    capacity[a][b] += crossing;
    capacity[b][a] += crossing;
  }
  // Augment along shortest paths until the host is unreachable; what is still reachable is the engine's side.
  for (;;) {
    const parent = new Array<number>(size).fill(-1);
    parent[ENGINE] = ENGINE;
    const queue = [ENGINE];
    while (queue.length > 0 && parent[HOST] === -1) {
      const at = queue.shift() as number;
      for (let next = 0; next < size; next++) {
        if (parent[next] === -1 && capacity[at][next] > 0) {
          parent[next] = at;
          queue.push(next);
        }
      }
    }
    if (parent[HOST] === -1) return new Set(keys.filter((key) => parent[index.get(key) as number] !== -1));
    let flow = Infinity;
    for (let v = HOST; v !== ENGINE; v = parent[v]) flow = Math.min(flow, capacity[parent[v]][v]);
    for (let v = HOST; v !== ENGINE; v = parent[v]) {
      capacity[parent[v]][v] -= flow;
      capacity[v][parent[v]] += flow;
    }
  }
}
