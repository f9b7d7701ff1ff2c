//! Arrow streams written by the Go Collector's `otelarrow` exporter (contrib v0.145.0) decode as the requests that went
//! into it. The streams in `go_streams/` were recorded (each `BatchArrowRecords` as a little-endian u32 length and its
//! protobuf bytes) from a Go Collector fed at once by telemetrygen (logs of three services, traces of two, one scope
//! each: an unnamed one for logs, `telemetrygen` for spans) and by `integration-tests/oracle/payloads.js <signal> r-multi multi` (two resources, each with
//! the scope `interop-scope`, which has 9 attributes, and a second scope of its own), so that its batches hold several
//! resources whose equal scopes the Go encoder gives one scope ID.

use bytes::Bytes;
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::BatchArrowRecords;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{any_value, InstrumentationScope, KeyValue};
use prost::Message;
use std::collections::BTreeMap;
use tandem_engine::otap::StreamDecoder;
use tandem_ipc::layout::{SIGNAL_LOGS, SIGNAL_TRACES};

/// The recorded batches of one stream, decoded one after the other by one decoder, as OTLP requests.
fn decoded(file: &str, signal: u16) -> Vec<Bytes> {
    let bytes = std::fs::read(format!("{}/tests/go_streams/{file}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut decoder = StreamDecoder::default();
    let mut requests = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let length = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let mut batch = BatchArrowRecords::decode(&bytes[at + 4..at + 4 + length]).unwrap();
        requests.push(decoder.decode(signal, &mut batch).unwrap());
        at += 4 + length;
    }
    requests
}

/// Records per (service.name of their resource, name of their scope and its number of attributes, what tells the
/// record's origin apart).
type Placement = BTreeMap<(String, String, usize, String), usize>;

fn service(attributes: &[KeyValue]) -> String {
    match attributes.iter().find(|kv| kv.key == "service.name").and_then(|kv| kv.value.as_ref()?.value.as_ref()) {
        Some(any_value::Value::StringValue(name)) => name.clone(),
        _ => String::new(),
    }
}

fn scope(scope: &Option<InstrumentationScope>) -> (String, usize) {
    scope.as_ref().map(|s| (s.name.clone(), s.attributes.len())).unwrap_or_default()
}

fn add(placement: &mut Placement, key: (String, String, usize, String)) {
    *placement.entry(key).or_default() += 1;
}

fn expected(entries: &[(&str, &str, usize, &str, usize)]) -> Placement {
    entries.iter().map(|&(service, scope, attrs, what, n)| ((service.into(), scope.into(), attrs, what.into()), n)).collect()
}

// Scenario: Go batches logs of five resources (three telemetrygen services, two payloads.js ones) whose equal scopes
// share a scope ID. Guarantee: every log record comes out under its own resource and scope, scope attributes included.
#[test]
fn logs_of_several_resources_stay_under_their_resources() {
    let mut placement = Placement::new();
    for request in decoded("logs.bin", SIGNAL_LOGS) {
        for resource_logs in ExportLogsServiceRequest::decode(request).unwrap().resource_logs {
            let service = service(&resource_logs.resource.unwrap_or_default().attributes);
            for scope_logs in resource_logs.scope_logs {
                let (scope, attrs) = scope(&scope_logs.scope);
                for record in scope_logs.log_records {
                    let body = match record.body.and_then(|b| b.value) {
                        Some(any_value::Value::StringValue(text)) if text.starts_with("b-") => text,
                        _ => "payloads.js".into(),
                    };
                    add(&mut placement, (service.clone(), scope.clone(), attrs, body));
                }
            }
        }
    }
    assert_eq!(
        placement,
        expected(&[
            ("interop-multi-a", "interop-multi-a-second-scope", 0, "payloads.js", 4),
            ("interop-multi-a", "interop-scope", 9, "payloads.js", 4),
            ("interop-multi-b", "interop-multi-b-second-scope", 0, "payloads.js", 4),
            ("interop-multi-b", "interop-scope", 9, "payloads.js", 4),
            ("tg-error", "", 0, "b-error", 3),
            ("tg-info", "", 0, "b-info", 3),
            ("tg-warn", "", 0, "b-warn", 3),
        ])
    );
}

// Scenario: the same for spans of four resources. Guarantee: every span comes out under its own resource and scope.
#[test]
fn spans_of_several_resources_stay_under_their_resources() {
    let mut placement = Placement::new();
    for request in decoded("traces.bin", SIGNAL_TRACES) {
        for resource_spans in ExportTraceServiceRequest::decode(request).unwrap().resource_spans {
            let service = service(&resource_spans.resource.unwrap_or_default().attributes);
            for scope_spans in resource_spans.scope_spans {
                let (scope, attrs) = scope(&scope_spans.scope);
                for span in scope_spans.spans {
                    add(&mut placement, (service.clone(), scope.clone(), attrs, span.name));
                }
            }
        }
    }
    let mut expected_spans = vec![];
    for service in ["interop-multi-a", "interop-multi-b"] {
        for name in ["plain-span", "rich-span", "unset-span"] {
            expected_spans.push((service, "interop-scope", 9, name, 1));
        }
    }
    let mut placement_expected = expected(&expected_spans);
    for (service, second) in [("interop-multi-a", "interop-multi-a-second-scope"), ("interop-multi-b", "interop-multi-b-second-scope")] {
        for name in ["plain-span", "rich-span", "unset-span"] {
            placement_expected.insert((service.into(), second.into(), 0, name.into()), 1);
        }
    }
    for service in ["tg-a", "tg-b"] {
        placement_expected.insert((service.into(), "telemetrygen".into(), 0, "lets-go".into()), 2);
        placement_expected.insert((service.into(), "telemetrygen".into(), 0, "okey-dokey-0".into()), 2);
    }
    assert_eq!(placement, placement_expected);
}
