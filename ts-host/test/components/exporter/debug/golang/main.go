// Prints what the Go Collector's own debug exporter logs for an OTLP/JSON request, so that Tandem's debug exporter
// can be checked against it line for line (see ts-host/src/components/exporter/debug/README.md). Usage: go run . <traces|metrics|logs> <request.json>
// <basic|normal|detailed>. Each log message goes to stdout, followed by a line holding only "\x1e".
package main

import (
	"context"
	"fmt"
	"os"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// messages writes only each entry's message: the text the debug exporter produced.
type messages struct{ zapcore.LevelEnabler }

func (m messages) With([]zapcore.Field) zapcore.Core { return m }
func (m messages) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	return ce.AddCore(e, m)
}
func (messages) Write(e zapcore.Entry, _ []zapcore.Field) error {
	_, err := fmt.Printf("%s\n\x1e\n", e.Message)
	return err
}
func (messages) Sync() error { return nil }

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go run . <traces|metrics|logs> <request.json> <basic|normal|detailed>")
		os.Exit(2)
	}
	signal, path, verbosity := os.Args[1], os.Args[2], os.Args[3]
	body, err := os.ReadFile(path)
	check(err)

	factory := debugexporter.NewFactory()
	cfg := factory.CreateDefaultConfig().(*debugexporter.Config)
	check(cfg.Verbosity.UnmarshalText([]byte(verbosity)))
	cfg.SamplingInitial = 1 << 30 // no sampling: every request is printed
	settings := exportertest.NewNopSettings(factory.Type())
	settings.Logger = zap.New(messages{zapcore.InfoLevel})
	ctx := context.Background()

	var exp component.Component
	switch signal {
	case "traces":
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(body)
		check(err)
		e, err := factory.CreateTraces(ctx, settings, cfg)
		check(err)
		exp = e
		start(exp)
		check(e.ConsumeTraces(ctx, td))
	case "metrics":
		md, err := (&pmetric.JSONUnmarshaler{}).UnmarshalMetrics(body)
		check(err)
		e, err := factory.CreateMetrics(ctx, settings, cfg)
		check(err)
		exp = e
		start(exp)
		check(e.ConsumeMetrics(ctx, md))
	case "logs":
		ld, err := (&plog.JSONUnmarshaler{}).UnmarshalLogs(body)
		check(err)
		e, err := factory.CreateLogs(ctx, settings, cfg)
		check(err)
		exp = e
		start(exp)
		check(e.ConsumeLogs(ctx, ld))
	default:
		check(fmt.Errorf("unknown signal %q", signal))
	}
	check(exp.Shutdown(ctx))
}

func start(c component.Component) { check(c.Start(context.Background(), nil)) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
