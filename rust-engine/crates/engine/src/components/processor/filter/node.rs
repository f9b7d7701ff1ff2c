//! The node that runs `rust_filter`: otel-arrow-dfe-pdata's filters (the ones core-nodes' filter processor runs) on
//! OTAP batches, with what makes them keep what the Collector's filter processor keeps. pdata 0.62's filters alone drop
//! records that have no rows in a child payload (`Detached`) and spans without attributes under an attribute exclude
//! (`with_placeholders`); core-nodes' node gives no hook between the two, so Tandem runs the filters in its own node.
//! A batch of which nothing is left is acknowledged to its sender without output, as the Collector does. OTLP is
//! filtered where it is when every block can be matched there (`otlp`).

use super::config::{Blocks, Config, KeyValue, LogMatch, MatchType, MetricMatch, Scalar, SpanMatch};
use super::otlp::OnOtlp;
use crate::components::register::{self, Node};
use crate::otap::Payload;
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{AckMsg, NackCause, NackMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::local::processor::{EffectHandler, Processor};
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, MessageSourceLocalEffectHandlerExtension, ProcessorFactory};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_pdata::OtapArrowRecords;
use otel_arrow_dfe_pdata::arrow::array::{ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt8Array, UInt32Array, new_null_array};
use otel_arrow_dfe_pdata::arrow::compute::kernels::cmp::neq;
use otel_arrow_dfe_pdata::arrow::compute::{cast, concat_batches, filter_record_batch};
use otel_arrow_dfe_pdata::arrow::datatypes::{DataType, UInt32Type};
use otel_arrow_dfe_pdata::otap::filter::logs::{LogFilter, LogMatchProperties, LogSeverityNumberMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::metrics::{MetricFilter, MetricMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::traces::{TraceFilter, TraceMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::{AttrMatcher, IdBitmapPool, Pattern, ValueMatcher};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::ArrowPayloadType;
use otel_arrow_dfe_pdata::schema::consts;
use std::collections::HashSet;

pub const URN: &str = "urn:tandem:processor:filter";

pub struct Filter {
    logs: Option<LogFilter>,
    spans: Option<TraceFilter>,
    metrics: Option<MetricFilter>,
    /// Per signal, the child payloads no block matches on, kept away from pdata's filter (see `Detached`).
    unmatched_log_children: Vec<ArrowPayloadType>,
    unmatched_span_children: Vec<ArrowPayloadType>,
    /// Reused bitmaps of the metrics filter.
    pool: IdBitmapPool,
    /// The blocks on OTLP bytes, for the signals none of whose blocks needs pdata's filters.
    on_otlp: OnOtlp,
}

/// A block's string as a pattern of its `match_type` (the config checked that regexps compile).
fn pattern(match_type: MatchType, text: &str) -> Pattern {
    match match_type {
        MatchType::Strict => Pattern::Exact(text.to_string()),
        MatchType::Regexp => Pattern::Regex(regex::Regex::new(text).expect("checked by the config")),
    }
}

fn patterns(match_type: MatchType, texts: &[String]) -> Vec<Pattern> {
    texts.iter().map(|t| pattern(match_type, t)).collect()
}

fn value(match_type: MatchType, value: &Scalar) -> ValueMatcher {
    match value {
        Scalar::String(text) => ValueMatcher::String(pattern(match_type, text)),
        Scalar::Int(i) => ValueMatcher::Int(*i),
        Scalar::Double(d) => ValueMatcher::Double(*d),
        Scalar::Bool(b) => ValueMatcher::Bool(*b),
    }
}

fn attributes(match_type: MatchType, list: &[KeyValue]) -> Vec<AttrMatcher> {
    list.iter().map(|kv| AttrMatcher { key: kv.key.clone(), value: value(match_type, &kv.value) }).collect()
}

/// A signal's filter from its blocks, None when it has neither.
fn signal_filter<M, P, F>(blocks: &Blocks<M>, build: impl Fn(&M) -> P, filter: impl Fn(Option<P>, Option<P>) -> F) -> Option<F> {
    let (include, exclude) = (blocks.include.as_ref().map(&build), blocks.exclude.as_ref().map(&build));
    (include.is_some() || exclude.is_some()).then(|| filter(include, exclude))
}

/// Whether a block matches on a child payload.
type MatchesOn<M> = fn(&M) -> bool;

/// The child payloads (each with whether a block matches on it) that no block of a signal matches on.
fn unmatched_children<M>(blocks: &Blocks<M>, children: &[(ArrowPayloadType, MatchesOn<M>)]) -> Vec<ArrowPayloadType> {
    let matched = |on: MatchesOn<M>| blocks.include.iter().chain(&blocks.exclude).any(on);
    children.iter().filter(|(_, on)| !matched(*on)).map(|(payload, _)| *payload).collect()
}

impl Filter {
    pub fn new(config: &Config) -> Filter {
        let logs = signal_filter(
            &config.logs,
            |b: &LogMatch| {
                LogMatchProperties::new(
                    attributes(b.match_type, &b.resource_attributes),
                    attributes(b.match_type, &b.record_attributes),
                    patterns(b.match_type, &b.severity_texts),
                    b.severity_number.as_ref().map(|s| LogSeverityNumberMatchProperties::new(s.min.0, s.match_undefined)),
                    b.bodies.iter().map(|v| value(b.match_type, v)).collect(),
                )
            },
            LogFilter::new,
        );
        let spans = signal_filter(
            &config.spans,
            |b: &SpanMatch| {
                TraceMatchProperties::new(
                    attributes(b.match_type, &b.resource_attributes),
                    attributes(b.match_type, &b.attributes),
                    patterns(b.match_type, &b.span_names),
                    patterns(b.match_type, &b.event_names),
                    attributes(b.match_type, &b.event_attributes),
                    attributes(b.match_type, &b.link_attributes),
                )
            },
            TraceFilter::new,
        );
        let metrics =
            signal_filter(&config.metrics, |b: &MetricMatch| MetricMatchProperties::new(patterns(b.match_type, &b.metric_names)), MetricFilter::new);
        let unmatched_log_children = unmatched_children(
            &config.logs,
            &[
                (ArrowPayloadType::ResourceAttrs, |b: &LogMatch| !b.resource_attributes.is_empty()),
                (ArrowPayloadType::LogAttrs, |b: &LogMatch| !b.record_attributes.is_empty()),
            ],
        );
        let unmatched_span_children = unmatched_children(
            &config.spans,
            &[
                (ArrowPayloadType::ResourceAttrs, |b: &SpanMatch| !b.resource_attributes.is_empty()),
                (ArrowPayloadType::SpanAttrs, |b: &SpanMatch| !b.attributes.is_empty()),
                (ArrowPayloadType::SpanEvents, |b: &SpanMatch| !b.event_names.is_empty() || !b.event_attributes.is_empty()),
                (ArrowPayloadType::SpanEventAttrs, |b: &SpanMatch| !b.event_attributes.is_empty()),
                (ArrowPayloadType::SpanLinks, |b: &SpanMatch| !b.link_attributes.is_empty()),
                (ArrowPayloadType::SpanLinkAttrs, |b: &SpanMatch| !b.link_attributes.is_empty()),
            ],
        );
        Filter { logs, spans, metrics, unmatched_log_children, unmatched_span_children, pool: IdBitmapPool::default(), on_otlp: OnOtlp::of(config) }
    }

    /// What is left of a request in the form it came in, translated to OTAP only when a block needs pdata's filters
    /// (or when the bytes are not what the walk reads, for pdata to say why); None when nothing is left.
    fn filtered(&mut self, payload: Payload) -> Result<Option<Payload>, String> {
        if let Payload::Otlp(signal, request) = &payload
            && self.on_otlp.walks(*signal)
            && let Ok(kept) = self.on_otlp.apply(*signal, request)
        {
            let kept = kept.unwrap_or_else(|| request.clone());
            return Ok((!kept.is_empty()).then_some(Payload::Otlp(*signal, kept)));
        }
        let kept = self.apply(payload.into_otap()?)?;
        Ok((kept.num_items() > 0).then_some(Payload::Otap(kept)))
    }

    /// What is left of a batch: the records the Collector's filter processor keeps.
    pub fn apply(&mut self, mut records: OtapArrowRecords) -> Result<OtapArrowRecords, String> {
        let unmatched = match &records {
            OtapArrowRecords::Logs(_) if self.logs.is_some() => self.unmatched_log_children.clone(),
            OtapArrowRecords::Traces(_) if self.spans.is_some() => self.unmatched_span_children.clone(),
            _ => Vec::new(),
        };
        let detached = Detached::take(&mut records, &unmatched);
        if let (OtapArrowRecords::Traces(_), Some(_)) = (&records, &self.spans) {
            let matched: Vec<ArrowPayloadType> = ATTRIBUTE_OWNERS.iter().map(|o| o.0).filter(|p| !unmatched.contains(p)).collect();
            with_placeholders(&mut records, &matched)?;
        }
        let filtered = match &records {
            OtapArrowRecords::Logs(_) if let Some(filter) = &self.logs => filter.filter(records),
            OtapArrowRecords::Traces(_) if let Some(filter) = &self.spans => filter.filter(records),
            OtapArrowRecords::Metrics(_) if let Some(filter) = &self.metrics => filter.filter(records, &mut self.pool),
            _ => return Ok(records),
        };
        let (mut kept, _, _) = filtered.map_err(|e| e.to_string())?;
        without_placeholders(&mut kept)?;
        detached.put_back(&mut kept)?;
        Ok(kept)
    }
}

/// Child payloads taken out of a batch while pdata 0.62's filter runs, and put back afterwards with the rows of the
/// parents it kept. pdata's filters (`sync_up_filters` in `otap/filter/{traces,logs}.rs`) keep a record only if one
/// of its rows in each child payload passes that payload's filter, even when nothing matches on the payload (the
/// filter is then all true): a span without links is dropped as soon as another span of the batch has a link with
/// attributes (telemetrygen's first span, whose links have nothing to point at yet), a span without events, a log
/// record without attributes, an event or link without attributes likewise.
struct Detached(Vec<(ArrowPayloadType, RecordBatch)>);

impl Detached {
    fn take(records: &mut OtapArrowRecords, payloads: &[ArrowPayloadType]) -> Detached {
        Detached(payloads.iter().filter_map(|&p| records.remove(p).map(|batch| (p, batch))).collect())
    }

    /// Puts the payloads back, each with the rows whose parent is still there (children of the root first, then
    /// theirs, so that event and link attributes follow the events and links kept).
    fn put_back(self, records: &mut OtapArrowRecords) -> Result<(), String> {
        let failed = |e: &dyn std::fmt::Display| format!("filter: {e}");
        let root_type = records.root_payload_type();
        for (payload, batch) in self.0 {
            let (parent_payload, parent_column) = match payload {
                ArrowPayloadType::SpanEventAttrs => (ArrowPayloadType::SpanEvents, consts::ID),
                ArrowPayloadType::SpanLinkAttrs => (ArrowPayloadType::SpanLinks, consts::ID),
                ArrowPayloadType::ResourceAttrs => (root_type, consts::RESOURCE),
                _ => (root_type, consts::ID),
            };
            let parents = records.get(parent_payload).map(|b| ids(b, parent_column)).transpose().map_err(|e| failed(&e))?.unwrap_or_default();
            let parent_ids = ids_column(&batch, consts::PARENT_ID).map_err(|e| failed(&e))?;
            let keep: BooleanArray = parent_ids.iter().map(|p| Some(p.is_some_and(|p| parents.contains(&p)))).collect();
            let kept = filter_record_batch(&batch, &keep).map_err(|e| failed(&e))?;
            if kept.num_rows() > 0 {
                records.set(payload, kept).map_err(|e| failed(&e))?;
            }
        }
        Ok(())
    }
}

/// The key of the attribute rows `with_placeholders` adds: no attribute has it (it starts with a NUL).
const PLACEHOLDER_KEY: &str = "\0tandem.no-attributes";

/// The (attributes payload, parent payload, parent ID column) pairs whose parents may have no attribute rows.
const ATTRIBUTE_OWNERS: [(ArrowPayloadType, ArrowPayloadType, &str); 2] = [
    (ArrowPayloadType::SpanAttrs, ArrowPayloadType::Spans, consts::ID),
    (ArrowPayloadType::ResourceAttrs, ArrowPayloadType::Spans, consts::RESOURCE),
];

/// The batch with an attribute row of `PLACEHOLDER_KEY` for each span and resource that has none, where attributes are
/// matched on. pdata 0.62 keeps a span only if one of its attribute rows passes (see `Detached`), so an `exclude`
/// on attributes dropped every span without attributes, which cannot match and which the Collector keeps.
fn with_placeholders(records: &mut OtapArrowRecords, matched: &[ArrowPayloadType]) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("filter: {e}");
    for (attributes, owner, id_column) in ATTRIBUTE_OWNERS {
        let (Some(attrs), Some(owners), true) = (records.get(attributes), records.get(owner), matched.contains(&attributes)) else { continue };
        let with_rows = ids(attrs, consts::PARENT_ID).map_err(|e| failed(&e))?;
        let mut missing: Vec<u32> = ids(owners, id_column).map_err(|e| failed(&e))?.into_iter().filter(|id| !with_rows.contains(id)).collect();
        if missing.is_empty() {
            continue;
        }
        missing.sort_unstable();
        let rows = missing.len();
        let schema = attrs.schema();
        let columns = schema
            .fields()
            .iter()
            .map(|field| -> Result<ArrayRef, otel_arrow_dfe_pdata::arrow::error::ArrowError> {
                let plain: ArrayRef = match field.name().as_str() {
                    consts::PARENT_ID => std::sync::Arc::new(UInt32Array::from(missing.clone())),
                    consts::ATTRIBUTE_KEY => std::sync::Arc::new(StringArray::from(vec![PLACEHOLDER_KEY; rows])),
                    consts::ATTRIBUTE_TYPE => std::sync::Arc::new(UInt8Array::from(vec![0u8; rows])),
                    _ => return Ok(new_null_array(field.data_type(), rows)),
                };
                cast(&plain, field.data_type())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| failed(&e))?;
        let placeholders = RecordBatch::try_new(schema.clone(), columns).map_err(|e| failed(&e))?;
        let combined = concat_batches(&schema, [attrs, &placeholders]).map_err(|e| failed(&e))?;
        records.set(attributes, combined).map_err(|e| failed(&e))?;
    }
    Ok(())
}

/// The batch without the rows `with_placeholders` added.
fn without_placeholders(records: &mut OtapArrowRecords) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("filter: {e}");
    for (attributes, _, _) in ATTRIBUTE_OWNERS {
        let Some(attrs) = records.get(attributes) else { continue };
        let keys =
            cast(attrs.column_by_name(consts::ATTRIBUTE_KEY).ok_or("filter: attributes without keys")?, &DataType::Utf8).map_err(|e| failed(&e))?;
        let keep = neq(&keys, &otel_arrow_dfe_pdata::arrow::array::Scalar::new(StringArray::from(vec![PLACEHOLDER_KEY]))).map_err(|e| failed(&e))?;
        if keep.true_count() == attrs.num_rows() {
            continue;
        }
        let kept = filter_record_batch(attrs, &keep).map_err(|e| failed(&e))?;
        match kept.num_rows() {
            0 => drop(records.remove(attributes)),
            _ => records.set(attributes, kept).map_err(|e| failed(&e))?,
        }
    }
    Ok(())
}

/// A batch's IDs (`id`, or the `id` of a struct column such as `resource`) as plain u32s.
fn ids_column(
    batch: &RecordBatch,
    column: &str,
) -> Result<otel_arrow_dfe_pdata::arrow::array::UInt32Array, otel_arrow_dfe_pdata::arrow::error::ArrowError> {
    let missing = || otel_arrow_dfe_pdata::arrow::error::ArrowError::SchemaError(format!("no column {column}"));
    let array = batch.column_by_name(column).ok_or_else(missing)?;
    let array = match array.as_struct_opt() {
        Some(s) => s.column_by_name(consts::ID).ok_or_else(missing)?.clone(),
        None => array.clone(),
    };
    Ok(cast(&array, &DataType::UInt32)?.as_primitive::<UInt32Type>().clone())
}

fn ids(batch: &RecordBatch, column: &str) -> Result<HashSet<u32>, otel_arrow_dfe_pdata::arrow::error::ArrowError> {
    Ok(ids_column(batch, column)?.iter().flatten().collect())
}

#[async_trait(?Send)]
impl Processor<OtapPdata> for Filter {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        let Message::PData(pdata) = message else { return Ok(()) };
        let (context, payload) = pdata.into_parts();
        let kept = payload.clone();
        match Payload::of(payload).and_then(|payload| self.filtered(payload)) {
            Ok(None) => handler.notify_ack(AckMsg::new(OtapPdata::new(context, kept))).await,
            Ok(Some(left)) => handler.send_message_with_source_node(left.into_pdata(context)).await.map_err(Error::from),
            Err(reason) => {
                handler
                    .notify_nack(NackMsg::new_permanent_with_cause(
                        format!("rust_filter: {reason}"),
                        OtapPdata::new(context, kept),
                        NackCause::Refused,
                    ))
                    .await
            }
        }
    }
}

impl Node for Filter {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        Ok(Filter::new(&config))
    }
}

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static FILTER: ProcessorFactory<OtapPdata> = register::processor::<Filter>(URN);

