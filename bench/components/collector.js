#!/usr/bin/env node
// The benchmark's distribution: Tandem's built-ins and `tag`, a TypeScript processor written against the public API
// that reads every span (its name) and sets one attribute on it, as a team's own processor would.
'use strict';
const path = require('node:path');
const { collector, component, processor, processorhelper } = require(path.resolve(__dirname, '..', '..', 'ts-host'));

/** Reads every span and sets `tagged.by` on it. */
function tagSpans(td) {
  let named = 0;
  for (const rs of td.resourceSpans()) {
    for (const ss of rs.scopeSpans()) {
      for (const span of ss.spans()) {
        if (span.name() !== '') named++;
        span.attributes().putStr('tagged.by', 'tandem');
      }
    }
  }
  return named;
}

const tag = processor.newFactory('tag', () => ({}), [
  processor.withTraces(async (settings, config, next) => processorhelper.newTraces(settings, config, next, (_ctx, td) => {
    tagSpans(td);
    return td;
  }, { capabilities: { mutatesData: true } }), component.StabilityLevel.Development),
]);

module.exports = { tagSpans };
if (require.main === module) collector.run({ factories: [...collector.builtin(), tag] });
