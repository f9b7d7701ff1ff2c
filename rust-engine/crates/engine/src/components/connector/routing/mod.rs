//! `rust_routing`: sends each resource of a request to the pipelines its table names for the value of one resource
//! attribute, and to `default_pipelines` when no row matches (the Collector's routing connector, with its earlier
//! attribute table instead of OTTL conditions). Requests are split by resource without decoding the records: each
//! resource's bytes go on as they came, on the output port of each pipeline they go to. A request that goes to one
//! pipeline carries its sender's delivery on; one split over several is answered once all parts are, with the worst
//! of their answers. Resources no row and no default takes are dropped, as the Collector's connector drops them.

pub mod config;

use super::outcomes::Outcomes;
use crate::components::register::{self, Node};
use crate::components::{ComponentConfig, FACTORIES, Factory, Form, Kind, NodeSpec, Nodes, Outputs, Placement, SAME_SIGNAL, Takes};
use crate::otap::Payload;
use crate::otlp::RawRequest;
use async_trait::async_trait;
use bytes::Bytes;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{AckMsg, NackCause, NackMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, MessageSourceLocalEffectHandlerExtension, ProcessorFactory, local};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
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
struct Routing {
    attribute: String,
    /// Per attribute value, the pipelines (output ports) of its row.
    routes: HashMap<String, Vec<String>>,
    default: Vec<String>,
    outcomes: Outcomes,
}

impl Node for Routing {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        let routes = config.table.into_iter().map(|row| (row.value, row.pipelines)).collect();
        Ok(Routing { attribute: config.attribute, routes, default: config.default_pipelines, outcomes: Outcomes::default() })
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
                    Ok((signal, outputs)) => {
                        let parts = outputs.into_iter().map(|(pipeline, part)| (Some(pipeline), Payload::Otlp(signal, part))).collect();
                        self.outcomes.send(request, parts, handler).await
                    }
                }
            }
            Message::Control(control) => self.outcomes.answer(&control, handler).await.map(drop),
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
