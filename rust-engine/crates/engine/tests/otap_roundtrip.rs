//! OTLP -> OTAP -> OTLP must be lossless for every signal. Generated `Export*ServiceRequest`s covering every field and
//! every AnyValue type go through the record batches (`to_otap` then `to_otlp`) and through one Arrow stream kept
//! across consecutive requests (`StreamEncoder` then `StreamDecoder`, so schemas and dictionaries are reused), and
//! must decode equal to what went in, up to the meaning-preserving normalizations of the `canonical_*` functions.
//! The `*_are_lost` tests hold the minimal requests that OTAP (otel-arrow-dfe-pdata 0.62.0) does not carry intact,
//! and assert what comes back today, so that a fix upstream (or a regression here) flips them.

use bytes::Bytes;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::metrics::v1::ExportMetricsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{
    AnyValue, ArrayValue, EntityRef, InstrumentationScope, KeyValue, KeyValueList, any_value,
};
use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otel_arrow_dfe_pdata::proto::opentelemetry::metrics::v1::exponential_histogram_data_point::Buckets;
use otel_arrow_dfe_pdata::proto::opentelemetry::metrics::v1::summary_data_point::ValueAtQuantile;
use otel_arrow_dfe_pdata::proto::opentelemetry::metrics::v1::{
    Exemplar, ExponentialHistogram, ExponentialHistogramDataPoint, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, Summary, SummaryDataPoint, exemplar, metric, number_data_point,
};
use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::{Event, Link};
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};
use prost::Message;
use std::fmt::Debug;
use tandem_engine::otap::{StreamDecoder, StreamEncoder, to_otap, to_otlp};
use tandem_engine::signal::Signal;

const SIGNAL_TRACES: Signal = Signal::Traces;
const SIGNAL_METRICS: Signal = Signal::Metrics;
const SIGNAL_LOGS: Signal = Signal::Logs;

/// Requests per signal; each seed gives a request of another shape.
const REQUESTS: u64 = 20;

/// A deterministic pseudo-random source (SplitMix64) that builds requests, so a failing request is replayed by its
/// seed. It never produces the inputs of the `*_are_lost` tests, which OTAP does not carry: zero values of fields with
/// presence, unset span times and entity refs.
struct Gen {
    state: u64,
    /// Most items (spans, metrics, log records) per scope: a few, or hundreds so that string dictionaries overflow.
    max_items: u64,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Gen { state: seed, max_items: if seed % 5 == 4 { 300 } else { 4 } }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    /// Mostly small, like real counts and flags, sometimes any value.
    fn u32(&mut self) -> u32 {
        if self.one_in(4) { self.next() as u32 } else { self.below(4) as u32 }
    }

    /// A set timestamp: span times are always set (see `spans_with_an_unset_time_roundtrip`).
    fn time(&mut self) -> u64 {
        1_700_000_000_000_000_000 + self.below(1 << 40)
    }

    fn optional_time(&mut self) -> u64 {
        if self.one_in(6) { 0 } else { self.time() }
    }

    fn int(&mut self) -> i64 {
        if self.one_in(3) { 0 } else { self.next() as i64 }
    }

    fn double(&mut self) -> f64 {
        match self.below(4) {
            0 => 0.0,
            1 => self.below(1000) as f64,
            _ => (self.next() as i64) as f64 / 1e9,
        }
    }

    /// For fields with presence, where OTAP can lose a zero (see `zero_values_of_optional_fields_roundtrip`).
    fn nonzero_double(&mut self) -> f64 {
        let double = self.double();
        if double == 0.0 { 0.5 } else { double }
    }

    fn optional_double(&mut self) -> Option<f64> {
        (!self.one_in(3)).then(|| self.nonzero_double())
    }

    fn bytes(&mut self, len: u64) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// A trace or span ID of `len` bytes where OTLP makes it optional (logs, exemplars, parents): sometimes absent.
    fn optional_id(&mut self, len: u64) -> Vec<u8> {
        if self.one_in(5) { Vec::new() } else { self.bytes(len) }
    }

    /// Text from a small vocabulary (so dictionaries repeat), or unique text in the large requests, sometimes empty.
    fn text(&mut self) -> String {
        const WORDS: [&str; 8] = ["alpha", "beta", "gamma", "δέλτα", "checkout", "GET /api", "db.query", "🚀"];
        match self.below(8) {
            0 => String::new(),
            1 if self.max_items > 4 => format!("unique-{}", self.next()),
            _ => format!("{}{}", WORDS[self.below(8) as usize], self.below(3)),
        }
    }

