// The host's end of the control channel (proto/control.proto), with @grpc/grpc-js and @grpc/proto-loader.
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import fs from 'node:fs';
import path from 'node:path';
import { layout } from '@tandem/ipc';

// The repository's proto/control.proto; the npm package carries a copy at its own root (scripts/pack.js puts it there).
const PROTO = [path.resolve(__dirname, '..', '..', 'proto', 'control.proto'), path.resolve(__dirname, '..', '..', '..', 'proto', 'control.proto')]
  .find((candidate) => fs.existsSync(candidate)) as string;
const definition = protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true });
const pkg = grpc.loadPackageDefinition(definition) as unknown as {
  tandem: { control: { v1: { Control: grpc.ServiceClientConstructor } } };
};

/** The version proto/control.proto defines (enum ControlApi), read from the file itself. */
export const CONTROL_API_VERSION: number = (() => {
  const controlApi = definition['tandem.control.v1.ControlApi'] as unknown as { type: { value: Array<{ name: string; number: number }> } };
  return controlApi.type.value.find((v) => v.name === 'CONTROL_API_VERSION')!.number;
})();

export interface Runtime {
  executorType: string;
  cores: number;
  pid: number;
  ringSetup: string;
}

export interface HandshakeResponse {
  controlApiVersion: number;
  ringLayoutVersion: number;
  engineVersion: string;
  runtime: Runtime;
}

export interface EngineFactory {
  type: string;
  kind: 'KIND_RECEIVER' | 'KIND_PROCESSOR' | 'KIND_EXPORTER' | 'KIND_CONNECTOR' | 'KIND_EXTENSION';
  signals: Array<{ signal: 'SIGNAL_TRACES' | 'SIGNAL_METRICS' | 'SIGNAL_LOGS'; stability: string }>;
  pairs: Array<{ from: 'SIGNAL_TRACES' | 'SIGNAL_METRICS' | 'SIGNAL_LOGS'; to: 'SIGNAL_TRACES' | 'SIGNAL_METRICS' | 'SIGNAL_LOGS'; stability: string }>;
  defaultConfigJson: string;
  description: string;
  /** Connectors that choose among their pipelines get one target per pipeline. */
  routes: boolean;
}

type EngineSignal = EngineFactory['signals'][number]['signal'];

/** One node of the engine's part of the pipelines (proto `Node`); a receiver or exporter lists every signal it serves. */
export interface EngineNode {
  key: string;
  kind: EngineFactory['kind'];
  id: string;
  signals: EngineSignal[];
  /** Connectors only: the signal they emit. */
  outputSignal?: EngineSignal;
  /** Processors only: the pipeline the node belongs to. */
  pipeline?: string;
  configJson: string;
  /** The engine type that runs it (a component of a host type placed in the engine runs as its twin). */
  type: string;
}

/** Data of one signal from a node to another node or to a host consumer (proto `Edge`); a routing connector's edges
 * name the pipeline they start. */
export type EngineEdge = { from: string; signal: EngineSignal; pipeline?: string } & ({ node: string } | { hostRoute: number });

/** A ring route on which the host feeds a node (proto `Entry`). */
export interface EngineEntry {
  route: number;
  node: string;
  signal: EngineSignal;
}

/** The engine's whole part of the pipelines (proto `DeployRequest`). */
export interface EngineDeployment {
  nodes: EngineNode[];
  edges: EngineEdge[];
  entries: EngineEntry[];
}

/** One deployed instance's counters (proto `ComponentCounters`). */
export interface ComponentCounters {
  key: string;
  id: string;
  kind: EngineFactory['kind'];
  itemsIn: number;
  itemsOut: number;
  requestsOk: number;
  requestsFailed: number;
}

export interface HealthResponse {
  status: string;
  runtime: Runtime;
  message: string;
  uptimeMs: number;
}

