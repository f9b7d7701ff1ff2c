// Semantic checks of a decoded config, in the order and wording of the Go Collector's `Config.Validate`.
import type { ID } from '../component';
import { COMPONENT_SECTIONS, Config, ConfigError } from './config';

function validateComponents(config: Config): void {
  if (config.components.receivers.size === 0) throw new ConfigError('no receiver configuration specified in config');
  if (config.components.exporters.size === 0) throw new ConfigError('no exporter configuration specified in config');
  for (const section of COMPONENT_SECTIONS) {
    for (const { id, factory, config: componentConfig } of config.components[section].values()) {
      try {
        factory.validateConfig?.(componentConfig);
      } catch (err) {
        throw new ConfigError(`${section}::${id}: ${(err as Error).message}`);
      }
    }
  }
  for (const id of config.components.connectors.keys()) {
    for (const [other, kind] of [['exporters', 'exporter'], ['receivers', 'receiver']] as const) {
      if (config.components[other].has(id)) {
        throw new ConfigError(
          `connectors::${id}: ambiguous ID: Found both "${id}" ${kind} and "${id}" connector. ` +
            `Change one of the components' IDs to eliminate ambiguity (e.g. rename "${id}" connector to "${id}/connector")`,
        );
      }
    }
  }
}

function validateService(config: Config): void {
  for (const id of config.service.extensions) {
    if (!config.components.extensions.has(id.toString())) {
      throw new ConfigError(`service::extensions: references extension "${id}" which is not configured`);
    }
  }
  if (config.service.pipelines.size === 0) {
    throw new ConfigError('service::pipelines: service must have at least one pipeline');
  }
  for (const pipeline of config.service.pipelines.values()) {
    const where = `service::pipelines::${pipeline.id}`;
    if (pipeline.receivers.length === 0) throw new ConfigError(`${where}: must have at least one receiver`);
    if (pipeline.exporters.length === 0) throw new ConfigError(`${where}: must have at least one exporter`);
    const seen = new Set<string>();
    for (const id of pipeline.processors) {
      if (seen.has(id.toString())) throw new ConfigError(`${where}: references processor "${id}" multiple times`);
      seen.add(id.toString());
    }
    const check = (ids: readonly ID[], kind: string, configured: (id: string) => boolean) => {
      for (const id of ids) {
        if (!configured(id.toString())) throw new ConfigError(`${where}: references ${kind} "${id}" which is not configured`);
      }
    };
    const { receivers, processors, exporters, connectors } = config.components;
    check(pipeline.receivers, 'receiver', (id) => receivers.has(id) || connectors.has(id));
    check(pipeline.processors, 'processor', (id) => processors.has(id));
    check(pipeline.exporters, 'exporter', (id) => exporters.has(id) || connectors.has(id));
  }
}

/** Throws the first problem, as `otelcol.Config.Validate` does. */
export function validate(config: Config): void {
  validateComponents(config);
  validateService(config);
}
