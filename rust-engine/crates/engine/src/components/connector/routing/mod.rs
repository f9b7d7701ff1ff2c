//! `rust_routing`: sends each resource of a request to the pipelines its table names for the value of one resource
//! attribute, and to `default_pipelines` when no row matches (the Collector's routing connector, with its earlier
//! attribute table instead of OTTL conditions). Requests are split by resource without decoding the records: each
//! resource's bytes go on as they came, on the output port of each pipeline they go to. A request that goes to one
//! pipeline carries its sender's delivery on; one split over several is answered once all parts are, with the worst
//! of their answers. Resources no row and no default takes are dropped, as the Collector's connector drops them.

pub mod config;

use crate::components::register::{self, Node};
use crate::components::{ComponentConfig, FACTORIES, Factory, Form, Kind, NodeSpec, Nodes, Outputs, Placement, SAME_SIGNAL, Takes};
use crate::otap::Payload;
use crate::otlp::RawRequest;
use crate::signal::Signal;
use async_trait::async_trait;
use bytes::Bytes;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{AckMsg, CallData, Context8u8, NackCause, NackMsg, NodeControlMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{
    ConsumerEffectHandlerExtension, Interests, MessageSourceLocalEffectHandlerExtension, ProcessorFactory, ProducerEffectHandlerExtension, local,
};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::{Context, OtapPdata};
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::any_value;
use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;
use prost::Message as _;
use serde_json::{Value, json};
use std::collections::HashMap;

pub const TYPE: &str = "rust_routing";
pub const URN: &str = "urn:tandem:processor:routing";

/// The table bound to the connector's pipelines, with the Collector router's error for one it does not feed.
fn nodes(config: &Value, placement: &Placement) -> Result<Vec<NodeSpec>, String> {
    let config = Config::of(config)?;
    let named = config.table.iter().flat_map(|row| &row.pipelines).chain(&config.default_pipelines);
    if let Some(missing) = named.into_iter().find(|p| !placement.pipelines.contains(p)) {
        return Err(format!("missing consumer: \"{missing}\""));
    }
    Ok(vec![NodeSpec { urn: URN, config: json!(config) }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Connector,
    "sends each resource to the pipelines a table names for the value of one of its attributes",
    Nodes::Of(nodes),
)
.pairs(SAME_SIGNAL)
.takes(Takes::Only(Form::Otlp))
.outputs(Outputs::ByPipeline);

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static ROUTING: ProcessorFactory<OtapPdata> = register::processor::<Routing>(URN);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &ROUTING));
}

/// A `Resource{Spans,Metrics,Logs}` down to its resource (field 1); the scopes are skipped undecoded.
#[derive(Clone, PartialEq, prost::Message)]
struct ResourceOnly {
    #[prost(message, optional, tag = "1")]
    resource: Option<Resource>,
}

/// A request split over several outputs: what is left to answer, the worst answer so far, and the request.
struct Split {
    left: usize,
    failure: Option<(bool, String)>,
    request: OtapPdata,
}

struct Routing {
    attribute: String,
    /// Per attribute value, the pipelines (output ports) of its row.
    routes: HashMap<String, Vec<String>>,
    default: Vec<String>,
    splits: HashMap<u64, Split>,
    last_split: u64,
}

impl Node for Routing {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        let routes = config.table.into_iter().map(|row| (row.value, row.pipelines)).collect();
        Ok(Routing { attribute: config.attribute, routes, default: config.default_pipelines, splits: HashMap::new(), last_split: 0 })
    }
}

impl Routing {
    /// The attribute's value on a resource, when it is a string.
    fn value_of(&self, resource: &Bytes) -> Result<Option<String>, prost::DecodeError> {
        let resource = ResourceOnly::decode(resource.clone())?.resource.unwrap_or_default();
        let found = resource.attributes.into_iter().find(|kv| kv.key == self.attribute);
        Ok(found.and_then(|kv| match kv.value?.value? {
            any_value::Value::StringValue(s) => Some(s),
            _ => None,
        }))
    }

    /// The request's resources grouped by the pipelines they go to, in order; each group a request of its own.
    fn route(&self, request: Bytes) -> Result<Vec<(String, Bytes)>, prost::DecodeError> {
        let mut groups: Vec<(Option<String>, Vec<Bytes>)> = Vec::new();
        for resource in RawRequest::decode(request)?.resources {
            let route = self.value_of(&resource)?.filter(|v| self.routes.contains_key(v));
            match groups.iter_mut().find(|(r, _)| *r == route) {
                Some((_, resources)) => resources.push(resource),
                None => groups.push((route, vec![resource])),
            }
        }
        let mut outputs = Vec::new();
        for (route, resources) in groups {
            let pipelines = route.as_ref().map_or(&self.default, |value| &self.routes[value]);
            let part = Bytes::from(RawRequest { resources }.encode_to_vec());
            outputs.extend(pipelines.iter().map(|pipeline| (pipeline.clone(), part.clone())));
        }
        Ok(outputs)
    }

