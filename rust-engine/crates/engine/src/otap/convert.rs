//! The one place a request changes form between engine nodes: a processor node in front of a node that takes only
//! OTLP or only OTAP, translating (once, with Tandem's repairs) what arrives in the other form and passing the rest on
//! untouched. A request that cannot be translated is refused for good: the same bytes would fail again.

use super::Payload;
use crate::components::Form;
use crate::components::register::{self, Node};
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{NackCause, NackMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, MessageSourceLocalEffectHandlerExtension, ProcessorFactory, local};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use serde::{Deserialize, Serialize};

pub const URN: &str = "urn:tandem:processor:convert";

/// The form the node translates into.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub into: Form,
}

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static CONVERT: ProcessorFactory<OtapPdata> = register::processor::<Convert>(URN);

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    std::hint::black_box(&CONVERT);
}

struct Convert {
    into: Form,
}

impl Node for Convert {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        Ok(Convert { into: config.into })
    }
}

impl Convert {
    fn convert(&self, payload: Payload) -> Result<Payload, String> {
        match (self.into, payload) {
            (Form::Otlp, payload @ Payload::Otlp(..)) | (Form::Otap, payload @ Payload::Otap(_)) => Ok(payload),
            (Form::Otlp, payload) => Ok(Payload::Otlp(payload.signal(), payload.into_otlp()?)),
            (Form::Otap, payload) => payload.into_otap().map(Payload::Otap),
        }
    }
}

#[async_trait(?Send)]
impl local::processor::Processor<OtapPdata> for Convert {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
        let Message::PData(pdata) = message else { return Ok(()) };
        let (context, payload) = pdata.into_parts();
        let kept = payload.clone();
        match Payload::of(payload).and_then(|payload| self.convert(payload)) {
            Ok(converted) => handler.send_message_with_source_node(converted.into_pdata(context)).await.map_err(Error::from),
            Err(reason) => handler.notify_nack(NackMsg::new_permanent_with_cause(reason, OtapPdata::new(context, kept), NackCause::Refused)).await,
        }
    }
}
