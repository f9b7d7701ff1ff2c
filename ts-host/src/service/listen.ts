// Listening on a Collector-style `host:port` endpoint.
import type * as net from 'node:net';

/** Splits `host:port` (IPv6 hosts in brackets); an empty host means every interface. */
export function splitEndpoint(endpoint: string): { host: string | undefined; port: number } {
  const colon = endpoint.lastIndexOf(':');
  const host = endpoint.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(endpoint.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid endpoint "${endpoint}": expected host:port`);
  }
  return { host: host === '' ? undefined : host, port };
}

/** Starts `server` on `endpoint`; rejects with the listen error (such as EADDRINUSE) instead of crashing. */
export function listenOn(server: net.Server, endpoint: string): Promise<void> {
  const { host, port } = splitEndpoint(endpoint);
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
