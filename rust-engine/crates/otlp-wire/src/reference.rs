//! prost's decode of the same requests into `opentelemetry-proto`'s messages: what the wire walk must agree with
//! (the tests below and the fuzz target check it), and how the engine's nodes encode a request again. Built for tests
//! and with the `reference` feature only: the engine validates with the walk.

use crate::Export;
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use prost::Message;

/// Whether `request` decodes with prost as the `Export*ServiceRequest` of `export`.
pub fn decodes(export: Export, request: &[u8]) -> bool {
    match export {
        Export::Traces => ExportTraceServiceRequest::decode(request).is_ok(),
        Export::Metrics => ExportMetricsServiceRequest::decode(request).is_ok(),
        Export::Logs => ExportLogsServiceRequest::decode(request).is_ok(),
    }
}

/// A request that decodes, encoded again as the engine's nodes encode what they pass on (a merged batch, a routed
/// part): the bytes of the decoded message, unknown fields dropped. None when it does not decode.
pub fn reencoded(export: Export, request: &[u8]) -> Option<Vec<u8>> {
    match export {
        Export::Traces => ExportTraceServiceRequest::decode(request).ok().map(|m| m.encode_to_vec()),
        Export::Metrics => ExportMetricsServiceRequest::decode(request).ok().map(|m| m.encode_to_vec()),
        Export::Logs => ExportLogsServiceRequest::decode(request).ok().map(|m| m.encode_to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate;
    use opentelemetry_proto::tonic::common::v1::{AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList, any_value};
    use opentelemetry_proto::tonic::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use opentelemetry_proto::tonic::metrics::v1::exponential_histogram_data_point::Buckets;
    use opentelemetry_proto::tonic::metrics::v1::summary_data_point::ValueAtQuantile;
    use opentelemetry_proto::tonic::metrics::v1::{
        Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint,
        ResourceMetrics, ScopeMetrics, Sum, Summary, SummaryDataPoint, exemplar, metric, number_data_point,
    };
    use opentelemetry_proto::tonic::resource::v1::Resource;
    use opentelemetry_proto::tonic::trace::v1::span::{Event, Link};
    use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

    // The messages below are struct literals without `..Default::default()`: a field added to opentelemetry-proto
    // fails to compile here until it is set, and then the walk's schema must know it for the tests to pass.

    fn attributes() -> Vec<KeyValue> {
        use any_value::Value;
        let value = |value| Some(AnyValue { value: Some(value) });
        let kv = |key: &str, value| KeyValue { key: key.into(), value, key_strindex: 1 };
        let nested = vec![kv("inner", value(Value::IntValue(-1)))];
        vec![
            kv("string", value(Value::StringValue("é".into()))),
            kv("bool", value(Value::BoolValue(true))),
            kv("int", value(Value::IntValue(-42))),
            kv("double", value(Value::DoubleValue(0.5))),
            kv("array", value(Value::ArrayValue(ArrayValue { values: vec![AnyValue { value: Some(Value::BoolValue(false)) }] }))),
            kv("kvlist", value(Value::KvlistValue(KeyValueList { values: nested }))),
            kv("bytes", value(Value::BytesValue(vec![0xff, 0]))),
            kv("strindex", value(Value::StringValueStrindex(3))),
            kv("empty", None),
        ]
    }

    fn resource() -> Option<Resource> {
        let entity = EntityRef { schema_url: "s".into(), r#type: "host".into(), id_keys: vec!["host.id".into()], description_keys: vec!["d".into()] };
        Some(Resource { attributes: attributes(), dropped_attributes_count: 1, entity_refs: vec![entity] })
    }

    fn scope() -> Option<InstrumentationScope> {
        Some(InstrumentationScope { name: "lib".into(), version: "1".into(), attributes: attributes(), dropped_attributes_count: 2 })
    }

    fn traces() -> ExportTraceServiceRequest {
        let event = Event { time_unix_nano: 5, name: "e".into(), attributes: attributes(), dropped_attributes_count: 1 };
        let link = Link {
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            trace_state: "k=v".into(),
            attributes: attributes(),
            dropped_attributes_count: 1,
            flags: 0x101,
        };
        let span = Span {
            trace_id: vec![1; 16],
            span_id: vec![3; 8],
            trace_state: "k=v".into(),
            parent_span_id: vec![2; 8],
            flags: 0x301,
            name: "GET /".into(),
            kind: 2,
            start_time_unix_nano: 1,
            end_time_unix_nano: 2,
            attributes: attributes(),
            dropped_attributes_count: 3,
            events: vec![event],
            dropped_events_count: 4,
            links: vec![link],
            dropped_links_count: 5,
            status: Some(Status { message: "bad".into(), code: 2 }),
        };
        let scope_spans = ScopeSpans { scope: scope(), spans: vec![span], schema_url: "s".into() };
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans { resource: resource(), scope_spans: vec![scope_spans], schema_url: "r".into() }],
        }
    }

    fn metrics() -> ExportMetricsServiceRequest {
        let exemplars = || {
            [exemplar::Value::AsDouble(1.5), exemplar::Value::AsInt(-3)]
                .map(|value| Exemplar {
                    filtered_attributes: attributes(),
                    time_unix_nano: 9,
                    span_id: vec![2; 8],
                    trace_id: vec![1; 16],
                    value: Some(value),
                })
                .to_vec()
        };
        let numbers = || {
            [number_data_point::Value::AsDouble(2.5), number_data_point::Value::AsInt(-7)]
                .map(|value| NumberDataPoint {
                    attributes: attributes(),
                    start_time_unix_nano: 1,
                    time_unix_nano: 2,
                    exemplars: exemplars(),
                    flags: 1,
                    value: Some(value),
                })
                .to_vec()
        };
        let histogram = HistogramDataPoint {
            attributes: attributes(),
            start_time_unix_nano: 1,
            time_unix_nano: 2,
            count: 3,
            sum: Some(4.0),
            bucket_counts: vec![1, 2],
            explicit_bounds: vec![0.5],
            exemplars: exemplars(),
            flags: 1,
            min: Some(0.1),
            max: Some(9.0),
        };
        let buckets = || Some(Buckets { offset: -2, bucket_counts: vec![1, 300, 70000] });
        let exponential = ExponentialHistogramDataPoint {
            attributes: attributes(),
            start_time_unix_nano: 1,
            time_unix_nano: 2,
            count: 3,
            sum: Some(4.0),
            scale: -1,
            zero_count: 1,
            positive: buckets(),
            negative: buckets(),
            flags: 1,
            exemplars: exemplars(),
            min: Some(0.1),
            max: Some(9.0),
            zero_threshold: 0.01,
        };
        let summary = SummaryDataPoint {
            attributes: attributes(),
            start_time_unix_nano: 1,
            time_unix_nano: 2,
            count: 3,
            sum: 4.0,
            quantile_values: vec![ValueAtQuantile { quantile: 0.5, value: 1.0 }],
            flags: 1,
        };
        let data = [
            metric::Data::Gauge(Gauge { data_points: numbers() }),
            metric::Data::Sum(Sum { data_points: numbers(), aggregation_temporality: 2, is_monotonic: true }),
            metric::Data::Histogram(Histogram { data_points: vec![histogram], aggregation_temporality: 1 }),
            metric::Data::ExponentialHistogram(ExponentialHistogram { data_points: vec![exponential], aggregation_temporality: 1 }),
            metric::Data::Summary(Summary { data_points: vec![summary] }),
        ];
        let metrics = data
            .into_iter()
            .map(|data| Metric { name: "m".into(), description: "d".into(), unit: "1".into(), metadata: attributes(), data: Some(data) })
            .collect();
        let scope_metrics = ScopeMetrics { scope: scope(), metrics, schema_url: "s".into() };
        ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics { resource: resource(), scope_metrics: vec![scope_metrics], schema_url: "r".into() }],
        }
    }

    fn logs() -> ExportLogsServiceRequest {
        let record = LogRecord {
            time_unix_nano: 1,
            observed_time_unix_nano: 2,
            severity_number: 9,
            severity_text: "INFO".into(),
            body: Some(AnyValue { value: Some(any_value::Value::StringValue("hello".into())) }),
            attributes: attributes(),
            dropped_attributes_count: 1,
            flags: 1,
            trace_id: vec![1; 16],
            span_id: vec![2; 8],
            event_name: "start".into(),
        };
        let scope_logs = ScopeLogs { scope: scope(), log_records: vec![record], schema_url: "s".into() };
        ExportLogsServiceRequest { resource_logs: vec![ResourceLogs { resource: resource(), scope_logs: vec![scope_logs], schema_url: "r".into() }] }
    }

    /// A request of each signal with every field of every message set, each oneof's every case somewhere.
    fn full_requests() -> [(Export, Vec<u8>); 3] {
        [(Export::Traces, traces().encode_to_vec()), (Export::Metrics, metrics().encode_to_vec()), (Export::Logs, logs().encode_to_vec())]
    }

    fn assert_agree(export: Export, request: &[u8], what: &str) {
        let walked = validate(export, request);
        assert_eq!(walked.is_ok(), decodes(export, request), "{export:?} {what}: the walk says {walked:?}, prost the opposite");
    }

    // Scenario: a full request of each signal, then every one-byte change of it to a value from a set that hits
    // wire types, field numbers, lengths and varint continuation bits, and every truncation. Guarantee: the walk
    // admits exactly what prost's decode admits, for each of them.
    #[test]
    fn the_walk_admits_what_prost_admits() {
        for (export, request) in full_requests() {
            assert!(validate(export, &request).is_ok(), "{export:?}: {:?}", validate(export, &request));
            for length in 0..request.len() {
                assert_agree(export, &request[..length], &format!("cut to {length} bytes"));
            }
            let mut changed = request.clone();
            for at in 0..request.len() {
                let original = request[at];
                let flips = [0x01, 0x02, 0x04, 0x07, 0x08, 0x40, 0x80].map(|bit| original ^ bit);
                for value in flips.into_iter().chain([0x00, 0x7f, 0xff, 0x0b, 0x0c]) {
                    changed[at] = value;
                    assert_agree(export, &changed, &format!("byte {at} {original:#04x} -> {value:#04x}"));
                }
                changed[at] = original;
            }
        }
    }

    /// `AnyValue` nested `depth` times through arrays, as the body of a log record.
    fn nested_body(depth: usize, innermost: &[u8]) -> Vec<u8> {
        let delimited = |number: u8, body: &[u8]| {
            let mut field = vec![number << 3 | 2];
            prost::encoding::encode_varint(body.len() as u64, &mut field);
            field.extend_from_slice(body);
            field
        };
        let mut value = innermost.to_vec();
        for _ in 0..depth {
            value = delimited(5, &delimited(1, &value)); // AnyValue.array_value { ArrayValue.values }
        }
        let record = delimited(5, &value); // LogRecord.body
        delimited(1, &delimited(2, &delimited(2, &record))) // request / ResourceLogs.scope_logs / ScopeLogs.log_records
    }

    // Scenario: log bodies nested around prost's recursion limit of 100, ending in a known scalar, an unknown varint
    // and an unknown group holding a group. Guarantee: the walk refuses from the same depth on as prost does.
    #[test]
    fn nesting_is_refused_where_prost_refuses_it() {
        let endings: [(&str, &[u8]); 3] =
            [("a bool", &[0x10, 0x01]), ("an unknown varint", &[0x48, 0x01]), ("nested groups", &[0x4b, 0x53, 0x54, 0x4c])];
        for (name, innermost) in endings {
            let refused_from = (40..60).find(|&depth| !decodes(Export::Logs, &nested_body(depth, innermost))).expect("prost refuses some depth");
            for depth in refused_from - 2..refused_from + 2 {
                assert_agree(Export::Logs, &nested_body(depth, innermost), &format!("{name} at depth {depth}"));
            }
        }
    }

    // Scenario: a histogram's bucket counts (repeated fixed64) packed, one per field, packed in 12 bytes and as a
    // varint; an exponential histogram's (repeated uint64) packed, one per field, and packed with its last varint cut.
    // Guarantee: the walk and prost agree on each: the packed and unpacked forms are admitted, the others refused.
    #[test]
    fn repeated_numbers_come_packed_or_not() {
        let wrap = |number: u8, body: &[u8]| [&[number << 3 | 2, body.len() as u8][..], body].concat();
        // request / resource_metrics / scope_metrics / metrics / (histogram 9 | exponential_histogram 10) / data_points
        let metric_with = |data: u8, point: &[u8]| wrap(1, &wrap(2, &wrap(2, &wrap(data, &wrap(1, point)))));
        let positive = |buckets: &[u8]| wrap(8, buckets);
        let eight = [7u8; 8];
        let cases = [
            ("packed fixed64", metric_with(9, &[&[0x32, 16][..], &eight, &eight].concat()), true),
            ("unpacked fixed64", metric_with(9, &[&[0x31][..], &eight, &[0x31], &eight].concat()), true),
            ("packed fixed64 in 12 bytes", metric_with(9, &[&[0x32, 12][..], &eight, &[1, 2, 3, 4]].concat()), false),
            ("fixed64 as a varint", metric_with(9, &[0x30, 0x01]), false),
            ("packed uint64", metric_with(10, &positive(&[0x12, 3, 0x01, 0xac, 0x02])), true),
            ("unpacked uint64", metric_with(10, &positive(&[0x10, 0x01, 0x10, 0xac, 0x02])), true),
            ("packed uint64 cut short", metric_with(10, &positive(&[0x12, 2, 0x01, 0xac])), false),
        ];
        for (name, request, valid) in cases {
            assert_agree(Export::Metrics, &request, name);
            assert_eq!(validate(Export::Metrics, &request).is_ok(), valid, "{name}: {:?}", validate(Export::Metrics, &request));
        }
    }
}