    /// A value of any type (the empty value included), with arrays and maps nested up to `depth` deep.
    fn any_value(&mut self, depth: u32) -> AnyValue {
        let kinds = if depth == 0 { 6 } else { 8 };
        let value = match self.below(kinds) {
            0 => None,
            1 => Some(any_value::Value::StringValue(self.text())),
            2 => Some(any_value::Value::BoolValue(self.one_in(2))),
            3 => Some(any_value::Value::IntValue(self.int())),
            4 => Some(any_value::Value::DoubleValue(self.double())),
            5 => {
                let len = self.below(6);
                Some(any_value::Value::BytesValue(self.bytes(len)))
            }
            6 => {
                let values = (0..self.below(4)).map(|_| self.any_value(depth - 1)).collect();
                Some(any_value::Value::ArrayValue(ArrayValue { values }))
            }
            _ => Some(any_value::Value::KvlistValue(KeyValueList { values: self.key_values(depth - 1) })),
        };
        AnyValue { value }
    }

    /// Up to 8 pairs with distinct keys.
    fn key_values(&mut self, depth: u32) -> Vec<KeyValue> {
        (0..self.below(9)).map(|i| KeyValue { key: format!("{}.{i}", self.text()), value: Some(self.any_value(depth)) }).collect()
    }

    fn attributes(&mut self) -> Vec<KeyValue> {
        self.key_values(3)
    }

    fn resource(&mut self) -> Option<Resource> {
        match self.below(4) {
            0 => None,
            1 => Some(Resource::default()),
            _ => Some(Resource { attributes: self.attributes(), dropped_attributes_count: self.u32(), entity_refs: Vec::new() }),
        }
    }

    fn scope(&mut self) -> Option<InstrumentationScope> {
        match self.below(4) {
            0 => None,
            1 => Some(InstrumentationScope::default()),
            _ => Some(InstrumentationScope {
                name: self.text(),
                version: self.text(),
                attributes: self.attributes(),
                dropped_attributes_count: self.u32(),
            }),
        }
    }

    /// 1 to 3 resources holding 0 to 3 scopes holding items (sometimes none): absent, empty and repeated (identical to
    /// the previous one) resources and scopes, with and without schema URLs.
    fn resources<I, S, R>(
        &mut self,
        item: fn(&mut Gen) -> I,
        scoped: fn(Option<InstrumentationScope>, Vec<I>, String) -> S,
        resourced: fn(Option<Resource>, Vec<S>, String) -> R,
    ) -> Vec<R> {
        let mut previous_resource = None;
        (0..1 + self.below(3))
            .map(|_| {
                let (resource, schema_url) = match previous_resource.take() {
                    Some(previous) if self.one_in(3) => previous,
                    _ => (self.resource(), self.text()),
                };
                let mut previous_scope = None;
                let scopes = (0..self.below(4))
                    .map(|_| {
                        let (scope, schema_url) = match previous_scope.take() {
                            Some(previous) if self.one_in(3) => previous,
                            _ => (self.scope(), self.text()),
                        };
                        let count = if self.one_in(6) { 0 } else { 1 + self.below(self.max_items) };
                        let items = (0..count).map(|_| item(self)).collect();
                        previous_scope = Some((scope.clone(), schema_url.clone()));
                        scoped(scope, items, schema_url)
                    })
                    .collect();
                previous_resource = Some((resource.clone(), schema_url.clone()));
                resourced(resource, scopes, schema_url)
            })
            .collect()
    }

    fn traces(&mut self) -> ExportTraceServiceRequest {
        let resource_spans = self.resources(
            Gen::span,
            |scope, spans, schema_url| ScopeSpans { scope, spans, schema_url },
            |resource, scope_spans, schema_url| ResourceSpans { resource, scope_spans, schema_url },
        );
        ExportTraceServiceRequest { resource_spans }
    }

