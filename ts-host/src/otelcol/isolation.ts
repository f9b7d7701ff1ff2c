// Bad components from component packages hurt nothing else: a component whose type is ambiguous or unknown because
// its package did not load, whose config it refuses, or that fails to be created or started, takes down only the
// pipelines that use it (and the pipelines joined to those by connectors); the others run. Tandem's own components
// keep the Go Collector's rule: any such error stops the collector.
import { ID, Kind } from '../component';
import type { ConfigMap } from '../confmap';
import { COMPONENT_SECTIONS, ComponentSection, Config, decodeComponentConfig, SECTION_KIND } from './config';
import { Factories, fromComponentPackage } from './factories';

/** A component package that could not be loaded. */
export interface PackageLoadFailure {
  readonly name: string;
  readonly error: Error;
}

/** One bad component and the pipelines it took down. */
export interface ComponentFailure {
  readonly kind: Kind;
  readonly id: string;
  /** The packages involved: the component's, both of a clash, or those that failed to load. */
  readonly packages: readonly string[];
  readonly reason: string;
  readonly pipelines: readonly string[];
}

export function describeFailure(failure: ComponentFailure): string {
  const packages = failure.packages.map((name) => `"${name}"`).join(', ');
  const pipelines = failure.pipelines.map((id) => `"${id}"`).join(', ');
  return `${failure.kind} "${failure.id}" (package ${packages}): ${failure.reason}; pipelines not running: [${pipelines}]`;
}

/** The component lists of each pipeline, as ID texts. */
type PipelineUses = ReadonlyMap<string, { readonly receivers: readonly string[]; readonly processors: readonly string[]; readonly exporters: readonly string[] }>;

const SECTION_OF: Readonly<Record<Kind, ComponentSection>> = {
  receiver: 'receivers', processor: 'processors', exporter: 'exporters', connector: 'connectors', extension: 'extensions',
};

/**
 * The pipelines that use component `id` of `kind`, and, transitively, every pipeline joined to one of them by a
 * connector: data flows between those, so one cannot run without the others.
 */
export function affectedPipelines(pipelines: PipelineUses, connectors: ReadonlySet<string>, kind: Kind, id: string): string[] {
  const uses = (p: PipelineUses extends ReadonlyMap<string, infer V> ? V : never, name: string): boolean =>
    kind === 'processor' ? p.processors.includes(name) : p.receivers.includes(name) || p.exporters.includes(name);
  const affected = new Set([...pipelines].filter(([, p]) => uses(p, id)).map(([pipeline]) => pipeline));
  for (let grew = true; grew; ) {
    grew = false;
    const joined = new Set([...affected].flatMap((pipeline) => {
      const p = pipelines.get(pipeline);
      return p ? [...p.receivers, ...p.exporters].filter((name) => connectors.has(name)) : [];
    }));
    for (const [pipeline, p] of pipelines) {
      if (!affected.has(pipeline) && [...p.receivers, ...p.exporters].some((name) => joined.has(name))) {
        affected.add(pipeline);
        grew = true;
      }
    }
  }
  return [...affected].sort();
}

const isMap = (value: unknown): value is ConfigMap => typeof value === 'object' && value !== null && !Array.isArray(value);
const texts = (value: unknown): string[] => (Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []);

function rawPipelines(raw: ConfigMap): PipelineUses {
  const service = isMap(raw.service) ? raw.service : {};
  const pipelines = isMap(service.pipelines) ? service.pipelines : {};
  return new Map(Object.entries(pipelines).map(([id, p]) => {
    const lists = isMap(p) ? p : {};
    return [id, { receivers: texts(lists.receivers), processors: texts(lists.processors), exporters: texts(lists.exporters) }];
  }));
}

