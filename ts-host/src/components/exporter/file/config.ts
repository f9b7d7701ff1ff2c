export interface FileExporterConfig {
  /** The file written: one OTLP/JSON Export*ServiceRequest per line, appended. */
  path: string;
}

export function createDefaultConfig(): FileExporterConfig {
  return { path: '' };
}

export function validateConfig(config: FileExporterConfig): void {
  if (config.path === '') throw new Error('path must be non-empty');
}
