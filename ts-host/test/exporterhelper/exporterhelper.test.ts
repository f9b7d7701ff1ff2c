import { newTraces as newTracesConsumer } from '../../src/consumer';
import { PermanentError } from '../../src/consumererror';
import { defaultExporterHelperConfig, ERR_QUEUE_IS_FULL, newTraces, ThrottleRetryError } from '../../src/exporterhelper';
import { Traces } from '../../src/pdata';
import { spans, testSettings } from '../components/helpers';

const fastRetry = { enabled: true, initial_interval: 5, randomization_factor: 0.5, multiplier: 1.5, max_interval: 20, max_elapsed_time: 2000 };
const noQueue = { enabled: false, num_consumers: 1, queue_size: 1, wait_for_result: false };
const host = { getExtensions: () => new Map() };

describe('exporterhelper', () => {
  test('defaults are the Go defaults', () => {
    expect(defaultExporterHelperConfig()).toEqual({
      timeout: 5000,
      retry_on_failure: { enabled: true, initial_interval: 5000, randomization_factor: 0.5, multiplier: 1.5, max_interval: 30000, max_elapsed_time: 300000 },
      sending_queue: { enabled: true, num_consumers: 10, queue_size: 1000, wait_for_result: false },
    });
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

  test('the queue acknowledges at once, refuses when full, and drains on shutdown', async () => {
    const pushed: Traces[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const exporter = newTraces(testSettings('test'), { sending_queue: { enabled: true, num_consumers: 1, queue_size: 2, wait_for_result: false } }, async (_ctx, data) => {
      await blocked;
      pushed.push(data);
    });
    await exporter.start(host);
    await exporter.consumeTraces({}, spans(1)); // running
    await exporter.consumeTraces({}, spans(2)); // queued
    await exporter.consumeTraces({}, spans(3)); // queued
    await expect(exporter.consumeTraces({}, spans(4))).rejects.toThrow(ERR_QUEUE_IS_FULL);
    expect(pushed).toHaveLength(0);
    release();
    await exporter.shutdown();
    expect(pushed.map((data) => data.itemCount())).toEqual([1, 2, 3]);
  });

  test('with wait_for_result the caller gets the export result', async () => {
    const exporter = newTraces(testSettings('test'), { sending_queue: { enabled: true, num_consumers: 2, queue_size: 10, wait_for_result: true } }, async () => {
      throw new PermanentError(new Error('rejected'));
    });
    await expect(exporter.consumeTraces({}, spans(1))).rejects.toThrow('Permanent error: rejected');
  });

  test('shutdown stops retrying: queued requests get one more attempt', async () => {
    let calls = 0;
    const exporter = newTraces(testSettings('test'), {
      retry_on_failure: { ...fastRetry, initial_interval: 60_000, max_interval: 60_000, max_elapsed_time: 0 },
      sending_queue: { enabled: true, num_consumers: 1, queue_size: 10, wait_for_result: false },
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
