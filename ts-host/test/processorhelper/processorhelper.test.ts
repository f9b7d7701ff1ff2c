import { newTraces as newTracesConsumer } from '../../src/consumer';
import { ErrSkipProcessingData, newTraces } from '../../src/processorhelper';
import { Traces } from '../../src/pdata';
import { spans, testSettings } from '../components/helpers';

describe('processorhelper', () => {
  test('forwards what the process function returns', async () => {
    const seen: Traces[] = [];
    const next = newTracesConsumer(async (_ctx, td) => void seen.push(td));
    const processor = newTraces(testSettings('p'), {}, next, async (_ctx, td) => {
      td.mutable().resourceSpans[0].scopeSpans![0].spans!.pop();
      return td;
    }, { capabilities: { mutatesData: true } });
    await processor.consumeTraces({}, spans(3));
    expect(seen.map((td) => td.itemCount())).toEqual([2]);
    expect(processor.capabilities()).toEqual({ mutatesData: true });
  });

  test('ErrSkipProcessingData drops the data and reports success', async () => {
    const next = newTracesConsumer(async () => { throw new Error('must not be called'); });
    const processor = newTraces(testSettings('p'), {}, next, async () => { throw ErrSkipProcessingData; });
    await expect(processor.consumeTraces({}, spans(1))).resolves.toBeUndefined();
  });

  test('other errors reach the caller; start and shutdown run once', async () => {
    let starts = 0;
    const processor = newTraces(testSettings('p'), {}, newTracesConsumer(async () => undefined), async () => { throw new Error('broken'); }, {
      start: async () => void starts++,
    });
    await processor.start({ getExtensions: () => new Map() });
    await processor.start({ getExtensions: () => new Map() });
    expect(starts).toBe(1);
    await expect(processor.consumeTraces({}, spans(1))).rejects.toThrow('broken');
    await processor.shutdown();
  });
});
