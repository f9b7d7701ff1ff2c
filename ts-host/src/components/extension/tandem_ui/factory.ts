// The tandem_ui extension: a live page of the running collector, served by the host. One JSON document
// (GET /api/v1/state) says what runs: pipelines as nodes and edges (ring crossings marked), each node's runtime,
// status, counters and rates, config (secrets redacted) and latest errors, the engine and its rings. The page
// (GET /) draws it and follows GET /api/v1/events, server-sent events carrying the same document every `interval`
// and at once when a component's status changes. Nothing is sampled while nobody watches.
import * as http from 'node:http';
import type { Component, Host, Settings } from '../../../component';
import { StabilityLevel } from '../../../component';
import type { Event, InstanceID, Watcher } from '../../../componentstatus';
import * as extension from '../../../extension';
import { isInspectable, isReloadable, listenOn, type ServiceView } from '../../../service';
import { configSchema, createDefaultConfig, type TandemUIConfig, validateConfig } from './config';
import { PAGE } from './page';

/** Per second, over the time since the previous document. */
export interface Rates {
  readonly nodes: Record<string, { itemsIn: number; itemsOut: number; failed: number }>;
  readonly rings?: Record<'hostToEngine' | 'engineToHost', { requests: number; bytes: number }>;
}

export type UIState = ServiceView & { readonly rates: Rates; readonly reload: boolean };

/** Rates between two documents (zero for the first one). */
function rates(previous: ServiceView | undefined, current: ServiceView): Rates {
  const seconds = previous ? (Date.parse(current.time) - Date.parse(previous.time)) / 1000 : 0;
  const per = (now = 0, before = now) => (seconds > 0 ? Math.max(0, now - before) / seconds : 0);
  const before = new Map(previous?.nodes.map((n) => [n.key, n.counters]));
  const nodes = Object.fromEntries(current.nodes.filter((n) => n.counters).map((n) => {
    const b = before.get(n.key);
    return [n.key, { itemsIn: per(n.counters!.itemsIn, b?.itemsIn), itemsOut: per(n.counters!.itemsOut, b?.itemsOut), failed: per(n.counters!.failed, b?.failed) }];
  }));
  if (!current.engine) return { nodes };
  const ring = (side: 'hostToEngine' | 'engineToHost') => ({
    requests: per(current.engine!.rings[side].requests, previous?.engine?.rings[side].requests),
    bytes: per(current.engine!.rings[side].bytes, previous?.engine?.rings[side].bytes),
  });
  return { nodes, rings: { hostToEngine: ring('hostToEngine'), engineToHost: ring('engineToHost') } };
}

class TandemUI implements Component, Watcher {
  private server: http.Server | undefined;
  private host: Host | undefined;
  private readonly clients = new Set<http.ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private previous: ServiceView | undefined;
  private pushSoon: NodeJS.Timeout | undefined;

  constructor(private readonly settings: Settings, private readonly config: TandemUIConfig) {}

  async start(host: Host): Promise<void> {
    if (this.server) return;
    this.host = host;
    this.server = http.createServer((req, res) => void this.answer(req, res));
    await listenOn(this.server, this.config.endpoint);
    this.settings.telemetry.logger.info({ endpoint: `http://${this.config.endpoint}/` }, 'Serving the live page');
  }

  /** A status change is pushed at once (coalesced over 50 ms), not at the next tick. */
  componentStatusChanged(_source: InstanceID, _event: Event): void {
    if (this.clients.size === 0 || this.pushSoon) return;
    this.pushSoon = setTimeout(() => {
      this.pushSoon = undefined;
      void this.push();
    }, 50);
  }

  /** The current document, with rates since the previous one. */
  private async state(): Promise<UIState> {
    const host = this.host;
    if (!host || !isInspectable(host)) throw new Error('the host does not offer inspection');
    const view = await host.inspect();
    const state = { ...view, rates: rates(this.previous, view), reload: this.config.reload };
    // Rates are taken over at least half an interval: documents pushed in quick succession (status changes) would
    // otherwise divide a few items by a few milliseconds.
    if (!this.previous || Date.parse(view.time) - Date.parse(this.previous.time) >= this.config.interval / 2) this.previous = view;
    return state;
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { pathname } = new URL(req.url ?? '/', 'http://host');
    try {
      if (pathname === '/api/v1/reload') return await this.reload(req, res);
      if (req.method !== 'GET') return void res.writeHead(405, { Allow: 'GET' }).end();
      switch (pathname) {
        case '/': {
          // The first document is in the page itself, so the first paint needs no second request.
          const state = await this.state();
          return void res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
            .end(PAGE.replace('__TANDEM_STATE__', () => JSON.stringify(state).replace(/</g, '\\u003c')));
        }
        case '/api/v1/state':
          return void res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(JSON.stringify(await this.state()));
        case '/api/v1/events':
          return this.subscribe(req, res);
        default:
          return void res.writeHead(404).end();
      }
    } catch (err) {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' }).end((err as Error).message);
    }
  }

  /** POST /api/v1/reload, when `reload` allows it: the reload's outcome (200 done, 422 refused). */
  private async reload(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'POST') return void res.writeHead(405, { Allow: 'POST' }).end();
    if (!this.config.reload) return void res.writeHead(403, { 'Content-Type': 'text/plain' }).end('reloading from the page is off (tandem_ui::reload)');
    const host = this.host;
    const result = host && isReloadable(host) ? await host.requestReload() : { ok: false as const, error: 'the host cannot reload' };
    res.writeHead(result.ok ? 200 : 422, { 'Content-Type': 'application/json' }).end(JSON.stringify(result));
  }

  private subscribe(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write(`retry: ${this.config.interval}\n\n`);
    this.clients.add(res);
    req.on('close', () => {
      this.clients.delete(res);
      if (this.clients.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    });
    this.timer ??= setInterval(() => void this.push(), this.config.interval);
    void this.push();
  }

  /** Computes the document once and sends it to every page that follows. */
  private async push(): Promise<void> {
    if (this.clients.size === 0) return;
    let message: string;
    try {
      message = `event: state\ndata: ${JSON.stringify(await this.state())}\n\n`;
    } catch (err) {
      this.settings.telemetry.logger.warn({ error: (err as Error).message }, 'Live page update failed');
      return;
    }
    for (const client of this.clients) client.write(message);
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.pushSoon);
    for (const client of this.clients) client.end();
    this.clients.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function newFactory(): extension.Factory {
  return extension.newFactory('tandem_ui', createDefaultConfig, async (settings, config: TandemUIConfig) => new TandemUI(settings, config), StabilityLevel.Development, {
    configSchema,
    validateConfig,
  });
}
