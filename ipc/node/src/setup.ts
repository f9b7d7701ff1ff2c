// Getting a doorbell to the peer: inherited by a spawned child (section 6.1), accepted on a socket next to a named
// region (section 6.2), or a connected pair within one process.
import fs from 'node:fs';
import net from 'node:net';
import type { StdioOptions } from 'node:child_process';
import { native } from './native';
import { bellPath, type Region } from './region';

/** The descriptor numbers a spawned child finds the region and its doorbell end at. */
export const CHILD_REGION_FD = 3;
export const CHILD_BELL_FD = 4;

/**
 * `stdio` for `child_process.spawn` that hands the child the region at fd 3 and a doorbell at fd 4 ('pipe' is a Unix
 * socket pair in libuv, so `child.stdio[4]` is this side's doorbell). The child is told with
 * `--region-fd 3 --bell-fd 4`.
 */
export function inheritedStdio(region: Region, std: StdioOptions = ['ignore', 'pipe', 'pipe']): StdioOptions {
  const [stdin, stdout, stderr] = Array.isArray(std) ? std : [std, std, std];
  return [stdin, stdout, stderr, region.fd, 'pipe'];
}

/**
 * Listens on the named region's `.bell` socket (mode 0600) and resolves with the peer's one connection; the socket
 * file goes away once the peer is connected.
 */
export function listenForPeer(region: Region): { listening: Promise<void>; connection: Promise<net.Socket>; close: () => void } {
  if (!region.path) throw new Error('only a named region has a doorbell socket to listen on');
  const file = bellPath(region.path);
  fs.rmSync(file, { force: true });
  const server = net.createServer();
  const connection = new Promise<net.Socket>((resolve, reject) => {
    server.once('connection', (socket) => {
      server.close();
      resolve(socket);
    });
    server.once('error', reject);
  });
  // The socket is created with the process umask; narrowing it before any peer learns the path keeps it private.
  const listening = new Promise<void>((resolve) => server.listen(file, () => resolve(fs.chmodSync(file, 0o600))));
  return { listening, connection, close: () => server.close() };
}

/** Two connected doorbell ends within this process (tests, and engines embedded in-process). */
export function socketPairSockets(): [net.Socket, net.Socket] {
  const [a, b] = native.socketPair();
  return [new net.Socket({ fd: a, readable: true, writable: true }), new net.Socket({ fd: b, readable: true, writable: true })];
}
