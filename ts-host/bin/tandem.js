#!/usr/bin/env -S node --single-threaded-gc
// `tandem`: Tandem's collector command line (run, validate, components, print-config, build).
// --single-threaded-gc: V8 collects on the main thread only. Its parallel and concurrent GC threads compete with the
// engine and the event loop for the cores a collector gets; without them the host-only pipeline moved 27% more spans
// per CPU-second and 12% more spans/s, the crossing one 29% and 6% (bench/RESULTS.md, 2026-12-03 afternoon). V8's
// flags cannot change once the heap runs, so every way of starting the host passes it: this line,
// scripts/bin/tandem.js, `npm start`, the image's entrypoint, the distributions `tandem build` writes, bench/lib.js.
'use strict';
require('../dist/cli/main.js').main(process.argv.slice(2));
