#!/usr/bin/env bash
# Writes ../go/<signal>.<verbosity>.txt: the text the Go Collector's debug exporter (the release in go.mod) logs for
# ../requests/<signal>.json at that verbosity, after its counts line. Needs Go; downloads modules on first use.
set -euo pipefail
cd "$(dirname "$0")"
out=../go
mkdir -p "$out"
go build -o "${TMPDIR:-/tmp}/tandem-debugexporter-oracle" .
for signal in traces metrics logs; do
  for verbosity in normal detailed; do
    # The second message (after the counts) is the text; messages end with a line holding only \x1e.
    "${TMPDIR:-/tmp}/tandem-debugexporter-oracle" "$signal" "../requests/$signal.json" "$verbosity" |
      awk 'BEGIN { RS = "\n\x1e\n"; ORS = "" } NR == 2 { print }' > "$out/$signal.$verbosity.txt"
  done
done
