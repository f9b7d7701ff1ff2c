// Runs the real `tandem` CLI as a child process for integration tests.
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const TANDEM = resolve(__dirname, '..', '..', 'scripts', 'bin', 'tandem.js');
const TANDEM_ENGINE = resolve(__dirname, '..', '..', 'scripts', 'bin', 'tandem-engine.js');

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

export function tempDir(prefix = 'tandem-it-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Resolves with `probe()`'s first value that is not undefined, polling until `timeoutMs` has passed. */
export async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); done(true); });
    socket.once('error', () => done(false));
  });
}

export class Collector {
  private exited: Promise<number | null>;
  output = '';

  private constructor(readonly process: ChildProcess) {
    process.stdout?.on('data', (chunk) => (this.output += chunk));
    process.stderr?.on('data', (chunk) => (this.output += chunk));
    this.exited = new Promise((done) => process.once('exit', (code) => done(code)));
  }

  /** Starts `tandem --config <yaml>` and resolves once every port in `readyPorts` accepts connections. */
  static async start(yaml: string, readyPorts: number[], timeoutMs = 30_000): Promise<Collector> {
    return Collector.launch('tandem', process.execPath, [TANDEM], yaml, readyPorts, timeoutMs);
  }

  /**
   * Starts `<command> <args> --config <yaml>` (a collector named `name` in errors; a distribution's main, say) in
   * `env`, and resolves once every port in `readyPorts` accepts connections.
   */
  static async launch(
    name: string, command: string, args: string[], yaml: string, readyPorts: number[], timeoutMs = 30_000, env = process.env,
  ): Promise<Collector> {
    const config = join(tempDir('tandem-config-'), 'config.yaml');
    writeFileSync(config, yaml);
    const collector = new Collector(spawn(command, [...args, '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env }));
    const deadline = Date.now() + timeoutMs;
    for (const port of readyPorts) {
      while (!(await canConnect(port))) {
        if (collector.process.exitCode !== null) throw new Error(`${name} exited with ${collector.process.exitCode}:\n${collector.output}`);
        if (Date.now() > deadline) {
          await collector.stop();
          throw new Error(`${name} did not open port ${port} in time:\n${collector.output}`);
        }
        await new Promise((done) => setTimeout(done, 100));
      }
    }
    return collector;
  }

  /** Sends SIGTERM and waits for a graceful exit; resolves with the exit code (null after a SIGKILL, sent when the
   * process is still running `graceMs` later). */
  async stop(graceMs = 20_000): Promise<number | null> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGTERM');
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `npx tandem-engine --listen unix://<socket>` started on its own (attach mode, two terminals), its log kept. */
export class AttachedEngine {
  log = '';
  private readonly exited: Promise<void>;

  private constructor(readonly process: ChildProcess) {
    process.stderr!.on('data', (d) => (this.log += d));
    this.exited = new Promise<void>((r) => process.once('exit', () => r()));
  }

  /** Resolves once the engine's control socket exists. */
  static async start(socket: string): Promise<AttachedEngine> {
    const engine = new AttachedEngine(spawn(process.execPath, [TANDEM_ENGINE, '--listen', `unix://${socket}`], { stdio: ['ignore', 'pipe', 'pipe'] }));
    await until('the engine socket', () => (existsSync(socket) ? true : undefined));
    return engine;
  }

  /** The engine binary's pid: the wrapper's only child. */
  pid(): number {
    return Number(readFileSync(`/proc/${this.process.pid}/task/${this.process.pid}/children`, 'utf8').trim());
  }

  async stop(): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) this.process.kill('SIGTERM');
    await this.exited;
  }
}

/** `service.telemetry` serving the collector's own metrics on 127.0.0.1:`port` (the Go Collector's readers syntax). */
export function metricsOn(port: number): string {
  return `  telemetry:
    metrics:
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: ${port}
`;
}

/** Keeps a test to the TypeScript host unless it names an engine component (internal metrics are off below). */
const TS_ONLY = 'runtime:\n  rust:\n    mode: off\n';
/** The engine spawned with small rings, for tests that run engine components. */
export const WITH_ENGINE = 'runtime:\n  rust:\n    mode: spawn\n    ipc:\n      buffer_size: 4MiB\n      max_message_size: 1MiB\n';

/** Processors the pipelines may name, with short timeouts so that tests do not wait. */
const PROCESSORS: Readonly<Record<string, string>> = {
  batch: '  batch:\n    timeout: 50ms\n',
  rust_batch: '  rust_batch:\n    timeout: 50ms\n',
};

/** A pipeline config for every signal from an `otlp` receiver on the given ports. */
export function otlpConfig(grpcPort: number, httpPort: number, exporters: string, processors: string[] = [], extraReceiverYaml = ''): string {
  const pipeline = (signal: string) =>
    `    ${signal}:\n      receivers: [otlp]\n${processors.length ? `      processors: [${processors.join(', ')}]\n` : ''}      exporters: [${exporterNames(exporters).join(', ')}]\n`;
  const processorsYaml = processors.map((p) => PROCESSORS[p] ?? '').join('');
  const inEngine = processors.some((p) => p.startsWith('rust_')) || exporterNames(exporters).some((e) => e.startsWith('rust_'));
  return `${inEngine ? WITH_ENGINE : TS_ONLY}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
${extraReceiverYaml}      http:
        endpoint: 127.0.0.1:${httpPort}
${processorsYaml ? `processors:\n${processorsYaml}` : ''}exporters:
${exporters}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
${pipeline('traces')}${pipeline('metrics')}${pipeline('logs')}`;
}

/** The top-level names of an `exporters:` YAML block (indented two spaces). */
function exporterNames(exportersYaml: string): string[] {
  return [...exportersYaml.matchAll(/^ {2}([A-Za-z0-9_/.-]+):/gm)].map((m) => m[1]);
}
