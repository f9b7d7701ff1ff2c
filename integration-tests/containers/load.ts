// A bounded OTLP/HTTP load that remembers which log records the collector acknowledged: each request carries records
// with unique bodies; a 200 acknowledges them all; a retryable answer (429, 502, 503, 504, or no answer) is retried
// after a short backoff, as OTLP clients do; anything else is an error the test reports. It stops by itself at
// `maxMs` at the latest.
import fs from 'node:fs';

const RETRYABLE = new Set([429, 502, 503, 504]);

export interface LoadOptions {
  workers?: number;
  recordsPerRequest?: number;
  maxMs?: number;
}

export class LogLoad {
  readonly acknowledged = new Set<string>();
  /** Retryable refusals and requests that got no answer (connection refused or reset), in order of arrival. */
  readonly retryable: string[] = [];
  /** Answers that are neither success nor retryable. */
  readonly errors: string[] = [];
  private stopping = false;
  private readonly done: Promise<void>;
  private sequence = 0;

  constructor(
    private readonly url: string,
    readonly run: string,
    options: LoadOptions = {},
  ) {
    const { workers = 2, recordsPerRequest = 20, maxMs = 120_000 } = options;
    const deadline = Date.now() + maxMs;
    this.done = Promise.all(Array.from({ length: workers }, () => this.worker(recordsPerRequest, deadline))).then(() => undefined);
  }

  private body(ids: string[]): string {
    return JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'test.run', value: { stringValue: this.run } }] },
          scopeLogs: [{ scope: { name: 'load' }, logRecords: ids.map((id) => ({ body: { stringValue: id } })) }],
        },
      ],
    });
  }

  private async worker(recordsPerRequest: number, deadline: number): Promise<void> {
    while (!this.stopping && Date.now() < deadline) {
      const ids = Array.from({ length: recordsPerRequest }, (_, i) => `${this.run}-${this.sequence}-${i}`);
      this.sequence++;
      const body = this.body(ids);
      // The same request until it is acknowledged, refused for good, or the load stops.
      while (!this.stopping && Date.now() < deadline) {
        let outcome: string;
        try {
          const response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(10_000) });
          await response.arrayBuffer();
          if (response.status === 200) {
            for (const id of ids) this.acknowledged.add(id);
            break;
          }
          outcome = String(response.status);
          if (!RETRYABLE.has(response.status)) {
            this.errors.push(outcome);
            break;
          }
        } catch (err) {
          outcome = (err as Error).name === 'TimeoutError' ? 'timeout' : 'no answer';
        }
        this.retryable.push(outcome);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Resolves once this many more records than now have been acknowledged. */
  async acknowledgedMore(count: number, timeoutMs = 60_000): Promise<void> {
    const target = this.acknowledged.size + count;
    const deadline = Date.now() + timeoutMs;
    while (this.acknowledged.size < target) {
      if (Date.now() > deadline) throw new Error(`only ${this.acknowledged.size} of ${target} records acknowledged after ${timeoutMs} ms (${this.summary()})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  summary(): string {
    const counts = new Map<string, number>();
    for (const outcome of this.retryable) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    return `acknowledged ${this.acknowledged.size}, retried ${JSON.stringify(Object.fromEntries(counts))}, errors ${JSON.stringify(this.errors)}`;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.done;
  }
}

/** How often each log record body of `run` was written by the `file` exporter to `file`. */
export function exported(file: string, run: string): Map<string, number> {
  const seen = new Map<string, number>();
  if (!fs.existsSync(file)) return seen;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    for (const resource of JSON.parse(line).resourceLogs ?? []) {
      for (const scope of resource.scopeLogs ?? []) {
        for (const record of scope.logRecords ?? []) {
          const body: string | undefined = record.body?.stringValue;
          if (body?.startsWith(`${run}-`)) seen.set(body, (seen.get(body) ?? 0) + 1);
        }
      }
    }
  }
  return seen;
}

/** The acknowledged records that were not exported (must be none). */
export function lost(load: LogLoad, file: string): string[] {
  const seen = exported(file, load.run);
  return [...load.acknowledged].filter((id) => !seen.has(id));
}
