// Starting the Rust end of the ring (`tandem-ring-peer`, built by `npm test`'s cargo step) as a real child process.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { inheritedStdio, Region } from '../src';

const root = path.resolve(__dirname, '..', '..', '..');
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target');
export const PEER = path.join(targetDir, 'release', 'tandem-ring-peer');

export interface Peer {
  child: ChildProcess;
  /** This side's doorbell end (inherited mode). */
  bell?: net.Socket;
  /** The JSON lines the peer printed. */
  lines: () => Array<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

export function startPeer(args: string[], region?: Region): Peer {
  if (!fs.existsSync(PEER)) throw new Error(`${PEER} is missing: run \`npm run build\` first`);
  const child = region
    ? spawn(PEER, ['--region-fd', '3', '--bell-fd', '4', ...args], { stdio: inheritedStdio(region) })
    : spawn(PEER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close' comes after the exit and after stdout and stderr have ended, so everything printed has been read.
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    bell: region ? (child.stdio[4] as net.Socket) : undefined,
    lines: () => out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l)),
    exited,
    stderr: () => err,
  };
}

/** Resolves once the peer printed a line with `key`. */
export async function waitForLine(peer: Peer, key: string): Promise<Record<string, unknown>> {
  for (;;) {
    const line = peer.lines().find((l) => key in l);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Checked payloads as the peer writes and verifies them: `[u64 seq][u32 crc32 of the rest][rest]`. Bodies are slices
 * of a random pool, sizes mostly up to 2 KiB with one in 64 up to `max`, so large records regularly wrap the ring.
 */
export class CheckedPayloads {
  private readonly pool: Buffer;
  private state: number;

  constructor(seed: number, private readonly max: number) {
    this.state = seed;
    this.pool = Buffer.alloc(max * 2);
    for (let i = 0; i < this.pool.length; i++) this.pool[i] = this.next() & 0xff;
  }

  private next(): number {
    // xorshift32: deterministic, so a failing run replays from its seed.
    this.state ^= this.state << 13;
    this.state ^= this.state >>> 17;
    this.state ^= this.state << 5;
    return this.state >>> 0;
  }

  make(seq: number): Buffer {
    const limit = this.next() % 64 === 0 ? this.max : Math.min(this.max, 2048);
    const size = 12 + (this.next() % (limit - 11));
    const offset = this.next() % this.max;
    const p = Buffer.allocUnsafe(size);
    p.writeBigUInt64LE(BigInt(seq), 0);
    this.pool.copy(p, 12, offset, offset + size - 12);
    p.writeUInt32LE(crc32(p.subarray(12)), 8);
    return p;
  }
}

/** Checks checked payloads: order, loss, duplication and integrity. */
export class Verifier {
  received = 0;
  nextSeq = 0;
  badChecksum = 0;
  outOfOrder = 0;

  check(payload: Buffer): void {
    this.received++;
    const seq = Number(payload.readBigUInt64LE(0));
    if (crc32(payload.subarray(12)) !== payload.readUInt32LE(8)) this.badChecksum++;
    if (seq !== this.nextSeq) this.outOfOrder++;
    this.nextSeq = seq + 1;
  }
}
