//! The node that runs `rust_attributes`: otel-arrow-dfe-pdata's attribute transform (the one core-nodes' attributes
//! processor runs) on the attribute payloads the Go attributes processor changes. core-nodes' node applies `signal`
//! to every attribute payload of a signal, span event and link attributes and exemplar attributes included; the Go
//! processor changes span, log record and data point attributes only (the oracle test
//! `integration-tests/oracle/processors.test.ts` compares them). Inserts, updates, upserts and deletes on OTLP are done
//! in its bytes (`otlp::edit`), without a translation.

use super::config::{Config, Domain};
use crate::components::register::{self, Node};
use crate::otap::Payload;
use crate::otlp::edit::{AttributeActions, Outcome, RecordEdit, attributes_field, edit};
use crate::otlp::wire::Malformed;
use crate::signal::Signal;
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_config::SignalType;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{NackCause, NackMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::local::processor::{EffectHandler, Processor};
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, MessageSourceLocalEffectHandlerExtension, ProcessorFactory};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_pdata::OtapArrowRecords;
use otel_arrow_dfe_pdata::otap::transform::{AttributesTransform, apply_attribute_transform};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::ArrowPayloadType;

pub const URN: &str = "urn:tandem:processor:attributes";

pub struct Attributes {
    domains: Vec<Domain>,
    transform: AttributesTransform,
    /// The actions on OTLP bytes, when all of them can be done there.
    on_otlp: Option<AttributeActions>,
}

/// The actions on the attributes of the domains they apply to, in OTLP bytes.
struct OnOtlp<'a> {
    actions: &'a AttributeActions,
    domains: &'a [Domain],
    signal: Signal,
}

impl RecordEdit for OnOtlp<'_> {
    fn resource(&self, resource: &[u8]) -> Result<Option<Vec<u8>>, Malformed> {
        if !self.domains.contains(&Domain::Resource) {
            return Ok(None);
        }
        self.actions.apply(resource, attributes_field::RESOURCE)
    }

    fn scope(&self, scope: &[u8]) -> Result<Option<Vec<u8>>, Malformed> {
        if !self.domains.contains(&Domain::Scope) {
            return Ok(None);
        }
        self.actions.apply(scope, attributes_field::SCOPE)
    }

    fn record(&self, _resource: &[u8], _scope: &[u8], record: &[u8]) -> Result<Outcome, Malformed> {
        if !self.domains.contains(&Domain::Signal) {
            return Ok(Outcome::Keep);
        }
        Ok(self.actions.apply_to_record(self.signal, record)?.map_or(Outcome::Keep, Outcome::Replace))
    }
}

impl Attributes {
    pub fn new(config: &Config) -> Result<Attributes, String> {
        Ok(Attributes { domains: config.apply_to.clone(), transform: config.transform()?, on_otlp: config.on_otlp() })
    }

    /// The payload with the actions applied, in the form it came in: OTLP is changed where it is when every action
    /// can be done there (and the bytes are what the walk reads; else pdata says what is wrong with them).
    fn changed(&self, payload: Payload) -> Result<Payload, String> {
        if let (Payload::Otlp(signal, request), Some(actions)) = (&payload, &self.on_otlp)
            && let Ok(changed) = edit(request, &OnOtlp { actions, domains: &self.domains, signal: *signal })
        {
            return Ok(Payload::Otlp(*signal, changed.unwrap_or_else(|| request.clone())));
        }
        payload.into_otap().and_then(|records| self.apply(records)).map(Payload::Otap)
    }

    /// The attribute payloads the actions change for a signal.
    fn payloads(&self, signal: SignalType) -> Vec<ArrowPayloadType> {
        let mut payloads = Vec::new();
        for domain in &self.domains {
            match domain {
                Domain::Resource => payloads.push(ArrowPayloadType::ResourceAttrs),
                Domain::Scope => payloads.push(ArrowPayloadType::ScopeAttrs),
                Domain::Signal => payloads.extend_from_slice(match signal {
                    SignalType::Traces => &[ArrowPayloadType::SpanAttrs][..],
                    SignalType::Logs => &[ArrowPayloadType::LogAttrs],
                    SignalType::Metrics => &[
                        ArrowPayloadType::NumberDpAttrs,
                        ArrowPayloadType::SummaryDpAttrs,
                        ArrowPayloadType::HistogramDpAttrs,
                        ArrowPayloadType::ExpHistogramDpAttrs,
                    ],
                }),
            }
        }
        payloads
    }

    pub fn apply(&self, mut records: OtapArrowRecords) -> Result<OtapArrowRecords, String> {
        let signal = match &records {
            OtapArrowRecords::Traces(_) => SignalType::Traces,
            OtapArrowRecords::Logs(_) => SignalType::Logs,
            OtapArrowRecords::Metrics(_) => SignalType::Metrics,
        };
        for payload in self.payloads(signal) {
            apply_attribute_transform(&mut records, payload, &self.transform, false).map_err(|e| e.to_string())?;
        }
        Ok(records)
    }
}