/** `unix:///path` or `tcp://host:port` as grpc-js addresses them. */
function target(endpoint: string): string {
  if (endpoint.startsWith('unix://')) return `unix:${endpoint.slice('unix://'.length)}`;
  if (endpoint.startsWith('tcp://')) return endpoint.slice('tcp://'.length);
  throw new Error(`runtime::rust::endpoint "${endpoint}": expected unix:///path or tcp://host:port`);
}

/** A unary method of the generated client, as `call` uses it. */
type UnaryCall = (
  request: object, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, response: never) => void,
) => void;

export class ControlClient {
  private readonly client: grpc.Client & Record<string, UnaryCall>;
  private readonly metadata = new grpc.Metadata();

  constructor(readonly endpoint: string, token?: string) {
    this.client = new pkg.tandem.control.v1.Control(target(endpoint), grpc.credentials.createInsecure()) as never;
    if (token) this.metadata.set('authorization', `Bearer ${token}`);
  }

  private call<T>(method: string, request: object, deadlineMs = 10_000, metadata = this.metadata): Promise<T> {
    return new Promise((resolve, reject) =>
      this.client[method](request, metadata, { deadline: Date.now() + deadlineMs }, (err: grpc.ServiceError | null, response: T) =>
        err ? reject(err) : resolve(response),
      ),
    );
  }

  /**
   * Waits until the engine answers, then checks versions; a mismatch is an error saying which side to upgrade. The
   * call itself waits for the endpoint (wait-for-ready), so that closing the client ends the wait at once.
   */
  async handshake(hostVersion: string, waitMs: number): Promise<HandshakeResponse> {
    const waiting = this.metadata.clone();
    waiting.setOptions({ waitForReady: true });
    const request = { controlApiVersion: CONTROL_API_VERSION, ringLayoutVersion: layout.LAYOUT_VERSION, hostVersion };
    try {
      return await this.call<HandshakeResponse>('Handshake', request, waitMs, waiting);
    } catch (err) {
      const { code, details } = err as grpc.ServiceError;
      if (code === grpc.status.DEADLINE_EXCEEDED) throw new Error(`the engine's control endpoint ${this.endpoint} did not answer within ${waitMs} ms`);
      throw new Error(`engine handshake failed: ${details ?? (err as Error).message}`);
    }
  }

  async listFactories(): Promise<EngineFactory[]> {
    return (await this.call<{ factories: EngineFactory[] }>('ListFactories', {})).factories;
  }

  /** Checks a component config on the engine as `type`: the Collector-style error, or '' when it is valid. */
  async validateConfig(kind: EngineFactory['kind'], type: string, id: string, configJson: string): Promise<string> {
    return (await this.call<{ error: string }>('ValidateConfig', { kind, type, id, configJson })).error;
  }

  /** Hands the engine its whole part of the pipelines; errors carry the engine's Collector-style message. */
  deploy(deployment: EngineDeployment): Promise<void> {
    return this.callWithDetails('Deploy', deployment);
  }

  /** Starts the deployment: a pipeline per engine core, its receivers included. */
  start(): Promise<void> {
    return this.callWithDetails('Start', {});
  }

  private async callWithDetails(method: string, request: object): Promise<void> {
    try {
      await this.call(method, request);
    } catch (err) {
      throw new Error((err as grpc.ServiceError).details ?? (err as Error).message);
    }
  }

  attachRings(regionPaths: string[]): Promise<object> {
    return this.call('AttachRings', { regionPaths });
  }

  async counters(): Promise<ComponentCounters[]> {
    return (await this.call<{ components: ComponentCounters[] }>('Counters', {})).components;
  }

  health(): Promise<HealthResponse> {
    return this.call('Health', {});
  }

  shutdown(drainTimeoutMs: number): Promise<object> {
    return this.call('Shutdown', { drainTimeoutMs }, drainTimeoutMs + 5000);
  }

  close(): void {
    this.client.close();
  }
}
