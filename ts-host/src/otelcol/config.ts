// The collector's config: the YAML tree decoded into components (each on top of its factory's defaults), the
// service section and Tandem's runtime section, with the Go Collector's error wording.
import { ID, Kind, SIGNALS, Signal } from '../component';
import { decode, field } from '../config';
import type { ConfigMap } from '../confmap';
import { LOG_ENCODINGS, LOG_LEVELS, type LogEncoding, type LogLevel } from '../telemetry';
import type { AnyFactory, Factories } from './factories';
import { defaultPlacementConfig, defaultRustRuntimeConfig, finishRustRuntimeConfig, type PlacementConfig, runtimeSchema, RustRuntimeConfig } from './runtime';

export const COMPONENT_SECTIONS = ['receivers', 'processors', 'exporters', 'connectors', 'extensions'] as const;
export type ComponentSection = (typeof COMPONENT_SECTIONS)[number];
export const SECTION_KIND: Readonly<Record<ComponentSection, Kind>> = {
  receivers: 'receiver', processors: 'processor', exporters: 'exporter', connectors: 'connector', extensions: 'extension',
};

export interface ComponentConfig {
  readonly id: ID;
  readonly factory: AnyFactory;
  readonly config: unknown;
}

export interface PipelineConfig {
  readonly id: ID;
  readonly signal: Signal;
  readonly receivers: readonly ID[];
  readonly processors: readonly ID[];
  readonly exporters: readonly ID[];
}

export interface TelemetryConfig {
  /** `encoding` undefined: console on a terminal, json otherwise. */
  readonly logs: { level: LogLevel; encoding?: LogEncoding };
  /** Where Prometheus scrapes the collector's own metrics; undefined when metrics are off. */
  readonly metrics: { level: string; prometheus?: { host: string; port: number } };
}

export interface RuntimeConfig {
  readonly rust: RustRuntimeConfig;
  readonly placement: PlacementConfig;
}

export interface Config {
  /** Keyed by the ID's text, in each section. */
  readonly components: Readonly<Record<ComponentSection, ReadonlyMap<string, ComponentConfig>>>;
  readonly service: {
    readonly extensions: readonly ID[];
    readonly pipelines: ReadonlyMap<string, PipelineConfig>;
    readonly telemetry: TelemetryConfig;
  };
  readonly runtime: RuntimeConfig;
  /** Deprecated aliases met while decoding, to be logged as Go does. */
  readonly deprecatedAliases: ReadonlyArray<{ alias: string; type: string }>;
}

const TOP_LEVEL_KEYS = new Set<string>([...COMPONENT_SECTIONS, 'service', 'runtime']);
const METRICS_LEVELS = ['none', 'basic', 'normal', 'detailed'];

const telemetrySchema = field.object({
  logs: field.object({
    level: field.enum(...LOG_LEVELS),
    encoding: field.enum(...LOG_ENCODINGS),
    development: field.boolean(),
    output_paths: field.list(field.string()),
    error_output_paths: field.list(field.string()),
    initial_fields: field.map(field.any()),
    sampling: field.any(),
  }),
  metrics: field.object({
    level: field.enum(...METRICS_LEVELS),
    readers: field.list(field.any()),
  }),
  traces: field.any(),
  resource: field.map(field.any()),
});

const pipelineSchema = field.object({
  receivers: field.list(field.string()),
  processors: field.list(field.string()),
  exporters: field.list(field.string()),
});

const serviceSchema = field.object({
  extensions: field.list(field.string()),
  pipelines: field.map(pipelineSchema),
  telemetry: telemetrySchema,
});

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const isMap = (value: unknown): value is ConfigMap => typeof value === 'object' && value !== null && !Array.isArray(value);

function parseID(text: string, where: string): ID {
  try {
    return ID.parse(text);
  } catch (err) {
    throw new ConfigError(`error decoding '${where}': ${(err as Error).message}`);
  }
}

/** A component's config as the user wrote it (`null` for all defaults), decoded on top of its factory's defaults. */
export function decodeComponentConfig(factory: AnyFactory, value: unknown): unknown {
  const defaults = factory.createDefaultConfig();
  return factory.configSchema ? decode(factory.configSchema, defaults, value) : (value ?? defaults);
}

function decodeComponents(section: ComponentSection, raw: unknown, factories: Factories, aliases: Array<{ alias: string; type: string }>): Map<string, ComponentConfig> {
  const components = new Map<string, ComponentConfig>();
  if (raw === undefined || raw === null) return components;
  if (!isMap(raw)) throw new ConfigError(`error decoding '${section}': '${section}' expected a map, got '${Array.isArray(raw) ? 'slice' : typeof raw}'`);
  const kind = SECTION_KIND[section];
  for (const [key, value] of Object.entries(raw)) {
    const id = parseID(key, section);
    const factory = factories.get(kind, id.type);
    if (!factory) {
      throw new ConfigError(
        `error decoding '${section}': unknown type: "${id.type}" for id: "${id}" (valid values: [${factories.types(kind).join(' ')}])`,
      );
    }
    const canonical = factories.aliasTarget(kind, id.type);
    if (canonical) aliases.push({ alias: id.type, type: canonical });
    let config: unknown;
    try {
      config = decodeComponentConfig(factory, value);
    } catch (err) {
      throw new ConfigError(`error decoding '${section}': error reading configuration for "${id}": ${(err as Error).message}`);
    }
    components.set(id.toString(), { id, factory, config });
  }
  return components;
}

