//! `rust_forward`: passes a pipeline's data on to the pipelines it feeds, unchanged (the Collector's `forward`
//! connector), as a node that only hands each request on: the Acks of its consumers reach the sender directly.

pub mod config;

use crate::components::config::NoSettings;
use crate::components::register::{self, Node};
use crate::components::{FACTORIES, Factory, Kind, Nodes, SAME_SIGNAL};
use async_trait::async_trait;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{MessageSourceLocalEffectHandlerExtension, ProcessorFactory, local};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;

pub const TYPE: &str = "rust_forward";
pub const URN: &str = "urn:tandem:processor:forward";

#[distributed_slice(FACTORIES)]
static FACTORY: Factory =
    Factory::new::<Config>(TYPE, Kind::Connector, "passes data from one pipeline to others of the same signal", Nodes::One(URN)).pairs(SAME_SIGNAL);

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static FORWARD: ProcessorFactory<OtapPdata> = register::processor::<Forward>(URN);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &FORWARD));
}

struct Forward;

impl Node for Forward {
    type Config = NoSettings;

    fn from_config(_: NoSettings, _: &PipelineContext) -> Result<Self, String> {
        Ok(Forward)
    }
}

#[async_trait(?Send)]
impl local::processor::Processor<OtapPdata> for Forward {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
        match message {
            Message::PData(pdata) => handler.send_message_with_source_node(pdata).await.map_err(Error::from),
            Message::Control(_) => Ok(()),
        }
    }
}
