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
const { rawExportService } = require(path.join(root, 'ts-host', 'dist', 'pdata'));
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

/** A TCP port on 127.0.0.1 that was free a moment ago. */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs `tandem --config <file> ...args` with the given YAML; resolves with the process once `port` accepts
 * connections.
 */
async function startTandem(yaml, port, args = []) {
  const config = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-')), 'config.yaml');
  fs.writeFileSync(config, yaml);
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'bin', 'tandem.js'), '--config', config, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return child;
    if (child.exitCode !== null) throw new Error(`tandem exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('tandem did not start');
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

module.exports = { root, cpuSeconds, machine, writeResults, freePort, startTandem, stopTandem, startTraceSink, measureTraces };
