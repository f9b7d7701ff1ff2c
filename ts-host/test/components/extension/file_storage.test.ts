import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from '../../../src/components/extension/file_storage/config';
import { newFactory } from '../../../src/components/extension/file_storage/factory';
import { FileLog } from '../../../src/components/extension/file_storage/log';
import { ID } from '../../../src/component';
import { isStorageExtension } from '../../../src/extension/storage';
import { recordingLogger, testSettings } from '../helpers';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'file-storage-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const open = (dir: string, segmentBytes?: number) => FileLog.open(dir, { fsync: true, segmentBytes, logger: recordingLogger().logger });
const payload = (text: string) => Buffer.from(text);
const segmentFiles = (dir: string) => readdirSync(dir).filter((name) => name.startsWith('segment-')).sort();
const lastSegment = (dir: string) => join(dir, segmentFiles(dir).at(-1) as string);

/** The files of a log as a crash would leave them: copied while the log is open, its LOCK naming this process. */
function crashImage(dir: string): string {
  const copy = join(root, `crash-${Math.random().toString(36).slice(2)}`);
  cpSync(dir, copy, { recursive: true });
  return copy;
}

describe('file_storage log', () => {
  // scenario: append, release one, reopen / guarantee: what was not released comes back, in order, intact
  test('records appended and not released are recovered after a reopen', async () => {
    const dir = join(root, 'log');
    const log = await open(dir);
    const [a, b, c] = await Promise.all([log.append(payload('a'), 1), log.append(payload('bb'), 2), log.append(payload('ccc'), 3)]);
    log.release(b);
    await log.close();
    const again = await open(dir);
    expect(again.recovered.map((r) => [r.id, r.items, r.size])).toEqual([[a.id, 1, 1], [c.id, 3, 3]]);
    expect((await Promise.all(again.recovered.map((r) => again.read(r)))).map(String)).toEqual(['a', 'ccc']);
    const d = await again.append(payload('d'), 1);
    expect(d.id).toBeGreaterThan(c.id); // ids are never reused
    await again.close();
  });

  // scenario: a crash (the files as the process left them, no close) / guarantee: every acknowledged append is replayed
  test('a crash image replays every acknowledged append', async () => {
    const dir = join(root, 'log');
    const log = await open(dir);
    const records = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append(payload(`r${i}`), 1)));
    log.release(records[0]);
    const image = crashImage(dir);
    const replayed = await open(image);
    expect(replayed.recovered.length).toBeGreaterThanOrEqual(49); // the release was not synced: it may be lost
    expect((await Promise.all(replayed.recovered.map((r) => replayed.read(r)))).map(String).slice(-49)).toEqual(records.slice(1).map((_, i) => `r${i + 1}`));
    await replayed.close();
    await log.close();
  });

  // scenario: 100 appends in one tick / guarantee: group commit, one fsync for the first and one for the 99 that waited
  test('appends that arrive while a sync runs share the next sync', async () => {
    const log = await open(join(root, 'log'));
    await Promise.all(Array.from({ length: 100 }, (_, i) => log.append(payload(`r${i}`), 1)));
    expect(log.syncs).toBe(2);
    await log.close();
  });

  // scenario: a crash in the middle of a write / guarantee: the torn record is cut, those before it kept, writing goes on
  test('a torn tail is cut and the records before it are kept', async () => {
    const dir = join(root, 'log');
    const log = await open(dir);
    for (const text of ['one', 'two', 'three']) await log.append(payload(text), 1);
    await log.close();
    const file = lastSegment(dir);
    const full = statSync(file).size;
    writeFileSync(file, readFileSync(file).subarray(0, full - 2)); // the last record lost its last two bytes
    const { logger, lines } = recordingLogger();
    const cut = await FileLog.open(dir, { fsync: true, logger });
    expect(await Promise.all(cut.recovered.map(async (r) => String(await cut.read(r))))).toEqual(['one', 'two']);
    expect(lines.some((line) => line.msg?.includes('torn or corrupt tail'))).toBe(true);
    expect(statSync(file).size).toBe(full - 24 - 'three'.length); // cut back to the end of 'two'
    await cut.append(payload('four'), 1);
    await cut.close();
    const after = await open(dir);
    expect(await Promise.all(after.recovered.map(async (r) => String(await after.read(r))))).toEqual(['one', 'two', 'four']);
    await after.close();
  });

  // scenario: a flipped byte in a payload / guarantee: the checksum catches it; the record and what follows are cut
  test('a corrupt record is detected by its checksum and never handed back', async () => {
    const dir = join(root, 'log');
    const log = await open(dir);
    for (const text of ['good', 'flipped']) await log.append(payload(text), 1);
    await log.close();
    const file = lastSegment(dir);
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0x01;
    writeFileSync(file, bytes);
    const again = await open(dir);
    expect(await Promise.all(again.recovered.map(async (r) => String(await again.read(r))))).toEqual(['good']);
    await again.close();
  });

  // scenario: small segments, everything exported / guarantee: disk space comes back, only the active segment is left
  test('segments whose records were all released are deleted', async () => {
    const dir = join(root, 'log');
    const log = await open(dir, 64);
    const records = [];
    for (let i = 0; i < 10; i++) records.push(await log.append(Buffer.alloc(100, i), 1)); // a segment per append
    expect(segmentFiles(dir).length).toBeGreaterThanOrEqual(10);
    records.forEach((record) => log.release(record));
    await log.append(payload('last'), 1); // waits for the releases written before it
    await log.close();
    expect(segmentFiles(dir)).toHaveLength(1);
    const again = await open(dir);
    expect(again.recovered.map((r) => r.size)).toEqual([4]);
    await again.close();
  });

  // scenario: two collectors configured with one directory / guarantee: the second is refused, naming the holder
  test('a log held by another live process is refused', async () => {
    const dir = join(root, 'log');
    await (await open(dir)).close();
    writeFileSync(join(dir, 'LOCK'), String(process.ppid));
    await expect(open(dir)).rejects.toThrow(`${dir} is in use by process ${process.ppid}`);
    const log = await open(join(root, 'other'));
    await expect(open(join(root, 'other'))).rejects.toThrow('is already in use by this collector');
    await log.close();
  });
});

