//! `rust_count`: a connector from traces, metrics or logs to metrics that counts what passes, with the default
//! metrics of the Collector's count connector (`trace.span.count`, `trace.span.event.count`, `metric.count`,
//! `metric.datapoint.count`, `log.record.count`): per request and per resource, an Int Sum, monotonic, delta.
//! Records are only delimited (`otlp_shape`), never decoded, and each resource is copied into the output as the bytes it
//! came as.

use crate::node::{Next, Node};
use crate::otlp_shape::Request;
use bytes::Bytes;
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::InstrumentationScope;
use otel_arrow_dfe_pdata::proto::opentelemetry::metrics::v1::{metric, number_data_point, AggregationTemporality, Metric, NumberDataPoint, ScopeMetrics, Sum};
use prost::Message;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};
use tandem_ipc::{layout, Answer, RequestError};

pub const TYPE: &str = "rust_count";

/// A span, down to its events (field 11).
#[derive(Clone, PartialEq, Message)]
struct SpanEvents {
    #[prost(bytes = "bytes", repeated, tag = "11")]
    events: Vec<Bytes>,
}

/// A metric, down to its data points: each data kind keeps them in its field 1.
#[derive(Clone, PartialEq, Message)]
struct MetricPoints {
    #[prost(message, optional, tag = "5")]
    gauge: Option<Points>,
    #[prost(message, optional, tag = "7")]
    sum: Option<Points>,
    #[prost(message, optional, tag = "9")]
    histogram: Option<Points>,
    #[prost(message, optional, tag = "10")]
    exponential_histogram: Option<Points>,
    #[prost(message, optional, tag = "11")]
    summary: Option<Points>,
}

#[derive(Clone, PartialEq, Message)]
struct Points {
    #[prost(bytes = "bytes", repeated, tag = "1")]
    data_points: Vec<Bytes>,
}

/// The output: `ExportMetricsServiceRequest`, with each resource as the bytes it came as.
#[derive(Clone, PartialEq, Message)]
struct MetricsRequest {
    #[prost(message, repeated, tag = "1")]
    resource_metrics: Vec<ResourceMetrics>,
}

#[derive(Clone, PartialEq, Message)]
struct ResourceMetrics {
    #[prost(bytes = "bytes", optional, tag = "1")]
    resource: Option<Bytes>,
    #[prost(message, repeated, tag = "2")]
    scope_metrics: Vec<ScopeMetrics>,
}

pub struct Count {
    pub next: Next,
}

impl Count {
    /// The counts of one resource's records, as (metric name, description, count).
    fn counts(signal: u16, records: &[Bytes]) -> Result<Vec<(&'static str, &'static str, usize)>, prost::DecodeError> {
        Ok(match signal {
            layout::SIGNAL_TRACES => {
                let mut events = 0;
                for span in records {
                    events += SpanEvents::decode(span.clone())?.events.len();
                }
                vec![
                    ("trace.span.count", "The number of spans observed.", records.len()),
                    ("trace.span.event.count", "The number of span events observed.", events),
                ]
            }
            layout::SIGNAL_METRICS => {
                let mut points = 0;
                for metric in records {
                    let m = MetricPoints::decode(metric.clone())?;
                    let kinds = [m.gauge, m.sum, m.histogram, m.exponential_histogram, m.summary];
                    points += kinds.iter().flatten().map(|p| p.data_points.len()).sum::<usize>();
                }
                vec![
                    ("metric.count", "The number of metrics observed.", records.len()),
                    ("metric.datapoint.count", "The number of data points observed.", points),
                ]
            }
            _ => vec![("log.record.count", "The number of log records observed.", records.len())],
        })
    }

    fn metrics(signal: u16, payload: Bytes) -> Result<MetricsRequest, prost::DecodeError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64;
        let mut resource_metrics = Vec::new();
        for group in Request::decode(payload)?.resources {
            let records: Vec<Bytes> = group.scopes.into_iter().flat_map(|s| s.records).collect();
            let metrics: Vec<Metric> = Self::counts(signal, &records)?
                .into_iter()
                .filter(|(_, _, count)| *count > 0)
                .map(|(name, description, count)| Metric {
                    name: name.into(),
                    description: description.into(),
                    unit: "1".into(),
                    data: Some(metric::Data::Sum(Sum {
                        data_points: vec![NumberDataPoint { time_unix_nano: now, value: Some(number_data_point::Value::AsInt(count as i64)), ..Default::default() }],
                        aggregation_temporality: AggregationTemporality::Delta as i32,
                        is_monotonic: true,
                    })),
                    ..Default::default()
                })
                .collect();
            if !metrics.is_empty() {
                let scope = InstrumentationScope { name: format!("tandem/{TYPE}"), ..Default::default() };
                resource_metrics.push(ResourceMetrics { resource: group.resource, scope_metrics: vec![ScopeMetrics { scope: Some(scope), metrics, ..Default::default() }] });
            }
        }
        Ok(MetricsRequest { resource_metrics })
    }
}

impl Node for Count {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        match Self::metrics(signal, payload) {
            Ok(request) if request.resource_metrics.is_empty() => Box::pin(futures::future::ready(Ok(()))),
            Ok(request) => self.next.send(layout::SIGNAL_METRICS, Bytes::from(request.encode_to_vec())),
            Err(e) => Box::pin(futures::future::ready(Err(RequestError::Permanent(format!("{TYPE}: malformed OTLP: {e}"))))),
        }
    }
}