    fn span(&mut self) -> Span {
        Span {
            trace_id: self.bytes(16),
            span_id: self.bytes(8),
            trace_state: self.text(),
            parent_span_id: self.optional_id(8),
            flags: self.u32(),
            name: self.text(),
            kind: self.below(6) as i32,
            start_time_unix_nano: self.time(),
            end_time_unix_nano: self.time(),
            attributes: self.attributes(),
            dropped_attributes_count: self.u32(),
            events: (0..self.below(3)).map(|_| self.event()).collect(),
            dropped_events_count: self.u32(),
            links: (0..self.below(3)).map(|_| self.link()).collect(),
            dropped_links_count: self.u32(),
            status: (!self.one_in(3)).then(|| Status { message: self.text(), code: self.below(3) as i32 }),
        }
    }

    fn event(&mut self) -> Event {
        Event { time_unix_nano: self.optional_time(), name: self.text(), attributes: self.attributes(), dropped_attributes_count: self.u32() }
    }

    fn link(&mut self) -> Link {
        Link {
            trace_id: self.bytes(16),
            span_id: self.bytes(8),
            trace_state: self.text(),
            attributes: self.attributes(),
            dropped_attributes_count: self.u32(),
            flags: self.u32(),
        }
    }

    fn metrics(&mut self) -> ExportMetricsServiceRequest {
        let resource_metrics = self.resources(
            Gen::metric,
            |scope, metrics, schema_url| ScopeMetrics { scope, metrics, schema_url },
            |resource, scope_metrics, schema_url| ResourceMetrics { resource, scope_metrics, schema_url },
        );
        ExportMetricsServiceRequest { resource_metrics }
    }

    fn metric(&mut self) -> Metric {
        let data = match self.below(5) {
            0 => metric::Data::Gauge(Gauge { data_points: self.points(Gen::number_point) }),
            1 => metric::Data::Sum(Sum {
                data_points: self.points(Gen::number_point),
                aggregation_temporality: self.below(3) as i32,
                is_monotonic: self.one_in(2),
            }),
            2 => metric::Data::Histogram(Histogram { data_points: self.points(Gen::histogram_point), aggregation_temporality: self.below(3) as i32 }),
            3 => metric::Data::ExponentialHistogram(ExponentialHistogram {
                data_points: self.points(Gen::exponential_histogram_point),
                aggregation_temporality: self.below(3) as i32,
            }),
            _ => metric::Data::Summary(Summary { data_points: self.points(Gen::summary_point) }),
        };
        Metric { name: self.text(), description: self.text(), unit: self.text(), metadata: self.attributes(), data: Some(data) }
    }

    fn points<P>(&mut self, point: fn(&mut Gen) -> P) -> Vec<P> {
        (0..self.below(4)).map(|_| point(self)).collect()
    }

    fn number_point(&mut self) -> NumberDataPoint {
        NumberDataPoint {
            attributes: self.attributes(),
            start_time_unix_nano: self.optional_time(),
            time_unix_nano: self.optional_time(),
            exemplars: self.points(Gen::exemplar),
            flags: self.u32(),
            value: Some(if self.one_in(2) { number_data_point::Value::AsInt(self.int()) } else { number_data_point::Value::AsDouble(self.double()) }),
        }
    }

    fn exemplar(&mut self) -> Exemplar {
        Exemplar {
            filtered_attributes: self.attributes(),
            time_unix_nano: self.optional_time(),
            span_id: self.optional_id(8),
            trace_id: self.optional_id(16),
            value: Some(if self.one_in(2) {
                exemplar::Value::AsInt(self.next() as i64 | 1) // never zero, like `nonzero_double`
            } else {
                exemplar::Value::AsDouble(self.nonzero_double())
            }),
        }
    }

    fn histogram_point(&mut self) -> HistogramDataPoint {
        let explicit_bounds: Vec<f64> = (0..self.below(5)).map(|i| i as f64 * 2.5).collect();
        let buckets = if explicit_bounds.is_empty() && self.one_in(2) { 0 } else { explicit_bounds.len() + 1 };
        HistogramDataPoint {
            attributes: self.attributes(),
            start_time_unix_nano: self.optional_time(),
            time_unix_nano: self.optional_time(),
            count: self.next(),
            sum: self.optional_double(),
            bucket_counts: (0..buckets).map(|_| self.below(100)).collect(),
            explicit_bounds,
            exemplars: self.points(Gen::exemplar),
            flags: self.u32(),
            min: self.optional_double(),
            max: self.optional_double(),
        }
    }

    fn buckets(&mut self) -> Option<Buckets> {
        (!self.one_in(3))
            .then(|| Buckets { offset: self.below(20) as i32 - 10, bucket_counts: (0..self.below(5)).map(|_| self.below(100)).collect() })
    }