describe('file_storage extension', () => {
  test('config checks use Go\'s words, and a directory is required', () => {
    const base = { directory: root, create_directory: false, directory_permissions: '0750', fsync: true };
    expect(() => validateConfig(base)).not.toThrow();
    expect(() => validateConfig({ ...base, directory: '' })).toThrow('directory must be set');
    expect(() => validateConfig({ ...base, directory: join(root, 'missing') }))
      .toThrow(`directory must exist: stat ${join(root, 'missing')}: no such file or directory. You can enable the create_directory option to automatically create it`);
    expect(() => validateConfig({ ...base, directory: join(root, 'missing'), create_directory: true })).not.toThrow();
    writeFileSync(join(root, 'file'), '');
    expect(() => validateConfig({ ...base, directory: join(root, 'file') })).toThrow(`${join(root, 'file')} is not a directory`);
    expect(() => validateConfig({ ...base, create_directory: true, directory_permissions: '9' })).toThrow('directory_permissions value must be a valid octal representation');
    expect(() => validateConfig({ ...base, create_directory: true, directory_permissions: '1777' })).toThrow('directory_permissions contain invalid bits for file access');
  });

  // scenario: two exporters, one named / guarantee: each gets a directory of its own under `directory`
  test('each user gets its own log directory', async () => {
    const factory = newFactory();
    const storage = await factory.create(testSettings('file_storage'), { directory: join(root, 'data'), create_directory: true, directory_permissions: '0750', fsync: true });
    await storage.start({ getExtensions: () => new Map() });
    if (!isStorageExtension(storage)) throw new Error('file_storage is not a storage extension');
    const plain = await storage.openLog('exporter', ID.parse('otlp_grpc'), 'traces');
    const named = await storage.openLog('exporter', ID.parse('otlp_grpc/backup/eu'), 'traces');
    await Promise.all([plain.append(payload('p'), 1), named.append(payload('n'), 1)]);
    await storage.shutdown(); // closes the logs it handed out
    expect(readdirSync(join(root, 'data')).sort()).toEqual(['exporter_otlp_grpc-backup~002Feu_traces', 'exporter_otlp_grpc_traces']);
    expect(existsSync(join(root, 'data', 'exporter_otlp_grpc_traces', 'LOCK'))).toBe(false);
  });
});
