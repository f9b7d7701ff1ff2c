#!/usr/bin/env node
// Acme's collector: Tandem's built-ins (the host's and the engine's) and three component packages, on the collector's
// own command line (`acme-otelcol --config ...`, `validate`, `components`, `print-config`). `builder.yaml` describes
// the same distribution for `tandem build`.
import { collector } from '@tandem/host';

collector.run({
  buildInfo: { command: 'acme-otelcol', description: 'Acme OpenTelemetry Collector (Tandem examples)', version: '0.1.0' },
  // Each package is required only when the collector loads it, so that one that fails to load hurts nothing else.
  /* eslint-disable @typescript-eslint/no-require-imports */
  packages: [
    collector.loadPackage('@tandem-examples/redaction-processor', () => require('@tandem-examples/redaction-processor')),
    collector.loadPackage('@tandem-examples/webhook-exporter', () => require('@tandem-examples/webhook-exporter')),
    collector.loadPackage('@tandem-examples/webhook-receiver', () => require('@tandem-examples/webhook-receiver')),
  ],
  /* eslint-enable @typescript-eslint/no-require-imports */
});
