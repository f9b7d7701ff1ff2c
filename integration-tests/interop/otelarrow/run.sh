#!/usr/bin/env bash
# OTel-Arrow (OTAP) interoperability between Tandem and the Go OpenTelemetry Collector, in both directions, for
# traces, metrics and logs (see README.md beside this script):
#   A:  SDK -> Tandem otlp -> rust_otap_grpc -> Go otelarrow receiver -> Go file        (reference: Tandem's own file)
#   B:  SDK -> Go otlp -> Go otelarrow exporter, its defaults (gRPC zstd) -> Tandem rust_otap -> Tandem file
#   B0: the same with the Go exporter's `compression: none`
#   C:  the control: SDK -> Go otlp -> Go otelarrow exporter -> the same Go Collector's otelarrow receiver -> Go file
# B and B0 must deliver what C delivers (Go's own Arrow round trip is the reference); C is compared with what the Go
# Collector received (informational: it shows what the Go exporter's batching and Arrow encoding reshape).
# Each is run with the JS SDK's telemetry, and with OTLP/JSON requests from payloads.js: "rich" ones that use most
# fields, "mixed" ones that add a minimal second resource; A also with "bare" ones (no resource or scope attributes).
# The Go exporters run with `arrow.disable_downgrade: true`, so they cannot fall back to plain OTLP, and the Go
# Collector's own metrics must show that they sent and received on the Arrow stream methods only.
# Exits non-zero on any mismatch. KEEP=1 keeps the work folder (configs, logs, output files); it is kept on failure.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
OTELCOL="${OTELCOL_OTELARROW:-$HOME/.cache/tandem/otelcol-otelarrow}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/tandem/cargo-target}"
SIGNALS=(traces metrics logs)
WAIT_SECONDS="${WAIT_SECONDS:-20}"

log() { printf '[interop] %s\n' "$*" >&2; }

# --- what runs ----------------------------------------------------------------------------------------------------
if [[ ! -x "$OTELCOL" ]]; then
  log "building the Go Collector into $OTELCOL (a few minutes the first time)"
  started=$SECONDS
  mkdir -p "$(dirname "$OTELCOL")"
  (cd "$HERE/collector" && GOFLAGS=-mod=mod go build -o "$OTELCOL" .)
  log "the Go build took $((SECONDS - started))s"
fi
if [[ ! -x "$CARGO_TARGET_DIR/release/tandem-engine" ]]; then
  log "no engine at $CARGO_TARGET_DIR/release/tandem-engine: build it first (npm run build at the repository root)"
  exit 2
fi
if [[ ! -d "$ROOT/ts-host/dist" ]]; then
  log "building the TypeScript host"
  (cd "$ROOT" && npx tsc --build)
fi
GO_VERSION="$(cd "$HERE/collector" && awk '$1 == "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/otelarrowreceiver" {print $2}' go.mod)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tandem-otelarrow-XXXXXX")"
PIDS=()
cleanup() {
  local status=$? pid i
  # The Go Collector first (while Tandem still answers), then Tandem; each gets 15 s to stop, then SIGKILL. (A Go
  # otelarrow exporter whose streams keep failing with downgrade disabled may not stop on SIGTERM in time.)
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid="${PIDS[$i]}"
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then log "$(ps -o comm= -p "$pid") ($pid) did not stop in 15 s: SIGKILL"; kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP:-0}" == 1 || $status -ne 0 ]]; then log "work folder kept: $WORK"; else rm -rf "$WORK"; fi
  exit $status
}
trap cleanup EXIT

