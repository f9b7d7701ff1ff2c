// The live page (tandem_ui) in a real browser: headless Chromium from Debian's packages, driven by playwright-core,
// against the real collector with data flowing. The graph shows every configured node with its runtime and the ring
// crossings; counters move; a failing exporter is highlighted and shows its errors and its config with the secret
// redacted; killing the engine shows it down, then back; the page reloads the config. A screenshot is kept in
// integration-tests/artifacts/. Chromium is installed from Debian's packages when missing (browser/chromium.js).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium';
import { Collector, freePort, WITH_ENGINE } from './collector';

/** The waitForFunction callbacks below run in the page, where `document` is the page's (this project has no DOM types). */
declare const document: any;

const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const SECRET = 's3cret-token-value';

function config(httpPort: number, uiPort: number): string {
  return `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
processors:
  batch:
    timeout: 10ms
  rust_batch:
    timeout: 10ms
connectors:
  forward: {}
exporters:
  debug: {}
  otlp_http:
    endpoint: http://127.0.0.1:1
    headers:
      authorization: Bearer ${SECRET}
    retry_on_failure:
      enabled: false
    # Acknowledged once queued (Go's default, not Tandem's): the receiver's requests succeed and only this exporter fails.
    sending_queue:
      wait_for_result: false
extensions:
  tandem_ui:
    endpoint: 127.0.0.1:${uiPort}
    interval: 200ms
    reload: true
service:
  extensions: [tandem_ui]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch, rust_batch]
      exporters: [forward]
    traces/out:
      receivers: [forward]
      exporters: [debug]
    logs:
      receivers: [otlp]
      processors: [rust_batch]
      exporters: [debug, otlp_http]
`;
}

