// The wire check's fuzz target (fuzz/wire.fuzz.js) over its kept corpus and 30,000 mutations of it: the target's
// own checks (refused with PdataError, or accepted and then decodable, countable and splittable) hold for each.
import fs from 'node:fs';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fuzz } = require('../../fuzz/wire.fuzz.js') as { fuzz: (input: Buffer) => void };
const CORPUS = path.join(__dirname, '..', '..', 'fuzz', 'corpus', 'wire');

// scenario: the corpus as kept, then byte flips, truncations, insertions and splices of it, seeded / guarantee: the
// target never throws, so no input makes validate() throw anything but PdataError or accept what cannot be read
test('the wire fuzz target holds on its corpus and 30,000 mutations of it', () => {
  const corpus = fs.readdirSync(CORPUS).map((name) => fs.readFileSync(path.join(CORPUS, name)));
  expect(corpus.length).toBeGreaterThanOrEqual(3);
  let state = 0x2545f491;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  for (const input of corpus) fuzz(input);
  for (let i = 0; i < 30_000; i++) {
    const base = corpus[next() % corpus.length];
    const input = Buffer.from(base);
    switch (next() % 4) {
      case 0:
        for (let j = 0; j < 1 + (next() % 4); j++) input[next() % input.length] = next() & 0xff;
        break;
      case 1:
        fuzz(input.subarray(0, next() % input.length));
        continue;
      case 2: {
        const at = next() % input.length;
        fuzz(Buffer.concat([input.subarray(0, at), Buffer.from([next() & 0xff, next() & 0xff]), input.subarray(at)]));
        continue;
      }
      default: {
        const other = corpus[next() % corpus.length];
        fuzz(Buffer.concat([input.subarray(0, next() % input.length), other.subarray(next() % other.length)]));
        continue;
      }
    }
    fuzz(input);
  }
});
