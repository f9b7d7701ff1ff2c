// The guard around consumers of component-package components: one answer per call, naming the component, by the
// caller's deadline; errors from further down pass as they are.
import * as consumer from '../../src/consumer';
import { ComponentError, isPermanent, PermanentError, RetryableError } from '../../src/consumererror';
import { guardConsumer, markDownstream } from '../../src/graph/guard';
import { recordingLogger, sample } from '../components/helpers';

const NAME = 'processor "p" in pipeline "logs" (package "@acme/p")';
const logs = () => sample.logs(1) as any;

function guarded(consume: (ctx: consumer.Context, data: any) => Promise<void>) {
  const { logger, lines } = recordingLogger();
  return { guard: guardConsumer('logs', consumer.newLogs(consume), NAME, logger), lines };
}

const failure = (promise: Promise<void>) => promise.then(() => undefined, (err: unknown) => err);

describe('guardConsumer', () => {
  test('a synchronous throw is a permanent error naming the component, logged', async () => {
    const { guard, lines } = guarded(() => {
      throw new TypeError('x is undefined');
    });
    const err = await failure(guard.consumeLogs(consumer.background, logs()));
    expect(err).toBeInstanceOf(ComponentError);
    expect((err as Error).message).toBe(`${NAME}: Permanent error: x is undefined`);
    expect(isPermanent(err)).toBe(true);
    expect(lines.map((line) => line.level)).toEqual(['error']);
  });

  test('a rejection keeps its meaning and gains the name', async () => {
    const { guard } = guarded(async () => {
      throw new RetryableError('busy');
    });
    const err = await failure(guard.consumeLogs(consumer.background, logs()));
    expect([(err as Error).message, isPermanent(err)]).toEqual([`${NAME}: busy`, false]);
  });

  test('a call pending at the caller\'s deadline fails as retryable, logged', async () => {
    const { guard, lines } = guarded(() => new Promise(() => {}));
    const err = await failure(guard.consumeLogs({ deadline: Date.now() + 50 }, logs()));
    expect([(err as Error).message, isPermanent(err)]).toEqual([`${NAME}: did not answer by the caller's deadline`, false]);
    expect(lines[0].msg).toBe(`${NAME} did not answer by the caller's deadline`);
  });

  test('an answer before the deadline is the answer; errors from further down pass unchanged', async () => {
    const ok = guarded(async () => {});
    await expect(ok.guard.consumeLogs({ deadline: Date.now() + 5000 }, logs())).resolves.toBeUndefined();
    const downstreamError = new PermanentError(new Error('exporter refused'));
    const next = markDownstream('logs', consumer.newLogs(async () => {
      throw downstreamError;
    }));
    const passing = guarded((ctx, data) => consumer.consume('logs', next, ctx, data));
    expect(await failure(passing.guard.consumeLogs(consumer.background, logs()))).toBe(downstreamError);
  });
});