# Ports that were free a moment ago, held open together so that they differ.
read -r T_GRPC T_HTTP T_OTAP T_OTAP0 G_OTLP G_HTTP G_ARROW G_METRICS < <(node -e '
  const net = require("node:net");
  const servers = Array.from({ length: 8 }, () => net.createServer());
  Promise.all(servers.map((s) => new Promise((done) => s.listen(0, "127.0.0.1", () => done(s.address().port)))))
    .then((ports) => { console.log(ports.join(" ")); servers.forEach((s) => s.close()); });')

# Tandem: its otlp receiver's data goes both to its own file and, as OTAP, to the Go otelarrow receiver (A); two
# rust_otap receivers take the two Go otelarrow exporters (B, B0), each written to a file of its own.
cat >"$WORK/tandem.yaml" <<EOF
runtime:
  rust:
    mode: spawn
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$T_GRPC
      http:
        endpoint: 127.0.0.1:$T_HTTP
  rust_otap/b:
    endpoint: 127.0.0.1:$T_OTAP
  rust_otap/b0:
    endpoint: 127.0.0.1:$T_OTAP0
exporters:
  file/sent:
    path: $WORK/a-tandem-sent.jsonl
  rust_otap_grpc:
    endpoint: 127.0.0.1:$G_ARROW
  file/b:
    path: $WORK/b-tandem-received.jsonl
  file/b0:
    path: $WORK/b0-tandem-received.jsonl
service:
  telemetry:
    metrics:
      level: none
  pipelines:
EOF
for s in "${SIGNALS[@]}"; do
  cat >>"$WORK/tandem.yaml" <<EOF
    $s/to_go:
      receivers: [otlp]
      exporters: [file/sent, rust_otap_grpc]
    $s/from_go:
      receivers: [rust_otap/b]
      exporters: [file/b]
    $s/from_go_uncompressed:
      receivers: [rust_otap/b0]
      exporters: [file/b0]
EOF
done

# The Go Collector: the mirror image, its own metrics served for the Arrow evidence.
cat >"$WORK/go.yaml" <<EOF
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$G_OTLP
      http:
        endpoint: 127.0.0.1:$G_HTTP
  otelarrow:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$G_ARROW
exporters:
  file/sent:
    path: $WORK/b-go-sent.jsonl
    flush_interval: 100ms
  file/arrow_in:
    path: $WORK/go-arrow-in.jsonl
    flush_interval: 100ms
  otelarrow/c:
    endpoint: 127.0.0.1:$G_ARROW
    tls:
      insecure: true
    arrow:
      num_streams: 1
      disable_downgrade: true
    sending_queue:
      batch:
        flush_timeout: 100ms
  otelarrow/b:
    endpoint: 127.0.0.1:$T_OTAP
    tls:
      insecure: true
    arrow:
      num_streams: 1
      disable_downgrade: true
    sending_queue:
      batch:
        flush_timeout: 100ms
  otelarrow/b0:
    endpoint: 127.0.0.1:$T_OTAP0
    compression: none
    tls:
      insecure: true
    arrow:
      num_streams: 1
      disable_downgrade: true
    sending_queue:
      batch:
        flush_timeout: 100ms
service:
  telemetry:
    logs:
      level: ${GO_LOG_LEVEL:-info}
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: $G_METRICS
  pipelines:
EOF
for s in "${SIGNALS[@]}"; do
  cat >>"$WORK/go.yaml" <<EOF
    $s/to_tandem:
      receivers: [otlp]
      exporters: [file/sent, otelarrow/b, otelarrow/b0, otelarrow/c]
    $s/arrow_in:
      receivers: [otelarrow]
      exporters: [file/arrow_in]
EOF
done

wait_port() { # name pid port log
  local deadline=$((SECONDS + 30))
  until (exec 3<>"/dev/tcp/127.0.0.1/$3") 2>/dev/null; do
    if ! kill -0 "$2" 2>/dev/null; then log "$1 exited before opening port $3:"; tail -n 40 "$4" >&2; return 1; fi
    if ((SECONDS > deadline)); then log "$1 did not open port $3 in 30s:"; tail -n 40 "$4" >&2; return 1; fi
    sleep 0.1
  done
}

node "$ROOT/scripts/bin/tandem.js" --config "$WORK/tandem.yaml" >"$WORK/tandem.log" 2>&1 &
TANDEM_PID=$!
PIDS+=("$TANDEM_PID")
for port in "$T_GRPC" "$T_HTTP" "$T_OTAP" "$T_OTAP0"; do wait_port Tandem "$TANDEM_PID" "$port" "$WORK/tandem.log"; done
"$OTELCOL" --config "$WORK/go.yaml" >"$WORK/go.log" 2>&1 &
GO_PID=$!
PIDS+=("$GO_PID")
for port in "$G_OTLP" "$G_HTTP" "$G_ARROW" "$G_METRICS"; do wait_port "the Go Collector" "$GO_PID" "$port" "$WORK/go.log"; done
log "Tandem (otlp :$T_GRPC/:$T_HTTP, rust_otap :$T_OTAP/:$T_OTAP0), Go Collector contrib $GO_VERSION (otlp :$G_OTLP/:$G_HTTP, otelarrow :$G_ARROW); work folder $WORK"

# --- sending --------------------------------------------------------------------------------------------------------
declare -A RESULT SEND_ERROR
failures=0
STAMP="$(date +%s)"
run_id() { echo "interop-$1-$2-$3-$STAMP" | tr 'A-Z' 'a-z'; } # row kind signal: A sdk traces -> interop-a-sdk-traces-<stamp>
send_sdk() { # row signal port
  local run; run="$(run_id "$1" sdk "$2")"
  if ! node "$ROOT/integration-tests/sdk/send.js" "$2" grpc "127.0.0.1:$3" "$run" >"$WORK/$run.sent.json" 2>"$WORK/$run.send.err"; then
    # (The SDK reports export errors of traces only; those of metrics and logs show up as missing data below.)
    SEND_ERROR["$run"]="the SDK's export failed: $(grep -o "details: '[^']*'" "$WORK/$run.send.err" | head -n 1 || true)"
  fi
}
post() { # row kind signal port [bare|mixed]
  local run status; run="$(run_id "$1" "$2" "$3")"
  node "$HERE/payloads.js" "$3" "$run" ${5:-} >"$WORK/$run.json"
  status="$(curl -s -o "$WORK/$run.response" -w '%{http_code}' -H 'content-type: application/json' --data-binary "@$WORK/$run.json" "http://127.0.0.1:$4/v1/$3" || true)"
  [[ "$status" == 200 ]] || SEND_ERROR["$run"]="HTTP $status from the first collector: $(head -c 300 "$WORK/$run.response" || true)"
}
for s in "${SIGNALS[@]}"; do
  send_sdk A "$s" "$T_GRPC"
  post A rich "$s" "$T_HTTP"
  post A bare "$s" "$T_HTTP" bare
  post A mixed "$s" "$T_HTTP" mixed
