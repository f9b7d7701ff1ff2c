// Component packages: npm packages that export factories. A package exports `newFactory()` (one factory) or
// `factories` (an array, or a function returning one); a distribution loads each, and one that fails to load is
// reported, not fatal: its components are missing, and only configs that name them fail.
import { type Factory, fromPackage } from '../component';
import type { AnyFactory, PackageLoadFailure } from '../otelcol';

export interface ComponentPackage {
  readonly name: string;
  readonly factories: readonly AnyFactory[];
  /** Why the package could not be loaded; its factories are then empty. */
  readonly error?: Error;
}

const isFactory = (value: unknown): value is AnyFactory =>
  typeof value === 'object' && value !== null && typeof (value as Factory).type === 'string' && typeof (value as Factory).kind === 'string'
  && typeof (value as Factory).createDefaultConfig === 'function';

/** The factories a package module exports (also under `default`, as TypeScript's ES module output puts them). */
function exportedFactories(module: unknown): AnyFactory[] {
  const exports = module as { newFactory?: unknown; factories?: unknown; default?: unknown } | null;
  if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) {
    throw new Error('it exports no factories: export newFactory() or factories');
  }
  const found = typeof exports.factories === 'function' ? (exports.factories as () => unknown)() : exports.factories;
  const list = found !== undefined ? found : typeof exports.newFactory === 'function' ? [(exports.newFactory as () => unknown)()] : undefined;
  if (list === undefined) {
    if (exports.default !== undefined && exports.default !== module) return exportedFactories(exports.default);
    throw new Error('it exports no factories: export newFactory() or factories');
  }
  if (!Array.isArray(list)) throw new Error('its factories export is not an array');
  const bad = list.findIndex((item) => !isFactory(item));
  if (bad >= 0) throw new Error(`its factory #${bad} is not a factory (made by receiver/processor/exporter/connector/extension.newFactory)`);
  return list;
}

/**
 * Loads the component package `name` with `load` (usually `() => require(name)`); never throws. Its factories come
 * out tagged with the package's name, which errors about them show.
 */
export function loadPackage(name: string, load: () => unknown): ComponentPackage {
  try {
    return { name, factories: exportedFactories(load()).map((factory) => fromPackage(name, factory)) };
  } catch (err) {
    // The first line only: Node appends the require stack on the lines after.
    const reason = String((err as Error)?.message ?? err).split('\n')[0];
    return { name, factories: [], error: new Error(`component package "${name}" failed to load: ${reason}`) };
  }
}

export const loadFailures = (packages: readonly ComponentPackage[]): PackageLoadFailure[] =>
  packages.filter((p): p is ComponentPackage & { error: Error } => p.error !== undefined).map((p) => ({ name: p.name, error: p.error }));
