//! Requests of each signal for the tests of processors that work on OTLP bytes and on OTAP: two resources, two scopes,
//! records with overlapping attribute keys of each scalar type, a span event and link, and a metric of each data kind;
//! and a canonical text of what a request holds, so that two paths' outputs can be compared whatever their order.

use crate::signal::Signal;
use bytes::Bytes;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::metrics::v1::ExportMetricsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value::Value};
use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otel_arrow_dfe_pdata::proto::opentelemetry::metrics::v1::{
    ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, Summary, SummaryDataPoint, metric::Data, number_data_point,
};
use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::{Event, Link};
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{ResourceSpans, ScopeSpans, Span};
use prost::Message;

pub fn str(key: &str, value: &str) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::StringValue(value.into())) }) }
}

pub fn int(key: &str, value: i64) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::IntValue(value)) }) }
}

fn double(key: &str, value: f64) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::DoubleValue(value)) }) }
}

fn boolean(key: &str, value: bool) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(Value::BoolValue(value)) }) }
}

/// The attribute lists of the `i`-th record: some keys of the tests' actions and filters present, some not, values of
/// each type.
fn attributes(i: usize) -> Vec<KeyValue> {
    let mut list = vec![str("http.route", if i.is_multiple_of(3) { "/healthz" } else { "/api" }), int("http.status", 200 + i as i64 % 2)];
    if i.is_multiple_of(2) {
        list.push(str("app", "shop"));
        list.push(double("ratio", 0.5));
    }
    if i % 4 == 1 {
        list.push(str("route", "/old"));
        list.push(boolean("sampled", true));
        list.push(str("peer.service", "db"));
    }
    list
}

fn resource(i: usize) -> Option<Resource> {
    Some(Resource { attributes: vec![str("service.name", if i == 0 { "shop" } else { "cart" }), str("app", "resource")], ..Default::default() })
}

fn scope(i: usize) -> Option<InstrumentationScope> {
    Some(InstrumentationScope { name: format!("scope-{i}"), attributes: vec![str("app", "scope")], ..Default::default() })
}

fn traces() -> ExportTraceServiceRequest {
    let spans = |r: usize, s: usize| -> Vec<Span> {
        (0..4)
            .map(|i| Span {
                trace_id: vec![r as u8 + 1; 16],
                span_id: vec![(s * 4 + i) as u8 + 1; 8],
                name: if i == 2 { "health".into() } else { format!("span-{i}") },
                start_time_unix_nano: 1,
                end_time_unix_nano: 2,
                attributes: attributes(r * 8 + s * 4 + i),
                events: if i == 1 { vec![Event { name: "e".into(), attributes: vec![str("app", "event")], ..Default::default() }] } else { vec![] },
                links: if i == 3 { vec![Link { trace_id: vec![9; 16], span_id: vec![9; 8], ..Default::default() }] } else { vec![] },
                ..Default::default()
            })
            .collect()
    };
    ExportTraceServiceRequest {
        resource_spans: (0..2)
            .map(|r| ResourceSpans {
                resource: resource(r),
                scope_spans: (0..2).map(|s| ScopeSpans { scope: scope(s), spans: spans(r, s), ..Default::default() }).collect(),
                ..Default::default()
            })
            .collect(),
    }
}

fn logs() -> ExportLogsServiceRequest {
    let records = |r: usize, s: usize| -> Vec<LogRecord> {
        (0..4)
            .map(|i| LogRecord {
                time_unix_nano: 1,
                severity_number: 9,
                body: Some(AnyValue { value: Some(Value::StringValue(format!("log {i}"))) }),
                attributes: attributes(r * 8 + s * 4 + i),
                ..Default::default()
            })
            .collect()
    };
    ExportLogsServiceRequest {
        resource_logs: (0..2)
            .map(|r| ResourceLogs {
                resource: resource(r),
                scope_logs: (0..2).map(|s| ScopeLogs { scope: scope(s), log_records: records(r, s), ..Default::default() }).collect(),
                ..Default::default()
            })
            .collect(),
    }
}

