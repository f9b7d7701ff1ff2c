// `tandem components`: every factory with its kind, package, stability per signal or signal pair, runtime and engine
// twin, as YAML.
import { stringify } from 'yaml';
import { BuildInfo, HOST_PACKAGE, SIGNALS, stabilityName, StabilityLevel } from '../component';
import type { AnyFactory, Factories } from '../otelcol';

const SECTIONS = [
  ['receivers', 'receiver'], ['processors', 'processor'], ['exporters', 'exporter'], ['connectors', 'connector'], ['extensions', 'extension'],
] as const;

function stability(factory: AnyFactory): Record<string, string> {
  const table: Record<string, string> = {};
  const put = (key: string, level: StabilityLevel) => {
    if (level !== StabilityLevel.Undefined) table[key] = stabilityName(level);
  };
  switch (factory.kind) {
    case 'extension':
      put('extension', factory.stability());
      break;
    case 'connector':
      for (const from of SIGNALS) for (const to of SIGNALS) put(`${from}-to-${to}`, factory.stability(from, to));
      break;
    default:
      for (const signal of SIGNALS) put(signal, factory.stability(signal));
  }
  return table;
}

export function componentsYAML(factories: Factories, buildInfo: BuildInfo): string {
  const document: Record<string, unknown> = { buildinfo: buildInfo };
  for (const [section, kind] of SECTIONS) {
    document[section] = factories
      .all()
      .filter((factory) => factory.kind === kind)
      .sort((a, b) => a.type.localeCompare(b.type))
      .map((factory) => ({
        name: factory.type,
        ...(factory.deprecatedTypes.length > 0 ? { deprecated_aliases: [...factory.deprecatedTypes] } : {}),
        // Like the Go Collector's `module:`; the engine's components ship with the host.
        package: factory.package ?? HOST_PACKAGE,
        runtime: factory.runtime,
        // The engine type it runs as where its neighbours are in the engine (runtime::placement).
        ...(factory.engineTwin ? { engine_twin: factory.engineTwin.type } : {}),
        stability: stability(factory),
      }));
  }
  return stringify(document);
}
