// The host running the real engine process: spawned with its rings inherited (restarted when it dies, never left
// orphaned), or started separately and attached to (two terminals), and the startup errors a user can meet.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AttachedEngine, Collector, freePort, metricsOn, tempDir, until } from './collector';

const ROOT = path.resolve(__dirname, '..', '..');
const TANDEM = path.join(ROOT, 'scripts', 'bin', 'tandem.js');
const TANDEM_ENGINE = path.join(ROOT, 'scripts', 'bin', 'tandem-engine.js');

function config(port: number, runtime: string, metricsPort?: number, processors: string[] = []): string {
  return `runtime:
  rust:
${runtime}
${processors.length ? `processors:\n${processors.map((p) => `  ${p}:\n    timeout: 10ms\n`).join('')}` : ''}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
exporters:
  debug: {}
service:
${metricsPort ? metricsOn(metricsPort) : '  telemetry:\n    metrics:\n      level: none\n'}  pipelines:
    logs:
      receivers: [otlp]
${processors.length ? `      processors: [${processors.join(', ')}]\n` : ''}      exporters: [debug]
`;
}

/** The host's log records (JSON lines) that carry `msg`. */
function records(output: string, msg: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((r) => r.msg === msg);
}

const post = (port: number, body: string) =>
  fetch(`http://127.0.0.1:${port}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: body } }] }] }] }),
  });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('spawn mode: the engine is a child, restarted on fresh rings when killed, and dies with a killed host', async () => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const collector = await Collector.start(config(port, '    mode: spawn', metricsPort), [port, metricsPort]);
  const ready = records(collector.output, 'Engine ready')[0];
  expect(ready).toMatchObject({ executor: 'tokio_local', cores: 1, ring_setup: 'inherited' });
  const first = ready.pid as number;
  // The engine's own log lines reach the host's output through its stderr, possibly after the host's.
  const attachedLines = (count: number) => () => (records(collector.output, 'ring attached').length >= count ? records(collector.output, 'ring attached') : undefined);
  expect(await until('the ring attached', attachedLines(1))).toHaveLength(1);

  process.kill(first, 'SIGKILL');
  const restarted = await until('the restart', () => records(collector.output, 'Engine restarted')[0]);
  const second = restarted.pid as number;
  expect(second).not.toBe(first);
  expect(alive(second)).toBe(true);
  const epochs = (await until('the new ring attached', attachedLines(2))).map((r) => r.epoch);
  expect(epochs).toHaveLength(2);
  expect(epochs[1]).not.toBe(epochs[0]); // a new region, never the old one reused
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  expect(metrics).toMatch(/^tandem_engine_restarts_total 1$/m);
  expect(metrics).toMatch(/^tandem_ring_requests_total\{direction="host_to_engine"\} 0$/m);
  expect(metrics).toMatch(/^tandem_ring_in_flight 0$/m);

  collector.process.kill('SIGKILL');
  await until('the engine to exit with its host', () => (alive(second) ? undefined : true));
});

test('executor.cores: 2 runs a ring and an otap-dataflow pipeline thread per core, and data flows', async () => {
  const [port, metricsPort] = [await freePort(), await freePort()];
  const runtime = '    mode: spawn\n    executor:\n      type: tokio_local\n      cores: 2';
  const collector = await Collector.start(config(port, runtime, metricsPort, ['rust_batch']), [port, metricsPort]);
  try {
    const ready = records(collector.output, 'Engine ready')[0];
    expect(ready).toMatchObject({ executor: 'tokio_local', cores: 2 });
    expect(records(collector.output, 'ring attached')).toHaveLength(2);
    const threads = fs.readdirSync(`/proc/${ready.pid}/task`).map((t) => fs.readFileSync(`/proc/${ready.pid}/task/${t}/comm`, 'utf8').trim());
    expect(threads.filter((name) => name.startsWith('tandem-core-')).sort()).toEqual(['tandem-core-0', 'tandem-core-1']);
    for (let i = 0; i < 4; i++) expect((await post(port, `record ${i}`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^tandem_ring_requests_total\{direction="host_to_engine"\} 4$/m);
  } finally {
    expect(await collector.stop()).toBe(0);
  }
});

test('executor.pin_cores: each core thread of the spawned engine may run on one CPU of its own', async () => {
  const port = await freePort();
  const runtime = '    mode: spawn\n    executor:\n      type: tokio_local\n      cores: 2\n      pin_cores: true';
  const collector = await Collector.start(config(port, runtime, undefined, ['rust_batch']), [port]);
  try {
    const ready = records(collector.output, 'Engine ready')[0];
    const task = (t: string, file: string) => fs.readFileSync(`/proc/${ready.pid}/task/${t}/${file}`, 'utf8');
    const cpus = (t: string) => /^Cpus_allowed_list:\s*(\S+)$/m.exec(task(t, 'status'))?.[1];
    const cores = fs.readdirSync(`/proc/${ready.pid}/task`).filter((t) => task(t, 'comm').trim().startsWith('tandem-core-'));
    const pinned = cores.map((t) => [task(t, 'comm').trim(), cpus(t)]).sort();
    expect(pinned).toHaveLength(2);
    // A single CPU each, and not the same one (the machine has at least two).
    for (const [, list] of pinned) expect(list).toMatch(/^\d+$/);
    expect(pinned[0][1]).not.toBe(pinned[1][1]);
    expect((await post(port, 'pinned')).status).toBe(200);
  } finally {
    expect(await collector.stop()).toBe(0);
  }
});

test('spawn mode: a graceful stop also stops the engine', async () => {
  const port = await freePort();
  const collector = await Collector.start(config(port, '    mode: spawn'), [port]);
  const pid = records(collector.output, 'Engine ready')[0].pid as number;
  expect(await collector.stop()).toBe(0);
  expect(alive(pid)).toBe(false);
  expect(records(collector.output, 'Stopping the engine...')).toHaveLength(1);
});

test('attach mode: a separately started engine is reached at its endpoint, maps rings by path and carries data', async () => {
  const dir = tempDir('tandem-attach-');
  const shm = tempDir('tandem-shm-');
  const socket = path.join(dir, 'control.sock');
  const engine = spawn(process.execPath, [TANDEM_ENGINE, '--listen', `unix://${socket}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let engineLog = '';
  engine.stderr!.on('data', (d) => (engineLog += d));
  try {
    await until('the engine socket', () => (fs.existsSync(socket) ? true : undefined));
    expect(fs.statSync(socket).mode & 0o777).toBe(0o600);

    const port = await freePort();
    const runtime = `    mode: attach\n    endpoint: unix://${socket}\n    ipc:\n      shm_dir: ${shm}\n      buffer_size: 1MiB\n      max_message_size: 256KiB`;
    const collector = await Collector.start(config(port, runtime, undefined, ['rust_batch']), [port]);
    const ready = records(collector.output, 'Engine ready')[0];
    expect(ready).toMatchObject({ ring_setup: 'attached' });
    // The engine that answered is the binary `npx tandem-engine` started (its parent is that wrapper).
    const parent = Number(fs.readFileSync(`/proc/${ready.pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
    expect(parent).toBe(engine.pid);
    await until('the engine to attach the ring', () => (engineLog.includes('"ring attached"') ? true : undefined));
    const [ring] = fs.readdirSync(shm);
    expect(ring).toMatch(/^tandem-\d+-0\.ring$/);
    expect(fs.statSync(path.join(shm, ring)).mode & 0o777).toBe(0o600);

    // Data crosses into the attached engine (rust_batch) and back to the host's debug exporter.
    expect((await post(port, 'attached')).status).toBe(200);
    // The debug exporter's line reaches the collector's stdout pipe after the answer does.
    const logs = await until('the debug exporter\'s line', () => (records(collector.output, 'Logs').length > 0 ? records(collector.output, 'Logs') : undefined));
    expect(logs).toEqual([expect.objectContaining({ 'log records': 1 })]);

    expect(await collector.stop()).toBe(0);
    expect(fs.readdirSync(shm)).toEqual([]); // removed on a clean exit
    expect(alive(ready.pid as number)).toBe(true); // an attached engine belongs to whoever started it
  } finally {
    // Also when an expectation failed: the engine started here outlives the test otherwise.
    if (engine.exitCode === null && engine.signalCode === null) {
      engine.kill('SIGTERM');
      await new Promise((r) => engine.once('exit', r));
    }
  }
});

/** The config with health check v2 on `healthPort`, which reports each component's status with its reason. */
function healthConfig(port: number, healthPort: number, runtime: string): string {
  const v2 = `extensions:\n  health_check:\n    use_v2: true\n    http:\n      endpoint: 127.0.0.1:${healthPort}\n    component_health:\n      include_recoverable_errors: true\n      recovery_duration: 1ms\n`;
  return config(port, runtime, undefined, ['rust_batch']).replace('service:\n', `${v2}service:\n  extensions: [health_check]\n`);
}

/** rust_batch's status and error as health check v2 reports them. */
const health = async (port: number) => {
  type Status = { status: string; error?: string; components?: Record<string, Status> };
  const body = (await (await fetch(`http://127.0.0.1:${port}/status?verbose`)).json()) as Status;
  const batch = body.components?.['pipeline:logs']?.components?.['processor:rust_batch'];
  return { status: batch?.status, error: batch?.error };
};

// scenario: two terminals; the engine is stopped with Ctrl-C, then killed, and started again each time at the same
// endpoint / guarantee: the host notices at once, answers 503 and health reports why meanwhile, then re-attaches by
// itself on new ring files with a new epoch and everything deployed again; nothing is left of the old rings
test('attach mode: the host re-attaches by itself whenever the engine is stopped or killed and started again', async () => {
  const dir = tempDir('tandem-attach-');
  const shm = tempDir('tandem-shm-');
  const socket = path.join(dir, 'control.sock');
  let engine = await AttachedEngine.start(socket);
  const [port, healthPort] = [await freePort(), await freePort()];
  const runtime = `    mode: attach\n    endpoint: unix://${socket}\n    ipc:\n      shm_dir: ${shm}\n      buffer_size: 1MiB\n      max_message_size: 256KiB`;
  const collector = await Collector.start(healthConfig(port, healthPort, runtime), [port, healthPort]);
  try {
    expect((await post(port, 'before')).status).toBe(200);
    expect(await health(healthPort)).toMatchObject({ status: 'StatusOK' });
    const epochs = [records(collector.output, 'Engine ready')[0]];
    for (const [round, stop] of [[1, 'SIGINT'], [2, 'SIGKILL']] as const) {
      const rings = fs.readdirSync(shm);
      expect(rings).toEqual([expect.stringMatching(/^tandem-\d+-0\.ring$/)]);
      process.kill(engine.pid(), stop);
      await until('the host to notice', () => (records(collector.output, 'Engine session ended; requests in flight failed as retryable; building a new one').length === round ? true : undefined));
      expect((await post(port, 'while down')).status).toBe(503);
      expect(await health(healthPort)).toEqual({ status: 'StatusRecoverableError', error: expect.stringMatching(/; waiting for it to answer again$/) });
      expect(fs.readdirSync(shm)).toEqual([]); // the old session's ring file went with it
      await engine.stop();
      engine = await AttachedEngine.start(socket);
      const reattached = await until('the re-attach', () => records(collector.output, 'Engine re-attached')[round - 1]);
      expect(reattached).toMatchObject({ restarts: round, pid: engine.pid() });
      epochs.push(reattached);
      expect((await post(port, `after ${round}`)).status).toBe(200);
      await until('rust_batch reported OK', async () => ((await health(healthPort)).status === 'StatusOK' ? true : undefined));
    }
    const attachedEpochs = records(collector.output, 'Engine re-attached').map((r) => (r.epochs as string[])[0]);
    expect(new Set(attachedEpochs).size).toBe(2);
    // The debug exporter's lines reach this process a moment after the answers.
    await until('every record at the debug exporter', () => (records(collector.output, 'Logs').length === 3 ? true : undefined));
    expect(records(collector.output, 'Logs').map((r) => r['log records'])).toEqual([1, 1, 1]);
  } finally {
    expect(await collector.stop()).toBe(0);
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(shm, { recursive: true, force: true });
  }
});

// scenario: the host attached to a separately started engine is SIGKILLed, then a new host starts / guarantee: the
// engine drops the dead host's rings and deployment and removes its ring file; the new host attaches and data flows
test('attach mode: an engine whose host was killed drops its rings and files and serves the next host', async () => {
  const dir = tempDir('tandem-attach-');
  const shm = tempDir('tandem-shm-');
  const socket = path.join(dir, 'control.sock');
  const engine = await AttachedEngine.start(socket);
  const port = await freePort();
  const runtime = `    mode: attach\n    endpoint: unix://${socket}\n    ipc:\n      shm_dir: ${shm}\n      buffer_size: 1MiB\n      max_message_size: 256KiB`;
  try {
    const first = await Collector.start(config(port, runtime, undefined, ['rust_batch']), [port]);
    expect((await post(port, 'first host')).status).toBe(200);
    expect(fs.readdirSync(shm)).toEqual([`tandem-${first.process.pid}-0.ring`]);
    first.process.kill('SIGKILL');
    await until('the engine to drop the host', () => (engine.log.includes('host gone: its rings and deployment were dropped') ? true : undefined));
    expect(fs.readdirSync(shm)).toEqual([]);
    // The engine no longer maps the dead host's region.
    expect(fs.readFileSync(`/proc/${engine.pid()}/maps`, 'utf8')).not.toContain(`tandem-${first.process.pid}-0.ring`);

    const second = await Collector.start(config(port, runtime, undefined, ['rust_batch']), [port]);
    expect((await post(port, 'second host')).status).toBe(200);
    expect(records(second.output, 'Logs')).toEqual([expect.objectContaining({ 'log records': 1 })]);
    expect(await second.stop()).toBe(0);
    expect(fs.readdirSync(shm)).toEqual([]);
  } finally {
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(shm, { recursive: true, force: true });
  }
});

test('startup errors: unknown executor type, missing engine binary, unreachable endpoint', async () => {
  const dir = tempDir('tandem-config-');
  const write = (name: string, runtime: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, config(4318, runtime));
    return file;
  };
  const run = (file: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, [TANDEM, '--config', file], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

  const executor = run(write('executor.yaml', '    mode: spawn\n    executor:\n      type: tokio_global'));
  expect(executor.status).toBe(1);
  expect(executor.stderr).toContain(`'rust.executor.type' unsupported value "tokio_global" (valid values: [tokio_local])`);

  const missing = run(write('missing.yaml', '    mode: spawn'), { TANDEM_ENGINE_BINARY: path.join(dir, 'no-such-engine') });
  expect(missing.status).toBe(1);
  expect(missing.stderr).toContain(`failed to start the engine: the engine binary ${path.join(dir, 'no-such-engine')} does not exist`);

  const unreachable = run(write('unreachable.yaml', `    mode: attach\n    endpoint: unix://${path.join(dir, 'nobody.sock')}`));
  expect(unreachable.status).toBe(1);
  expect(unreachable.stderr).toContain(`failed to start the engine: the engine's control endpoint unix://${path.join(dir, 'nobody.sock')} did not answer`);
});
