// Messages over the 4 MiB gRPC limit sent to Tandem's rust_otap and to the Go Collector's otelarrow receiver, on its
// OTLP Export and on its OTel-Arrow stream, and to rust_otlp (also what the host's `otlp` receiver runs as when its
// pipelines are placed in the engine) and the Go otlp receiver: each must be refused as Go refuses it
// (RESOURCE_EXHAUSTED, which OTLP clients do not retry; tonic's own answer, OUT_OF_RANGE, they do), and a valid
// request after it must pass.
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

describe('messages over the gRPC limit: rust_otlp and the placed otlp receiver against the Go otlp receiver', () => {
  const address: Record<'rust_otlp' | 'placed' | 'raised' | 'go' | 'goRaised', string> = { rust_otlp: '', placed: '', raised: '', go: '', goRaised: '' };
  let go: Collector;
  let tandem: Collector;

  beforeAll(async () => {
    const ports = { rust_otlp: await freePort(), placed: await freePort(), raised: await freePort(), go: await freePort(), goRaised: await freePort() };
    for (const who of Object.keys(ports) as (keyof typeof ports)[]) address[who] = `127.0.0.1:${ports[who]}`;
    const raised = (endpoint: string) => `    protocols:\n      grpc:\n        endpoint: ${endpoint}\n        max_recv_msg_size_mib: 8\n`;
    tandem = await Collector.start(`${WITH_ENGINE}receivers:
  rust_otlp:
    endpoint: ${address.rust_otlp}
  otlp:
    protocols:
      grpc:
        endpoint: ${address.placed}
  rust_otlp/raised:
${raised(address.raised)}exporters:\n  rust_perf:\n    interval: 1h\n${serviceYaml(pipelineYaml('traces', ['rust_otlp', 'otlp', 'rust_otlp/raised'], [], ['rust_perf']))}`, [ports.rust_otlp, ports.placed, ports.raised]);
    go = await startGo(`receivers:\n${receiverYaml('otlp', ports.go)}  otlp/raised:\n${raised(address.goRaised)}exporters:\n  debug:\n${
      serviceYaml(pipelineYaml('traces', ['otlp', 'otlp/raised'], [], ['debug']))}`, [ports.go, ports.goRaised]);
    expect(tandem.output).toMatch(/"component":"receivers::otlp","runs_as":"rust_otlp"/);
  });

  afterAll(async () => {
    await go?.stop();
    expect(await tandem?.stop()).toBe(0);
  });

  // scenario: an OTLP Export of 4 MiB and a bit, then a small valid one, at the default limit and at 8 MiB /
  // guarantee: Go's code and wording at the default limit, the big request passing at 8 MiB, the valid one passing
  test('OTLP Export over the limit: RESOURCE_EXHAUSTED as from Go, and taken under a raised limit', async () => {
    const big = traceRequest('big', 150_000).bytes;
    expect(big.length).toBeGreaterThan(LIMIT);
    const answers: Record<string, unknown> = {};
    for (const who of Object.keys(address) as (keyof typeof address)[]) {
      const client = new RawExportClient(address[who]);
      answers[who] = [await exportAnswer(client, big), await exportAnswer(client, traceRequest('small', 1).bytes)];
      client.close();
    }
    expect(answers.go).toEqual([{ code: 'RESOURCE_EXHAUSTED', details: `grpc: received message larger than max (${big.length} vs. ${LIMIT})` }, { code: 'OK', details: '' }]);
    expect(answers.goRaised).toEqual([{ code: 'OK', details: '' }, { code: 'OK', details: '' }]);
    expect({ rust_otlp: answers.rust_otlp, placed: answers.placed, raised: answers.raised }).toEqual({ rust_otlp: answers.go, placed: answers.go, raised: answers.goRaised });
  });
});
