// The registry of every factory the collector knows, from both runtimes, looked up by kind and type.
import { HOST_PACKAGE, type Kind } from '../component';
import type * as connector from '../connector';
import type * as exporter from '../exporter';
import type * as extension from '../extension';
import type * as processor from '../processor';
import type * as receiver from '../receiver';

export type AnyFactory = receiver.Factory | processor.Factory | exporter.Factory | connector.Factory | extension.Factory;
export type FactoryOf<K extends Kind> = Extract<AnyFactory, { kind: K }>;

/** True for a factory a distribution registered from a component package (not one of Tandem's own). */
export const fromComponentPackage = (factory: AnyFactory): boolean => factory.package !== undefined && factory.package !== HOST_PACKAGE;

/** Where a factory comes from, for error messages. */
export const origin = (factory: AnyFactory): string =>
  factory.package !== undefined ? `by package "${factory.package}" (${factory.runtime} runtime)` : `by the ${factory.runtime} runtime`;

export class Factories {
  private readonly byKind = new Map<Kind, Map<string, AnyFactory>>();
  /** Deprecated alias → the type it stands for. */
  private readonly aliases = new Map<string, string>();
  /** `kind/type` → the factories that all define it; such a type is left out of the tables. */
  private readonly clashes = new Map<string, AnyFactory[]>();

  constructor(factories: readonly AnyFactory[] = []) {
    for (const factory of factories) this.add(factory);
  }

  /**
   * Registers a factory. A type already taken by a factory of the same kind is an error naming both runtimes, unless
   * either comes from a component package: the type is then ambiguous, and only configs that use it fail.
   */
  add(factory: AnyFactory): void {
    const table = this.byKind.get(factory.kind) ?? new Map<string, AnyFactory>();
    this.byKind.set(factory.kind, table);
    for (const type of [factory.type, ...factory.deprecatedTypes]) {
      const key = `${factory.kind}/${type}`;
      const ambiguous = this.clashes.get(key);
      if (ambiguous) {
        ambiguous.push(factory);
        continue;
      }
      const existing = table.get(type);
      if (existing && !fromComponentPackage(existing) && !fromComponentPackage(factory)) {
        throw new Error(
          `${factory.kind} type "${type}" is defined twice: by the ${existing.runtime} runtime and by the ${factory.runtime} runtime`,
        );
      }
      if (existing) {
        this.clashes.set(key, [existing, factory]);
        table.delete(type);
        continue;
      }
      table.set(type, factory);
    }
    for (const alias of factory.deprecatedTypes) this.aliases.set(`${factory.kind}/${alias}`, factory.type);
  }

  /** Why `type` cannot be used, when several factories define it; undefined otherwise. */
  clash(kind: Kind, type: string): string | undefined {
    const factories = this.clashes.get(`${kind}/${type}`);
    if (!factories) return undefined;
    return `${kind} type "${type}" is defined ${factories.length} times: ${factories.map(origin).join(', ')}`;
  }

  /** Where the factories that all define `type` come from: their packages, or `tandem-engine` for the engine's. */
  clashing(kind: Kind, type: string): string[] {
    return (this.clashes.get(`${kind}/${type}`) ?? []).map((factory) => factory.package ?? (factory.runtime === 'rust' ? 'tandem-engine' : HOST_PACKAGE));
  }

  get<K extends Kind>(kind: K, type: string): FactoryOf<K> | undefined {
    return this.byKind.get(kind)?.get(type) as FactoryOf<K> | undefined;
  }

  /** The canonical type a deprecated alias stands for, if `type` is one. */
  aliasTarget(kind: Kind, type: string): string | undefined {
    return this.aliases.get(`${kind}/${type}`);
  }

  /** Valid type names of a kind, sorted, for error messages. */
  types(kind: Kind): string[] {
    return [...(this.byKind.get(kind)?.keys() ?? [])].sort();
  }

  /** Every factory once (aliases folded), by kind then type. */
  all(): AnyFactory[] {
    const unique = new Set<AnyFactory>();
    for (const table of this.byKind.values()) for (const factory of table.values()) unique.add(factory);
    return [...unique];
  }
}
