#!/usr/bin/env node
// Reads Parquet files with hyparquet, a Parquet reader independent of the Rust writer, and prints their rows as JSON
// (one array per file, in argument order; binary columns in hex). Usage: node read.mjs <file.parquet>...
// It runs as its own process because hyparquet is an ES module, which Jest's CommonJS sandbox cannot load.
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const toJson = (_key, value) => {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
};

const tables = [];
for (const path of process.argv.slice(2)) {
  tables.push(await parquetReadObjects({ file: await asyncBufferFromFile(path), compressors, utf8: false }));
}
process.stdout.write(JSON.stringify(tables, toJson));
