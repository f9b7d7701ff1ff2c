// Messages over the 4 MiB gRPC limit sent to Tandem's rust_otap and to the Go Collector's otelarrow receiver, on its
// OTLP Export and on its OTel-Arrow stream: each must be refused as Go refuses it (RESOURCE_EXHAUSTED, which OTLP
// clients do not retry; tonic's own answer, OUT_OF_RANGE, they do), and a valid request after it must pass.
import * as grpc from '@grpc/grpc-js';
import { Collector, freePort, WITH_ENGINE } from '../test/collector';
import { RawExportClient, traceRequest } from '../test/otlp';
import { pipelineYaml, receiverYaml, serviceYaml, startGo } from './oracle';

const ARROW_TRACES = '/opentelemetry.proto.experimental.arrow.v1.ArrowTracesService/ArrowTraces';
const LIMIT = 4 * 1024 * 1024;

/** BatchArrowRecords { batch_id: 1, headers: `bytes` bytes }: read no further than its length by either receiver. */
function oversizedBatch(bytes: number): Buffer {
  const length: number[] = [];
  for (let n = bytes; ; n = Math.floor(n / 128)) {
    if (n < 0x80) { length.push(n); break; }
    length.push((n & 0x7f) | 0x80);
  }
  return Buffer.concat([Buffer.from([0x08, 0x01, 0x1a, ...length]), Buffer.alloc(bytes, 0x61)]);
}

/** Opens an Arrow traces stream, writes `message`, and resolves with how the stream ended: its code and message. */
function streamEnd(address: string, message: Buffer): Promise<{ code: string; details: string }> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    const call = client.makeBidiStreamRequest(ARROW_TRACES, (b: Buffer) => b, (b: Buffer) => b);
    call.on('data', () => undefined);
    call.on('status', (status: grpc.StatusObject) => {
      client.close();
      resolve({ code: grpc.status[status.code], details: status.details });
    });
    call.on('error', () => undefined); // the status event carries the outcome
    call.write(message);
  });
}

const exportAnswer = (client: RawExportClient, bytes: Buffer) =>
  client.export('traces', bytes).then(() => ({ code: 'OK', details: '' }), (err: grpc.ServiceError) => ({ code: grpc.status[err.code], details: err.details }));

describe('messages over the gRPC limit: rust_otap against the Go otelarrow receiver', () => {
  const address: Record<'tandem' | 'go', string> = { tandem: '', go: '' };
  let go: Collector;
  let tandem: Collector;

  beforeAll(async () => {
    const [tandemPort, goPort] = [await freePort(), await freePort()];
    address.tandem = `127.0.0.1:${tandemPort}`;
    address.go = `127.0.0.1:${goPort}`;
    tandem = await Collector.start(`${WITH_ENGINE}receivers:\n  rust_otap:\n    endpoint: ${address.tandem}\nexporters:\n  debug:\n${
      serviceYaml(pipelineYaml('traces', ['rust_otap'], [], ['debug']))}`, [tandemPort]);
    go = await startGo(`receivers:\n${receiverYaml('otelarrow', goPort)}exporters:\n  debug:\n${serviceYaml(pipelineYaml('traces', ['otelarrow'], [], ['debug']))}`, [goPort]);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
  });

  // scenario: an OTLP Export of 4 MiB and a bit, then a small valid one / guarantee: the code and wording of Go's
  // refusal, and the valid request passes
  test('OTLP Export over the limit: RESOURCE_EXHAUSTED as from Go, then a valid request passes', async () => {
    const big = traceRequest('big', 150_000).bytes;
    expect(big.length).toBeGreaterThan(LIMIT);
    const answers: Record<string, unknown> = {};
    for (const who of ['tandem', 'go'] as const) {
      const client = new RawExportClient(address[who]);
      answers[who] = [await exportAnswer(client, big), await exportAnswer(client, traceRequest('small', 1).bytes)];
      client.close();
    }
    expect(answers.go).toEqual([{ code: 'RESOURCE_EXHAUSTED', details: `grpc: received message larger than max (${big.length} vs. ${LIMIT})` }, { code: 'OK', details: '' }]);
    expect(answers.tandem).toEqual(answers.go);
  });

  // scenario: an Arrow stream whose first message is over the limit / guarantee: the stream ends with Go's code, not
  // OK (which would leave the client to guess) nor OUT_OF_RANGE (which it would retry)
  test('Arrow stream message over the limit: the stream ends RESOURCE_EXHAUSTED, as from Go', async () => {
    const batch = oversizedBatch(LIMIT + 64);
    const ends = { tandem: await streamEnd(address.tandem, batch), go: await streamEnd(address.go, batch) };
    expect(ends.go.code).toBe('RESOURCE_EXHAUSTED');
    expect(ends.tandem.code).toBe(ends.go.code);
    expect(ends.tandem.details).toBe(`grpc: received message larger than max (${batch.length} vs. ${LIMIT})`);
  });
});