    fn exponential_histogram_point(&mut self) -> ExponentialHistogramDataPoint {
        ExponentialHistogramDataPoint {
            attributes: self.attributes(),
            start_time_unix_nano: self.optional_time(),
            time_unix_nano: self.optional_time(),
            count: self.next(),
            sum: self.optional_double(),
            scale: self.below(30) as i32 - 10,
            zero_count: self.below(10),
            positive: self.buckets(),
            negative: self.buckets(),
            flags: self.u32(),
            exemplars: self.points(Gen::exemplar),
            min: self.optional_double(),
            max: self.optional_double(),
            zero_threshold: self.double().abs(),
        }
    }

    fn summary_point(&mut self) -> SummaryDataPoint {
        SummaryDataPoint {
            attributes: self.attributes(),
            start_time_unix_nano: self.optional_time(),
            time_unix_nano: self.optional_time(),
            count: self.next(),
            sum: self.double(),
            quantile_values: (0..self.below(4)).map(|i| ValueAtQuantile { quantile: i as f64 / 3.0, value: self.double() }).collect(),
            flags: self.u32(),
        }
    }

    fn logs(&mut self) -> ExportLogsServiceRequest {
        let resource_logs = self.resources(
            Gen::log_record,
            |scope, log_records, schema_url| ScopeLogs { scope, log_records, schema_url },
            |resource, scope_logs, schema_url| ResourceLogs { resource, scope_logs, schema_url },
        );
        ExportLogsServiceRequest { resource_logs }
    }

    fn log_record(&mut self) -> LogRecord {
        LogRecord {
            time_unix_nano: self.optional_time(),
            observed_time_unix_nano: self.optional_time(),
            severity_number: self.below(25) as i32,
            severity_text: self.text(),
            body: (!self.one_in(5)).then(|| self.any_value(3)),
            attributes: self.attributes(),
            dropped_attributes_count: self.u32(),
            flags: self.u32(),
            trace_id: self.optional_id(16),
            span_id: self.optional_id(8),
            event_name: self.text(),
        }
    }
}

// The normalizations below put both sides of a comparison in one form; each keeps the meaning of the request.

/// An absent resource, like an empty one, gives no resource information (OTAP always has a resource row).
fn canonical_resource(resource: &mut Option<Resource>) {
    canonical_attributes(&mut resource.get_or_insert_with(Resource::default).attributes);
}

/// An absent scope is equivalent to an empty one, as the OTLP protos state (OTAP always has a scope row).
fn canonical_scope(scope: &mut Option<InstrumentationScope>) {
    canonical_attributes(&mut scope.get_or_insert_with(InstrumentationScope::default).attributes);
}

/// Attributes are a map with distinct keys, so their order means nothing (the Arrow stream sorts them).
fn canonical_attributes(attributes: &mut [KeyValue]) {
    attributes.sort_by(|a, b| a.key.cmp(&b.key));
}

/// An all-zero ID is invalid, which OTLP treats as absent (OTAP's fixed-size ID columns store absent IDs as zeros).
fn canonical_id(id: &mut Vec<u8>) {
    if id.iter().all(|&byte| byte == 0) {
        id.clear();
    }
}

/// Sibling items (spans, events, links, metrics, data points, exemplars, log records) are independent, so their order
/// means nothing. OTAP's decoder visits rows in ID order, which is not the input order once the Arrow stream's
/// transport encoding has sorted and renumbered them, nor for log records in the record batches (a record without
/// attributes has a null ID, which sorts first).
fn canonical_order<T: Message>(items: &mut [T]) {
    items.sort_by_key(Message::encode_to_vec);
}

/// A resource or scope without items carries no telemetry (OTAP has no row to keep it on).
fn drop_empty<T>(containers: &mut Vec<T>, items: impl Fn(&T) -> usize) {
    containers.retain(|container| items(container) > 0);
}

fn canonical_traces(mut request: ExportTraceServiceRequest) -> ExportTraceServiceRequest {
    for resource in &mut request.resource_spans {
        canonical_resource(&mut resource.resource);
        drop_empty(&mut resource.scope_spans, |scope| scope.spans.len());
        for scope in &mut resource.scope_spans {
            canonical_scope(&mut scope.scope);
            for span in &mut scope.spans {
                canonical_attributes(&mut span.attributes);
                // An absent status means code Unset without message, which is the default status.
                span.status.get_or_insert_with(Status::default);
                for event in &mut span.events {
                    canonical_attributes(&mut event.attributes);
                }
                for link in &mut span.links {
                    canonical_attributes(&mut link.attributes);
                }
                canonical_order(&mut span.events);
                canonical_order(&mut span.links);
            }
            canonical_order(&mut scope.spans);
        }
    }
    drop_empty(&mut request.resource_spans, |resource| resource.scope_spans.len());
    request
}

