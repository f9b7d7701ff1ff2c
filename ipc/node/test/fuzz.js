// Fuzzed record headers written into a ring, then consumed: every outcome must be a delivered record lying inside the
// ring or a reported corruption, never an exception or a read outside the region. Plain JavaScript so that the same
// code runs inside Jest and, in a child process, against the AddressSanitizer build of the addon.
'use strict';
const path = require('node:path');
const { Consumer, Region, layout: L, symmetricOptions } = require(path.join(__dirname, '..', 'dist'));

function fuzz(iterations, seed) {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const region = Region.createAnonymous(symmetricOptions(65536, 32736, 16));
  const capacity = region.capacity(0);
  const base = region.ringOffset(0);
  const stats = { iterations, delivered: 0, corruptions: {}, escaped: 0 };
  try {
    for (let i = 0; i < iterations; i++) {
      region.bytes.fill(0, base, base + capacity);
      const head = (next() % (capacity / 32)) * 32 + (next() % 4) * capacity * (next() % 1000);
      const tail = head + (next() % (capacity / 32 + 1)) * 32;
      // A few headers at random aligned places between head and tail, valid-looking half of the time.
      for (let h = 0; h < 4; h++) {
        const at = base + (((head + (next() % Math.max(1, tail - head))) % capacity) & ~31);
        region.bytes.writeUInt32LE(next() % 4 === 0 ? next() : next() % 40000, at);
        region.bytes.writeUInt16LE(next() % 5, at + 4);
        region.bytes.writeUInt16LE(next() % 6, at + 6);
        region.bytes.writeUInt32LE(next(), at + 8);
        region.bytes.writeUInt32LE(next() % 3, at + 16);
        region.bytes.writeUInt32LE(next() % 2 === 0 ? region.epochTag : next(), at + 20);
      }
      region.store64(L.offHead(0), head);
      region.store64(L.offTail(0), tail);
      const result = new Consumer(region, 0).poll((r) => {
        const start = r.payload.byteOffset - region.bytes.byteOffset;
        if (start < base || start + r.payload.length > base + capacity) stats.escaped++;
        stats.delivered++;
      });
      if (result.corruption) stats.corruptions[result.corruption.field] = (stats.corruptions[result.corruption.field] ?? 0) + 1;
    }
  } finally {
    region.close();
  }
  return stats;
}

module.exports = { fuzz };

if (require.main === module) {
  console.log(JSON.stringify(fuzz(Number(process.argv[2] ?? 20000), Number(process.argv[3] ?? 1))));
}