fn metrics() -> ExportMetricsServiceRequest {
    let number = |i: usize| NumberDataPoint {
        attributes: attributes(i),
        time_unix_nano: 1,
        value: Some(number_data_point::Value::AsInt(i as i64)),
        ..Default::default()
    };
    let metric = |name: &str, data: Data| Metric { name: name.into(), data: Some(data), ..Default::default() };
    let kinds = |base: usize| {
        vec![
            metric("gauge", Data::Gauge(Gauge { data_points: vec![number(base), number(base + 1)] })),
            metric("sum", Data::Sum(Sum { data_points: vec![number(base + 2)], aggregation_temporality: 2, is_monotonic: true })),
            metric(
                "histogram",
                Data::Histogram(Histogram {
                    data_points: vec![HistogramDataPoint { attributes: attributes(base + 3), count: 1, time_unix_nano: 1, ..Default::default() }],
                    aggregation_temporality: 2,
                }),
            ),
            metric(
                "exponential",
                Data::ExponentialHistogram(ExponentialHistogram {
                    data_points: vec![ExponentialHistogramDataPoint {
                        attributes: attributes(base + 4),
                        count: 1,
                        time_unix_nano: 1,
                        ..Default::default()
                    }],
                    aggregation_temporality: 2,
                }),
            ),
            metric(
                "summary",
                Data::Summary(Summary {
                    data_points: vec![SummaryDataPoint { attributes: attributes(base + 5), count: 1, time_unix_nano: 1, ..Default::default() }],
                }),
            ),
        ]
    };
    ExportMetricsServiceRequest {
        resource_metrics: (0..2)
            .map(|r| ResourceMetrics {
                resource: resource(r),
                scope_metrics: (0..2).map(|s| ScopeMetrics { scope: scope(s), metrics: kinds(r * 12 + s * 6), ..Default::default() }).collect(),
                ..Default::default()
            })
            .collect(),
    }
}

/// A request of each signal.
pub fn requests() -> Vec<(Signal, Bytes)> {
    vec![
        (Signal::Traces, traces().encode_to_vec().into()),
        (Signal::Metrics, metrics().encode_to_vec().into()),
        (Signal::Logs, logs().encode_to_vec().into()),
    ]
}

fn sorted(list: &[KeyValue]) -> String {
    let mut texts: Vec<String> = list.iter().map(|kv| format!("{}={:?}", kv.key, kv.value.as_ref().and_then(|v| v.value.as_ref()))).collect();
    texts.sort();
    texts.join(",")
}

/// One line per record (a span, log record or data point) with its resource's, scope's and own attributes (sorted),
/// its name and what identifies it, the lines sorted: what a request holds, whatever the order of its parts.
pub fn canonical(signal: Signal, request: &Bytes) -> Vec<String> {
    let context = |resource: &Option<Resource>, scope: &Option<InstrumentationScope>| {
        let scope_name = scope.as_ref().map(|s| s.name.clone()).unwrap_or_default();
        let scope_attributes = scope.as_ref().map(|s| sorted(&s.attributes)).unwrap_or_default();
        format!("resource[{}] scope {scope_name}[{scope_attributes}]", resource.as_ref().map(|r| sorted(&r.attributes)).unwrap_or_default())
    };
    let mut lines = Vec::new();
    match signal {
        Signal::Traces => {
            for rs in ExportTraceServiceRequest::decode(request.clone()).unwrap().resource_spans {
                for ss in rs.scope_spans {
                    for span in ss.spans {
                        let events: Vec<String> = span.events.iter().map(|e| format!("{}[{}]", e.name, sorted(&e.attributes))).collect();
                        let own = format!(
                            "span {} {:?} [{}] events {events:?} links {}",
                            span.name,
                            span.span_id,
                            sorted(&span.attributes),
                            span.links.len()
                        );
                        lines.push(format!("{} {own}", context(&rs.resource, &ss.scope)));
                    }
                }
            }
        }
        Signal::Logs => {
            for rl in ExportLogsServiceRequest::decode(request.clone()).unwrap().resource_logs {
                for sl in rl.scope_logs {
                    for record in sl.log_records {
                        lines.push(format!("{} log {:?} [{}]", context(&rl.resource, &sl.scope), record.body, sorted(&record.attributes)));
                    }
                }
            }
        }
        Signal::Metrics => {
            for rm in ExportMetricsServiceRequest::decode(request.clone()).unwrap().resource_metrics {
                for sm in rm.scope_metrics {
                    for metric in sm.metrics {
                        let points: Vec<String> = match &metric.data {
                            Some(Data::Gauge(g)) => g.data_points.iter().map(|p| format!("{:?} [{}]", p.value, sorted(&p.attributes))).collect(),
                            Some(Data::Sum(s)) => s.data_points.iter().map(|p| format!("{:?} [{}]", p.value, sorted(&p.attributes))).collect(),
                            Some(Data::Histogram(h)) => h.data_points.iter().map(|p| sorted(&p.attributes)).collect(),
                            Some(Data::ExponentialHistogram(h)) => h.data_points.iter().map(|p| sorted(&p.attributes)).collect(),
                            Some(Data::Summary(s)) => s.data_points.iter().map(|p| sorted(&p.attributes)).collect(),
                            None => vec![],
                        };
                        for point in points {
                            lines.push(format!("{} metric {} {point}", context(&rm.resource, &sm.scope), metric.name));
                        }
                    }
                }
            }
        }
    }
    lines.sort();
    lines
}