/// The parts of a data point that need normalizing, the same for every kind of data point.
trait DataPoint: Message {
    fn attributes_and_exemplars(&mut self) -> (&mut Vec<KeyValue>, &mut [Exemplar]);
}

impl DataPoint for NumberDataPoint {
    fn attributes_and_exemplars(&mut self) -> (&mut Vec<KeyValue>, &mut [Exemplar]) {
        (&mut self.attributes, &mut self.exemplars)
    }
}

impl DataPoint for HistogramDataPoint {
    fn attributes_and_exemplars(&mut self) -> (&mut Vec<KeyValue>, &mut [Exemplar]) {
        (&mut self.attributes, &mut self.exemplars)
    }
}

impl DataPoint for ExponentialHistogramDataPoint {
    fn attributes_and_exemplars(&mut self) -> (&mut Vec<KeyValue>, &mut [Exemplar]) {
        (&mut self.attributes, &mut self.exemplars)
    }
}

impl DataPoint for SummaryDataPoint {
    fn attributes_and_exemplars(&mut self) -> (&mut Vec<KeyValue>, &mut [Exemplar]) {
        (&mut self.attributes, &mut [])
    }
}

fn canonical_points<P: DataPoint>(points: &mut [P]) {
    for point in points.iter_mut() {
        let (attributes, exemplars) = point.attributes_and_exemplars();
        canonical_attributes(attributes);
        for exemplar in exemplars.iter_mut() {
            canonical_attributes(&mut exemplar.filtered_attributes);
            canonical_id(&mut exemplar.trace_id);
            canonical_id(&mut exemplar.span_id);
        }
        canonical_order(exemplars);
    }
    canonical_order(points);
}

fn canonical_metrics(mut request: ExportMetricsServiceRequest) -> ExportMetricsServiceRequest {
    for resource in &mut request.resource_metrics {
        canonical_resource(&mut resource.resource);
        drop_empty(&mut resource.scope_metrics, |scope| scope.metrics.len());
        for scope in &mut resource.scope_metrics {
            canonical_scope(&mut scope.scope);
            for metric in &mut scope.metrics {
                canonical_attributes(&mut metric.metadata);
                match &mut metric.data {
                    Some(metric::Data::Gauge(gauge)) => canonical_points(&mut gauge.data_points),
                    Some(metric::Data::Sum(sum)) => canonical_points(&mut sum.data_points),
                    Some(metric::Data::Histogram(histogram)) => canonical_points(&mut histogram.data_points),
                    Some(metric::Data::ExponentialHistogram(histogram)) => {
                        for point in &mut histogram.data_points {
                            // Absent buckets, like empty ones, mean no populated bucket on that side of zero.
                            point.positive.get_or_insert_with(Buckets::default);
                            point.negative.get_or_insert_with(Buckets::default);
                        }
                        canonical_points(&mut histogram.data_points)
                    }
                    Some(metric::Data::Summary(summary)) => canonical_points(&mut summary.data_points),
                    None => {}
                }
            }
            canonical_order(&mut scope.metrics);
        }
    }
    drop_empty(&mut request.resource_metrics, |resource| resource.scope_metrics.len());
    request
}

fn canonical_logs(mut request: ExportLogsServiceRequest) -> ExportLogsServiceRequest {
    for resource in &mut request.resource_logs {
        canonical_resource(&mut resource.resource);
        drop_empty(&mut resource.scope_logs, |scope| scope.log_records.len());
        for scope in &mut resource.scope_logs {
            canonical_scope(&mut scope.scope);
            for log in &mut scope.log_records {
                canonical_attributes(&mut log.attributes);
                // A body holding the empty value is no body.
                if log.body.as_ref().is_some_and(|body| body.value.is_none()) {
                    log.body = None;
                }
            }
            canonical_order(&mut scope.log_records);
        }
    }
    drop_empty(&mut request.resource_logs, |resource| resource.scope_logs.len());
    request
}

