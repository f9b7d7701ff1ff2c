//! `rust_count`: a connector from traces, metrics or logs to metrics that counts what passes, with the default
//! metrics of the Collector's count connector (`trace.span.count`, `trace.span.event.count`, `metric.count`,
//! `metric.datapoint.count`, `log.record.count`): per request and per resource, an Int Sum, monotonic, delta. A
//! request with nothing to count is acknowledged without output; otherwise the sender is answered when the counts are
//! (`Outcomes`).

pub mod config;

use super::outcomes::Outcomes;
use crate::components::config::NoSettings;
use crate::components::register::{self, Node};
use crate::components::{FACTORIES, Factory, Form, Kind, Nodes};
use crate::otap::Payload;
use crate::otlp::Request;
use crate::signal::Signal;
use async_trait::async_trait;
use bytes::Bytes;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{AckMsg, NackCause, NackMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, ProcessorFactory, local};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::InstrumentationScope;
use otel_arrow_dfe_pdata::proto::opentelemetry::metrics::v1::{
    AggregationTemporality, Metric, NumberDataPoint, ScopeMetrics, Sum, metric, number_data_point,
};
use prost::Message as _;
use std::time::{SystemTime, UNIX_EPOCH};

pub const TYPE: &str = "rust_count";
pub const URN: &str = "urn:tandem:processor:count";

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Connector,
    "counts spans, span events, metrics, data points and log records into metrics, per resource",
    Nodes::One(URN),
)
.pairs(&[(Signal::Traces, Signal::Metrics), (Signal::Metrics, Signal::Metrics), (Signal::Logs, Signal::Metrics)])
.only(Form::Otlp);

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static COUNT: ProcessorFactory<OtapPdata> = register::processor::<Counter>(URN);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &COUNT));
}

/// A span, down to its events (field 11).
#[derive(Clone, PartialEq, prost::Message)]
struct SpanEvents {
    #[prost(bytes = "bytes", repeated, tag = "11")]
    events: Vec<Bytes>,
}

/// A metric, down to its data points: each data kind keeps them in its field 1.
#[derive(Clone, PartialEq, prost::Message)]
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

#[derive(Clone, PartialEq, prost::Message)]
struct Points {
    #[prost(bytes = "bytes", repeated, tag = "1")]
    data_points: Vec<Bytes>,
}

/// The output: `ExportMetricsServiceRequest`, with each resource as the bytes it came as.
#[derive(Clone, PartialEq, prost::Message)]
struct MetricsRequest {
    #[prost(message, repeated, tag = "1")]
    resource_metrics: Vec<ResourceMetrics>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ResourceMetrics {
    #[prost(bytes = "bytes", optional, tag = "1")]
    resource: Option<Bytes>,
    #[prost(message, repeated, tag = "2")]
    scope_metrics: Vec<ScopeMetrics>,
}

/// Counting, down to the bytes: records are only delimited (`otlp::Request`), never decoded, and each resource is
/// copied into the output as the bytes it came as.
#[derive(Default)]
struct Counter {
    outcomes: Outcomes,
}

impl Node for Counter {
    type Config = NoSettings;

    fn from_config(_: NoSettings, _: &PipelineContext) -> Result<Self, String> {
        Ok(Counter::default())
    }
}

impl Counter {
    /// The counts of one resource's records, as (metric name, description, count).
    fn counts(signal: Signal, records: &[Bytes]) -> Result<Vec<(&'static str, &'static str, usize)>, prost::DecodeError> {
        Ok(match signal {
            Signal::Traces => {
                let mut events = 0;
                for span in records {
                    events += SpanEvents::decode(span.clone())?.events.len();
                }
                vec![
                    ("trace.span.count", "The number of spans observed.", records.len()),
                    ("trace.span.event.count", "The number of span events observed.", events),
                ]
            }
            Signal::Metrics => {
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
            Signal::Logs => vec![("log.record.count", "The number of log records observed.", records.len())],
        })
    }

    fn metrics(signal: Signal, payload: Bytes) -> Result<MetricsRequest, prost::DecodeError> {
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
                        data_points: vec![NumberDataPoint {
                            time_unix_nano: now,
                            value: Some(number_data_point::Value::AsInt(count as i64)),
                            ..Default::default()
                        }],
                        aggregation_temporality: AggregationTemporality::Delta as i32,
                        is_monotonic: true,
                    })),
                    ..Default::default()
                })
                .collect();
            if !metrics.is_empty() {
                let scope = InstrumentationScope { name: format!("tandem/{TYPE}"), ..Default::default() };
                resource_metrics.push(ResourceMetrics {
                    resource: group.resource,
                    scope_metrics: vec![ScopeMetrics { scope: Some(scope), metrics, ..Default::default() }],
                });
            }
        }
        Ok(MetricsRequest { resource_metrics })
    }
}

#[async_trait(?Send)]
impl local::processor::Processor<OtapPdata> for Counter {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
        let pdata = match message {
            Message::PData(pdata) => pdata,
            Message::Control(control) => return self.outcomes.answer(&control, handler).await.map(drop),
        };
        let (context, payload) = pdata.into_parts();
        let kept = payload.clone();
        let counted = Payload::of(payload).and_then(|payload| match payload {
            Payload::Otlp(signal, bytes) => Self::metrics(signal, bytes).map_err(|e| format!("{TYPE}: malformed OTLP: {e}")),
            Payload::Otap(_) => Err(format!("{TYPE}: takes OTLP")),
        });
        match counted {
            Ok(request) if request.resource_metrics.is_empty() => handler.notify_ack(AckMsg::new(OtapPdata::new(context, kept))).await,
            Ok(request) => {
                let counts = Payload::Otlp(Signal::Metrics, Bytes::from(request.encode_to_vec()));
                self.outcomes.send(OtapPdata::new(context, kept), vec![(None, counts)], handler).await
            }
            Err(reason) => handler.notify_nack(NackMsg::new_permanent_with_cause(reason, OtapPdata::new(context, kept), NackCause::Refused)).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
    use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;

    // Scenario: logs of two resources, one with two records, one with none. Guarantee: one counted resource, as the
    // bytes it came as, with `log.record.count` 2 as a monotonic delta Int Sum.
    #[test]
    fn logs_are_counted_per_resource() {
        let resource = Resource { dropped_attributes_count: 7, ..Default::default() };
        let records = ScopeLogs { log_records: vec![LogRecord::default(), LogRecord::default()], ..Default::default() };
        let request = ExportLogsServiceRequest {
            resource_logs: vec![
                ResourceLogs { resource: Some(resource.clone()), scope_logs: vec![records], ..Default::default() },
                ResourceLogs { resource: Some(Resource::default()), scope_logs: vec![], ..Default::default() },
            ],
        };
        let counted = Counter::metrics(Signal::Logs, Bytes::from(request.encode_to_vec())).unwrap();
        assert_eq!(counted.resource_metrics.len(), 1);
        assert_eq!(counted.resource_metrics[0].resource, Some(Bytes::from(resource.encode_to_vec())));
        let metric = &counted.resource_metrics[0].scope_metrics[0].metrics[0];
        assert_eq!(metric.name, "log.record.count");
        let Some(metric::Data::Sum(sum)) = &metric.data else { panic!("a sum") };
        assert!(sum.is_monotonic);
        assert_eq!(sum.data_points[0].value, Some(number_data_point::Value::AsInt(2)));
    }
}
