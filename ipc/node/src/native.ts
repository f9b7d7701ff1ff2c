// The addon (addon/region.cc): the few system calls JavaScript has no API for.
import fs from 'node:fs';
import path from 'node:path';

export interface Native {
  memfdCreate(name: string): number;
  map(fd: number): ArrayBuffer;
  unmap(buffer: ArrayBuffer): void;
  flock(fd: number, nonblocking: boolean): boolean;
  socketPair(): [number, number];
}

/**
 * TANDEM_IPC_ADDON selects another build of the same addon (the AddressSanitizer build in the fuzz test); else the
 * node-gyp build of a checkout; else the prebuilt addon of the platform package npm installed with @tandem/host.
 */
function addonPath(): string {
  if (process.env.TANDEM_IPC_ADDON) return process.env.TANDEM_IPC_ADDON;
  const built = path.join(__dirname, '..', 'build', 'Release', 'tandem_ipc.node');
  if (fs.existsSync(built)) return built;
  const platformPackage = `@tandem/engine-${process.platform}-${process.arch}`;
  try {
    return require.resolve(`${platformPackage}/lib/tandem_ipc.node`);
  } catch {
    throw new Error(`the ring addon is missing: neither ${built} (npm run build) nor the package ${platformPackage} is there`);
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: Native = require(addonPath());
