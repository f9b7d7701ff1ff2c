// Attach mode's shared folder (`runtime.rust.ipc.shm_dir`) and control socket. In containers both live on a volume
// that the collector and the engine mount; each way that volume can be wrong gets one message that names the cause
// and the fix, instead of an error from deep inside the ring or the gRPC client.
import fs from 'node:fs';
import path from 'node:path';

/** statfs(2) magic numbers of the filesystems that keep their pages in memory only. */
const MEMORY_BACKED = new Map<number, string>([
  [0x01021994, 'tmpfs'],
  [0x858458f6, 'ramfs'],
]);

const VOLUME_FIX = 'mount the volume shared with the engine there, writable by this user (compose: the `ring` volume; Kubernetes: an emptyDir with medium: Memory in both containers)';

/**
 * Throws when the host cannot create its ring files in `dir`; returns a warning when it can but the folder is on a
 * disk-backed filesystem (the rings work, but their pages are written back to disk), else undefined.
 */
export function checkSharedDir(dir: string): string | undefined {
  let stats: fs.Stats;
  try {
    stats = fs.statSync(dir);
  } catch {
    throw new Error(`runtime.rust.ipc.shm_dir ${dir} does not exist: ${VOLUME_FIX}`);
  }
  if (!stats.isDirectory()) throw new Error(`runtime.rust.ipc.shm_dir ${dir} is not a folder: ${VOLUME_FIX}`);
  try {
    fs.accessSync(dir, fs.constants.W_OK | fs.constants.X_OK);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'EROFS' ? 'is on a read-only filesystem' : `is not writable by uid ${process.getuid?.()}`;
    throw new Error(`runtime.rust.ipc.shm_dir ${dir} ${why}: ${VOLUME_FIX}`);
  }
  const { type } = fs.statfsSync(dir);
  if (MEMORY_BACKED.has(type)) return undefined;
  return `runtime.rust.ipc.shm_dir ${dir} is not memory-backed (filesystem type 0x${type.toString(16)}), so the rings' pages are written to disk: mount a tmpfs there (compose: a volume with driver_opts type: tmpfs; Kubernetes: emptyDir medium: Memory)`;
}

/**
 * Why a `unix://` control endpoint may not have answered, with the fix; '' when nothing explains it. `uid` is this
 * process's user (a parameter so that the other-user case can be checked by a root test run).
 */
export function unansweredHint(endpoint: string, uid = process.getuid?.()): string {
  if (!endpoint.startsWith('unix://')) return '';
  const socket = endpoint.slice('unix://'.length);
  let owner: fs.Stats;
  try {
    owner = fs.statSync(socket);
  } catch {
    return `: there is no socket at ${socket}; start the engine with \`tandem-engine --listen ${endpoint}\`, with ${path.dirname(socket)} shared by both (compose: the engine service and the \`ring\` volume; Kubernetes: the engine sidecar and the emptyDir mounted in both containers)`;
  }
  // The engine makes its socket (and the host its ring files) private to their owner: another user cannot connect.
  const othersMayConnect = (owner.mode & 0o022) !== 0;
  if (uid === undefined || uid === 0 || owner.uid === uid || othersMayConnect) return '';
  return `: the socket ${socket} belongs to uid ${owner.uid} and this collector runs as uid ${uid}; run the engine and the collector as the same user (compose: the same \`user:\` in both services; Kubernetes: the same runAsUser), the socket and the ring files being private to their owner`;
}
