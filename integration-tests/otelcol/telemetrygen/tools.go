//go:build tools

// Pins telemetrygen, the Collector project's load generator, at the same release as ../collector: built with
// `go build github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen` in this module (see ../README.md).
package tools

import _ "github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen"
