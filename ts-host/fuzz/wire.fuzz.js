// Coverage-guided fuzzing (Jazzer.js) of the receivers' wire check: whatever bytes a client sends, `validate()` either
// refuses them with PdataError or accepts them, and what it accepts decodes, counts and splits without any error.
// The first input byte picks the signal; the rest is the request body. Run by scripts/fuzz.js.
'use strict';
const path = require('node:path');
const { fromProtoFor, PdataError, UnsplittableError } = require(path.join(__dirname, '..', 'dist', 'pdata'));

const SIGNALS = ['traces', 'metrics', 'logs'];

module.exports.fuzz = function fuzz(input) {
  const signal = SIGNALS[(input[0] ?? 0) % 3];
  const body = input.subarray(1);
  const data = fromProtoFor(signal, body);
  try {
    data.validate();
  } catch (err) {
    if (err instanceof PdataError) return; // refused: the client gets 400 / INVALID_ARGUMENT
    throw err;
  }
  // Accepted: everything downstream that reads it must be able to.
  const items = data.itemCount();
  const decoded = fromProtoFor(signal, body).request();
  if (decoded === undefined) throw new Error('an accepted request did not decode');
  try {
    const parts = data.splitBySize(64);
    let total = 0;
    for (const part of parts) {
      part.validate();
      total += part.itemCount();
    }
    if (total !== items) throw new Error(`split into parts of ${total} items, the request has ${items}`);
  } catch (err) {
    if (!(err instanceof UnsplittableError)) throw err;
  }
};
