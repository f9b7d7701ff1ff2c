// What the benchmark drivers share: CPU time of a process, a description of the machine, writing results to
// bench/results/<name>.json and the benchmark's own section of bench/RESULTS.md; and for the drivers that push OTLP
// traces through real tandem processes (host, otap): starting a tandem, the trace sink, the load and its measurement.
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
  const section = `## ${title}\n\n${sectionBody.trim()}\n\nMachine: ${result.machine}. Command: \`npm run bench:${name}\` (${result.date}).\n`;
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
 * accepts connections.
 */
async function startCollector(name, command, args, yaml, port) {
  const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-')), 'config.yaml');
  fs.writeFileSync(config, yaml);
  const child = spawn(command, [...args, '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return child;
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not start`);
}

/**
 * Runs `tandem --config <file> ...args` (or `program`, a distribution's main, instead of tandem) with the given YAML;
 * resolves with the process once `port` accepts connections.
 */
function startTandem(yaml, port, args = [], program = path.join(root, 'scripts', 'bin', 'tandem.js')) {
  return startCollector('tandem', process.execPath, [program, ...args], yaml, port);
}

/** Runs the Go Collector the oracle tests use (integration-tests/otelcol, built on first use) with the given YAML. */
function startGoCollector(yaml, port) {
  const { otelcol } = require(path.join(root, 'integration-tests', 'otelcol', 'build.js'));
  return startCollector('the Go Collector', otelcol(), [], yaml, port);
}

async function stopTandem(child) {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

/** Starts the OTLP trace sink (bench/host/sink.js); resolves with its port, a span counter and a stop function. */
async function startTraceSink() {
  const child = spawn(process.execPath, [path.join(__dirname, 'host', 'sink.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const { port } = await next();
  return {
    port,
    count: async () => {
      const reply = next();
      child.stdin.write('count\n');
      return (await reply).spans;
    },
    stop: () => child.stdin.end(),
  };
}

/** Keeps `inFlight` trace Export calls to `address` going until `until`, cycling through `requests` (OTLP bytes);
 * resolves with the number of failed calls. */
async function sendTraces(address, requests, inFlight, until) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const method = rawExportService('traces').Export;
  let failures = 0;
  let sent = 0;
  const worker = async () => {
    while (Date.now() < until) {
      const bytes = requests[sent++ % requests.length];
      await new Promise((resolve) => client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, bytes,
        (err) => { if (err) failures++; resolve(); }));
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  client.close();
  return failures;
}

/** A process and its children (a tandem host and the engine it spawned): their CPU is the collector's together. */
function processTree(pid) {
  const children = fs.readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  return [pid, ...children.flatMap(processTree)];
}

const treeCpuSeconds = (pids) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/**
 * Sends traces to `address` for `warmupMs`, then for a measured window of `durationMs`: resolves with the spans per
 * second that reached the sink, the failed calls, and for each named process (with its children) the CPU seconds it
 * used in the window and the spans per CPU-second.
 */
async function measureTraces({ address, requests, sink, inFlight, warmupMs, durationMs, processes = {} }) {
  await sendTraces(address, requests, inFlight, Date.now() + warmupMs);
  const spansBefore = await sink.count();
  const trees = Object.entries(processes).map(([name, pid]) => [name, processTree(pid)]);
  const cpuBefore = trees.map(([, pids]) => treeCpuSeconds(pids));
  const started = Date.now();
  const failures = await sendTraces(address, requests, inFlight, started + durationMs);
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the last batch reach the sink
  const elapsed = (Date.now() - started) / 1000;
  const spans = (await sink.count()) - spansBefore;
  const cpu = Object.fromEntries(trees.map(([name, pids], i) => {
    const seconds = treeCpuSeconds(pids) - cpuBefore[i];
    return [name, { cpu_seconds: seconds, spans_per_cpu_second: Math.round(spans / seconds) }];
  }));
  return { spans_per_second: Math.round(spans / elapsed), failed_requests: failures, cpu };
}

module.exports = { root, cpuSeconds, machine, writeResults, traceRequest, freePort, startTandem, startGoCollector, stopTandem, startTraceSink, measureTraces };