pub fn keep_linked() {
    std::hint::black_box(&FILTER);
}

#[cfg(test)]
mod tests {
    //! pdata 0.62's filters alone would drop these records; the Go Collector checks the same over telemetrygen's data
    //! in `integration-tests/oracle/processors.test.ts`.
    use super::*;
    use crate::components::ComponentConfig;
    use crate::otap::{to_otap, to_otlp};
    use crate::otlp::samples::{self, canonical};
    use crate::signal::Signal;
    use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
    use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
    use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{AnyValue, KeyValue, any_value};
    use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::{Event, Link};
    use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message as _;

    fn attribute(key: &str, value: &str) -> KeyValue {
        KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }) }
    }

    fn filtered(config: serde_json::Value, signal: Signal, request: Vec<u8>) -> Vec<u8> {
        let mut filter = Filter::new(&Config::of(&Config::effective(&config).unwrap()).unwrap());
        let kept = filter.apply(to_otap(signal, request.into()).unwrap()).unwrap();
        to_otlp(kept).unwrap().to_vec()
    }

    fn span(id: u8, name: &str) -> Span {
        Span { trace_id: vec![1; 16], span_id: vec![id; 8], name: name.into(), start_time_unix_nano: 1, end_time_unix_nano: 2, ..Default::default() }
    }

    /// The spans kept, each as its name with its events' and links' counts.
    fn kept_spans(request: &[u8]) -> Vec<(String, usize, usize)> {
        let request = ExportTraceServiceRequest::decode(request).unwrap();
        request
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| (s.name.clone(), s.events.len(), s.links.len()))
            .collect()
    }

    // Scenario: telemetrygen's spans: the first has no link (nothing to point at yet), the others a link with attributes;
    // one also has an event without attributes next to one with. Guarantee: an exclude on span names drops only the
    // span it names, and the others keep their events and links.
    #[test]
    fn spans_without_links_or_events_stay() {
        let mut linked = span(2, "okey-dokey-0");
        linked.links =
            vec![Link { trace_id: vec![3; 16], span_id: vec![1; 8], attributes: vec![attribute("link.type", "random")], ..Default::default() }];
        let mut with_events = span(3, "lets-go");
        with_events.links = linked.links.clone();
        with_events.events = vec![
            Event { name: "with".into(), attributes: vec![attribute("k", "v")], ..Default::default() },
            Event { name: "bare".into(), ..Default::default() },
        ];
        let spans = vec![span(1, "lets-go"), linked, with_events, span(4, "okey-dokey-1")];
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }],
        };
        let config = serde_json::json!({ "spans": { "exclude": { "match_type": "regexp", "span_names": ["^okey-dokey-0$"] } } });
        assert_eq!(
            kept_spans(&filtered(config, Signal::Traces, request.encode_to_vec())),
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
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans, ..Default::default() }], ..Default::default() }],
        };
        let config = serde_json::json!({ "spans": { "exclude": { "match_type": "strict", "attributes": [{ "key": "peer.service", "value": "telemetrygen-client" }] } } });
        assert_eq!(kept_spans(&filtered(config, Signal::Traces, request.encode_to_vec())), vec![("server".into(), 0, 0), ("plain".into(), 0, 0)]);
    }

    // Scenario: log records with and without attributes, an exclude on bodies. Guarantee: a record without attributes
    // whose body does not match stays.
    #[test]
    fn log_records_without_attributes_stay() {
        let record = |body: &str, attributes: Vec<KeyValue>| LogRecord {
            body: Some(AnyValue { value: Some(any_value::Value::StringValue(body.into())) }),
            attributes,
            ..Default::default()
        };
        let log_records = vec![
            record("it broke", vec![attribute("app", "server")]),
            record("all is well", vec![attribute("app", "server")]),
            record("plain", vec![]),
        ];
        let request = ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs { scope_logs: vec![ScopeLogs { log_records, ..Default::default() }], ..Default::default() }],
        };
        let config = serde_json::json!({ "logs": { "exclude": { "match_type": "regexp", "bodies": ["^it "] } } });
        let kept = ExportLogsServiceRequest::decode(&filtered(config, Signal::Logs, request.encode_to_vec())[..]).unwrap();
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

    /// What a filter keeps of a request through both paths: in its OTLP bytes, and on OTAP with pdata's filters; each
    /// as the canonical lines of what is left (none when nothing is).
    fn both_paths(config: &serde_json::Value, signal: Signal, request: &bytes::Bytes) -> (Vec<String>, Vec<String>) {
        let mut filter = Filter::new(&Config::of(&Config::effective(config).unwrap()).unwrap());
        assert!(filter.on_otlp.walks(signal), "{config}");
        let on_otlp = match filter.filtered(Payload::Otlp(signal, request.clone())).unwrap() {
            Some(Payload::Otlp(_, kept)) => canonical(signal, &kept),
            Some(Payload::Otap(_)) => panic!("{config}: translated to OTAP"),
            None => vec![],
        };
        let kept = filter.apply(to_otap(signal, request.clone()).unwrap()).unwrap();
        let on_otap = if kept.num_items() == 0 { vec![] } else { canonical(signal, &to_otlp(kept).unwrap()) };
        (on_otlp, on_otap)
    }

    // Scenario: exact blocks of each kind the OTLP walk takes (span names; span, log record and resource attributes of
    // each scalar type; metric names), include and exclude, over a request of each signal. Guarantee: the walk keeps
    // what pdata's filters on OTAP keep, record by record, and each block keeps some records and drops others.
    #[test]
    fn exact_blocks_keep_on_otlp_what_they_keep_on_otap() {
        use serde_json::json;
        let blocks = [
            json!({ "spans": { "exclude": { "match_type": "strict", "attributes": [{ "key": "http.route", "value": "/healthz" }] } } }),
            json!({ "spans": { "include": { "match_type": "strict", "span_names": ["span-0", "health"] } } }),
            json!({ "spans": { "exclude": { "attributes": [{ "key": "http.status", "value": 201 }] } } }),
            json!({ "spans": { "include": { "attributes": [{ "key": "ratio", "value": 0.5 }] }, "exclude": { "attributes": [{ "key": "sampled", "value": true }] } } }),
            json!({ "logs": { "include": { "match_type": "strict", "resource_attributes": [{ "key": "service.name", "value": "shop" }] } } }),
            json!({ "logs": { "exclude": { "record_attributes": [{ "key": "app", "value": "shop" }] } } }),
            json!({ "metrics": { "exclude": { "match_type": "strict", "metric_names": ["gauge", "summary"] } } }),
            json!({ "metrics": { "include": { "metric_names": ["sum"] } } }),
        ];
        for config in &blocks {
            for (signal, request) in samples::requests() {
                let (on_otlp, on_otap) = both_paths(config, signal, &request);
                assert_eq!(on_otlp, on_otap, "{config} on {signal}");
                let all = canonical(signal, &request);
                let section = match signal {
                    Signal::Traces => "spans",
                    Signal::Logs => "logs",
                    Signal::Metrics => "metrics",
                };
                if config.get(section).is_some() {
                    assert!(!on_otlp.is_empty() && on_otlp.len() < all.len(), "{config} on {signal} kept {} of {}", on_otlp.len(), all.len());
                } else {
                    assert_eq!(on_otlp, all, "{config} on {signal}");
                }
            }
        }
    }

    // Scenario: an exclude on a resource attribute and a span attribute together. Guarantee: as in the Collector
    // (filtermatcher's PropertiesMatcher), a span is dropped only when both match: the other spans of that resource
    // and the spans with that attribute elsewhere stay. (pdata 0.62's filter on OTAP drops a span when either
    // matches, so OTAP from rust_otap still meets that.)
    #[test]
    fn a_block_matches_when_all_its_properties_do() {
        let traces = samples::requests().remove(0).1;
        let config = serde_json::json!({ "spans": { "exclude": {
            "resource_attributes": [{ "key": "service.name", "value": "cart" }], "attributes": [{ "key": "http.status", "value": 201 }] } } });
        let mut filter = Filter::new(&Config::of(&Config::effective(&config).unwrap()).unwrap());
        let Some(Payload::Otlp(_, kept)) = filter.filtered(Payload::Otlp(Signal::Traces, traces.clone())).unwrap() else { panic!("no OTLP left") };
        let (all, kept) = (canonical(Signal::Traces, &traces), canonical(Signal::Traces, &kept));
        let both = |line: &String| line.contains("service.name=Some(StringValue(\"cart\"))") && line.contains("http.status=Some(IntValue(201))");
        let expected: Vec<String> = all.iter().filter(|l| !both(l)).cloned().collect();
        assert_eq!((kept.len(), all.len()), (12, 16));
        assert_eq!(kept, expected);
    }

    // Scenario: an exclude that matches every span of one resource, and an include that matches nothing. Guarantee:
    // the resource and its scopes are left out, the other resource stays whole; of the second nothing is left.
    #[test]
    fn groups_left_empty_are_left_out() {
        let traces = samples::requests().remove(0).1;
        let mut filter = Filter::new(
            &Config::of(
                &Config::effective(&serde_json::json!({ "spans": { "exclude": {
            "resource_attributes": [{ "key": "service.name", "value": "cart" }] } } }))
                .unwrap(),
            )
            .unwrap(),
        );
        let Some(Payload::Otlp(_, kept)) = filter.filtered(Payload::Otlp(Signal::Traces, traces.clone())).unwrap() else { panic!("no OTLP left") };
        let kept = ExportTraceServiceRequest::decode(kept).unwrap();
        assert_eq!(kept.resource_spans.len(), 1);
        assert_eq!(kept.resource_spans[0].scope_spans.iter().map(|s| s.spans.len()).collect::<Vec<_>>(), vec![4, 4]);
        let mut none = Filter::new(
            &Config::of(&Config::effective(&serde_json::json!({ "spans": { "include": { "span_names": ["nothing"] } } })).unwrap()).unwrap(),
        );
        assert!(none.filtered(Payload::Otlp(Signal::Traces, traces)).unwrap().is_none());
    }

    // Scenario: blocks that match by regexp, on bodies or on severity, and a request of another signal beside each.
    // Guarantee: their signal's requests are left to pdata's filters (the OTLP walk matches exactly on names and
    // attributes only); the other signal's pass on as they came, untranslated.
    #[test]
    fn other_blocks_run_on_otap() {
        use serde_json::json;
        let requests = samples::requests();
        let [(_, traces), (_, metrics), (_, logs)] = [&requests[0], &requests[1], &requests[2]];
        for (config, signal, request) in [
            (json!({ "spans": { "exclude": { "match_type": "regexp", "span_names": ["^health$"] } } }), Signal::Traces, traces),
            (json!({ "logs": { "exclude": { "bodies": ["log 1"] } } }), Signal::Logs, logs),
            (json!({ "logs": { "include": { "severity_number": { "min": "INFO" } } } }), Signal::Logs, logs),
        ] {
            let mut filter = Filter::new(&Config::of(&Config::effective(&config).unwrap()).unwrap());
            assert!(!filter.on_otlp.walks(signal), "{config}");
            assert!(matches!(filter.filtered(Payload::Otlp(signal, request.clone())).unwrap(), Some(Payload::Otap(_))), "{config}");
            match filter.filtered(Payload::Otlp(Signal::Metrics, metrics.clone())).unwrap() {
                Some(Payload::Otlp(_, passed)) => assert_eq!(passed.as_ptr(), metrics.as_ptr(), "{config}"),
                _ => panic!("{config}: metrics did not pass on as OTLP"),
            }
        }
    }
}
