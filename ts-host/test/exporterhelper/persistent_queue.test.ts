// The persistent sending queue over the real file_storage extension: acknowledged once synced, removed once exported,
// replayed after a crash, bounded, and refusing retryably when full.
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Component } from '../../src/component';
import { newFactory as fileStorageFactory } from '../../src/components/extension/file_storage/factory';
import { isRetryable, PermanentError } from '../../src/consumererror';
import { defaultExporterHelperConfig, ERR_QUEUE_IS_FULL, newTraces, PushFunc, QueueConfig } from '../../src/exporterhelper';
import type { Traces } from '../../src/pdata';
import { recordingLogger, spans, testSettings } from '../components/helpers';

let root: string;
beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'persistent-queue-'))));
afterEach(() => rmSync(root, { recursive: true, force: true }));

const names = (data: Traces) => data.request().resourceSpans.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!.map((s) => s.name)));

async function storageIn(directory: string): Promise<Component> {
  const storage = await fileStorageFactory().create(testSettings('file_storage'), { directory, create_directory: true, directory_permissions: '0750', fsync: true });
  await storage.start({ getExtensions: () => new Map() });
  return storage;
}

/** An exporter whose queue is kept by file_storage in `directory`, started; `push` is its export. */
async function exporterOn(directory: string, push: PushFunc<Traces>, queue: Partial<QueueConfig> = {}, logger = recordingLogger().logger) {
  const storage = await storageIn(directory);
  const host = { getExtensions: () => new Map([['file_storage', storage]]) };
  const config = {
    retry_on_failure: { ...defaultExporterHelperConfig().retry_on_failure, enabled: false },
    sending_queue: { ...defaultExporterHelperConfig().sending_queue, storage: 'file_storage', ...queue },
  };
  const exporter = newTraces(testSettings('otlp_grpc', '', logger), config, push);
  await exporter.start(host);
  return { exporter, stop: async () => { await exporter.shutdown(); await storage.shutdown(); } };
}

/** A push that holds every request until `open()`, recording what it got. */
function gate() {
  const got: Traces[] = [];
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const push: PushFunc<Traces> = async (_ctx, data) => {
    got.push(data);
    await opened;
  };
  return { got, open, push };
}

/** What an exporter started on `directory` exports of what the queue kept (waiting a moment for it to start). */
async function replayedFrom(directory: string): Promise<Traces[]> {
  const replay = gate();
  replay.open();
  const restarted = await exporterOn(directory, replay.push);
  await restarted.stop(); // the replay has begun at start: stopping waits for the exports in flight
  return replay.got;
}

