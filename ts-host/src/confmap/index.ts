// Resolving a config the Go Collector way: several sources (`--config` URIs) merged in order, `--set` overrides on
// top, then `${...}` references expanded. The result is a plain YAML tree; decoding it is otelcol's job.
import * as fs from 'node:fs';
import { parse as parseYAML } from 'yaml';

export type ConfigMap = Record<string, unknown>;

const isMap = (value: unknown): value is ConfigMap =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Later wins; maps merge key by key; lists and scalars are replaced; an explicit null replaces a map. */
export function merge(base: unknown, override: unknown): unknown {
  if (!isMap(base) || !isMap(override)) return override;
  const merged: ConfigMap = { ...base };
  for (const [key, value] of Object.entries(override)) merged[key] = key in merged ? merge(merged[key], value) : value;
  return merged;
}

function parseDocument(text: string, origin: string): ConfigMap {
  let document: unknown;
  try {
    document = parseYAML(text);
  } catch (err) {
    throw new Error(`cannot parse ${origin}: ${(err as Error).message}`);
  }
  if (document === null || document === undefined) return {};
  if (!isMap(document)) throw new Error(`${origin} must be a YAML map at the top level`);
  return unflatten(document);
}

/** Go's confmap splits top-level keys on `::` (its key delimiter): `exporters::debug::verbosity: x` is a nested path. */
function unflatten(document: ConfigMap): ConfigMap {
  let out: unknown = {};
  for (const [key, value] of Object.entries(document)) {
    let nested: unknown = value;
    for (const part of key.split('::').reverse()) nested = { [part]: nested };
    out = merge(out, nested);
  }
  return out as ConfigMap;
}

/** Reads one `--config` value: `file:PATH`, a bare path, `yaml:INLINE` or `env:VAR`. */
function readSource(uri: string, env: NodeJS.ProcessEnv): ConfigMap {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(uri)?.[1];
  if (scheme === 'yaml') return parseDocument(uri.slice('yaml:'.length), `"${uri}"`);
  if (scheme === 'env') return parseDocument(env[uri.slice('env:'.length)] ?? '', `"${uri}"`);
  if (scheme !== undefined && scheme !== 'file') {
    throw new Error(`scheme "${scheme}" is not supported for uri "${uri}" (supported: [env, file, yaml])`);
  }
  const file = scheme === 'file' ? uri.slice('file:'.length) : uri;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot retrieve the configuration: unable to read the file ${file}: ${(err as Error).message}`);
  }
  return parseDocument(text, `the file ${file}`);
}

/** `--set processors.batch.timeout=2s` as a config map: dots separate keys, the value is YAML. */
export function parseSetFlag(flag: string): ConfigMap {
  const equals = flag.indexOf('=');
  if (equals < 0) throw new Error('missing equal sign');
  const keys = flag.slice(0, equals).split(/::|\./);
  const text = flag.slice(equals + 1);
  let value: unknown = text === '' ? null : parseYAML(text);
  for (const key of keys.reverse()) value = { [key]: value };
  return value as ConfigMap;
}

const ENV_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const REFERENCE = /\$\$|\$\{([^}]*)\}/g;

function lookup(reference: string, env: NodeJS.ProcessEnv): string {
  const colon = reference.indexOf(':');
  const scheme = colon < 0 ? 'env' : reference.slice(0, colon);
  const body = colon < 0 ? reference : reference.slice(colon + 1);
  if (scheme === 'file') return fs.readFileSync(body, 'utf8');
  if (scheme !== 'env') throw new Error(`scheme "${scheme}" is not supported for uri "${reference}" (supported: [env, file])`);
  const fallback = body.indexOf(':-');
  const name = fallback < 0 ? body : body.slice(0, fallback);
  if (!ENV_NAME.test(name)) {
    throw new Error(`environment variable "${name}" has invalid name: must match regex ${ENV_NAME.source}`);
  }
  return env[name] ?? (fallback < 0 ? '' : body.slice(fallback + 2));
}

/** Expands one string: a whole-field reference becomes a YAML value, an inline one a substring; `$$` is a `$`. */
function expandString(text: string, env: NodeJS.ProcessEnv): unknown {
  const whole = /^\$\{([^}]*)\}$/.exec(text);
  if (whole) {
    const value = lookup(whole[1], env);
    if (value === '') return null;
    try {
      return parseYAML(value) ?? value;
    } catch {
      return value; // not YAML: the text itself
    }
  }
  return text.replace(REFERENCE, (match, reference: string | undefined) => (match === '$$' ? '$' : lookup(reference ?? '', env)));
}

export function expand(value: unknown, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') return expandString(value, env);
  if (Array.isArray(value)) return value.map((item) => expand(item, env));
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expand(item, env)]));
  return value;
}

export interface ResolveOptions {
  readonly configs: readonly string[];
  readonly sets?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

/** The effective config: every source merged in order, `--set` values on top, references expanded. */
export function resolve(options: ResolveOptions): ConfigMap {
  if (options.configs.length === 0) throw new Error('at least one config flag must be provided');
  const env = options.env ?? process.env;
  let merged: unknown = {};
  for (const uri of options.configs) merged = merge(merged, readSource(uri, env));
  for (const flag of options.sets ?? []) merged = merge(merged, parseSetFlag(flag));
  return expand(merged, env) as ConfigMap;
}