/// Each request back from the record batches (`to_otap` then `to_otlp`), and back from one Arrow stream that carries
/// them all in order.
fn roundtrips<M>(signal: Signal, requests: impl IntoIterator<Item = M>) -> Vec<(M, M, M)>
where
    M: Message + Default + Clone,
{
    let mut encoder = StreamEncoder::default();
    let mut decoder = StreamDecoder::default();
    let mut back = Vec::new();
    for request in requests {
        let otlp = Bytes::from(request.encode_to_vec());
        let from_records = M::decode(to_otlp(to_otap(signal, otlp.clone()).unwrap()).unwrap()).unwrap();
        let mut batch = encoder.encode(to_otap(signal, otlp).unwrap()).unwrap();
        let from_stream = M::decode(to_otlp(decoder.decode(signal, &mut batch).unwrap()).unwrap()).unwrap();
        back.push((request, from_records, from_stream));
    }
    back
}

/// Sends each request through the record batches, and all of them in order through one Arrow stream, and checks
/// that both give each request back.
fn assert_roundtrips<M>(signal: Signal, requests: impl IntoIterator<Item = M>, canonical: fn(M) -> M)
where
    M: Message + Default + PartialEq + Debug + Clone,
{
    for (index, (request, from_records, from_stream)) in roundtrips(signal, requests).into_iter().enumerate() {
        let expected = canonical(request);
        assert_eq!(canonical(from_records), expected, "to_otap then to_otlp changed request {index}");
        assert_eq!(canonical(from_stream), expected, "the Arrow stream changed request {index}");
    }
}

#[test]
fn traces_roundtrip() {
    assert_roundtrips(SIGNAL_TRACES, (0..REQUESTS).map(|seed| Gen::new(seed).traces()), canonical_traces);
}

#[test]
fn metrics_roundtrip() {
    assert_roundtrips(SIGNAL_METRICS, (0..REQUESTS).map(|seed| Gen::new(seed).metrics()), canonical_metrics);
}

#[test]
fn logs_roundtrip() {
    assert_roundtrips(SIGNAL_LOGS, (0..REQUESTS).map(|seed| Gen::new(seed).logs()), canonical_logs);
}

fn one_span(span: Span) -> ExportTraceServiceRequest {
    let scope_spans = vec![ScopeSpans { spans: vec![span], ..Default::default() }];
    ExportTraceServiceRequest { resource_spans: vec![ResourceSpans { scope_spans, ..Default::default() }] }
}

fn one_metric(data: metric::Data) -> ExportMetricsServiceRequest {
    let metrics = vec![Metric { name: "m".into(), data: Some(data), ..Default::default() }];
    let scope_metrics = vec![ScopeMetrics { metrics, ..Default::default() }];
    ExportMetricsServiceRequest { resource_metrics: vec![ResourceMetrics { scope_metrics, ..Default::default() }] }
}

fn one_log(resource: Option<Resource>, log: LogRecord) -> ExportLogsServiceRequest {
    let scope_logs = vec![ScopeLogs { log_records: vec![log], ..Default::default() }];
    ExportLogsServiceRequest { resource_logs: vec![ResourceLogs { resource, scope_logs, ..Default::default() }] }
}

fn attribute(key: &str) -> KeyValue {
    KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue("v".into())) }) }
}

/// A span with the trace and span IDs OTLP requires.
fn valid_span() -> Span {
    Span { trace_id: vec![1; 16], span_id: vec![2; 8], start_time_unix_nano: 5, end_time_unix_nano: 9, ..Default::default() }
}

/// Zero values of fields that have presence, where OTAP does not lose them: attributes and log bodies keep a type
/// column, number data points always have their value columns.
#[test]
fn zero_values_roundtrip() {
    use any_value::Value;
    let zeros = [
        Value::IntValue(0),
        Value::DoubleValue(0.0),
        Value::BoolValue(false),
        Value::StringValue(String::new()),
        Value::BytesValue(Vec::new()),
        Value::ArrayValue(ArrayValue::default()),
        Value::KvlistValue(KeyValueList::default()),
    ];
    let value = |zero: &Value| Some(AnyValue { value: Some(zero.clone()) });
    assert_roundtrips(
        SIGNAL_LOGS,
        zeros.iter().flat_map(|zero| {
            let attribute = KeyValue { key: "k".into(), value: value(zero) };
            [
                one_log(None, LogRecord { body: value(zero), ..Default::default() }),
                one_log(None, LogRecord { attributes: vec![attribute], ..Default::default() }),
            ]
        }),
        canonical_logs,
    );
    let gauge = |value| one_metric(metric::Data::Gauge(Gauge { data_points: vec![NumberDataPoint { value, ..Default::default() }] }));
    assert_roundtrips(
        SIGNAL_METRICS,
        [gauge(Some(number_data_point::Value::AsInt(0))), gauge(Some(number_data_point::Value::AsDouble(0.0)))],
        canonical_metrics,
    );
}

