// The addon (addon/region.cc): the few system calls JavaScript has no API for.
import path from 'node:path';

export interface Native {
  memfdCreate(name: string): number;
  map(fd: number): ArrayBuffer;
  unmap(buffer: ArrayBuffer): void;
  flock(fd: number, nonblocking: boolean): boolean;
  socketPair(): [number, number];
}

// TANDEM_IPC_ADDON selects another build of the same addon (the AddressSanitizer build in the fuzz test).
const addonPath = process.env.TANDEM_IPC_ADDON ?? path.join(__dirname, '..', 'build', 'Release', 'tandem_ipc.node');

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const native: Native = require(addonPath);
