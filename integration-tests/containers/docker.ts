// A real Docker engine for the container tests: whether one answers, the images built from this checkout (the
// prebuilt path: deploy/stage.js, then deploy/Dockerfile with TANDEM_BUILD=prebuilt), and a Compose project of the
// repository's docker-compose.yml with its own name, free published ports and a unique image tag, so that test runs
// never meet each other or a user's stack.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import YAML from 'yaml';
import { freePort, tempDir } from '../test/collector';

export const ROOT = path.resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** Why the container tests cannot run here, or undefined when a Docker engine with Compose v2 answers. */
export function dockerMissing(): string | undefined {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 20_000 });
  if (info.error || info.status !== 0) return 'no Docker engine answers';
  const compose = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 20_000 });
  if (compose.error || compose.status !== 0) return 'Docker answers but has no Compose v2 plugin (`docker compose`)';
  return undefined;
}

/**
 * `describe` when Docker answers; otherwise one line saying the tests were skipped and how to get an engine. CI
 * (.ci/run) starts one first, so there they always run.
 */
export function describeWithDocker(name: string, body: () => void): void {
  const missing = dockerMissing();
  if (missing === undefined) return describe(name, body);
  process.stderr.write(`[containers] skipped "${name}": ${missing}. Start one with ../shared/tools/docker-up (this machine kind) or install Docker with Compose v2.\n`);
  describe.skip(name, body);
}

export async function docker(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run('docker', args, { cwd: ROOT, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 300_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`docker ${args.join(' ')} failed: ${e.stderr || e.message}`);
  }
}

/** Images of this checkout under a tag of their own; `remove` deletes the tags (the builder keeps its cache). */
export class Images {
  readonly tag = `it-${randomBytes(4).toString('hex')}`;

  static async build(): Promise<Images> {
    const images = new Images();
    for (const part of ['host', 'engine']) {
      await run(process.execPath, [path.join(ROOT, 'deploy', 'stage.js'), part, path.join(ROOT, 'deploy', 'prebuilt', part)], { cwd: ROOT });
    }
    await docker(['compose', '-p', `tandem-build-${images.tag}`, 'build'], { env: images.env(), timeoutMs: 900_000 });
    return images;
  }

  env(): NodeJS.ProcessEnv {
    return { TANDEM_BUILD: 'prebuilt', TANDEM_IMAGE_TAG: this.tag };
  }

  image(name: 'engine' | 'collector'): string {
    return `tandem/${name}:${this.tag}`;
  }

  async remove(): Promise<void> {
    await docker(['image', 'rm', this.image('engine'), this.image('collector')]);
  }
}

export interface Ports {
  grpc: number;
  http: number;
  metrics: number;
  health: number;
}

/**
 * A Compose project: docker-compose.yml as shipped, plus an optional override file (YAML text, absolute paths),
 * published on free ports of 127.0.0.1.
 */
export class Stack {
  readonly project = `tandem-it-${randomBytes(4).toString('hex')}`;
  private readonly dir = tempDir('tandem-compose-');
  private readonly files: string[] = [];

  private constructor(
    private readonly images: Images,
    readonly ports: Ports,
  ) {}

  /**
   * docker-compose.yml with an override file, whose content `override` makes (it may create files and folders for it
   * on the stack); with `standalone`, the made file alone is the project.
   */
  static async create(images: Images, override?: (stack: Stack) => Json, standalone = false): Promise<Stack> {
    const ports = { grpc: await freePort(), http: await freePort(), metrics: await freePort(), health: await freePort() };
    const stack = new Stack(images, ports);
    if (!standalone) stack.files.push(path.join(ROOT, 'docker-compose.yml'));
    if (override) stack.files.push(stack.file('compose.yml', YAML.stringify(override(stack))));
    return stack;
  }

  /** A file of the stack's own, removed with it; returns its path. */
  file(name: string, text: string): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  /** A folder of the stack's own, removed with it; `owner` (a uid) may write it. */
  hostDir(name: string, owner?: number): string {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir);
    if (owner !== undefined) fs.chownSync(dir, owner, owner);
    return dir;
  }

  compose(args: string[], timeoutMs?: number): Promise<string> {
    const env = {
      ...this.images.env(),
      TANDEM_OTLP_GRPC_PORT: String(this.ports.grpc),
      TANDEM_OTLP_HTTP_PORT: String(this.ports.http),
      TANDEM_METRICS_PORT: String(this.ports.metrics),
      TANDEM_HEALTH_PORT: String(this.ports.health),
    };
    return docker(['compose', '-p', this.project, ...this.files.flatMap((f) => ['-f', f]), ...args], { env, timeoutMs });
  }

  /** `up -d --wait`: resolves once every service is healthy. */
  async up(...services: string[]): Promise<void> {
    await this.compose(['up', '-d', '--wait', '--wait-timeout', '120', ...services]);
  }

  /** The container's log, without Compose's `service-1 | ` prefixes. */
  async logs(service: string): Promise<string> {
    return this.compose(['logs', '--no-color', '--no-log-prefix', service]);
  }

  /** The JSON log records of a service that carry `msg`. */
  async records(service: string, msg: string): Promise<Json[]> {
    return (await this.logs(service))
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Json)
      .filter((record) => record.msg === msg);
  }

  async container(service: string): Promise<string> {
    return (await this.compose(['ps', '-a', '-q', service])).trim();
  }

  async inspect(service: string): Promise<Json> {
    return JSON.parse(await docker(['inspect', await this.container(service)]))[0];
  }

  /**
   * Kills the service's main process from outside with SIGKILL, as a crash or the kernel's OOM killer would. (`docker
   * kill` is a manual stop to Docker: the restart policy then leaves the container stopped.)
   */
  async crash(service: string): Promise<void> {
    const { State } = await this.inspect(service);
    process.kill(State.Pid, 'SIGKILL');
  }

  async metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${this.ports.metrics}/metrics`)).text();
  }

  async down(): Promise<void> {
    await this.compose(['down', '--volumes', '--timeout', '40'], 120_000);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export type Json = Record<string, any>;

/** Polls `probe` until it returns a value, or fails after `timeoutMs` naming `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
