import { newTraces } from '../../../src/consumer';
import { PermanentError, RetryableError } from '../../../src/consumererror';
import { Batcher } from '../../../src/components/processor/batch/batcher';
import { createDefaultConfig, validateConfig } from '../../../src/components/processor/batch/config';
import { createBatchProcessor } from '../../../src/components/processor/batch/processor';
import { splitItems } from '../../../src/components/processor/batch/split';
import { Metrics, Traces } from '../../../src/pdata';
import { spans, testSettings } from '../helpers';

function recordingNext(fail?: (batch: Traces) => unknown) {
  const batches: Traces[] = [];
  const next = newTraces(async (_ctx, td) => {
    batches.push(td);
    const err = fail?.(td);
    if (err) throw err;
  });
  return { batches, next };
}

const spanNames = (td: Traces) =>
  td.request().resourceSpans.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!.map((span) => span.name)));

describe('batch processor', () => {
  test('defaults and validation follow Go', () => {
    expect(createDefaultConfig()).toEqual({ send_batch_size: 8192, timeout: 200, linger: 0, send_batch_max_size: 0 });
    expect(() => validateConfig({ send_batch_size: 10, timeout: 1, linger: 0, send_batch_max_size: 5 }))
      .toThrow('send_batch_max_size must be greater or equal to send_batch_size');
  });

  test('sends when send_batch_size is reached and settles every caller with the export', async () => {
    const { batches, next } = recordingNext();
    const batcher = new Batcher('traces', { send_batch_size: 5, timeout: 60_000, linger: 0, send_batch_max_size: 0 }, next, testSettings('batch'));
    await Promise.all([batcher.consume({}, spans(2, 'a')), batcher.consume({}, spans(3, 'b'))]);
    expect(batches).toHaveLength(1);
    expect(spanNames(batches[0])).toEqual(['a-0', 'a-1', 'b-0', 'b-1', 'b-2']);
  });

  // scenario: the live page asks a batch processor how full it is / guarantee: the pending items against
  // send_batch_size, back to empty once the batch is sent
  test('reports its pending batch as its buffer fill', async () => {
    const { next } = recordingNext();
    const processor = createBatchProcessor('traces', testSettings('batch'), { send_batch_size: 10, timeout: 60_000, linger: 0, send_batch_max_size: 0 }, next);
    expect(processor.bufferFill()).toEqual({ used: 0, capacity: 10, unit: 'items' });
    const answered = processor.consumeTraces({}, spans(3));
    expect(processor.bufferFill()).toEqual({ used: 3, capacity: 10, unit: 'items' });
    await processor.shutdown();
    await answered;
    expect(processor.bufferFill().used).toBe(0);
  });

  test('sends after the timeout', async () => {
    const { batches, next } = recordingNext();
    const batcher = new Batcher('traces', { send_batch_size: 100, timeout: 10, linger: 60_000, send_batch_max_size: 0 }, next, testSettings('batch'));
    await batcher.consume({}, spans(1));
    expect(batches).toHaveLength(1);
  });

  test('a single request passes through untouched', async () => {
    const { batches, next } = recordingNext();
    const batcher = new Batcher('traces', { send_batch_size: 1, timeout: 10, linger: 0, send_batch_max_size: 0 }, next, testSettings('batch'));
    const td = Traces.fromProto(spans(2).toProto());
    await batcher.consume({}, td);
    expect(batches[0]).toBe(td);
  });

  test('splits at send_batch_max_size; a caller whose data spans batches waits for all of them', async () => {
    const { batches, next } = recordingNext();
    const batcher = new Batcher('traces', { send_batch_size: 4, timeout: 60_000, linger: 0, send_batch_max_size: 4 }, next, testSettings('batch'));
    await Promise.all([batcher.consume({}, spans(3, 'a')), batcher.consume({}, spans(7, 'b'))]);
    await batcher.shutdown();
    expect(batches.map((td) => td.itemCount())).toEqual([4, 4, 2]);
    expect(batches.flatMap(spanNames)).toEqual([...['a-0', 'a-1', 'a-2'], ...Array.from({ length: 7 }, (_, i) => `b-${i}`)]);
    // resources and scopes are kept on every part
    for (const td of batches) expect(td.request().resourceSpans.every((rs) => rs.resource?.attributes?.length === 1)).toBe(true);
  });

  test('export errors reach the callers whose data was in the failed batch', async () => {
    const { next } = recordingNext((td) => (spanNames(td).includes('bad-0') ? new Error('downstream refused') : undefined));
    const batcher = new Batcher('traces', { send_batch_size: 2, timeout: 60_000, linger: 0, send_batch_max_size: 2 }, next, testSettings('batch'));
    const results = await Promise.allSettled([
      batcher.consume({}, spans(2, 'good')),
      batcher.consume({}, spans(2, 'bad')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('downstream refused');
  });

  // scenario: three callers share a batch, the downstream refuses any request holding one caller's data permanently
  // (and another time retryably) / guarantee: only that caller gets the permanent failure, the others succeed on their
  // own; a retryable failure still reaches every member
  test("a batch's permanent failure is only its guilty member's; a retryable one is everyone's", async () => {
    const { batches, next } = recordingNext((td) => (spanNames(td).includes('bad-0') ? new PermanentError(new Error('bad data')) : undefined));
    const batcher = new Batcher('traces', { send_batch_size: 6, timeout: 60_000, send_batch_max_size: 0, linger: 0 }, next, testSettings('batch'));
    const results = await Promise.allSettled([batcher.consume({}, spans(2, 'a')), batcher.consume({}, spans(2, 'bad')), batcher.consume({}, spans(2, 'c'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(PermanentError);
    expect(batches.map(spanNames)).toEqual([['a-0', 'a-1', 'bad-0', 'bad-1', 'c-0', 'c-1'], ['a-0', 'a-1'], ['bad-0', 'bad-1'], ['c-0', 'c-1']]);

    const retryable = recordingNext(() => new RetryableError('destination down'));
    const again = new Batcher('traces', { send_batch_size: 4, timeout: 60_000, send_batch_max_size: 0, linger: 0 }, retryable.next, testSettings('batch'));
    const outcomes = await Promise.allSettled([again.consume({}, spans(2, 'a')), again.consume({}, spans(2, 'b'))]);
    expect(outcomes.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(retryable.batches).toHaveLength(1);
  });

  test('shutdown flushes what is pending', async () => {
    const { batches, next } = recordingNext();
    const batcher = new Batcher('traces', { send_batch_size: 100, timeout: 60_000, linger: 0, send_batch_max_size: 0 }, next, testSettings('batch'));
    const pending = batcher.consume({}, spans(3));
    await batcher.shutdown();
    await pending;
    expect(batches.map((td) => td.itemCount())).toEqual([3]);
  });

  describe('linger, on a fake clock', () => {
    // setImmediate stays real: the batcher decides after the poll phase, and the tests let that run.
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate'] }));
    afterEach(() => jest.useRealTimers());

    /** Moves the fake clock on, then lets what the timers due by then queued with setImmediate run. */
    const elapse = async (ms: number) => {
      jest.advanceTimersByTime(ms);
      await new Promise((resolve) => setImmediate(resolve));
    };

    const lingering = (linger: number, timeout: number) => {
      const { batches, next } = recordingNext();
      const batcher = new Batcher('traces', { send_batch_size: 1000, timeout, linger, send_batch_max_size: 0 }, next, testSettings('batch'));
      return { batches, batcher };
    };

    // scenario: one caller with one request in flight / guarantee: it is answered after linger, not after timeout
    test('a lone request leaves linger after it arrived', async () => {
      const { batches, batcher } = lingering(5, 60_000);
      const answered = batcher.consume({}, spans(1));
      await elapse(4);
      expect(batches).toHaveLength(0);
      await elapse(1);
      expect(batches).toHaveLength(1);
      await answered;
    });

    // scenario: data keeps arriving faster than linger / guarantee: the batch fills until timeout after its first data
    test('arrivals closer than linger keep the batch open until the timeout', async () => {
      const { batches, batcher } = lingering(5, 20);
      const answers = [];
      for (let i = 0; i < 5; i++) {
        answers.push(batcher.consume({}, spans(1, `r${i}`)));
        await elapse(4);
      }
      expect(batches).toHaveLength(1); // sent at 20ms, with every request
      expect(spanNames(batches[0])).toEqual(['r0-0', 'r1-0', 'r2-0', 'r3-0', 'r4-0']);
      await Promise.all(answers);
    });

    // scenario: arrivals stop / guarantee: the batch leaves linger after the latest arrival, not after the first
    test('the timer armed by the first request re-arms for the remainder after later arrivals', async () => {
      const { batches, batcher } = lingering(5, 1000);
      void batcher.consume({}, spans(1));
      await elapse(3);
      void batcher.consume({}, spans(1));
      await elapse(3);
      void batcher.consume({}, spans(1)); // latest at 6ms: due at 11ms
      await elapse(4);
      expect(batches).toHaveLength(0);
      await elapse(1);
      expect(batches.map((td) => td.itemCount())).toEqual([3]);
    });

    // scenario: the event loop was busy past linger with a request waiting to be read / guarantee: it joins the batch
    test('data read right after the timer fired still joins the batch', async () => {
      const { batches, batcher } = lingering(5, 1000);
      void batcher.consume({}, spans(1, 'a'));
      jest.advanceTimersByTime(5); // the timer fires; it decides after the poll phase...
      void batcher.consume({}, spans(1, 'b')); // ...which reads this request
      await new Promise((resolve) => setImmediate(resolve));
      expect(batches).toHaveLength(0);
      await elapse(5);
      expect(batches.map(spanNames)).toEqual([['a-0', 'b-0']]);
    });

    // scenario: linger 0 (the default), nothing in flight / guarantee: a request leaves once this turn's I/O is read,
    // with what arrived in the same turn, before any timer
    test('linger 0 sends at once what arrived together', async () => {
      const { batches, batcher } = lingering(0, 50);
      void batcher.consume({}, spans(1, 'a'));
      void batcher.consume({}, spans(1, 'b'));
      expect(batches).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(batches.map(spanNames)).toEqual([['a-0', 'b-0']]);
    });

    // scenario: linger at the timeout / guarantee: Go's behaviour, size or timeout only
    test('linger at the timeout waits for the timeout', async () => {
      const { batches, batcher } = lingering(50, 50);
      void batcher.consume({}, spans(1));
      await elapse(49);
      expect(batches).toHaveLength(0);
      await elapse(1);
      expect(batches).toHaveLength(1);
    });

    /** A batcher whose exports stay in flight until `release()` ends them all. */
    const heldExports = (linger: number, timeout: number) => {
      const batches: Traces[] = [];
      let releases: Array<() => void> = [];
      const next = newTraces((_ctx, td) => new Promise<void>((resolve) => { batches.push(td); releases.push(resolve); }));
      const batcher = new Batcher('traces', { send_batch_size: 1000, timeout, linger, send_batch_max_size: 0 }, next, testSettings('batch'));
      const release = async () => {
        const now = releases;
        releases = [];
        now.forEach((resolve) => resolve());
        await new Promise((resolve) => setImmediate(resolve));
      };
      return { batches, batcher, release };
    };

    // scenario: a batch lingers while an earlier one is still being exported (a closed loop of waiting callers) /
    // guarantee: it waits for that export to end instead of leaving half full, so busy batches stay large
    test('a lingered batch leaves when the export in flight ends', async () => {
      const { batches, batcher, release } = heldExports(5, 1000);
      void batcher.consume({}, spans(1, 'a'));
      await elapse(5);
      expect(batches.map(spanNames)).toEqual([['a-0']]); // nothing in flight: lingering sends at once
      void batcher.consume({}, spans(1, 'b'));
      await elapse(10);
      void batcher.consume({}, spans(1, 'c'));
      await elapse(10);
      expect(batches).toHaveLength(1); // lingered, but the first export is still in flight
      await release();
      expect(batches.map(spanNames)).toEqual([['a-0'], ['b-0', 'c-0']]);
    });

    // scenario: linger 0 and a closed loop: data arrives while a batch is exported / guarantee: it waits for that
    // export and leaves when it ends (Nagle), not at once and not at the timeout
    test('with linger 0, data sent during an export leaves when the export ends', async () => {
      const { batches, batcher, release } = heldExports(0, 60_000);
      void batcher.consume({}, spans(1, 'a'));
      await elapse(0);
      expect(batches.map(spanNames)).toEqual([['a-0']]);
      void batcher.consume({}, spans(1, 'b'));
      await elapse(10);
      void batcher.consume({}, spans(1, 'c'));
      await elapse(10);
      expect(batches).toHaveLength(1);
      await release();
      expect(batches.map(spanNames)).toEqual([['a-0'], ['b-0', 'c-0']]);
    });

    // scenario: the export in flight hangs / guarantee: the timeout still bounds how long a lingered batch waits
    test('a lingered batch waiting for an export still leaves at the timeout', async () => {
      const { batches, batcher } = heldExports(5, 100);
      void batcher.consume({}, spans(1, 'a'));
      await elapse(5);
      void batcher.consume({}, spans(1, 'b')); // first data at 5ms: due by timeout at 105ms
      await elapse(99);
      expect(batches).toHaveLength(1);
      await elapse(1);
      expect(batches.map(spanNames)).toEqual([['a-0'], ['b-0']]);
    });

    // scenario: many requests pending / guarantee: one timer for the batch, never one per request
    test('a pending batch holds one timer whatever the number of requests', async () => {
      const { batcher } = lingering(5, 1000);
      for (let i = 0; i < 100; i++) {
        void batcher.consume({}, spans(1));
        await elapse(1);
      }
      expect(jest.getTimerCount()).toBe(1);
    });
  });

  test('metrics split by data point, keeping the metric around each part', () => {
    const md = Metrics.fromJSON({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [
        { name: 'a', sum: { dataPoints: [{ asInt: '1' }, { asInt: '2' }, { asInt: '3' }], aggregationTemporality: 2, isMonotonic: true } },
        { name: 'b', gauge: { dataPoints: [{ asDouble: 1 }] } },
      ] }] }],
    });
    const [head, tail] = splitItems('metrics', md, 2);
    expect(head.itemCount()).toBe(2);
    expect(tail.itemCount()).toBe(2);
    const tailMetrics = (tail.toJSON() as any).resourceMetrics[0].scopeMetrics[0].metrics;
    expect(tailMetrics.map((m: any) => m.name)).toEqual(['a', 'b']);
    expect(tailMetrics[0].sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true, dataPoints: [{ asInt: '3' }] });
    expect(md.itemCount()).toBe(4); // the input is left as it was
  });
});