/** Waits for a condition, failing after a deadline. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('persistent sending queue', () => {
  // scenario: the export never finishes / guarantee: the caller is answered once the request is on disk, not exported
  test('a request is acknowledged once written and synced, before its export finishes', async () => {
    const { got, open, push } = gate();
    const { exporter, stop } = await exporterOn(join(root, 'data'), push);
    await exporter.consumeTraces({}, spans(2, 'a'));
    await until(() => got.length === 1, 'the export');
    expect(names(got[0])).toEqual(['a-0', 'a-1']);
    open();
    await stop();
  });

  // scenario: the host dies with requests queued / guarantee: a new exporter on the same files sends every one of them
  test('requests still queued when the process crashed are exported at the next start', async () => {
    const crashed = gate(); // not opened before the crash: nothing is exported
    const { exporter, stop } = await exporterOn(join(root, 'data'), crashed.push, { num_consumers: 1 });
    for (const name of ['a', 'b', 'c']) await exporter.consumeTraces({}, spans(1, name));
    const image = join(root, 'after-crash');
    cpSync(join(root, 'data'), image, { recursive: true }); // the files as a SIGKILL leaves them
    crashed.open();
    await stop();
    const replay = gate();
    replay.open();
    const restarted = await exporterOn(image, replay.push, { num_consumers: 1 });
    await until(() => replay.got.length === 3, 'the replay');
    expect(replay.got.flatMap(names)).toEqual(['a-0', 'b-0', 'c-0']); // oldest first
    await restarted.stop();
  });

  // scenario: exported, then restarted / guarantee: an exported request is removed and never sent again
  test('a request is removed once its export succeeds', async () => {
    const exported: Traces[] = [];
    const first = await exporterOn(join(root, 'data'), async (_ctx, data) => void exported.push(data));
    await first.exporter.consumeTraces({}, spans(1, 'once'));
    await until(() => exported.length === 1, 'the export');
    await first.stop();
    expect(await replayedFrom(join(root, 'data'))).toHaveLength(0);
  });

  // scenario: the downstream refuses the data for good / guarantee: dropped and logged in Go's words, not replayed
  test('a permanent failure is dropped and logged, and not sent again', async () => {
    const { logger, lines } = recordingLogger();
    const first = await exporterOn(join(root, 'data'), async () => {
      throw new PermanentError(new Error('bad data'));
    }, {}, logger);
    await first.exporter.consumeTraces({}, spans(3));
    await until(() => lines.some((line) => line.msg === 'Exporting failed. Dropping data.'), 'the log line');
    expect(lines.find((line) => line.msg === 'Exporting failed. Dropping data.')?.obj).toMatchObject({ dropped_items: 3 });
    await first.stop();
    expect(await replayedFrom(join(root, 'data'))).toHaveLength(0);
  });

  // scenario: shutdown while the downstream is down / guarantee: the request is kept for the next start, not dropped
  test('a request whose export fails during shutdown stays queued', async () => {
    let fail!: () => void;
    const failing = new Promise<void>((_resolve, reject) => (fail = () => reject(new Error('connection refused'))));
    let attempts = 0;
    const first = await exporterOn(join(root, 'data'), async () => {
      attempts++;
      await failing;
    });
    await first.exporter.consumeTraces({}, spans(1, 'kept'));
    await until(() => attempts === 1, 'the export attempt');
    const stopped = first.stop();
    fail();
    await stopped;
    const again = gate();
    again.open();
    const second = await exporterOn(join(root, 'data'), again.push);
    await until(() => again.got.length === 1, 'the replay');
    expect(names(again.got[0])).toEqual(['kept-0']);
    await second.stop();
  });

  // scenario: more requests than queue_size, then more bytes than queue_size_bytes / guarantee: a retryable refusal
  test('a full queue refuses retryably, by requests and by bytes', async () => {
    const { open, push } = gate();
    const { exporter, stop } = await exporterOn(join(root, 'data'), push, { queue_size: 2 });
    await exporter.consumeTraces({}, spans(1));
    await exporter.consumeTraces({}, spans(1));
    const refusal = await exporter.consumeTraces({}, spans(1)).catch((err: unknown) => err);
    expect(refusal).toEqual(new Error(ERR_QUEUE_IS_FULL));
    expect(isRetryable(refusal)).toBe(true);
    open();
    await stop();

    const held = gate();
    const byBytes = await exporterOn(join(root, 'bytes'), held.push, { queue_size_bytes: spans(10).byteSize() + 1 });
    await byBytes.exporter.consumeTraces({}, spans(10));
    await expect(byBytes.exporter.consumeTraces({}, spans(1))).rejects.toThrow(ERR_QUEUE_IS_FULL);
    held.open();
    await byBytes.stop();
  });

  // scenario: a storage ID that names no extension, or one that stores nothing / guarantee: Go's start errors
  test('the storage must name a storage extension', async () => {
    const config = { sending_queue: { ...defaultExporterHelperConfig().sending_queue, storage: 'file_storage' } };
    const missing = newTraces(testSettings('otlp_grpc'), config, async () => undefined);
    await expect(missing.start({ getExtensions: () => new Map() })).rejects.toThrow('no storage client extension found');
    const wrong = newTraces(testSettings('otlp_grpc'), config, async () => undefined);
    const notStorage: Component = { start: async () => {}, shutdown: async () => {} };
    await expect(wrong.start({ getExtensions: () => new Map([['file_storage', notStorage]]) })).rejects.toThrow('requested extension is not a storage extension');
  });
});