#[async_trait(?Send)]
impl Processor<OtapPdata> for Attributes {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        let Message::PData(pdata) = message else { return Ok(()) };
        let (context, payload) = pdata.into_parts();
        let kept = payload.clone();
        match Payload::of(payload).and_then(|payload| self.changed(payload)) {
            Ok(changed) => handler.send_message_with_source_node(changed.into_pdata(context)).await.map_err(Error::from),
            Err(reason) => {
                handler
                    .notify_nack(NackMsg::new_permanent_with_cause(
                        format!("rust_attributes: {reason}"),
                        OtapPdata::new(context, kept),
                        NackCause::Refused,
                    ))
                    .await
            }
        }
    }
}

impl Node for Attributes {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        Attributes::new(&config)
    }
}

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static ATTRIBUTES: ProcessorFactory<OtapPdata> = register::processor::<Attributes>(URN);

pub fn keep_linked() {
    std::hint::black_box(&ATTRIBUTES);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::ComponentConfig;
    use crate::otap::{to_otap, to_otlp};
    use crate::otlp::samples;
    use crate::signal::Signal;
    use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
    use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{AnyValue, KeyValue, any_value};
    use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::{Event, Link};
    use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message as _;

    fn attribute(key: &str, value: &str) -> KeyValue {
        KeyValue { key: key.into(), value: Some(AnyValue { value: Some(any_value::Value::StringValue(value.into())) }) }
    }

    // Scenario: an insert on `signal` over a span with an event and a link, each with attributes of its own.
    // Guarantee: the span gets the attribute, its event and link keep theirs unchanged (as the Go processor does;
    // core-nodes' node changes them too).
    #[test]
    fn signal_actions_change_span_attributes_only() {
        let span = Span {
            trace_id: vec![1; 16],
            span_id: vec![1; 8],
            name: "s".into(),
            attributes: vec![attribute("k", "v")],
            events: vec![Event { name: "e".into(), attributes: vec![attribute("step", "1")], ..Default::default() }],
            links: vec![Link {
                trace_id: vec![2; 16],
                span_id: vec![2; 8],
                attributes: vec![attribute("link.type", "random")],
                ..Default::default()
            }],
            ..Default::default()
        };
        let request = ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans { scope_spans: vec![ScopeSpans { spans: vec![span], ..Default::default() }], ..Default::default() }],
        };
        let config =
            Config::of(&Config::effective(&serde_json::json!({ "actions": [{ "action": "insert", "key": "env", "value": "prod" }] })).unwrap())
                .unwrap();
        let changed = Attributes::new(&config).unwrap().apply(to_otap(Signal::Traces, request.encode_to_vec().into()).unwrap()).unwrap();
        let out = ExportTraceServiceRequest::decode(to_otlp(changed).unwrap()).unwrap();
        let span = &out.resource_spans[0].scope_spans[0].spans[0];
        let mut keys: Vec<&str> = span.attributes.iter().map(|a| a.key.as_str()).collect();
        keys.sort();
        assert_eq!(keys, vec!["env", "k"]);
        assert_eq!(span.events[0].attributes, vec![attribute("step", "1")]);
        assert_eq!(span.links[0].attributes, vec![attribute("link.type", "random")]);
    }

    // Scenario: the oracle's actions (insert, update, upsert and delete; string and int values) on the signal's own
    // attributes and on every domain, over a request of each signal. Guarantee: the change in OTLP bytes holds, record
    // by record, what otap-dataflow's transform on OTAP makes of the same request, and it changes something.
    #[test]
    fn otlp_bytes_are_changed_as_otap_batches_are() {
        let actions = serde_json::json!([
            { "key": "env", "value": "prod", "action": "insert" },
            { "key": "app", "value": "changed", "action": "update" },
            { "key": "route", "value": "/upserted", "action": "upsert" },
            { "key": "peer.service", "action": "delete" },
            { "key": "http.status", "value": 7, "action": "upsert" },
            { "key": "ratio", "value": 1.5, "action": "update" },
            { "key": "sampled", "value": false, "action": "insert" }
        ]);
        for apply_to in [serde_json::json!(["signal"]), serde_json::json!(["resource", "scope", "signal"])] {
            let config = Config::of(&Config::effective(&serde_json::json!({ "apply_to": apply_to, "actions": actions })).unwrap()).unwrap();
            let node = Attributes::new(&config).unwrap();
            assert!(node.on_otlp.is_some());
            for (signal, request) in samples::requests() {
                let Payload::Otlp(_, on_otlp) = node.changed(Payload::Otlp(signal, request.clone())).unwrap() else { panic!("translated") };
                let on_otap = to_otlp(node.apply(to_otap(signal, request.clone()).unwrap()).unwrap()).unwrap();
                assert_eq!(samples::canonical(signal, &on_otlp), samples::canonical(signal, &on_otap), "{signal} {apply_to}");
                assert_ne!(samples::canonical(signal, &on_otlp), samples::canonical(signal, &request), "{signal} {apply_to}");
            }
        }
    }

    // Scenario: a rename among the actions. Guarantee: the actions run on OTAP (a rename is otap-dataflow's transform's).
    #[test]
    fn renames_run_on_otap() {
        let config = Config::of(
            &Config::effective(&serde_json::json!({ "actions": [{ "action": "rename", "source_key": "app", "destination_key": "application" }] }))
                .unwrap(),
        )
        .unwrap();
        let node = Attributes::new(&config).unwrap();
        let traces = samples::requests().remove(0).1;
        assert!(matches!(node.changed(Payload::Otlp(Signal::Traces, traces)).unwrap(), Payload::Otap(_)));
    }
}
