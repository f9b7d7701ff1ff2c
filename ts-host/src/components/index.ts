// The built-in TypeScript factories; the registry (otelcol/) adds the engine's.
import { fromPackage, HOST_PACKAGE } from '../component';
import { SECTION_KIND, type ComponentSection } from '../otelcol/config';
import type { AnyFactory } from '../otelcol/factories';
import * as count from './connector/count/factory';
import * as forward from './connector/forward/factory';
import * as debug from './exporter/debug/factory';
import * as file from './exporter/file/factory';
import * as otlpGRPC from './exporter/otlp_grpc/factory';
import * as otlpHTTP from './exporter/otlp_http/factory';
import * as fileStorage from './extension/file_storage/factory';
import * as healthCheck from './extension/health_check/factory';
import * as tandemUI from './extension/tandem_ui/factory';
import * as batch from './processor/batch/factory';
import * as memoryLimiter from './processor/memory_limiter/factory';
import * as otlp from './receiver/otlp/factory';

export function builtinFactories(): AnyFactory[] {
  return [
    otlp.newFactory(),
    batch.newFactory(),
    memoryLimiter.newFactory(),
    debug.newFactory(),
    otlpGRPC.newFactory(),
    otlpHTTP.newFactory(),
    file.newFactory(),
    count.newFactory(),
    forward.newFactory(),
    healthCheck.newFactory(),
    tandemUI.newFactory(),
    fileStorage.newFactory(),
  ];
}

/**
 * Which built-ins a distribution keeps, by section; a section left out keeps all of its kind. Names of the engine's
 * components (`rust_*`) are kept or dropped when the engine offers them.
 */
export type BuiltinSelection = Partial<Record<ComponentSection, readonly string[]>>;

const ENGINE_TYPE = /^rust_/;

/** Whether `selection` keeps `factory`. */
export function keeps(selection: BuiltinSelection, factory: AnyFactory): boolean {
  return selection[`${factory.kind}s` as ComponentSection]?.includes(factory.type) ?? true;
}

/** The host's built-in factories as coming from this package, those `selection` keeps only. */
export function builtin(selection: BuiltinSelection = {}): AnyFactory[] {
  const all = builtinFactories();
  for (const [section, types] of Object.entries(selection) as Array<[ComponentSection, readonly string[]]>) {
    const kind = SECTION_KIND[section];
    if (!kind) throw new Error(`unknown section "${section}" in the built-in selection`);
    const valid = all.filter((factory) => factory.kind === kind).map((factory) => factory.type);
    for (const type of types) {
      if (!valid.includes(type) && !ENGINE_TYPE.test(type)) {
        throw new Error(`unknown built-in ${kind} "${type}" (valid values: [${valid.sort().join(' ')}], or the engine's rust_*)`);
      }
    }
  }
  return all.filter((factory) => keeps(selection, factory)).map((factory) => fromPackage(HOST_PACKAGE, factory));
}
