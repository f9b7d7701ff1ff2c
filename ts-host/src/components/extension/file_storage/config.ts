import { statSync } from 'node:fs';

export interface FileStorageConfig {
  /** Where the data is kept: each component that uses the extension gets a directory of its own under it. */
  directory: string;
  /** Create `directory` (with `directory_permissions`) when it does not exist. */
  create_directory: boolean;
  /** Octal, as Go writes it. */
  directory_permissions: string;
  /** Sync every group of writes to the disk before acknowledging them. */
  fsync: boolean;
}

// No default directory: one under the OS's state directory would be shared, silently, by every collector on the host.
export const createDefaultConfig = (): FileStorageConfig => ({ directory: '', create_directory: false, directory_permissions: '0750', fsync: true });

/** Go's file_storage checks, in its words where it has them. */
export function validateConfig(config: FileStorageConfig): void {
  if (config.directory === '') {
    throw new Error('directory must be set: there is no default, so that no two collectors share one by accident');
  }
  if (config.create_directory) {
    const permissions = /^0?[0-7]{1,4}$/.test(config.directory_permissions) ? parseInt(config.directory_permissions, 8) : NaN;
    if (Number.isNaN(permissions)) throw new Error('directory_permissions value must be a valid octal representation');
    if ((permissions & 0o777) !== permissions) throw new Error('directory_permissions contain invalid bits for file access');
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(config.directory).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && config.create_directory) return;
    if (code === 'ENOENT') {
      throw new Error(`directory must exist: stat ${config.directory}: no such file or directory. You can enable the create_directory option to automatically create it`);
    }
    throw new Error(`problem accessing configured directory: ${config.directory}, err: ${(err as Error).message}`);
  }
  if (!isDirectory) throw new Error(`${config.directory} is not a directory`);
}