/// pdata 0.62.0 writes Link.dropped_attributes_count under Span's field number 10 instead of Link's 5; `to_otlp`
/// corrects the tag.
#[test]
fn link_dropped_attributes_count_roundtrip() {
    let link = Link { trace_id: vec![1; 16], span_id: vec![2; 8], dropped_attributes_count: 1, ..Default::default() };
    assert_roundtrips(SIGNAL_TRACES, [one_span(Span { links: vec![link], ..valid_span() })], canonical_traces);
}

/// otel-arrow-dfe-pdata 0.62.0 omits an optional Arrow column whose values are all null or zero, so a histogram
/// sum/min/max or an exemplar value of 0 comes back absent when no other row of its batch differs.
#[test]
fn zero_values_of_optional_fields_are_lost() {
    let histogram = |point| one_metric(metric::Data::Histogram(Histogram { data_points: vec![point], aggregation_temporality: 1 }));
    let exponential =
        |point| one_metric(metric::Data::ExponentialHistogram(ExponentialHistogram { data_points: vec![point], aggregation_temporality: 1 }));
    let exemplar = |value| {
        let point = NumberDataPoint { exemplars: vec![Exemplar { value: Some(value), ..Default::default() }], ..Default::default() };
        one_metric(metric::Data::Gauge(Gauge { data_points: vec![point] }))
    };
    let requests = [
        histogram(HistogramDataPoint { sum: Some(0.0), ..Default::default() }),
        histogram(HistogramDataPoint { min: Some(0.0), ..Default::default() }),
        histogram(HistogramDataPoint { max: Some(0.0), ..Default::default() }),
        exponential(ExponentialHistogramDataPoint { sum: Some(0.0), ..Default::default() }),
        exponential(ExponentialHistogramDataPoint { min: Some(0.0), ..Default::default() }),
        exponential(ExponentialHistogramDataPoint { max: Some(0.0), ..Default::default() }),
        exemplar(exemplar::Value::AsInt(0)),
        exemplar(exemplar::Value::AsDouble(0.0)),
    ];
    // What each request's zero is, and where it is read back.
    let zero_of = |request: &ExportMetricsServiceRequest| -> Option<String> {
        let data = request.resource_metrics[0].scope_metrics[0].metrics[0].data.clone()?;
        Some(match data {
            metric::Data::Histogram(h) => format!("{:?}", (h.data_points[0].sum, h.data_points[0].min, h.data_points[0].max)),
            metric::Data::ExponentialHistogram(h) => format!("{:?}", (h.data_points[0].sum, h.data_points[0].min, h.data_points[0].max)),
            metric::Data::Gauge(g) => format!("{:?}", g.data_points[0].exemplars.first().and_then(|e| e.value)),
            other => format!("{other:?}"),
        })
    };
    for (request, from_records, from_stream) in roundtrips(SIGNAL_METRICS, requests) {
        assert_ne!(zero_of(&from_records), zero_of(&request), "the records now keep {:?}: the loss is fixed", zero_of(&request));
        assert_ne!(zero_of(&from_stream), zero_of(&request), "the stream now keeps {:?}: the loss is fixed", zero_of(&request));
        for back in [&from_records, &from_stream] {
            let kept = zero_of(back).unwrap_or_default();
            assert!(kept == "(None, None, None)" || kept == "None", "a zero comes back absent, got {kept}");
        }
    }
}

