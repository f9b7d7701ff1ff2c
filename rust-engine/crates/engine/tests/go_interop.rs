//! Arrow streams between Tandem and the Go Collector (contrib v0.145.0, otel-arrow v0.46.0), in what each side reads
//! differently from pdata 0.62. Streams written by the Go `otelarrow` exporter decode as the requests that went into
//! it, and Tandem's streams hold what the Go decoder needs. (The Go Collector itself checks both ways in
//! `integration-tests/oracle/`.) The streams in `go_streams/` were recorded (each `BatchArrowRecords` as a little-endian u32 length and its
//! protobuf bytes) from a Go Collector fed at once by telemetrygen (logs of three services, traces of two, one scope
//! each: an unnamed one for logs, `telemetrygen` for spans) and by `integration-tests/oracle/payloads.js <signal> r-multi multi` (two resources, each with
//! the scope `interop-scope`, which has 9 attributes, and a second scope of its own), so that its batches hold several
//! resources whose equal scopes the Go encoder gives one scope ID.

use bytes::Bytes;
use otel_arrow_dfe_pdata::arrow::array::{Array, AsArray};
use otel_arrow_dfe_pdata::arrow::datatypes::UInt8Type;
use otel_arrow_dfe_pdata::otap::{Traces, from_record_messages};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::{ArrowPayloadType, BatchArrowRecords};
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::Link;
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otel_arrow_dfe_pdata::{Consumer, OtapArrowRecords};
use prost::Message;
use std::collections::BTreeMap;
use tandem_engine::otap::{StreamDecoder, StreamEncoder, to_otap, to_otlp};
use tandem_engine::signal::Signal;

/// The recorded batches of one stream, decoded one after the other by one decoder, as OTLP requests.
fn decoded(file: &str, signal: Signal) -> Vec<Bytes> {
    // The package folder at run time: a shared target directory may hold a binary built in another checkout.
    let bytes = std::fs::read(format!("{}/tests/go_streams/{file}", std::env::var("CARGO_MANIFEST_DIR").unwrap())).unwrap();
    let mut decoder = StreamDecoder::default();
    let mut requests = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let length = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let mut batch = BatchArrowRecords::decode(&bytes[at + 4..at + 4 + length]).unwrap();
        requests.push(to_otlp(decoder.decode(signal, &mut batch).unwrap()).unwrap());
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
    for request in decoded("logs.bin", Signal::Logs) {
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
    for request in decoded("traces.bin", Signal::Traces) {
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

// Scenario: telemetrygen's links, each with `link.type = "random"` and `link.index = 0`, 150 in one request.
// Guarantee: the link attributes Tandem encodes have an `int` column with the value of every int attribute, so that
// the Go decoder, which reads a missing value as 0, takes the same runs of equal values for delta-encoded parent IDs
// as Tandem's encoder did (without it, the int attribute reached only a few of the links).
#[test]
fn int_attributes_that_are_all_zero_are_written() {
    let attribute = |key: &str, value| KeyValue { key: key.into(), value: Some(AnyValue { value: Some(value) }) };
    let spans = (0..150u8)
        .map(|i| Span {
            trace_id: vec![1; 16],
            span_id: vec![i + 1; 8],
            name: "lets-go".into(),
            start_time_unix_nano: 1,
            end_time_unix_nano: 2,
            links: vec![Link {
                trace_id: vec![i % 7 + 2; 16],
                span_id: vec![i % 5 + 1; 8],
                attributes: vec![
                    attribute("link.type", any_value::Value::StringValue("random".into())),
                    attribute("link.index", any_value::Value::IntValue(0)),
                ],
                ..Default::default()
            }],
            ..Default::default()
        })
        .collect();
    let request = ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }],
    };
    let mut batch = StreamEncoder::default().encode(to_otap(Signal::Traces, request.encode_to_vec().into()).unwrap()).unwrap();
    let messages = Consumer::default().consume_bar(&mut batch).unwrap();
    let records = OtapArrowRecords::Traces(from_record_messages::<Traces>(messages).unwrap());
    let attrs = records.get(ArrowPayloadType::SpanLinkAttrs).unwrap();
    let types = attrs.column_by_name("type").unwrap().as_primitive::<UInt8Type>();
    let ints = attrs.column_by_name("int").expect("an int column");
    let int_rows: Vec<usize> = (0..attrs.num_rows()).filter(|&row| types.value(row) == 2).collect();
    assert_eq!(int_rows.len(), 150);
    assert!(int_rows.iter().all(|&row| ints.is_valid(row)), "every int attribute has its value");
}
