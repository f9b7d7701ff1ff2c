// What the benchmark drivers share: CPU time and memory of processes, a description of the machine and its load,
// writing results to bench/results/<name>.json and the benchmark's own section of bench/RESULTS.md; and for the
// drivers that push OTLP traces through real collectors: starting a tandem or the Go Collector, the trace sink, the
// load (this process's gRPC client, telemetrygen, generated requests) and its measurement.
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');

const root = path.resolve(__dirname, '..');
const { rawExportService, Traces } = require(path.join(root, 'ts-host', 'dist', 'pdata'));
/** The Go Collector and telemetrygen of the oracle tests (integration-tests/otelcol), built on first use. */
const oracleBuild = () => require(path.join(root, 'integration-tests', 'otelcol', 'build.js'));
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat). */
function cpuSeconds(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function machine() {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** Writes bench/results/<name>.json and replaces the section headed `## <title>` of bench/RESULTS.md. */
function writeResults(name, title, result, sectionBody) {
  const dir = path.join(root, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  // The BENCH_* settings the run was given (window lengths) belong to its command.
  const settings = Object.entries(process.env).filter(([key]) => key.startsWith('BENCH_')).map(([key, value]) => `${key}=${value} `).join('');
  const section = `## ${title}\n\n${sectionBody.trim()}\n\nMachine: ${result.machine}. Command: \`${settings}npm run bench:${name}\` (${result.date}).\n`;
  const file = path.join(root, 'bench', 'RESULTS.md');
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmark results\n';
  const pattern = new RegExp(`## ${title}\\n[\\s\\S]*?(?=\\n## |$)`);
  const updated = pattern.test(current) ? current.replace(pattern, section) : `${current.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, updated);
}

/** The benchmarks' OTLP trace request: `count` server spans with two attributes each, under one resource and scope. */
function traceRequest(count) {
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: `bench-span-${i}`,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000001000000',
    attributes: [{ key: 'http.route', value: { stringValue: '/api/items' } }, { key: 'http.status_code', value: { intValue: '200' } }],
  }));
  return Traces.fromJSON({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }] }).toProto();
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs `command ...args --config <file>` with the given YAML (`name` in errors); resolves with the process once `port`
 * on 127.0.0.1 accepts connections (within 60 s, else the process is killed).
 */
async function startCollector(name, command, args, yaml, port) {
  const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-')), 'config.yaml');
  fs.writeFileSync(config, yaml);
  const child = spawn(command, [...args, '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return child;
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on ${port} within 60 s`);
}

/** Node's flags for the host, as every way of starting it passes them (ts-host/bin/tandem.js says why). */
const HOST_NODE_FLAGS = ['--single-threaded-gc'];

/** The tandem command line (scripts/bin/tandem.js). */
const TANDEM = path.join(root, 'scripts', 'bin', 'tandem.js');

/**
 * Runs `tandem --config <file> ...args` (or `program`, a distribution's main, instead of tandem) with the given YAML;
 * resolves with the process once `port` accepts connections.
 */
function startTandem(yaml, port, args = [], program = TANDEM) {
  return startCollector('tandem', process.execPath, [...HOST_NODE_FLAGS, program, ...args], yaml, port);
}

/** Runs the Go Collector the oracle tests use with the given YAML, like startTandem. */
function startGoCollector(yaml, port) {
  return startCollector('the Go Collector', oracleBuild().otelcol(), [], yaml, port);
}

/** Stops a collector (Tandem or Go) and waits for it to exit; one still running after `graceMs` is killed. */
async function stopCollector(child, graceMs = 30_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => { timer = setTimeout(resolve, graceMs, 'late'); });
  if (await Promise.race([exited, late]) === 'late') {
    process.stderr.write(`[bench] pid ${child.pid} did not stop within ${graceMs / 1000} s of SIGTERM: killed\n`);
    child.kill('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/**
 * Runs `node ...args`, a server that prints `{"port": N}` once listening and a JSON line of counts whenever it reads
 * "count" on stdin (bench/host/sink.js, bench/sparse/floor.js); resolves with the child, its port and a function that
 * asks for the count named `field`. Closing the child's stdin stops it.
 */
async function startCountingServer(args, field) {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const { port } = await next();
  const count = async () => {
    const reply = next();
    child.stdin.write('count\n');
    return (await reply)[field];
  };
  return { child, port, count };
}

/** Starts the OTLP trace sink (bench/host/sink.js); resolves with its port, a span counter and a stop function. */
async function startTraceSink() {
  const { child, port, count } = await startCountingServer([path.join(__dirname, 'host', 'sink.js')], 'spans');
  return {
    port,
    count,
    /** Resolves with the count once it is at least `wanted`, or with what it is after `timeoutMs`. */
    reach: async (wanted, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const spans = await count();
        if (spans >= wanted || Date.now() > deadline) return spans;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    /** Resolves with the count once it has not moved for `quietMs` (what a collector still held has arrived). */
    settle: async (quietMs = 500, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      let last = await count();
      let since = Date.now();
      while (Date.now() - since < quietMs && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const spans = await count();
        if (spans !== last) [last, since] = [spans, Date.now()];
      }
      return last;
    },
    stop: () => child.stdin.end(),
  };
}

const spanCount = (bytes) => Traces.fromProto(bytes).itemCount();

/**
 * Keeps `inFlight` trace Export calls to `address` going until `until`, cycling through `requests` (OTLP bytes);
 * resolves with the spans the collector acknowledged, how many of them should reach the sink (`kept[i]` of request
 * `i` when a filter drops some, else all) and the number of failed calls.
 */
async function sendTraces(address, requests, inFlight, until, kept = requests.map(spanCount)) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const method = rawExportService('traces').Export;
  const spans = requests.map(spanCount);
  let failures = 0;
  let acked = 0;
  let expected = 0;
  let sent = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const i = sent++ % requests.length;
      await new Promise((resolve) => client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, requests[i], (err) => {
        if (err) failures++;
        else [acked, expected] = [acked + spans[i], expected + kept[i]];
        resolve();
      }));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  client.close();
  return { spans_acked: acked, spans_expected: expected, failed_requests: failures };
}

/**
 * Load from `clients` telemetrygen processes (OTLP/gRPC, the Go SDK's batch span processor: `batchSize` spans per
 * export, one export in flight per process), each offering `rate` spans/s (0: as fast as it can) until `until`.
 * telemetrygen does not report what was acknowledged, so the window counts what reached the sink.
 */
async function telemetrygenTraces(address, { clients = 4, rate = 0, batchSize = 100 } = {}, until) {
  const seconds = Math.max(1, Math.round((until - Date.now()) / 1000));
  const args = ['traces', '--otlp-endpoint', address, '--otlp-insecure', '--duration', `${seconds}s`, '--rate', String(rate),
    '--batch-size', String(batchSize), '--workers', '1', '--child-spans', '4', '--service', 'bench-telemetrygen',
    '--telemetry-attributes', 'http.route="/api/items"', '--telemetry-attributes', 'http.response.status_code=200',
    '--allow-export-failures'];
  const runs = Array.from({ length: clients }, () => new Promise((resolve, reject) => {
    const child = spawn(oracleBuild().telemetrygen(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    child.stderr.on('data', (chunk) => { errors = `${errors}${chunk}`.slice(-4000); });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`telemetrygen exited with ${code}: ${errors}`))));
  }));
  await Promise.all(runs);
  return { failed_requests: 0 };
}

/** A process and its children (a tandem host and the engine it spawned): their CPU is the collector's together. */
function processTree(pid) {
  const children = fs.readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  return [pid, ...children.flatMap(processTree)];
}

const treeCpuSeconds = (pids) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/**
 * Resident memory of processes together, in bytes: `rss` sums each one's resident set (pages two of them share, such as
 * the ring's shared memory, count twice), `pss` gives each shared page in shares (the memory they cost the machine).
 */
function memoryOf(pids) {
  let rss = 0;
  let pss = 0;
  for (const pid of pids) {
    const rollup = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    rss += Number(/^Rss:\s+(\d+) kB/m.exec(rollup)[1]) * 1024;
    pss += Number(/^Pss:\s+(\d+) kB/m.exec(rollup)[1]) * 1024;
  }
  return { rss, pss };
}

/** The largest of each field of memoryOf over samples taken every `everyMs` until `stop()`. */
function peakMemory(pids, everyMs = 250) {
  const peak = memoryOf(pids);
  const timer = setInterval(() => {
    const now = memoryOf(pids);
    peak.rss = Math.max(peak.rss, now.rss);
    peak.pss = Math.max(peak.pss, now.pss);
  }, everyMs);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/**
 * Sends traces to `address` for `warmupMs`, then for a measured window of `durationMs`, with the benchmark's own client
 * (`inFlight` calls cycling through `requests`) or with `load(until)` (resolving like sendTraces, or with telemetrygen
 * without `spans_acked`). Once the load stops the window waits for what the collector acknowledged to reach the sink
 * (with telemetrygen, which does not say, until the sink's count stands still). Resolves with the spans per second the
 * collector took (acknowledged; with telemetrygen, delivered), the spans acknowledged, delivered and lost (acknowledged,
 * meant for the sink, never delivered), the failed calls, and for each named process (with its children) the CPU
 * seconds it used in the window, the spans it took per CPU-second and its peak memory (memoryOf).
 */
async function measureTraces({ address, requests, sink, inFlight, warmupMs, durationMs, processes = {}, load }) {
  const run = load ?? ((until) => sendTraces(address, requests, inFlight, until));
  const arrived = (before, result) => (result.spans_expected === undefined ? sink.settle() : sink.reach(before + result.spans_expected));
  const warmupStart = await sink.count();
  const spansBefore = await arrived(warmupStart, await run(Date.now() + warmupMs));
  const trees = Object.entries(processes).map(([name, pid]) => [name, processTree(pid)]);
  const cpuBefore = trees.map(([, pids]) => treeCpuSeconds(pids));
  const memory = trees.map(([, pids]) => peakMemory(pids));
  const started = Date.now();
  const result = await run(started + durationMs);
  const delivered = (await arrived(spansBefore, result)) - spansBefore;
  const taken = result.spans_acked ?? delivered;
  const cpu = Object.fromEntries(trees.map(([name, pids], i) => {
    const seconds = treeCpuSeconds(pids) - cpuBefore[i];
    return [name, { cpu_seconds: seconds, spans_per_cpu_second: Math.round(taken / seconds), peak_memory: memory[i]() }];
  }));
  return {
    spans_per_second: Math.round(taken / (durationMs / 1000)),
    spans_acked: result.spans_acked,
    spans_delivered: delivered,
    spans_lost: result.spans_expected === undefined ? undefined : Math.max(0, result.spans_expected - delivered),
    failed_requests: result.failed_requests,
    cpu,
  };
}

const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target');
/** The Rust half of bench:otap, which also writes the generated requests the collector benchmarks send. */
const OTAP_PEER = path.join(targetDir, 'release', 'tandem-otap-bench');

/** `count` generated trace requests of `spans` spans each (bench/otap/peer/src/generate.rs), as OTLP bytes. */
function generatedTraces(spans, count) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-requests-'));
  const file = path.join(dir, 'requests.bin');
  try {
    execFileSync(OTAP_PEER, ['requests', '--spans', String(spans), '--count', String(count), '--out', file]);
    const bytes = fs.readFileSync(file);
    const requests = [];
    for (let at = 0; at < bytes.length;) {
      const length = bytes.readUInt32LE(at);
      requests.push(bytes.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    return requests;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The middle value (the upper of the two middle ones for an even count). */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** The 1, 5 and 15 minute load averages, two decimals. */
const loadAverage = () => os.loadavg().map((v) => Number(v.toFixed(2)));

module.exports = {
  root, cpuSeconds, treeCpuSeconds, machine, startCountingServer, writeResults, traceRequest, freePort, startCollector, HOST_NODE_FLAGS, TANDEM, startTandem, startGoCollector, stopCollector, startTraceSink, measureTraces,
  sendTraces, telemetrygenTraces, processTree, memoryOf, generatedTraces, median, loadAverage, OTAP_PEER,
};
