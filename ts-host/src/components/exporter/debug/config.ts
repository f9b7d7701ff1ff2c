export type Verbosity = 'basic' | 'normal' | 'detailed';

export interface DebugExporterConfig {
  /** basic: one line per request; normal: one line per item; detailed: the whole request. */
  verbosity: Verbosity;
}

export function createDefaultConfig(): DebugExporterConfig {
  return { verbosity: 'basic' };
}