/** Why the component `key` of `section` cannot run, when it comes from a component package (or may have). */
function problem(section: ComponentSection, key: string, value: unknown, factories: Factories, loadFailures: readonly PackageLoadFailure[]):
  { reason: string; packages: string[] } | undefined {
  let id: ID;
  try {
    id = ID.parse(key);
  } catch {
    return undefined; // the config's own decoding reports it
  }
  const kind = SECTION_KIND[section];
  const clash = factories.clash(kind, id.type);
  if (clash) return { reason: clash, packages: factories.clashing(kind, id.type) };
  const factory = factories.get(kind, id.type);
  if (!factory) {
    if (loadFailures.length === 0) return undefined;
    const why = loadFailures.map((failure) => failure.error.message).join('; ');
    return { reason: `unknown type "${id.type}", perhaps from a package that did not load: ${why}`, packages: loadFailures.map((failure) => failure.name) };
  }
  if (!fromComponentPackage(factory)) return undefined;
  const packages = [factory.package as string];
  let config: unknown;
  try {
    config = decodeComponentConfig(factory, value);
  } catch (err) {
    return { reason: `error reading configuration for "${id}": ${(err as Error).message}`, packages };
  }
  try {
    factory.validateConfig?.(config);
  } catch (err) {
    return { reason: `invalid configuration: ${(err as Error).message}`, packages };
  }
  return undefined;
}

/**
 * Finds the components of component packages that cannot run (see `problem`) and returns the config without them
 * and without the pipelines they take down, with what was taken out and why. Tandem's own components are left to
 * the config's decoding, which reports their errors as the Go Collector does.
 */
export function isolateConfigFailures(raw: ConfigMap, factories: Factories, loadFailures: readonly PackageLoadFailure[]): { raw: ConfigMap; failures: ComponentFailure[] } {
  const pipelines = rawPipelines(raw);
  const connectors = new Set(Object.keys(isMap(raw.connectors) ? raw.connectors : {}));
  const failures: ComponentFailure[] = [];
  for (const section of COMPONENT_SECTIONS) {
    const components = raw[section];
    if (!isMap(components)) continue;
    for (const [key, value] of Object.entries(components)) {
      const found = problem(section, key, value, factories, loadFailures);
      if (found) failures.push({ kind: SECTION_KIND[section], id: key, ...found, pipelines: affectedPipelines(pipelines, connectors, SECTION_KIND[section], key) });
    }
  }
  if (failures.length === 0) return { raw, failures };
  const reduced: ConfigMap = { ...raw };
  for (const failure of failures) {
    const section = SECTION_OF[failure.kind];
    const { [failure.id]: _removed, ...rest } = reduced[section] as ConfigMap;
    reduced[section] = rest;
  }
  const dropped = new Set(failures.flatMap((failure) => failure.pipelines));
  const service = isMap(raw.service) ? raw.service : {};
  const kept = Object.entries(isMap(service.pipelines) ? service.pipelines : {}).filter(([id]) => !dropped.has(id));
  const extensions = texts(service.extensions).filter((id) => !failures.some((f) => f.kind === 'extension' && f.id === id));
  reduced.service = { ...service, pipelines: Object.fromEntries(kept), ...(service.extensions !== undefined ? { extensions } : {}) };
  return { raw: reduced, failures };
}

/** The pipelines a failed component of a decoded config takes down. */
export function pipelinesAffectedBy(config: Config, kind: Kind, id: string): string[] {
  const pipelines: PipelineUses = new Map([...config.service.pipelines].map(([key, p]) => [key, {
    receivers: p.receivers.map(String), processors: p.processors.map(String), exporters: p.exporters.map(String),
  }]));
  return affectedPipelines(pipelines, new Set(config.components.connectors.keys()), kind, id);
}

/** `config` without the pipelines `dropped` names. */
export function withoutPipelines(config: Config, dropped: ReadonlySet<string>): Config {
  const pipelines = new Map([...config.service.pipelines].filter(([id]) => !dropped.has(id)));
  return { ...config, service: { ...config.service, pipelines } };
}

/** The component `id` of `kind` in a decoded config comes from a component package. */
export function isFromComponentPackage(config: Config, kind: Kind, id: string): boolean {
  const component = config.components[SECTION_OF[kind]].get(id);
  return component !== undefined && fromComponentPackage(component.factory);
}
