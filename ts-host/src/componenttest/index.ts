// Building and starting one component in a unit test, as the collector would, without a collector (Go's componenttest
// and the per-kind *test packages): settings that log nowhere, a host with no extensions, the config decoded on top
// of the factory's defaults and checked with the collector's wording.
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { parse as parseYAML } from 'yaml';
import { type Component, type Host, ID, type Kind, type Settings, type Signal } from '../component';
import * as connector from '../connector';
import type { ConsumerFor } from '../consumer';
import type * as exporter from '../exporter';
import type * as extension from '../extension';
import { type AnyFactory, decodeComponentConfig } from '../otelcol';
import type * as processor from '../processor';
import type * as receiver from '../receiver';
import { componentTelemetry } from '../telemetry';

/** A host with no extensions. */
export const nopHost: Host = Object.freeze({ getExtensions: () => new Map<string, Component>() });

export interface SettingsOptions {
  /** The component's name, as in `type/name`. */
  readonly name?: string;
  /** Where its logs go; nowhere by default. */
  readonly logger?: Logger;
  /** Where its metrics register; a registry of its own by default (read it with `registry.metrics()`). */
  readonly registry?: Registry;
}

/** Settings for a `kind` component of `type`, as the service would hand them, that log nowhere unless told. */
export function nopSettings(kind: Kind, type: string, options: SettingsOptions = {}): Settings {
  const id = ID.of(type, options.name ?? '');
  const logger = options.logger ?? pino({ level: 'silent' });
  return {
    id,
    telemetry: componentTelemetry(logger, options.registry ?? new Registry(), { id: id.toString(), kind }),
    buildInfo: { command: 'componenttest', description: 'component test', version: '0.0.0' },
  };
}

/**
 * The config `factory` makes of `config` (an object, YAML text, or undefined for the defaults), checked by its
 * validateConfig. Errors read as the collector's: `error reading configuration for "type": ...`.
 */
export function decodeConfig(factory: AnyFactory, config?: unknown): unknown {
  const raw = typeof config === 'string' ? parseYAML(config) : config;
  let decoded: unknown;
  try {
    decoded = decodeComponentConfig(factory, raw ?? null);
  } catch (err) {
    throw new Error(`error reading configuration for "${factory.type}": ${(err as Error).message}`);
  }
  try {
    factory.validateConfig?.(decoded);
  } catch (err) {
    throw new Error(`${factory.kind}s::${factory.type}: ${(err as Error).message}`);
  }
  return decoded;
}

export interface StartOptions extends SettingsOptions {
  readonly settings?: Settings;
  readonly host?: Host;
}

async function started<C extends Component>(component: C, options: StartOptions): Promise<C> {
  await component.start(options.host ?? nopHost);
  return component;
}

const settingsFor = (factory: AnyFactory, options: StartOptions): Settings => options.settings ?? nopSettings(factory.kind, factory.type, options);

/** A processor of `signal` from `factory` and `config`, feeding `next`, started. Shut it down when done. */
export async function startProcessor<S extends Signal>(
  factory: processor.Factory, signal: S, config: unknown, next: ConsumerFor<S>, options: StartOptions = {},
): Promise<processor.Processor<S>> {
  return started(await factory.create(signal, settingsFor(factory, options), decodeConfig(factory, config), next), options);
}

/** An exporter of `signal` from `factory` and `config`, started. */
export async function startExporter<S extends Signal>(
  factory: exporter.Factory, signal: S, config: unknown, options: StartOptions = {},
): Promise<exporter.Exporter<S>> {
  return started(await factory.create(signal, settingsFor(factory, options), decodeConfig(factory, config)), options);
}

/** A receiver of `signal` from `factory` and `config`, feeding `next`, started. */
export async function startReceiver<S extends Signal>(
  factory: receiver.Factory, signal: S, config: unknown, next: ConsumerFor<S>, options: StartOptions = {},
): Promise<Component> {
  return started(await factory.create(signal, settingsFor(factory, options), decodeConfig(factory, config), next), options);
}

/**
 * A connector from `from` to `to`, started. `next` is the one pipeline it feeds, or its pipelines by ID (for
 * connectors that route).
 */
export async function startConnector<From extends Signal, To extends Signal>(
  factory: connector.Factory, from: From, to: To, config: unknown,
  next: ConsumerFor<To> | ReadonlyMap<string, ConsumerFor<To>>, options: StartOptions = {},
): Promise<connector.Connector<From>> {
  const pipelines = next instanceof Map ? next : new Map([[to as string, next as ConsumerFor<To>]]);
  const router = connector.newRouter(to, pipelines);
  return started(await factory.create(from, to, settingsFor(factory, options), decodeConfig(factory, config), router), options);
}

/** An extension from `factory` and `config`, started. */
export async function startExtension(factory: extension.Factory, config: unknown, options: StartOptions = {}): Promise<Component> {
  return started(await factory.create(settingsFor(factory, options), decodeConfig(factory, config)), options);
}