function decodePipelines(raw: ConfigMap | undefined): Map<string, PipelineConfig> {
  const pipelines = new Map<string, PipelineConfig>();
  for (const [key, value] of Object.entries(raw ?? {})) {
    const id = parseID(key, 'service::pipelines');
    if (!(SIGNALS as readonly string[]).includes(id.type)) {
      if (id.type === 'profiles') {
        throw new ConfigError(`pipeline "${id}": profiling signal support is at alpha level, gated under the "service.profilesSupport" feature gate`);
      }
      throw new ConfigError(`error decoding 'service::pipelines': unknown pipeline signal: "${id.type}"`);
    }
    const pipeline = (value ?? {}) as { receivers?: string[]; processors?: string[]; exporters?: string[] };
    const ids = (list: string[] | undefined, what: string) => (list ?? []).map((text) => parseID(text, `service::pipelines::${id}::${what}`));
    pipelines.set(id.toString(), {
      id,
      signal: id.type as Signal,
      receivers: ids(pipeline.receivers, 'receivers'),
      processors: ids(pipeline.processors, 'processors'),
      exporters: ids(pipeline.exporters, 'exporters'),
    });
  }
  return pipelines;
}

interface RawTelemetry {
  logs?: { level?: LogLevel; encoding?: LogEncoding };
  metrics?: { level?: string; readers?: unknown[] };
}

/** The Prometheus pull endpoint of the first reader, or the default localhost:8888 when no readers are given. */
function prometheusEndpoint(metrics: RawTelemetry['metrics']): TelemetryConfig['metrics']['prometheus'] {
  if (metrics?.level === 'none') return undefined;
  if (!metrics?.readers) return { host: 'localhost', port: 8888 };
  for (const reader of metrics.readers) {
    const prometheus = (reader as { pull?: { exporter?: { prometheus?: { host?: string; port?: number } } } })?.pull?.exporter?.prometheus;
    if (prometheus) return { host: prometheus.host ?? 'localhost', port: prometheus.port ?? 8888 };
  }
  throw new ConfigError('service::telemetry::metrics: only pull readers with a prometheus exporter are supported');
}

/**
 * The `runtime` section alone: read before the rest of the config, because the engine it describes must run before
 * its factories can decode the components.
 */
export function decodeRuntime(raw: ConfigMap): RuntimeConfig {
  let runtime: { rust: RustRuntimeConfig; placement: PlacementConfig };
  try {
    runtime = decode(runtimeSchema, { rust: defaultRustRuntimeConfig(), placement: defaultPlacementConfig() }, raw.runtime);
  } catch (err) {
    throw new ConfigError(`error decoding 'runtime': ${(err as Error).message}`);
  }
  const rawRust = isMap(raw.runtime) && isMap(raw.runtime.rust) ? raw.runtime.rust : undefined;
  for (const id of runtime.placement.in_host) parseID(id, 'runtime::placement::in_host');
  return { rust: finishRustRuntimeConfig(runtime.rust, rawRust), placement: runtime.placement };
}

/** Decodes the resolved YAML tree; throws ConfigError with the Go Collector's wording on the first problem. */
export function unmarshal(raw: ConfigMap, factories: Factories): Config {
  if (Object.keys(raw).length === 0) throw new ConfigError('empty configuration file');
  const unknown = Object.keys(raw).filter((key) => !TOP_LEVEL_KEYS.has(key));
  if (unknown.length > 0) {
    throw new ConfigError(`decoding failed due to the following error(s):\n\n'' has invalid keys: ${unknown.sort().join(', ')}`);
  }
  const aliases: Array<{ alias: string; type: string }> = [];
  const components = Object.fromEntries(
    COMPONENT_SECTIONS.map((section) => [section, decodeComponents(section, raw[section], factories, aliases)]),
  ) as Record<ComponentSection, Map<string, ComponentConfig>>;

  let service: { extensions?: string[]; pipelines?: ConfigMap; telemetry?: RawTelemetry };
  try {
    // Decoded under its own key so that paths read as Go's do: 'service.telemetry', 'service.pipelines[traces].receivers'.
    service = decode(field.object({ service: serviceSchema }), { service: {} }, { service: raw.service }).service;
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
  const runtime = decodeRuntime(raw);

  if (service.telemetry?.metrics?.level && service.telemetry.metrics.level !== 'none' && service.telemetry.metrics.readers?.length === 0) {
    throw new ConfigError('service::telemetry: collector telemetry metrics reader should exist when metric level is not none');
  }
  return {
    components,
    service: {
      extensions: (service.extensions ?? []).map((text) => parseID(text, 'service::extensions')),
      pipelines: decodePipelines(service.pipelines),
      telemetry: {
        logs: { level: service.telemetry?.logs?.level ?? 'info', encoding: service.telemetry?.logs?.encoding },
        metrics: { level: service.telemetry?.metrics?.level ?? 'normal', prometheus: prometheusEndpoint(service.telemetry?.metrics) },
      },
    },
    runtime,
    deprecatedAliases: aliases,
  };
}
