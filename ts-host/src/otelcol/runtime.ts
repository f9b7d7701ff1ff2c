// `runtime`: how the host runs the Rust engine (`rust`) and where components of a type both runtimes have run
// (`placement`). Tandem's own section; the Go Collector has none.
import { field } from '../config';

export const EXECUTOR_TYPES = ['tokio_local'] as const;
export const RUNTIME_MODES = ['spawn', 'attach', 'off'] as const;
/** `auto`: a component whose type has an engine twin runs where its neighbours do; `as_written`: where its type says. */
export const PLACEMENT_MODES = ['auto', 'as_written'] as const;

export interface PlacementConfig {
  mode: (typeof PLACEMENT_MODES)[number];
  /** Component IDs (`type[/name]`) kept in the host whatever their neighbours, in every section they appear in. */
  in_host: string[];
}

export const defaultPlacementConfig = (): PlacementConfig => ({ mode: 'auto', in_host: [] });

export interface IPCConfig {
  buffer_size: number;
  queue_size: number;
  max_message_size: number;
  shm_dir: string;
}

export interface RustRuntimeConfig {
  mode: (typeof RUNTIME_MODES)[number];
  endpoint: string;
  executor: { type: (typeof EXECUTOR_TYPES)[number]; cores: number; pin_cores: boolean };
  ipc: IPCConfig;
}

export const defaultRustRuntimeConfig = (): RustRuntimeConfig => ({
  mode: 'spawn',
  endpoint: '',
  executor: { type: 'tokio_local', cores: 1, pin_cores: false },
  ipc: { buffer_size: 64 * 1024 * 1024, queue_size: 65536, max_message_size: 16 * 1024 * 1024, shm_dir: '/dev/shm' },
});

const ipcSchema = field.object({
  buffer_size: field.bytes(),
  queue_size: field.integer(),
  max_message_size: field.bytes(),
  shm_dir: field.string(),
});

export const runtimeSchema = field.object({
  rust: field.object({
    mode: field.enum(...RUNTIME_MODES),
    endpoint: field.string(),
    executor: field.object({ type: field.enum(...EXECUTOR_TYPES), cores: field.integer(), pin_cores: field.boolean() }),
    ipc: ipcSchema,
    // The seed's name for the same settings.
    rust2go: ipcSchema,
  }),
  placement: field.object({ mode: field.enum(...PLACEMENT_MODES), in_host: field.list(field.string()) }),
});

/** Folds the `rust2go:` alias into `ipc:` and checks what the schema cannot. */
export function finishRustRuntimeConfig(config: RustRuntimeConfig & { rust2go?: IPCConfig }, raw: { ipc?: unknown; rust2go?: unknown } | undefined): RustRuntimeConfig {
  const { rust2go, ...rest } = config;
  if (raw?.ipc !== undefined && raw?.rust2go !== undefined) {
    throw new Error('runtime::rust: set either "ipc" or its alias "rust2go", not both');
  }
  const result: RustRuntimeConfig = raw?.rust2go !== undefined && rust2go ? { ...rest, ipc: { ...rest.ipc, ...rust2go } } : rest;
  if (result.executor.cores < 1) throw new Error('runtime::rust::executor: cores must be at least 1');
  if (result.mode === 'attach' && result.endpoint === '') {
    throw new Error('runtime::rust: endpoint is required when mode is attach');
  }
  if (result.ipc.max_message_size > result.ipc.buffer_size / 2 - 32) {
    throw new Error(
      `runtime::rust::ipc: max_message_size (${result.ipc.max_message_size}) must be at most half of buffer_size (${result.ipc.buffer_size}) minus 32`,
    );
  }
  return result;
}
