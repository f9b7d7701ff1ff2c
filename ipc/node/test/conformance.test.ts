// The shared conformance cases of ipc/conformance/cases.json (ipc/SPEC.md section 8), run against the Node rings.
import fs from 'node:fs';
import path from 'node:path';
import { Consumer, Producer, Region, layout as L, type Corruption, type Header } from '../src';

type Bytes = { hex: string } | { size: number; fill: 'counter' };
interface RecordCase { type: number; code: number; correlation_id: number | string; route: number; payload: Bytes }
// Correlation ids use all 64 bits; they are read as strings so that JSON.parse keeps every digit.
const text = fs.readFileSync(path.join(__dirname, '..', '..', 'conformance', 'cases.json'), 'utf8');
const cases = JSON.parse(text.replace(/"correlation_id": (\d+)/g, '"correlation_id": "$1"'));

const bytesOf = (b: Bytes): Buffer =>
  'hex' in b ? Buffer.from(b.hex, 'hex') : Buffer.from(Array.from({ length: b.size }, (_, i) => i & 0xff));

function regionFor(c: { capacity: number; max_message_size: number; epoch: string }): Region {
  const region = Region.createAnonymous({ ring0Capacity: c.capacity, ring1Capacity: c.capacity, maxMessageSize: c.max_message_size, queueSize: 16 });
  // The cases fix the epoch their records carry.
  region.bytes.writeBigUInt64LE(BigInt(`0x${c.epoch}`), L.OFF_EPOCH);
  return region;
}

const setPositions = (region: Region, head: number, tail: number) => {
  region.store64(L.offHead(0), head);
  region.store64(L.offTail(0), tail);
};

function consume(region: Region): { records: Array<{ header: Header; payload: Buffer }>; corruption?: Corruption } {
  const records: Array<{ header: Header; payload: Buffer }> = [];
  const result = new Consumer(region, 0).poll((r) => records.push({ header: r.header, payload: Buffer.from(r.payload) }));
  return { records, corruption: result.corruption };
}

const expected = (r: RecordCase) => ({
  header: { length: bytesOf(r.payload).length, type: r.type, code: r.code, correlationId: BigInt(r.correlation_id), route: r.route },
  payload: bytesOf(r.payload),
});

const regions: Region[] = [];
afterAll(() => regions.forEach((r) => r.close()));

for (const c of cases.produce) {
  test(`produce: ${c.name}: writes the expected image and reads it back`, () => {
    const region = regionFor(c);
    regions.push(region);
    setPositions(region, c.start, c.start);
    const producer = new Producer(region, 0);
    for (const r of c.records as RecordCase[]) {
      expect(producer.push(r.type, r.code, BigInt(r.correlation_id), r.route, bytesOf(r.payload))).toBe(true);
    }
    producer.publish();
    expect(region.load64(L.offTail(0))).toBe(c.expect.tail);
    const image = Buffer.alloc(c.capacity);
    for (const range of c.expect.image) bytesOf(range).copy(image, range.at);
    const ring = region.bytes.subarray(region.ringOffset(0), region.ringOffset(0) + c.capacity);
    expect(Buffer.compare(ring, image)).toBe(0);
    const { records, corruption } = consume(region);
    expect(corruption).toBeUndefined();
    expect(records).toEqual((c.records as RecordCase[]).map(expected));
  });
}

for (const c of cases.consume) {
  test(`consume: ${c.name}: delivers the expected records and error`, () => {
    const region = regionFor(c);
    regions.push(region);
    for (const range of c.image) bytesOf(range).copy(region.bytes, region.ringOffset(0) + range.at);
    setPositions(region, c.head, c.tail);
    const { records, corruption } = consume(region);
    expect(records).toEqual((c.expect.records as RecordCase[]).map(expected));
    if (c.expect.error) {
      expect(corruption).toBeDefined();
      expect({ position: corruption!.position, field: corruption!.field }).toEqual(c.expect.error);
    } else {
      expect(corruption).toBeUndefined();
    }
  });
}
