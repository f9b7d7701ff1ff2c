import { newTraces as newTracesConsumer } from '../../src/consumer';
import { PermanentError } from '../../src/consumererror';
import { defaultExporterHelperConfig, ERR_QUEUE_IS_FULL, newTraces, QueueConfig, ThrottleRetryError, validateExporterHelperConfig } from '../../src/exporterhelper';
import { Traces } from '../../src/pdata';
import { spans, testSettings } from '../components/helpers';

const fastRetry = { enabled: true, initial_interval: 5, randomization_factor: 0.5, multiplier: 1.5, max_interval: 20, max_elapsed_time: 2000 };
const queue = (settings: Partial<QueueConfig>): QueueConfig => ({ ...defaultExporterHelperConfig().sending_queue, ...settings });
const noQueue = queue({ enabled: false });
const host = { getExtensions: () => new Map() };

describe('exporterhelper', () => {
  test('defaults are the Go defaults', () => {
    expect(defaultExporterHelperConfig()).toEqual({
      timeout: 5000,
      retry_on_failure: { enabled: true, initial_interval: 5000, randomization_factor: 0.5, multiplier: 1.5, max_interval: 30000, max_elapsed_time: 300000 },
      sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000, sizer: 'requests', queue_size_bytes: 256 * 2 ** 20 },
    });
  });

  test('queue settings are checked in Go\'s words', () => {
    const queue = defaultExporterHelperConfig().sending_queue;
    expect(() => validateExporterHelperConfig({ sending_queue: { ...queue, num_consumers: 0 } })).toThrow('`num_consumers` must be positive');
    expect(() => validateExporterHelperConfig({ sending_queue: { ...queue, queue_size: 0 } })).toThrow('`queue_size` must be positive');
    expect(() => validateExporterHelperConfig({ sending_queue: { ...queue, storage: 'file_storage', wait_for_result: true } }))
      .toThrow('`wait_for_result` is not supported with a persistent queue configured with `storage`');
    expect(() => validateExporterHelperConfig({ sending_queue: { ...queue, storage: 'file_storage/' } })).toThrow('the part after / should not be empty');
    expect(() => validateExporterHelperConfig({ sending_queue: { ...queue, storage: 'file_storage/a', wait_for_result: false } })).not.toThrow();
  });

  test('retries retryable errors until the push succeeds', async () => {
    let calls = 0;
    const exporter = newTraces(testSettings('test'), { timeout: 1000, retry_on_failure: fastRetry, sending_queue: noQueue }, async () => {
      if (++calls < 4) throw new Error('unavailable');
    });
    await exporter.consumeTraces({}, spans(1));
    expect(calls).toBe(4);
  });

  test('never retries permanent errors', async () => {
    let calls = 0;
    const exporter = newTraces(testSettings('test'), { retry_on_failure: fastRetry, sending_queue: noQueue }, async () => {
      calls++;
      throw new PermanentError(new Error('bad request'));
    });
    await expect(exporter.consumeTraces({}, spans(1))).rejects.toThrow('Permanent error: bad request');
    expect(calls).toBe(1);
  });

  test('gives up after max_elapsed_time', async () => {
    const exporter = newTraces(testSettings('test'), { retry_on_failure: { ...fastRetry, max_elapsed_time: 30 }, sending_queue: noQueue }, async () => {
      throw new Error('down');
    });
    await expect(exporter.consumeTraces({}, spans(1))).rejects.toThrow('no more retries left: down');
  });

  test('honours the delay of a throttling error', async () => {
    const attempts: number[] = [];
    const exporter = newTraces(testSettings('test'), { retry_on_failure: { ...fastRetry, initial_interval: 10_000 }, sending_queue: noQueue }, async () => {
      attempts.push(Date.now());
      if (attempts.length === 1) throw new ThrottleRetryError(new Error('slow down'), 1);
    });
    await exporter.consumeTraces({}, spans(1)); // would take 10s without the throttle delay
    expect(attempts).toHaveLength(2);
  });

  test('a push exceeding the timeout is aborted with a retryable error', async () => {
    let aborted = false;
    const exporter = newTraces(testSettings('test'), { timeout: 20, sending_queue: noQueue }, (_ctx, _data, signal) =>
      new Promise<void>((_resolve, reject) => signal.addEventListener('abort', () => { aborted = true; reject(signal.reason); })));
    await expect(exporter.consumeTraces({}, spans(1))).rejects.toThrow('context deadline exceeded');
    expect(aborted).toBe(true);
  });

  // scenario: the default queue (no storage) / guarantee: a caller is answered once its data is exported, not queued
  test('by default a caller waits for its request\'s export, and gets its error', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    let fail = false;
    const exporter = newTraces(testSettings('test'), { sending_queue: defaultExporterHelperConfig().sending_queue }, async () => {
      await blocked;
      if (fail) throw new PermanentError(new Error('rejected'));
    });
    let answered = false;
    const first = exporter.consumeTraces({}, spans(1)).then(() => (answered = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);
    release();
    await first;
    fail = true;
    await expect(exporter.consumeTraces({}, spans(1))).rejects.toThrow('Permanent error: rejected');
  });

  // scenario: queue_size_bytes / guarantee: a request that would take the queue past its bytes is refused, retryably
  test('the queue is bounded by bytes too, and by items with sizer: items', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const push = async () => blocked;
    const bytes = spans(1).byteSize();
    const byBytes = newTraces(testSettings('test'), { sending_queue: queue({ num_consumers: 1, queue_size_bytes: 2 * bytes }) }, push);
    const held = [byBytes.consumeTraces({}, spans(1)), byBytes.consumeTraces({}, spans(1))];
    await expect(byBytes.consumeTraces({}, spans(1))).rejects.toThrow(ERR_QUEUE_IS_FULL);
    const byItems = newTraces(testSettings('test'), { sending_queue: queue({ sizer: 'items', queue_size: 5 }) }, push);
    held.push(byItems.consumeTraces({}, spans(4)));
    await expect(byItems.consumeTraces({}, spans(2))).rejects.toThrow(ERR_QUEUE_IS_FULL);
    held.push(byItems.consumeTraces({}, spans(1)));
    release();
    await Promise.all(held);
  });

  test('with wait_for_result: false (Go\'s default) the queue acknowledges at once, refuses when full, and drains on shutdown', async () => {
    const pushed: Traces[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const exporter = newTraces(testSettings('test'), { sending_queue: queue({ num_consumers: 1, queue_size: 2, wait_for_result: false }) }, async (_ctx, data) => {
      await blocked;
      pushed.push(data);
    });
    await exporter.start(host);
    await exporter.consumeTraces({}, spans(1)); // running
    await exporter.consumeTraces({}, spans(2)); // queued: with the one running, the queue holds its 2 requests
    await expect(exporter.consumeTraces({}, spans(3))).rejects.toThrow(ERR_QUEUE_IS_FULL);
    expect(pushed).toHaveLength(0);
    release();
    await exporter.shutdown();
    expect(pushed.map((data) => data.itemCount())).toEqual([1, 2]);
  });

  test('shutdown stops retrying: queued requests get one more attempt', async () => {
    let calls = 0;
    const exporter = newTraces(testSettings('test'), {
      retry_on_failure: { ...fastRetry, initial_interval: 60_000, max_interval: 60_000, max_elapsed_time: 0 },
      sending_queue: queue({ num_consumers: 1, queue_size: 10, wait_for_result: false }),
    }, async () => {
      calls++;
      throw new Error('down');
    });
    await exporter.consumeTraces({}, spans(1));
    await new Promise((resolve) => setImmediate(resolve));
    await exporter.shutdown(); // would wait a minute if the back-off were not interrupted
    expect(calls).toBe(1);
  });

  test('capabilities default to not mutating', () => {
    const exporter = newTraces(testSettings('test'), {}, async () => undefined);
    expect(exporter.capabilities()).toEqual(newTracesConsumer(async () => undefined).capabilities());
  });
});
