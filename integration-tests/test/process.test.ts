// The collector as a process users run: what it leaves in the temp folder on every way out, what it needs to validate
// a config, and how it stops when started through npx.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { freePort, metricsOn, tempDir, until } from './collector';

const ROOT = path.resolve(__dirname, '..', '..');
const TANDEM = path.join(ROOT, 'scripts', 'bin', 'tandem.js');

/** A logs pipeline on an HTTP port; `mode` is runtime.rust.mode, `processor` an optional engine processor. */
function config(port: number, mode: string, processor?: string): string {
  return `runtime:
  rust:
    mode: ${mode}
${processor ? `processors:\n  ${processor}: {}\n` : ''}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  debug: {}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [otlp]
${processor ? `      processors: [${processor}]\n` : ''}      exporters: [debug]
`;
}

const listening = (port: number) =>
  new Promise<boolean>((done) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const childrenOf = (pid: number) =>
  fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);

describe('files', () => {
  let tmp: string;
  let dir: string;
  beforeEach(() => {
    tmp = tempDir('tandem-tmp-'); // the collector's TMPDIR: whatever it leaves shows here
    dir = tempDir('tandem-config-');
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (yaml: string) => {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, yaml);
    return file;
  };
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, TMPDIR: tmp, ...extra });

  // scenario: spawn mode with the engine binary missing, and with a binary that exits at once / guarantee: a clear
  // error, soon (not after the handshake's wait), and nothing left in the temp folder
  test('spawn mode: a failed engine start leaves nothing behind', () => {
    const file = write(config(4318, 'spawn', 'rust_batch'));
    const missing = spawnSync(process.execPath, [TANDEM, '--config', file], { encoding: 'utf8', env: env({ TANDEM_ENGINE_BINARY: path.join(dir, 'nope') }), timeout: 30_000 });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('failed to start the engine: the engine binary');
    expect(fs.readdirSync(tmp)).toEqual([]);

    const started = Date.now();
    const failing = spawnSync(process.execPath, [TANDEM, '--config', file], { encoding: 'utf8', env: env({ TANDEM_ENGINE_BINARY: '/bin/false' }), timeout: 30_000 });
    expect(failing.status).toBe(1);
    expect(failing.stderr).toContain('failed to start the engine: the engine exited (code 1) before it answered');
    expect(Date.now() - started).toBeLessThan(8_000); // the handshake waits 10 s for an engine that does not answer
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  // scenario: a collector in spawn mode is SIGKILLed / guarantee: its engine goes with it and removes the private
  // folder of its control socket, which the killed host could not
  test('spawn mode: a SIGKILLed host leaves no folder behind', async () => {
    const port = await freePort();
    const collector = spawn(process.execPath, [TANDEM, '--config', write(config(port, 'spawn', 'rust_batch'))], { stdio: 'ignore', env: env() });
    await until('the collector', async () => ((await listening(port)) ? true : undefined), 30_000);
    const [engine] = childrenOf(collector.pid!);
    expect(fs.readdirSync(tmp)).toEqual([expect.stringMatching(/^tandem-engine-/)]);
    collector.kill('SIGKILL');
    await until('the engine to exit', () => (alive(engine) ? undefined : true));
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  // scenario: `tandem validate` of a config that names host components only, in the default spawn mode, with no
  // engine binary anywhere / guarantee: it validates (exit 0) and starts nothing; an engine component still needs it
  test('validate of a host-only config needs no engine binary', () => {
    const noEngine = env({ TANDEM_ENGINE_BINARY: path.join(dir, 'nope') });
    const hostOnly = spawnSync(process.execPath, [TANDEM, 'validate', '--config', write(config(4318, 'spawn'))], { encoding: 'utf8', env: noEngine });
    expect({ status: hostOnly.status, stderr: hostOnly.stderr }).toEqual({ status: 0, stderr: '' });
    const printed = spawnSync(process.execPath, [TANDEM, 'print-config', '--config', write(config(4318, 'spawn'))], { encoding: 'utf8', env: noEngine });
    expect(printed.status).toBe(0);
    const withEngine = spawnSync(process.execPath, [TANDEM, 'validate', '--config', write(config(4318, 'spawn', 'rust_batch'))], { encoding: 'utf8', env: noEngine });
    expect(withEngine.status).toBe(1);
    expect(withEngine.stderr).toContain('failed to start the engine: the engine binary');
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});

// scenario: Ctrl-C at a terminal, which sends SIGINT to the whole foreground process group, the spawned engine too:
// with the engine idle, and with a batch in the engine holding a client's request (for its 2 s timeout) / guarantee:
// the engine leaves the signal to its host, which drains through it (the held request is answered 200) and exits 0
// (an idle engine used to stop on the signal itself, so the host's drain failed and it exited 1, "Error: 14 UNAVAILABLE")
test.each([
  ['idle', false],
  ['holding a request', true],
])('Ctrl-C stops the collector and its engine cleanly, the engine %s', async (_, holding) => {
  const dir = tempDir('tandem-ctrl-c-');
  const file = path.join(dir, 'config.yaml');
  const [port, metricsPort] = [await freePort(), await freePort()];
  const yaml = config(port, 'spawn', 'rust_batch').replace('rust_batch: {}', 'rust_batch: { timeout: 2s, linger: 2s }');
  fs.writeFileSync(file, yaml.replace('  telemetry:\n    metrics:\n      level: none\n', metricsOn(metricsPort)));
  let output = '';
  const collector = spawn(process.execPath, [TANDEM, '--config', file], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  collector.stdout!.on('data', (d) => (output += d));
  collector.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => collector.once('exit', (code) => done(code)));
  try {
    await until('the collector', async () => ((await listening(port)) ? true : undefined), 30_000);
    const engine = JSON.parse(output.split('\n').find((l) => l.includes('"Engine ready"'))!).pid as number;
    const held = holding
      ? fetch(`http://127.0.0.1:${port}/v1/logs`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'held by rust_batch' } }] }] }] }),
        })
      : undefined;
    // Holding: sent into the engine and not answered (rust_batch holds it); idle: nothing in flight.
    await until('the engine to hold what it should', async () => {
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return new RegExp(`^tandem_ring_in_flight ${holding ? 1 : 0}$`, 'm').test(metrics) ? true : undefined;
    });
    process.kill(-collector.pid!, 'SIGINT');
    if (held) expect((await held).status).toBe(200);
    expect(await exited).toBe(0);
    expect(output).toContain('Shutdown complete.');
    expect(output).not.toContain('Error:');
    await until('the engine to exit', () => (alive(engine) ? undefined : true));
  } finally {
    if (collector.exitCode === null) process.kill(-collector.pid!, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// scenario: the README's `npx tandem --config x.yaml`, and a SIGTERM to the npx process (what a supervisor, `timeout`
// or a CI step sends); npm runs the bin under `sh -c`, which passes the signal on to nobody / guarantee: the
// collector notices its parent went away, shuts down gracefully and frees its port and its engine
test('npx tandem stops when the npx process gets SIGTERM', async () => {
  const dir = tempDir('tandem-npx-');
  const file = path.join(dir, 'config.yaml');
  const port = await freePort();
  fs.writeFileSync(file, config(port, 'spawn', 'rust_batch'));
  let output = '';
  const npx = spawn('npx', ['tandem', '--config', file], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  npx.stdout!.on('data', (d) => (output += d));
  npx.stderr!.on('data', (d) => (output += d));
  try {
    await until('the collector', async () => ((await listening(port)) ? true : undefined), 60_000);
    const engineReady = JSON.parse(output.split('\n').find((l) => l.includes('"Engine ready"'))!);
    npx.kill('SIGTERM');
    await until('the collector to close its port', async () => ((await listening(port)) ? undefined : true));
    await until('the engine to exit', () => (alive(engineReady.pid) ? undefined : true));
    expect(output).toContain('The process that started the collector went away; shutting down');
    expect(output).toContain('Shutdown complete.');
  } finally {
    npx.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