done
# The Go exporters batch what arrives within 100 ms (flush_timeout): each kind gets batches of its own.
for s in "${SIGNALS[@]}"; do send_sdk B "$s" "$G_OTLP"; done
sleep 1
for s in "${SIGNALS[@]}"; do post B rich "$s" "$G_HTTP"; done
sleep 1
for s in "${SIGNALS[@]}"; do post B mixed "$s" "$G_HTTP" mixed; done

# --- checking -------------------------------------------------------------------------------------------------------
DEADLINE_MS=$(( $(date +%s%3N) + WAIT_SECONDS * 1000 ))
check() { # row kind signal run reference candidate [info]
  local line key="$1 $2 $3"
  if line="$(node "$HERE/compare.js" "$3" "$4" "$5" "$6" "$DEADLINE_MS" 2>>"$WORK/compare-$1.err")"; then
    RESULT["$key"]="PASS  $line"
  elif [[ -n "${7:-}" ]]; then
    RESULT["$key"]="DIFF  $line"
  else
    RESULT["$key"]="FAIL  $line${SEND_ERROR["$4"]:+; ${SEND_ERROR["$4"]}}"
    failures=$((failures + 1))
  fi
}
for s in "${SIGNALS[@]}"; do
  for kind in sdk rich bare mixed; do
    check A "$kind" "$s" "$(run_id A "$kind" "$s")" "$WORK/a-tandem-sent.jsonl" "$WORK/go-arrow-in.jsonl"
  done
  for kind in sdk rich mixed; do
    run="$(run_id B "$kind" "$s")"
    check B "$kind" "$s" "$run" "$WORK/go-arrow-in.jsonl" "$WORK/b-tandem-received.jsonl"
    check B0 "$kind" "$s" "$run" "$WORK/go-arrow-in.jsonl" "$WORK/b0-tandem-received.jsonl"
    check C "$kind" "$s" "$run" "$WORK/b-go-sent.jsonl" "$WORK/go-arrow-in.jsonl" info
  done
