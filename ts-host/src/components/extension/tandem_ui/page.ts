// The live page: one self-contained HTML document (no build step, no external resources). The server puts the first
// state in place of __TANDEM_STATE__, so the page draws at once; then it follows /api/v1/events.
export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tandem</title>
<link rel="icon" href="data:,">
<style>
  :root { --ts: #2f6fdd; --rust: #c0531b; --ok: #2e9b4f; --warn: #d49a00; --bad: #d23a3a; --idle: #8a8f98; --line: #9aa3ad; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d232b; background: #f4f6f8; }
  header { display: flex; flex-wrap: wrap; gap: 12px; align-items: stretch; padding: 10px 14px; background: #fff; border-bottom: 1px solid #dde2e7; }
  header h1 { margin: 0 8px 0 0; font-size: 18px; align-self: center; }
  .card { border: 1px solid #dde2e7; border-radius: 6px; padding: 6px 10px; min-width: 170px; background: #fafbfc; }
  .card h2 { margin: 0 0 2px; font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: #5b6570; }
  .big { font-size: 15px; font-weight: 600; }
  .state-running { color: var(--ok); } .state-down { color: var(--bad); } .state-stopped, .state-off { color: var(--idle); }
  .bar { height: 6px; background: #e6e9ed; border-radius: 3px; overflow: hidden; margin-top: 3px; }
  .bar > i { display: block; height: 100%; background: var(--rust); }
  main { display: flex; min-height: calc(100vh - 90px); }
  #graph { flex: 1; overflow: auto; padding: 10px; }
  #pipelines { margin: 0 0 8px; padding: 0; list-style: none; color: #4a535d; }
  #pipelines b { color: #1d232b; }
  svg { display: block; }
  .node rect { fill: #fff; stroke: #c7ced6; stroke-width: 1.2; rx: 6; }
  .node { cursor: pointer; }
  .node.rust rect.band { fill: var(--rust); stroke: none; }
  .node.typescript rect.band { fill: var(--ts); stroke: none; }
  .node.selected rect.box { stroke: #1d232b; stroke-width: 2.5; }
  .node.failing rect.box { fill: #fdecec; stroke: var(--bad); stroke-width: 2.5; }
  .node text { font-size: 12px; fill: #1d232b; }
  .node .sub { font-size: 10.5px; fill: #5b6570; }
  .node .rt { font-size: 10px; font-weight: 700; fill: #fff; }
  .dot-StatusOK { fill: var(--ok); } .dot-StatusRecoverableError { fill: var(--warn); }
  .dot-StatusPermanentError, .dot-StatusFatalError { fill: var(--bad); }
  .dot-StatusNone, .dot-StatusStarting, .dot-StatusStopping, .dot-StatusStopped { fill: var(--idle); }
  .edge { fill: none; stroke: var(--line); stroke-width: 1.5; }
  .edge.crossing { stroke: var(--rust); stroke-width: 2.5; stroke-dasharray: 6 4; }
  .edge-label { font-size: 10px; fill: var(--rust); font-weight: 600; }
  aside { width: 330px; border-left: 1px solid #dde2e7; background: #fff; padding: 10px 14px; overflow: auto; }
  aside h3 { margin: 4px 0; font-size: 15px; }
  aside pre { background: #f4f6f8; padding: 8px; border-radius: 4px; overflow: auto; font-size: 11.5px; }
  .err { color: var(--bad); }
  table { border-collapse: collapse; } td { padding: 1px 8px 1px 0; vertical-align: top; }
  #reload-result { max-width: 320px; font-size: 11.5px; }
  #conn { margin-left: auto; align-self: center; color: var(--idle); }
  #conn.live { color: var(--ok); }
</style>
</head>
<body>
<header>
  <h1>Tandem</h1>
  <div class="card"><h2>Engine</h2>
    <div class="big"><span id="engine-state">-</span></div>
    <div>pid <span id="engine-pid">-</span> · cores <span id="engine-cores">-</span> · restarts <span id="engine-restarts">0</span></div>
    <div id="engine-reason" class="err"></div>
  </div>
  <div class="card"><h2>Ring host &#8594; engine</h2><div id="ring-h2e">-</div><div class="bar"><i id="ring-h2e-fill" style="width:0"></i></div></div>
  <div class="card"><h2>Ring engine &#8594; host</h2><div id="ring-e2h">-</div><div class="bar"><i id="ring-e2h-fill" style="width:0"></i></div></div>
  <div class="card"><h2>Ring requests</h2><div>in flight <span id="ring-inflight">0</span> · waits <span id="ring-waits">0</span></div></div>
  <div class="card" id="reload-card" hidden><h2>Config</h2><button id="reload">Reload config</button><div id="reload-result"></div></div>
  <span id="conn">connecting</span>
</header>
<main>
  <section id="graph"><ul id="pipelines"></ul><svg id="svg" width="10" height="10"></svg></section>
  <aside id="details"><p>Click a node to see its status, counters, latest errors and config.</p></aside>
</main>
<script id="initial" type="application/json">__TANDEM_STATE__</script>
<script>
"use strict";
const W = 172, H = 62, GAP_X = 46, GAP_Y = 16, PAD = 16;
const KIND_ORDER = { receiver: 0, processor: 1, connector: 2, exporter: 3 };
let state = JSON.parse(document.getElementById('initial').textContent);
let selected = null;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
function num(n) {
  if (n >= 1e9) return (n / 1e9).toFixed(1) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(1) + 'M';
  if (n >= 1e3) return (n / 1e3).toFixed(1) + 'k';
  return n >= 10 || n === 0 ? String(Math.round(n)) : n.toFixed(1);
}
const bytes = (n) => num(n) + 'B';
const isError = (s) => s === 'StatusRecoverableError' || s === 'StatusPermanentError' || s === 'StatusFatalError';

/** Columns by longest path from the sources; rows by pipeline order within a column. */
function layout(nodes, edges) {
  const depth = new Map(nodes.map((n) => [n.key, 0]));
  for (let pass = 0; pass < nodes.length; pass++) {
    let changed = false;
    for (const e of edges) {
      const d = depth.get(e.from) + 1;
      if (depth.has(e.to) && d > depth.get(e.to)) { depth.set(e.to, d); changed = true; }
    }
    if (!changed) break;
  }
  const pipelineIndex = new Map(state.pipelines.map((p, i) => [p.id, i]));
  const columns = [];
  for (const n of nodes) (columns[depth.get(n.key)] ||= []).push(n);
  const pos = new Map();
  columns.forEach((col, c) => {
    col.sort((a, b) => (pipelineIndex.get(a.pipelines[0]) - pipelineIndex.get(b.pipelines[0])) || (KIND_ORDER[a.kind] - KIND_ORDER[b.kind]) || a.key.localeCompare(b.key));
    col.forEach((n, r) => pos.set(n.key, { x: PAD + c * (W + GAP_X), y: PAD + r * (H + GAP_Y) }));
  });
  const rows = Math.max(1, ...columns.map((c) => (c ? c.length : 0)));
  return { pos, width: PAD * 2 + columns.length * (W + GAP_X) - GAP_X, height: PAD * 2 + rows * (H + GAP_Y) - GAP_Y };
}

function nodeLine(n) {
  const r = state.rates.nodes[n.key];
  const fill = n.fill ? ' · ' + (n.fill.unit === 'requests' ? 'queue ' : 'held ') + n.fill.used + '/' + n.fill.capacity : '';
  if (!r) return (n.kind === 'connector' ? 'joins ' + n.pipelines.join(', ') : 'no counters') + fill;
  return 'in ' + num(r.itemsIn) + '/s · out ' + num(r.itemsOut) + '/s' + (r.failed > 0 ? ' · failed ' + num(r.failed) + '/s' : '') + fill;
}

function renderGraph() {
  const { pos, width, height } = layout(state.nodes, state.edges);
  const svg = document.getElementById('svg');
  svg.setAttribute('width', width);
  svg.setAttribute('height', height);
  let out = '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9aa3ad"/></marker>' +
    '<marker id="arrow-ring" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#c0531b"/></marker></defs>';
  for (const e of state.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    out += '<path class="edge' + (e.crossing ? ' crossing' : '') + '" data-edge="' + esc(e.from + '>' + e.to) + '"' + (e.crossing ? ' data-crossing="' + e.crossing + '"' : '') +
      ' marker-end="url(#' + (e.crossing ? 'arrow-ring' : 'arrow') + ')" d="M' + x1 + ',' + y1 + ' C' + mx + ',' + y1 + ' ' + mx + ',' + y2 + ' ' + (x2 - 2) + ',' + y2 + '">' +
      '<title>' + esc(e.pipeline) + (e.crossing ? ': ring ' + (e.crossing === 'host_to_engine' ? 'host to engine' : 'engine to host') : '') + '</title></path>';
    if (e.crossing) out += '<text class="edge-label" x="' + mx + '" y="' + ((y1 + y2) / 2 - 5) + '" text-anchor="middle">ring</text>';
  }
  for (const n of state.nodes) {
    const p = pos.get(n.key);
    const r = state.rates.nodes[n.key];
    const failing = isError(n.status) || (r && r.failed > 0);
    const cls = 'node ' + n.runtime + (failing ? ' failing' : '') + (selected === n.key ? ' selected' : '');
    const rt = n.runtime === 'rust' ? 'Rust' : 'TS';
    const out1 = n.counters ? n.counters.itemsOut : '';
    out += '<g class="' + cls + '" data-node="' + esc(n.key) + '" data-runtime="' + n.runtime + '" data-status="' + n.status + '" data-items-out="' + out1 + '" transform="translate(' + p.x + ',' + p.y + ')">' +
      '<rect class="box" width="' + W + '" height="' + H + '"/><rect class="band" width="34" height="16" x="' + (W - 40) + '" y="6" rx="3"/>' +
      '<text class="rt" x="' + (W - 23) + '" y="18" text-anchor="middle">' + rt + '</text>' +
      '<circle class="dot-' + n.status + '" cx="12" cy="14" r="5"/>' +
      '<text x="22" y="18" font-weight="600">' + esc(n.id.length > 16 ? n.id.slice(0, 15) + '…' : n.id) + '</text>' +
      '<text class="sub" x="10" y="36">' + n.kind + ' · ' + esc(n.status.replace(/^Status/, '')) + '</text>' +
      '<text class="sub" x="10" y="54">' + esc(nodeLine(n)) + '</text></g>';
  }
  svg.innerHTML = out;
}

function renderHeader() {
  const e = state.engine;
  const text = (id, v) => { document.getElementById(id).textContent = v; };
  const stateEl = document.getElementById('engine-state');
  const engineState = e ? e.state : 'off';
  stateEl.textContent = engineState;
  stateEl.className = 'state-' + engineState;
  text('engine-pid', e && e.pid ? e.pid : '-');
  text('engine-cores', e && e.cores ? e.cores + (e.executor ? ' (' + e.executor + ')' : '') : '-');
  text('engine-restarts', e ? e.restarts : 0);
  text('engine-reason', e && e.state !== 'running' && e.reason ? e.reason : '');
  for (const [side, id] of [['hostToEngine', 'ring-h2e'], ['engineToHost', 'ring-e2h']]) {
    const ring = e && e.rings[side], rate = state.rates.rings && state.rates.rings[side];
    text(id, ring ? num(rate ? rate.requests : 0) + ' req/s · ' + bytes(rate ? rate.bytes : 0) + '/s · ' + bytes(ring.used) + ' of ' + bytes(ring.capacity) : 'no engine');
    document.getElementById(id + '-fill').style.width = ring && ring.capacity ? Math.max(ring.used > 0 ? 2 : 0, 100 * ring.used / ring.capacity) + '%' : '0';
  }
  text('ring-inflight', e ? e.inFlight : 0);
  document.getElementById('reload-card').hidden = !state.reload;
  text('ring-waits', e ? e.waits : 0);
  document.getElementById('pipelines').innerHTML = state.pipelines.map((p) =>
    '<li><b>' + esc(p.id) + '</b>: ' + esc([p.receivers.join(', '), ...p.processors, p.exporters.join(', ')].filter(Boolean).join(' → ')) + '</li>').join('');
}

function renderDetails() {
  const aside = document.getElementById('details');
  const n = state.nodes.find((x) => x.key === selected);
  if (!n) return;
  const r = state.rates.nodes[n.key];
  const rows = [['type', n.type], ['runtime', n.runtime === 'rust' ? 'Rust (engine)' : 'TypeScript (host)'], ['pipelines', n.pipelines.join(', ')],
    ['status', n.status + (n.statusTime ? ' since ' + n.statusTime : '')]];
  if (n.counters) rows.push(['items', 'in ' + n.counters.itemsIn + ' · out ' + n.counters.itemsOut + ' · failed ' + n.counters.failed]);
  if (r) rows.push(['per second', 'in ' + num(r.itemsIn) + ' · out ' + num(r.itemsOut) + ' · failed ' + num(r.failed)]);
  if (n.fill) rows.push(['buffered', n.fill.used + ' of ' + n.fill.capacity + ' ' + n.fill.unit]);
  aside.innerHTML = '<h3 id="details-title">' + esc(n.key) + '</h3>' +
    (n.error ? '<p class="err" id="details-error">' + esc(n.error) + '</p>' : '') +
    '<table>' + rows.map(([k, v]) => '<tr><td>' + k + '</td><td>' + esc(v) + '</td></tr>').join('') + '</table>' +
    '<h3>Latest errors</h3>' + (n.recentErrors.length ? '<ul id="details-errors">' + n.recentErrors.slice().reverse().map((e) => '<li><small>' + esc(e.time) + '</small><br>' + esc(e.message) + '</li>').join('') + '</ul>' : '<p>none</p>') +
    '<h3>Config</h3><pre id="details-config">' + esc(JSON.stringify(n.config, null, 2)) + '</pre>';
}

function render() {
  renderHeader();
  renderGraph();
  renderDetails();
}

document.getElementById('svg').addEventListener('click', (ev) => {
  const g = ev.target.closest('[data-node]');
  if (!g) return;
  selected = g.getAttribute('data-node');
  render();
});

document.getElementById('reload').addEventListener('click', async () => {
  const out = document.getElementById('reload-result');
  out.textContent = 'reloading...';
  const result = await fetch('/api/v1/reload', { method: 'POST' }).then((r) => r.json(), (e) => ({ ok: false, error: String(e) }));
  out.className = result.ok ? '' : 'err';
  out.textContent = result.ok ? 'reloaded: ' + (result.built.length ? 'replaced ' + result.built.join(', ') : 'nothing changed') : 'refused: ' + result.error;
});

render();
const conn = document.getElementById('conn');
const events = new EventSource('/api/v1/events');
events.addEventListener('state', (ev) => {
  state = JSON.parse(ev.data);
  conn.textContent = 'live';
  conn.className = 'live';
  render();
});
events.onerror = () => { conn.textContent = 'disconnected, retrying'; conn.className = ''; };
</script>
</body>
</html>
`;
