#!/usr/bin/env node
// `tandem`: Tandem's collector command line (run, validate, components, print-config, build).
'use strict';
require('../dist/cli/main.js').main(process.argv.slice(2));
