//! The one place a request changes form between engine nodes: a processor node in front of a node that takes only
//! OTLP or only OTAP, translating (once, with Tandem's repairs) what arrives in the other form and passing the rest on
//! untouched. A request that cannot be translated is refused for good: the same bytes would fail again.

use super::Payload;
use crate::components::Form;
use crate::components::config::NoSettings;
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

pub const TO_OTLP_URN: &str = "urn:tandem:processor:to_otlp";
pub const TO_OTAP_URN: &str = "urn:tandem:processor:to_otap";

/// The converter node into `form`.
pub fn urn_into(form: Form) -> &'static str {
    match form {
        Form::Otlp => TO_OTLP_URN,
        Form::Otap => TO_OTAP_URN,
    }
}

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static TO_OTLP: ProcessorFactory<OtapPdata> = register::processor::<Convert<false>>(TO_OTLP_URN);

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static TO_OTAP: ProcessorFactory<OtapPdata> = register::processor::<Convert<true>>(TO_OTAP_URN);

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    std::hint::black_box((&TO_OTLP, &TO_OTAP));
}

/// The converter into OTAP (`INTO_OTAP`) or into OTLP: one node type per URN, so that neither takes a config.
struct Convert<const INTO_OTAP: bool>;

impl<const INTO_OTAP: bool> Node for Convert<INTO_OTAP> {
    type Config = NoSettings;

    fn from_config(_: NoSettings, _: &PipelineContext) -> Result<Self, String> {
        Ok(Convert)
    }
}

impl<const INTO_OTAP: bool> Convert<INTO_OTAP> {
    fn convert(&self, payload: Payload) -> Result<Payload, String> {
        let into = if INTO_OTAP { Form::Otap } else { Form::Otlp };
        match (into, payload) {
            (Form::Otlp, payload @ Payload::Otlp(..)) | (Form::Otap, payload @ Payload::Otap(_)) => Ok(payload),
            (Form::Otlp, payload) => Ok(Payload::Otlp(payload.signal(), payload.into_otlp()?)),
            (Form::Otap, payload) => payload.into_otap().map(Payload::Otap),
        }
    }
}

#[async_trait(?Send)]
impl<const INTO_OTAP: bool> local::processor::Processor<OtapPdata> for Convert<INTO_OTAP> {
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