/** Posts a span and a log record every 50 ms until stopped: the data flowing while the page is watched. */
function traffic(port: number): { stop(): Promise<void> } {
  let running = true;
  const post = (signal: string, body: object) =>
    fetch(`http://127.0.0.1:${port}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).catch(() => undefined);
  const loop = (async () => {
    while (running) {
      await Promise.all([
        post('traces', { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'ui' }] }] }] }),
        post('logs', { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'ui' } }] }] }] }),
      ]);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

const itemsOut = (page: Page, key: string) => page.getAttribute(`[data-node="${key}"]`, 'data-items-out').then(Number);

describe('tandem_ui in headless Chromium', () => {
  let collector: Collector | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let load: { stop(): Promise<void> } | undefined;

  afterAll(async () => {
    await load?.stop();
    await browser?.close();
    await collector?.stop();
  });

  test('the graph, live counters, a failing exporter, and the engine killed and back', async () => {
    const [httpPort, uiPort] = await Promise.all([freePort(), freePort()]);
    collector = await Collector.start(config(httpPort, uiPort), [httpPort, uiPort]);
    load = traffic(httpPort);
    browser = await launchChromium({ viewport: { width: 1440, height: 860 } });
    const page = await browser.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`http://127.0.0.1:${uiPort}/`);

    // Every configured node, with the runtime it runs in; the ring crossings are edges of their own. `batch` and
    // `forward` run in the engine, as rust_batch and rust_forward, next to rust_batch (runtime::placement: as many
    // crossings either way, and the engine does the same work for less); the HTTP receiver stays in the host.
    const runtimes = await page.$$eval('[data-node]', (nodes) => Object.fromEntries(nodes.map((n) => [n.getAttribute('data-node'), n.getAttribute('data-runtime')])));
    expect(runtimes).toEqual({
      'receiver:otlp': 'typescript',
      'processor:batch@traces': 'rust',
      'processor:rust_batch@traces': 'rust',
      'connector:forward': 'rust',
      'exporter:debug': 'typescript',
      'processor:rust_batch@logs': 'rust',
      'exporter:otlp_http': 'typescript',
    });
    const crossings = await page.$$eval('[data-crossing]', (edges) => edges.map((e) => `${e.getAttribute('data-edge')} ${e.getAttribute('data-crossing')}`).sort());
    expect(crossings).toEqual([
      'connector:forward>exporter:debug engine_to_host',
      'processor:rust_batch@logs>exporter:debug engine_to_host',
      'processor:rust_batch@logs>exporter:otlp_http engine_to_host',
      'receiver:otlp>processor:batch@traces host_to_engine',
      'receiver:otlp>processor:rust_batch@logs host_to_engine',
    ]);

    // Counters move in the page as the data flows (the page follows the server-sent events, no reload).
    const before = await itemsOut(page, 'receiver:otlp');
    await page.waitForFunction(([n]) => Number(document.querySelector('[data-node="receiver:otlp"]')?.getAttribute('data-items-out')) > n + 20, [before]);
    await page.waitForFunction(() => Number(document.querySelector('[data-node="processor:rust_batch@logs"]')?.getAttribute('data-items-out')) > 0);
    await page.waitForSelector('#conn.live');

    // The exporter whose destination refuses is highlighted; its details show its errors and its redacted config.
    await page.waitForSelector('[data-node="exporter:otlp_http"].failing[data-status="StatusRecoverableError"]');
    await page.click('[data-node="exporter:otlp_http"]');
    await page.waitForSelector('#details-errors li');
    expect(await page.textContent('#details-title')).toBe('exporter:otlp_http');
    const shownConfig = JSON.parse((await page.textContent('#details-config')) ?? '{}');
    expect(shownConfig.headers).toEqual({ authorization: '[REDACTED]' });
    expect(shownConfig.endpoint).toBe('http://127.0.0.1:1');
    expect(await page.content()).not.toContain(SECRET);
    expect(await page.getAttribute('[data-node="receiver:otlp"]', 'class')).not.toContain('failing');

    // The same document, for scripts.
    const state = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/state`)).json()) as { nodes: Array<{ key: string }>; engine: { pid: number } };
    expect(state.nodes.map((n) => n.key).sort()).toEqual(Object.keys(runtimes).sort());
    expect(state.engine).toMatchObject({ state: 'running', restarts: 0, cores: 1 });
    expect(JSON.stringify(state)).not.toContain(SECRET);

    // Kill the engine: the page shows it down, its components failing; then back, restarted once, counting again.
    expect(await page.textContent('#engine-state')).toBe('running');
    const pid = Number(await page.textContent('#engine-pid'));
    expect(pid).toBe(state.engine.pid);
    process.kill(pid, 'SIGKILL');
    // In the same update as the engine's state: its components report why they fail.
    await page.waitForFunction(() => document.getElementById('engine-state')?.textContent === 'down'
      && document.querySelector('[data-node="processor:rust_batch@traces"]')?.getAttribute('data-status') === 'StatusRecoverableError'
      && document.querySelector('[data-node="processor:rust_batch@traces"]')?.classList.contains('failing')
      && /the engine exited \(SIGKILL\)/.test(document.getElementById('engine-reason')?.textContent ?? ''), undefined, { polling: 'raf' });
    await page.waitForFunction(() => document.getElementById('engine-state')?.textContent === 'running' && document.getElementById('engine-restarts')?.textContent === '1');
    expect(Number(await page.textContent('#engine-pid'))).not.toBe(pid);
    await page.waitForSelector('[data-node="processor:rust_batch@traces"][data-status="StatusOK"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-node="processor:rust_batch@traces"]')?.getAttribute('data-items-out')) > 5);

    // Reload from the page (allowed by `reload: true`): a changed exporter is replaced; a broken config is refused.
    const configFile = collector.process.spawnargs[collector.process.spawnargs.indexOf('--config') + 1];
    fs.writeFileSync(configFile, config(httpPort, uiPort).replace('  debug: {}', '  debug:\n    verbosity: normal'));
    await page.click('#reload');
    await page.waitForFunction(() => (document.getElementById('reload-result')?.textContent ?? '').startsWith('reloaded: '));
    // Everything upstream of the changed exporter is rebuilt (a component's consumers are fixed when it is built); the
    // receiver and the other exporter run on.
    expect(await page.textContent('#reload-result')).toBe('reloaded: replaced connector:forward, exporter:debug, processor:batch, processor:rust_batch');
    fs.writeFileSync(configFile, `${config(httpPort, uiPort)}colour: blue\n`);
    await page.click('#reload');
    await page.waitForFunction(() => (document.getElementById('reload-result')?.textContent ?? '').startsWith('refused: '));
    expect(await page.textContent('#reload-result')).toContain("'' has invalid keys: colour");
    expect(await fetch(`http://127.0.0.1:${uiPort}/api/v1/reload`).then((r) => r.status)).toBe(405);
    await page.waitForFunction(() => Number(document.querySelector('[data-node="exporter:debug"]')?.getAttribute('data-items-out')) > 0);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'tandem-ui.png'), fullPage: true });
    expect(fs.statSync(path.join(ARTIFACTS, 'tandem-ui.png')).size).toBeGreaterThan(10_000);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
