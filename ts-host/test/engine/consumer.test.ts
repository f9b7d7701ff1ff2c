// A host consumer that crosses into the real engine process over the ring: the engine's answers become consumererrors.
import pino from 'pino';
import { background } from '../../src/consumer';
import { isPermanent, isRetryable } from '../../src/consumererror';
import { Engine, engineConsumer } from '../../src/engine';
import { defaultRustRuntimeConfig } from '../../src/otelcol/runtime';
import { Logs } from '../../src/pdata';

const logs = () =>
  Logs.fromJSON({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'across' }, timeUnixNano: '1700000000000000000' }] }] }] });

test('requests cross into the engine; its answers and its death map to permanent and retryable errors', async () => {
  const engine = new Engine({ config: { ...defaultRustRuntimeConfig(), mode: 'spawn', ipc: { ...defaultRustRuntimeConfig().ipc, buffer_size: 1 << 20, max_message_size: 1 << 16 } }, logger: pino({ level: 'silent' }), hostVersion: 'test' });
  await engine.start();
  try {
    const consumer = engineConsumer(engine, 'logs', 7);
    // Nothing is deployed on route 7, so the engine refuses the request for good (ipc/SPEC.md section 4).
    const refused = await consumer.consumeLogs(background, logs()).catch((e: unknown) => e);
    expect(isPermanent(refused)).toBe(true);
    expect((refused as Error).message).toBe('Permanent error: engine: route 7 has no consumer in the engine (nothing deployed on it)');
    expect(engine.ringStats()).toMatchObject({ requestsSent: 1, bytesSent: logs().toProto().length, inFlight: 0 });

    process.kill(engine.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 50));
    const down = await consumer.consumeLogs(background, logs()).catch((e: unknown) => e);
    expect(isRetryable(down)).toBe(true);
    expect((down as Error).message).toMatch(/^engine: (the engine is not serving|ring session ended)/);

    for (let i = 0; i < 100 && engine.restarts === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(engine.restarts).toBe(1);
    const again = await consumer.consumeLogs(background, logs()).catch((e: unknown) => e);
    expect(isPermanent(again)).toBe(true); // answered by the restarted engine
  } finally {
    await engine.stop();
  }
});