/// OTAP stores a span's end time as start + duration, and otel-arrow-dfe-pdata 0.62.0 takes an unset (0) time as no
/// duration: an unset end comes back equal to the start, and an unset start loses the end.
#[test]
fn unset_span_times_are_lost() {
    let times = |request: &ExportTraceServiceRequest| {
        let span = &request.resource_spans[0].scope_spans[0].spans[0];
        (span.start_time_unix_nano, span.end_time_unix_nano)
    };
    let no_end = one_span(Span { end_time_unix_nano: 0, ..valid_span() });
    let no_start = one_span(Span { start_time_unix_nano: 0, ..valid_span() });
    let start = times(&no_end).0;
    for (request, from_records, from_stream) in roundtrips(SIGNAL_TRACES, [no_end, no_start]) {
        let expected = if times(&request).1 == 0 { (start, start) } else { (0, 0) };
        assert_eq!((times(&from_records), times(&from_stream)), (expected, expected), "sent {:?}", times(&request));
    }
}

/// OTAP has no column for Resource.entity_refs: they are dropped.
#[test]
fn resource_entity_refs_are_lost() {
    let entity = EntityRef { r#type: "service".into(), id_keys: vec!["service.name".into()], ..Default::default() };
    let resource = Resource { entity_refs: vec![entity], ..Default::default() };
    for (_, from_records, from_stream) in roundtrips(SIGNAL_LOGS, [one_log(Some(resource), LogRecord::default())]) {
        for back in [from_records, from_stream] {
            assert_eq!(back.resource_logs[0].resource.as_ref().map(|r| r.entity_refs.len()), Some(0));
        }
    }
}

/// pdata 0.62.0's transport encoding sorts events, links and exemplars by name, trace ID or value and renumbers them,
/// and its OTLP encoder then loses the attributes of some (SortedBatchCursor::seek_to_parent only moves forward), so
/// `StreamDecoder` puts them back in parent order first.
#[test]
fn attributes_of_events_links_and_exemplars_roundtrip() {
    let attributes = |with: bool| if with { vec![attribute("k")] } else { Vec::new() };
    let two_spans = |first, second| {
        let scope_spans = vec![ScopeSpans { spans: vec![first, Span { span_id: vec![3; 8], ..second }], ..Default::default() }];
        ExportTraceServiceRequest { resource_spans: vec![ResourceSpans { scope_spans, ..Default::default() }] }
    };
    let event = |name: &str, with| Event { name: name.into(), attributes: attributes(with), ..Default::default() };
    let link = |trace: u8, with| Link { trace_id: vec![trace; 16], span_id: vec![1; 8], attributes: attributes(with), ..Default::default() };
    assert_roundtrips(
        SIGNAL_TRACES,
        [
            two_spans(Span { events: vec![event("z", false)], ..valid_span() }, Span { events: vec![event("a", true)], ..valid_span() }),
            two_spans(Span { links: vec![link(9, false)], ..valid_span() }, Span { links: vec![link(1, true)], ..valid_span() }),
        ],
        canonical_traces,
    );
    let point = |value, with| {
        let exemplar = Exemplar { value: Some(exemplar::Value::AsDouble(value)), filtered_attributes: attributes(with), ..Default::default() };
        NumberDataPoint { exemplars: vec![exemplar], ..Default::default() }
    };
    let data_points = vec![point(2.0, false), point(1.0, true)];
    assert_roundtrips(SIGNAL_METRICS, [one_metric(metric::Data::Gauge(Gauge { data_points }))], canonical_metrics);
}

/// pdata 0.62.0's stream encoding moves the attributes of a resource or scope without items onto another one, or
/// panics (remap_parent_id_col), so `to_otap` leaves such resources and scopes out first: they describe no telemetry.
#[test]
fn resources_and_scopes_without_items_roundtrip() {
    let resource = |key, records| {
        let scope_logs = vec![ScopeLogs { log_records: vec![LogRecord::default(); records], ..Default::default() }];
        let resource = Some(Resource { attributes: vec![attribute(key)], ..Default::default() });
        ResourceLogs { resource, scope_logs, ..Default::default() }
    };
    let scope = |key, records| {
        let scope = Some(InstrumentationScope { attributes: vec![attribute(key)], ..Default::default() });
        ScopeLogs { scope, log_records: vec![LogRecord::default(); records], ..Default::default() }
    };
    let requests = [
        ExportLogsServiceRequest { resource_logs: vec![resource("a", 0), resource("b", 1)] },
        ExportLogsServiceRequest { resource_logs: vec![ResourceLogs { scope_logs: vec![scope("a", 0), scope("b", 1)], ..Default::default() }] },
        ExportLogsServiceRequest { resource_logs: vec![resource("a", 0), resource("b", 1), resource("c", 0)] },
    ];
    assert_roundtrips(SIGNAL_LOGS, requests, canonical_logs);
}
