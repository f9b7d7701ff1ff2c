// The file_storage extension's record log, one directory per user: numbered segment files of checksummed records.
// Appends are written with group commit: the records that arrive while a write and its fsync run go out together in
// the next write, with one fsync. A release is a small record appended to the segment of the record it releases
// (not synced: losing one only means that record is sent again), so each segment stands alone and is deleted once
// everything in it was released. Opening a log reads every segment, cuts a torn or corrupt tail (length and CRC-32
// checked, never trusted) and hands back what was not released.
import { FileHandle, mkdir, open, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from 'pino';
import type { RecordLog, StoredRecord } from '../../../extension/storage';

/** The first bytes of every segment file (layout version 1). */
const MAGIC = Buffer.from('TANDLOG1');
/**
 * A record: u32 length of what follows the first 8 bytes, u32 CRC-32 of those bytes, u32 kind, u32 items, u64 id
 * (little-endian), then the payload (appends only).
 */
const HEADER = 24;
const APPEND = 1;
const RELEASE = 2;
const SEGMENT_NAME = /^segment-(\d{10})\.log$/;

export interface LogOptions {
  /** fsync every group of appends before acknowledging them. */
  fsync: boolean;
  /** A segment takes appends until it is this large. */
  segmentBytes?: number;
  logger: Logger;
}

interface Segment {
  readonly id: number;
  readonly path: string;
  readonly handle: FileHandle;
  /** Where the next record goes. */
  size: number;
  /** Records appended to it and not released. */
  live: number;
  /** Appends go to a later segment. */
  sealed: boolean;
  removed: boolean;
}

class FileRecord implements StoredRecord {
  constructor(readonly id: number, readonly items: number, readonly size: number, readonly segment: Segment, readonly offset: number) {}
}

interface PendingAppend {
  readonly id: number;
  readonly items: number;
  readonly payload: Uint8Array;
  readonly resolve: (record: StoredRecord) => void;
  readonly reject: (err: unknown) => void;
}

/** Directories held open by this process; another process's hold is its LOCK file. */
const held = new Set<string>();

function header(kind: number, id: number, items: number, payload?: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER);
  out.writeUInt32LE(HEADER - 8 + (payload?.length ?? 0), 0);
  out.writeUInt32LE(kind, 8);
  out.writeUInt32LE(items, 12);
  out.writeUInt32LE(id % 2 ** 32, 16);
  out.writeUInt32LE(Math.floor(id / 2 ** 32), 20);
  const crc = crc32(out.subarray(8));
  out.writeUInt32LE(payload ? crc32(payload, crc) : crc, 4);
  return out;
}

interface Parsed {
  kind: number;
  id: number;
  items: number;
  offset: number;
  size: number;
}

