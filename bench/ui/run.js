#!/usr/bin/env node
// `npm run bench:ui`: how fast the live page (tandem_ui) paints in headless Chromium (Debian's package, driven by
// playwright-core), against, in the same run and browser, a blank page served by a plain Node HTTP server: first
// contentful paint over fresh navigations, alternating the two, while a span and a log record flow every 20 ms.
'use strict';
const http = require('node:http');
const { launchChromium } = require('../../integration-tests/browser/chromium');
const { freePort, machine, startTandem, stopCollector, writeResults, median } = require('../lib');

const NAVIGATIONS = 25;

const config = (httpPort, uiPort) => `runtime:
  rust:
    mode: spawn
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
processors:
  batch:
    timeout: 10ms
  rust_batch:
    timeout: 10ms
exporters:
  debug: {}
extensions:
  tandem_ui:
    endpoint: 127.0.0.1:${uiPort}
service:
  extensions: [tandem_ui]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch, rust_batch]
      exporters: [debug]
    logs:
      receivers: [otlp]
      processors: [rust_batch]
      exporters: [debug]
`;

const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];

async function firstPaint(page, url) {
  await page.goto(url, { waitUntil: 'load' });
  const handle = await page.waitForFunction(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
  return Number(await handle.jsonValue());
}

async function main() {
  const [httpPort, uiPort, blankPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const tandem = await startTandem(config(httpPort, uiPort), uiPort);
  const blank = http.createServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><title>blank</title><link rel="icon" href="data:,"><p>blank</p>'));
  await new Promise((resolve) => blank.listen(blankPort, '127.0.0.1', resolve));
  let flowing = true;
  const flow = (async () => {
    while (flowing) {
      await Promise.all(['traces', 'logs'].map((signal) => fetch(`http://127.0.0.1:${httpPort}/v1/${signal}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(signal === 'traces'
          ? { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'b' }] }] }] }
          : { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'b' } }] }] }] }),
      }).catch(() => undefined)));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const browser = await launchChromium();
  const page = await browser.context.newPage();
  const times = { page: [], blank: [] };
  try {
    await firstPaint(page, `http://127.0.0.1:${blankPort}/`); // warm the browser up
    for (let i = 0; i < NAVIGATIONS; i++) {
      times.blank.push(await firstPaint(page, `http://127.0.0.1:${blankPort}/`));
      times.page.push(await firstPaint(page, `http://127.0.0.1:${uiPort}/`));
    }
  } finally {
    await browser.close();
    flowing = false;
    await flow;
    blank.close();
    await stopCollector(tandem);
  }
  const result = {
    machine: machine(),
    date: new Date().toISOString(),
    navigations: NAVIGATIONS,
    blank: { medianMs: median(times.blank), p90Ms: p90(times.blank) },
    page: { medianMs: median(times.page), p90Ms: p90(times.page) },
    loadAverage: require('node:os').loadavg().map((l) => l.toFixed(1)).join(' '),
  };
  result.ratio = Number((result.page.medianMs / result.blank.medianMs).toFixed(2));
  console.log(JSON.stringify(result, null, 2));
  writeResults('ui', 'Live page', result, `
First contentful paint of the tandem_ui page (the collector with the engine, two pipelines crossing into it, data
flowing) in headless Chromium, against a blank page from a plain Node HTTP server in the same run and browser;
${NAVIGATIONS} fresh navigations of each, alternating.

| page | FCP median (ms) | FCP p90 (ms) |
| --- | ---: | ---: |
| blank page (baseline) | ${result.blank.medianMs.toFixed(0)} | ${result.blank.p90Ms.toFixed(0)} |
| tandem_ui | ${result.page.medianMs.toFixed(0)} | ${result.page.p90Ms.toFixed(0)} |

Ratio (tandem_ui / blank): **${result.ratio}**. Load average during the run: ${result.loadAverage}.`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
