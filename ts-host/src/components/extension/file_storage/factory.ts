// The file_storage extension: durable record logs in a directory, for exporters' persistent sending queues.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ID, Kind, Settings, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as extension from '../../../extension';
import type { RecordLog, StorageExtension } from '../../../extension/storage';
import { createDefaultConfig, FileStorageConfig, validateConfig } from './config';
import { FileLog } from './log';

/** A name safe in any file system: letters, digits, `.`, `-` and `_` stay; anything else (and `~`) becomes `~XXXX`. */
const safe = (name: string) => name.replace(/[^A-Za-z0-9._-]/gu, (c) => `~${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`);

class FileStorage implements StorageExtension {
  private readonly logs = new Set<RecordLog>();

  constructor(private readonly settings: Settings, private readonly config: FileStorageConfig) {}

  async start(): Promise<void> {
    if (this.config.create_directory) await mkdir(this.config.directory, { recursive: true, mode: parseInt(this.config.directory_permissions, 8) });
  }

  /**
   * `<directory>/<kind>_<type>[-<name>]_<log name>`, e.g. `exporter_otlp_grpc_traces` for `otlp_grpc`'s traces queue
   * and `exporter_otlp_grpc-backup_traces` for `otlp_grpc/backup`'s: types have no `-` and log names no `_`, so no two
   * users share a directory.
   */
  async openLog(kind: Kind, id: ID, name: string): Promise<RecordLog> {
    const user = `${kind}_${id.type}${id.name ? `-${safe(id.name)}` : ''}_${safe(name)}`;
    const log = await FileLog.open(join(this.config.directory, user), { fsync: this.config.fsync, logger: this.settings.telemetry.logger });
    this.logs.add(log);
    return log;
  }

  /** Closes the logs their users left open (closing is idempotent). */
  async shutdown(): Promise<void> {
    await Promise.all([...this.logs].map((log) => log.close()));
  }
}

export const configSchema = field.object({
  directory: field.string(),
  create_directory: field.boolean(),
  directory_permissions: field.string(),
  fsync: field.boolean(),
});

export function newFactory(): extension.Factory {
  return extension.newFactory('file_storage', createDefaultConfig, async (settings, config: FileStorageConfig) => new FileStorage(settings, config),
    StabilityLevel.Beta, { configSchema, validateConfig });
}