    async fn split(
        &mut self,
        signal: Signal,
        request: OtapPdata,
        outputs: Vec<(String, Bytes)>,
        handler: &mut local::processor::EffectHandler<OtapPdata>,
    ) -> Result<(), Error> {
        self.last_split += 1;
        let id = self.last_split;
        self.splits.insert(id, Split { left: outputs.len(), failure: None, request });
        for (pipeline, part) in outputs {
            let mut pdata = Payload::Otlp(signal, part).into_pdata(Context::with_capacity(1));
            let calldata: CallData = smallvec::smallvec![Context8u8::from(id)];
            handler.subscribe_to(Interests::ACKS | Interests::NACKS, calldata, &mut pdata);
            if let Err(e) = handler.send_message_with_source_node_to(pipeline, pdata).await {
                self.settle(id, Some((false, e.to_string())), handler).await?;
            }
        }
        Ok(())
    }

    /// One part of split `id` was answered (`failure` None: OK); the request is answered when its last part is.
    async fn settle(
        &mut self,
        id: u64,
        failure: Option<(bool, String)>,
        handler: &mut local::processor::EffectHandler<OtapPdata>,
    ) -> Result<(), Error> {
        let Some(split) = self.splits.get_mut(&id) else { return Ok(()) };
        split.left -= 1;
        if let Some((permanent, reason)) = failure {
            let (was_permanent, reasons) = split.failure.take().map_or((false, Vec::new()), |(p, r)| (p, vec![r]));
            split.failure = Some((was_permanent || permanent, [reasons, vec![reason]].concat().join("; ")));
        }
        if split.left > 0 {
            return Ok(());
        }
        let split = self.splits.remove(&id).expect("present above");
        match split.failure {
            None => handler.notify_ack(AckMsg::new(split.request)).await,
            Some((true, reason)) => handler.notify_nack(NackMsg::new_permanent(reason, split.request)).await,
            Some((false, reason)) => handler.notify_nack(NackMsg::new(reason, split.request)).await,
        }
    }
}

#[async_trait(?Send)]
impl local::processor::Processor<OtapPdata> for Routing {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
        match message {
            Message::PData(pdata) => {
                let (context, payload) = pdata.into_parts();
                let request = OtapPdata::new(context.clone(), payload.clone());
                let routed = Payload::of(payload).and_then(|payload| match payload {
                    Payload::Otlp(signal, bytes) => {
                        self.route(bytes).map(|outputs| (signal, outputs)).map_err(|e| format!("{TYPE}: malformed OTLP: {e}"))
                    }
                    Payload::Otap(_) => Err(format!("{TYPE}: takes OTLP")),
                });
                match routed {
                    Err(reason) => handler.notify_nack(NackMsg::new_permanent_with_cause(reason, request, NackCause::Refused)).await,
                    Ok((_, outputs)) if outputs.is_empty() => handler.notify_ack(AckMsg::new(request)).await,
                    Ok((signal, mut outputs)) if outputs.len() == 1 => {
                        let (pipeline, part) = outputs.pop().expect("one");
                        handler.send_message_with_source_node_to(pipeline, Payload::Otlp(signal, part).into_pdata(context)).await.map_err(Error::from)
                    }
                    Ok((signal, outputs)) => self.split(signal, request, outputs, handler).await,
                }
            }
            Message::Control(NodeControlMsg::Ack(ack)) => match ack.unwind.route.calldata.first() {
                Some(id) => self.settle(u64::from(*id), None, handler).await,
                None => Ok(()),
            },
            Message::Control(NodeControlMsg::Nack(nack)) => match nack.unwind.route.calldata.first() {
                Some(id) => self.settle(u64::from(*id), Some((nack.permanent, nack.reason.clone())), handler).await,
                None => Ok(()),
            },
            Message::Control(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: a table naming a pipeline the connector does not feed. Guarantee: the Collector router's error.
    #[test]
    fn a_pipeline_it_does_not_feed_is_a_missing_consumer() {
        let config = Config::effective(&json!({ "attribute": "a", "table": [{ "value": "x", "pipelines": ["logs/nowhere"] }] })).unwrap();
        let placement = Placement { id: TYPE, signals: &[], pipelines: &["logs/out".to_string()], max_request_bytes: None };
        assert_eq!(nodes(&config, &placement).unwrap_err(), "missing consumer: \"logs/nowhere\"");
        assert_eq!(Config::effective(&json!({ "table": [] })).unwrap_err(), "'attribute' must name the resource attribute to route by");
    }
}