/** The record at `offset` of `data`, or undefined when it is torn (cut short) or corrupt (bad kind or checksum). */
function parseAt(data: Buffer, offset: number): Parsed | undefined {
  if (data.length - offset < HEADER) return undefined;
  const length = data.readUInt32LE(offset);
  if (length < HEADER - 8 || offset + 8 + length > data.length) return undefined;
  if (crc32(data.subarray(offset + 8, offset + 8 + length)) !== data.readUInt32LE(offset + 4)) return undefined;
  const kind = data.readUInt32LE(offset + 8);
  if (kind !== APPEND && kind !== RELEASE) return undefined;
  const id = data.readUInt32LE(offset + 16) + data.readUInt32LE(offset + 20) * 2 ** 32;
  return { kind, id, items: data.readUInt32LE(offset + 12), offset, size: length - (HEADER - 8) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory for this process, or says which live process holds it. */
async function lock(dir: string): Promise<void> {
  const path = join(dir, 'LOCK');
  if (held.has(dir)) throw new Error(`${dir} is already in use by this collector`);
  try {
    await writeFile(path, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number((await readFile(path, 'utf8')).trim());
    // A LOCK naming this process but not held by it was left by a crashed process that had the same pid.
    if (holder > 0 && holder !== process.pid && isAlive(holder)) throw new Error(`${dir} is in use by process ${holder} (remove ${path} if no collector uses it)`);
    await writeFile(path, String(process.pid), { mode: 0o600 });
  }
  held.add(dir);
}

export class FileLog implements RecordLog {
  readonly recovered: readonly StoredRecord[];
  /** fsyncs done so far: fewer than appends when group commit works. */
  syncs = 0;
  private appends: PendingAppend[] = [];
  private releases: FileRecord[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  private startNewSegment = false;
  /** Every segment file this log has open. */
  private readonly segments: Set<Segment>;

  private constructor(
    private readonly dir: string,
    private readonly options: LogOptions,
    private active: Segment,
    private nextId: number,
    recovered: FileRecord[],
  ) {
    this.recovered = recovered;
    this.segments = new Set([active, ...recovered.map((record) => record.segment)]);
  }

  /** Opens (creating it if needed) the log in `dir`, which no other log may be using. */
  static async open(dir: string, options: LogOptions): Promise<FileLog> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await lock(dir);
    try {
      const names = (await readdir(dir)).filter((name) => SEGMENT_NAME.test(name)).sort();
      const recovered = new Map<number, FileRecord>();
      let lastId = 0;
      let lastSegment = 0;
      for (const name of names) {
        lastSegment = Number(SEGMENT_NAME.exec(name)?.[1]);
        lastId = Math.max(lastId, await FileLog.recover(join(dir, name), lastSegment, recovered, options.logger));
      }
      const active = await FileLog.createSegment(dir, lastSegment + 1);
      const log = new FileLog(dir, options, active, lastId + 1, [...recovered.values()].sort((a, b) => a.id - b.id));
      if (recovered.size > 0) options.logger.info({ directory: dir, records: recovered.size }, 'Recovered records from file storage');
      return log;
    } catch (err) {
      held.delete(dir);
      throw err;
    }
  }

  /**
   * Reads one segment into `records`, cutting a torn or corrupt tail; deletes it when nothing in it is live. Returns
   * the highest record id it held.
   */
  private static async recover(path: string, id: number, records: Map<number, FileRecord>, logger: Logger): Promise<number> {
    const data = await readFile(path);
    if (data.length < MAGIC.length && MAGIC.subarray(0, data.length).equals(data)) {
      await unlink(path); // cut short while being created
      return 0;
    }
    if (!data.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error(`${path} is not a file_storage segment`);
    const handle = await open(path, 'r+');
    const segment: Segment = { id, path, handle, size: MAGIC.length, live: 0, sealed: true, removed: false };
    const mine = new Map<number, FileRecord>();
    let lastId = 0;
    for (let record = parseAt(data, segment.size); record; record = parseAt(data, segment.size)) {
      lastId = Math.max(lastId, record.id);
      if (record.kind === APPEND) mine.set(record.id, new FileRecord(record.id, record.items, record.size, segment, record.offset));
      else mine.delete(record.id);
      segment.size = record.offset + HEADER + record.size;
    }
    if (segment.size < data.length) {
      logger.warn({ segment: path, cut_bytes: data.length - segment.size }, 'Cut a torn or corrupt tail from a file storage segment');
      await truncate(path, segment.size);
    }
    segment.live = mine.size;
    if (segment.live === 0) {
      await handle.close();
      await unlink(path);
    } else {
      for (const [recordId, record] of mine) records.set(recordId, record);
    }
    return lastId;
  }

  private static async createSegment(dir: string, id: number): Promise<Segment> {
    const path = join(dir, `segment-${String(id).padStart(10, '0')}.log`);
    const handle = await open(path, 'wx+', 0o600);
    await handle.write(MAGIC, 0, MAGIC.length, 0);
    await handle.datasync();
    // The new file's directory entry must survive a crash too.
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    return { id, path, handle, size: MAGIC.length, live: 0, sealed: false, removed: false };
  }

  append(payload: Uint8Array, items: number): Promise<StoredRecord> {
    if (this.closed) return Promise.reject(new Error('the file storage log is closed'));
    return new Promise((resolve, reject) => {
      this.appends.push({ id: this.nextId++, items, payload, resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  async read(record: StoredRecord): Promise<Buffer> {
    const { segment, offset, size } = record as FileRecord;
    const buffer = Buffer.allocUnsafe(HEADER + size);
    const { bytesRead } = await segment.handle.read(buffer, 0, buffer.length, offset);
    const parsed = bytesRead === buffer.length ? parseAt(buffer, 0) : undefined;
    if (parsed?.kind !== APPEND || parsed.id !== record.id) throw new Error(`record ${record.id} in ${segment.path} is corrupt`);
    return buffer.subarray(HEADER);
  }

  release(record: StoredRecord): void {
    if (this.closed) return; // not recorded: sent again after the restart
    const stored = record as FileRecord;
    stored.segment.live--;
    this.releases.push(stored);
    this.writing ??= this.writeLoop();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writing;
    await Promise.all([...this.segments].map((segment) => segment.handle.close().catch(() => undefined)));
    await rm(join(this.dir, 'LOCK'), { force: true });
    held.delete(this.dir);
  }

  /** Writes what is pending, group by group, until nothing is. */
  private async writeLoop(): Promise<void> {
    while (this.appends.length > 0 || this.releases.length > 0) {
      const appends = this.appends.splice(0);
      const releases = this.releases.splice(0);
      await this.writeAppends(appends);
      await this.writeReleases(releases);
    }
    this.writing = undefined;
  }

  private async writeAppends(appends: PendingAppend[]): Promise<void> {
    if (appends.length === 0) return;
    try {
      if (this.startNewSegment || this.active.size >= (this.options.segmentBytes ?? 16 * 2 ** 20)) await this.roll();
    } catch (err) {
      for (const append of appends) append.reject(err);
      return;
    }
    const segment = this.active;
    const start = segment.size;
    const buffers: Uint8Array[] = [];
    const records: FileRecord[] = [];
    let offset = start;
    for (const { id, items, payload } of appends) {
      buffers.push(header(APPEND, id, items, payload), payload);
      records.push(new FileRecord(id, items, payload.length, segment, offset));
      offset += HEADER + payload.length;
    }
    try {
      const { bytesWritten } = await segment.handle.writev(buffers, start);
      if (bytesWritten !== offset - start) throw new Error(`wrote ${bytesWritten} of ${offset - start} bytes`);
      if (this.options.fsync) {
        await segment.handle.datasync();
        this.syncs++;
      }
    } catch (err) {
      // The segment may end in a partial record now: cut it back and append to a new segment from now on.
      this.startNewSegment = true;
      await segment.handle.truncate(start).catch(() => undefined);
      const failure = new Error(`writing to file storage ${this.dir}: ${(err as Error).message}`);
      for (const append of appends) append.reject(failure);
      return;
    }
    segment.size = offset;
    segment.live += records.length;
    appends.forEach((append, i) => append.resolve(records[i]));
  }

  /** Appends each release to its record's segment, or deletes the segment once nothing in it is live. */
  private async writeReleases(releases: FileRecord[]): Promise<void> {
    const bySegment = new Map<Segment, FileRecord[]>();
    for (const record of releases) bySegment.set(record.segment, [...(bySegment.get(record.segment) ?? []), record]);
    await Promise.all([...bySegment].map(async ([segment, records]) => {
      try {
        if (segment.sealed && segment.live === 0) return await this.remove(segment);
        const buffers = records.map((record) => header(RELEASE, record.id, 0));
        await segment.handle.writev(buffers, segment.size);
        segment.size += HEADER * buffers.length;
      } catch (err) {
        this.options.logger.warn({ segment: segment.path, error: (err as Error).message }, 'Could not record released records; they will be sent again after a restart');
      }
    }));
  }

  /** Seals the active segment and starts the next one. */
  private async roll(): Promise<void> {
    const previous = this.active;
    this.active = await FileLog.createSegment(this.dir, previous.id + 1);
    this.segments.add(this.active);
    this.startNewSegment = false;
    previous.sealed = true;
    if (previous.live === 0) await this.remove(previous);
  }

  private async remove(segment: Segment): Promise<void> {
    if (segment.removed) return;
    segment.removed = true;
    this.segments.delete(segment);
    await segment.handle.close();
    await unlink(segment.path);
  }
}
