//! `rust_forward`: passes a pipeline's data on to the pipelines it feeds, unchanged (the Collector's `forward`
//! connector), as a node that only hands each request on: the Acks of its consumers reach the sender directly.

pub mod config;

use crate::components::{ComponentConfig, FACTORIES, Factory, Gives, Kind, NodeSpec, Outputs, Placement, SAME_SIGNAL, Takes};
use async_trait::async_trait;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_config::node::NodeUserConfig;
use otel_arrow_dfe_engine::config::ProcessorConfig;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::node::NodeId;
use otel_arrow_dfe_engine::processor::ProcessorWrapper;
use otel_arrow_dfe_engine::wiring_contract::WiringContract;
use otel_arrow_dfe_engine::{MessageSourceLocalEffectHandlerExtension, ProcessorFactory, local};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use serde_json::Value;
use std::sync::Arc;

pub const TYPE: &str = "rust_forward";
pub const URN: &str = "urn:tandem:processor:forward";

fn nodes(_: &Value, _: &Placement) -> Result<Vec<NodeSpec>, String> {
    Ok(vec![NodeSpec { urn: URN, config: Value::Null }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory {
    ty: TYPE,
    kind: Kind::Connector,
    description: "passes data from one pipeline to others of the same signal",
    pairs: SAME_SIGNAL,
    takes: Takes::Any,
    gives: Gives::Same,
    outputs: Outputs::One,
    default_config: Config::defaults,
    config: Config::effective,
    nodes,
};

#[allow(unsafe_code)]
#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static FORWARD: ProcessorFactory<OtapPdata> = ProcessorFactory {
    name: URN,
    create: |_: PipelineContext, node: NodeId, user: Arc<NodeUserConfig>, config: &ProcessorConfig, _| {
        Ok(ProcessorWrapper::local(Forward, node, user, config))
    },
    context_declarations: None,
    wiring_contract: WiringContract::UNRESTRICTED,
    validate_config: otel_arrow_dfe_config::validation::no_config,
};

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &FORWARD));
}

struct Forward;

#[async_trait(?Send)]
impl local::processor::Processor<OtapPdata> for Forward {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
        match message {
            Message::PData(pdata) => handler.send_message_with_source_node(pdata).await.map_err(Error::from),
            Message::Control(_) => Ok(()),
        }
    }
}
