//! `rust_filter` keeps what the Collector's filter processor keeps, where otel-arrow-dfe-pdata 0.62's filters alone
//! would drop records that have no rows in a child payload (see `Detached` in `src/filter_processor.rs`). The Go
//! Collector checks the same over telemetrygen's data in `integration-tests/oracle/processors.test.ts`.

use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{any_value, AnyValue, KeyValue};
use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::{Event, Link};
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;
use tandem_engine::filter_processor::Filter;
use tandem_engine::otap::{to_otap, to_otlp, OtapStep};
use tandem_ipc::layout::{SIGNAL_LOGS, SIGNAL_TRACES};

fn attribute(key: &str, value: &str) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }) }
}

fn filtered(config: serde_json::Value, signal: u16, request: Vec<u8>) -> Vec<u8> {
    let filter = Filter::from_json(&config).unwrap();
    let kept = filter.apply(signal, to_otap(signal, request.into()).unwrap()).unwrap().unwrap();
    to_otlp(kept).unwrap().to_vec()
}

fn span(id: u8, name: &str) -> Span {
    Span { trace_id: vec![1; 16], span_id: vec![id; 8], name: name.into(), start_time_unix_nano: 1, end_time_unix_nano: 2, ..Default::default() }
}

/// The spans kept, each as its name with its events' and links' counts.
fn kept_spans(request: &[u8]) -> Vec<(String, usize, usize)> {
    let request = ExportTraceServiceRequest::decode(request).unwrap();
    request.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans).map(|s| (s.name.clone(), s.events.len(), s.links.len())).collect()
}

// Scenario: telemetrygen's spans: the first has no link (nothing to point at yet), the others a link with attributes;
// one also has an event without attributes next to one with. Guarantee: an exclude on span names drops only the
// span it names, and the others keep their events and links.
#[test]
fn spans_without_links_or_events_stay() {
    let mut linked = span(2, "okey-dokey-0");
    linked.links = vec![Link { trace_id: vec![3; 16], span_id: vec![1; 8], attributes: vec![attribute("link.type", "random")], ..Default::default() }];
    let mut with_events = span(3, "lets-go");
    with_events.links = linked.links.clone();
    with_events.events = vec![Event { name: "with".into(), attributes: vec![attribute("k", "v")], ..Default::default() }, Event { name: "bare".into(), ..Default::default() }];
    let spans = vec![span(1, "lets-go"), linked, with_events, span(4, "okey-dokey-1")];
    let request = ExportTraceServiceRequest { resource_spans: vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }] };
    let config = serde_json::json!({ "spans": { "exclude": { "match_type": "regexp", "span_names": ["^okey-dokey-0$"] } } });
    assert_eq!(
        kept_spans(&filtered(config, SIGNAL_TRACES, request.encode_to_vec())),
        vec![("lets-go".into(), 0, 0), ("lets-go".into(), 2, 1), ("okey-dokey-1".into(), 0, 0)]
    );
}

// Scenario: spans with and without attributes under an exclude on one attribute. Guarantee: only the span that has
// the attribute is dropped; a span without attributes cannot match and stays.
#[test]
fn spans_without_attributes_stay_under_an_attribute_exclude() {
    let mut client = span(1, "client");
    client.attributes = vec![attribute("peer.service", "telemetrygen-client"), attribute("network.peer.address", "1.2.3.4")];
    let mut server = span(2, "server");
    server.attributes = vec![attribute("peer.service", "telemetrygen-server")];
    let spans = vec![client, server, span(3, "plain")];
    let request = ExportTraceServiceRequest { resource_spans: vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }] };
    let config = serde_json::json!({ "spans": { "exclude": { "match_type": "strict", "attributes": [{ "key": "peer.service", "value": "telemetrygen-client" }] } } });
    assert_eq!(kept_spans(&filtered(config, SIGNAL_TRACES, request.encode_to_vec())), vec![("server".into(), 0, 0), ("plain".into(), 0, 0)]);
}

// Scenario: log records with and without attributes, an exclude on bodies. Guarantee: a record without attributes
// whose body does not match stays.
#[test]
fn log_records_without_attributes_stay() {
    let record = |body: &str, attributes: Vec<KeyValue>| LogRecord { body: Some(AnyValue { value: Some(any_value::Value::StringValue(body.into())) }), attributes, ..Default::default() };
    let log_records = vec![record("it broke", vec![attribute("app", "server")]), record("all is well", vec![attribute("app", "server")]), record("plain", vec![])];
    let request = ExportLogsServiceRequest { resource_logs: vec![ResourceLogs { scope_logs: vec![ScopeLogs { log_records, ..Default::default() }], ..Default::default() }] };
    let config = serde_json::json!({ "logs": { "exclude": { "match_type": "regexp", "bodies": ["^it "] } } });
    let kept = ExportLogsServiceRequest::decode(&filtered(config, SIGNAL_LOGS, request.encode_to_vec())[..]).unwrap();
    let mut bodies: Vec<String> = kept
        .resource_logs
        .iter()
        .flat_map(|r| &r.scope_logs)
        .flat_map(|s| &s.log_records)
        .map(|r| match r.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(any_value::Value::StringValue(text)) => text.clone(),
            _ => String::new(),
        })
        .collect();
    bodies.sort();
    assert_eq!(bodies, vec!["all is well".to_string(), "plain".to_string()]);
}