done

# Did the Go exporters use Arrow? (Read after the checks, so that the statuses are counted.)
sleep 1
curl -fsS "http://127.0.0.1:$G_METRICS/metrics" >"$WORK/go-metrics.txt" || log "could not read the Go Collector's metrics"
declare -A ARROW
for e in b b0 c; do
  if ARROW[$e]="$(node "$HERE/arrow-evidence.js" "$WORK/go-metrics.txt" "otelarrow/$e")"; then
    ARROW[$e]="shown: ${ARROW[$e]}"
  else
    ARROW[$e]="NOT shown: ${ARROW[$e]}"
    failures=$((failures + 1))
  fi
done

# First distinctive messages of each side, for the summary.
go_messages() { # component id
  grep -P '^\d{4}-\d\d-\d\dT' "$WORK/go.log" | grep -F "\"otelcol.component.id\": \"$1\"" \
    | grep -oE '"(message|error)": "([^"\\]|\\.)*"' | grep -v 'connection refused' | sort | uniq -c | sort -rn | head -n 3 | sed 's/^ */      /' || true
}
if grep -q 'downgrading to standard OTLP' "$WORK/go.log"; then
  log "a Go exporter downgraded to plain OTLP although disable_downgrade is set"
  failures=$((failures + 1))
fi

# --- summary --------------------------------------------------------------------------------------------------------
echo
echo "OTel-Arrow interop: Tandem <-> Go Collector (contrib otelarrow $GO_VERSION), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "  A  = Tandem otlp -> rust_otap_grpc -> Go otelarrow receiver; compared with what Tandem received"
echo "  B  = Go otelarrow exporter (its defaults: gRPC zstd) -> Tandem rust_otap; compared with C's output"
echo "  B0 = the same with the Go exporter's compression: none; compared with C's output"
echo "  C  = Go otelarrow exporter -> Go otelarrow receiver (the reference for B, B0); compared with what Go received (DIFF is information)"
echo "  sdk = the JS SDK's telemetry; rich = payloads.js (most fields); bare = the same without resource or scope attributes;"
echo "  mixed = rich plus a minimal second resource (optional columns partly null)"
for row in A B B0 C; do
  for kind in sdk rich bare mixed; do
    for s in "${SIGNALS[@]}"; do
      [[ -n "${RESULT["$row $kind $s"]:-}" ]] && printf '  %-2s %-4s %-8s %s\n' "$row" "$kind" "$s" "${RESULT["$row $kind $s"]}"
    done
  done
done
echo "  Go exporter otelarrow/b  (to Tandem, zstd) used Arrow only: ${ARROW[b]}"
echo "  Go exporter otelarrow/b0 (to Tandem, none) used Arrow only: ${ARROW[b0]}"
echo "  Go exporter otelarrow/c  (to Go, zstd)     used Arrow only: ${ARROW[c]}"
for id in otelarrow otelarrow/b otelarrow/b0 otelarrow/c; do
  messages="$(go_messages "$id")"
  [[ -n "$messages" ]] && printf '  Go %s says (count, message):\n%s\n' "$id" "$messages"
done
echo "  Tandem log lines at warn or above: $(grep -cE '"level":(4|5|6)[0-9]' "$WORK/tandem.log" || true)"
if ((failures > 0)); then
  echo "RESULT: FAIL ($failures problem(s)); details in $WORK (compare-*.err, go.log, tandem.log, go-metrics.txt)"
  exit 1
fi
echo "RESULT: PASS"
