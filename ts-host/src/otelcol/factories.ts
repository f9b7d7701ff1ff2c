// The registry of every factory the collector knows, from both runtimes, looked up by kind and type.
import type { Factory as BaseFactory, Kind } from '../component';
import type * as connector from '../connector';
import type * as exporter from '../exporter';
import type * as extension from '../extension';
import type * as processor from '../processor';
import type * as receiver from '../receiver';

export type AnyFactory = receiver.Factory | processor.Factory | exporter.Factory | connector.Factory | extension.Factory;
export type FactoryOf<K extends Kind> = Extract<AnyFactory, { kind: K }>;

export class Factories {
  private readonly byKind = new Map<Kind, Map<string, AnyFactory>>();
  /** Deprecated alias → the type it stands for. */
  private readonly aliases = new Map<string, string>();

  constructor(factories: readonly AnyFactory[] = []) {
    for (const factory of factories) this.add(factory);
  }

  /** Registers a factory; a type already taken by a factory of the same kind is an error naming both runtimes. */
  add(factory: AnyFactory): void {
    const table = this.byKind.get(factory.kind) ?? new Map<string, AnyFactory>();
    this.byKind.set(factory.kind, table);
    for (const type of [factory.type, ...factory.deprecatedTypes]) {
      const existing = table.get(type);
      if (existing) {
        throw new Error(
          `${factory.kind} type "${type}" is defined twice: by the ${existing.runtime} runtime and by the ${factory.runtime} runtime`,
        );
      }
      table.set(type, factory);
    }
    for (const alias of factory.deprecatedTypes) this.aliases.set(`${factory.kind}/${alias}`, factory.type);
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
