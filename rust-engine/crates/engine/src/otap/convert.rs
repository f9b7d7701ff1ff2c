//! The one place a request changes form between engine nodes: a processor node in front of a node that takes only
//! OTLP or only OTAP, translating (once, with Tandem's repairs) what arrives in the other form and passing the rest on
//! untouched. A request that cannot be translated is refused for good: the same bytes would fail again.

use super::Payload;
use crate::components::Form;
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_config::node::NodeUserConfig;
use otel_arrow_dfe_engine::config::ProcessorConfig;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{NackCause, NackMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::node::NodeId;
use otel_arrow_dfe_engine::processor::ProcessorWrapper;
use otel_arrow_dfe_engine::wiring_contract::WiringContract;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, MessageSourceLocalEffectHandlerExtension, ProcessorFactory, local};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use std::sync::Arc;

pub const TO_OTLP_URN: &str = "urn:tandem:processor:to_otlp";
pub const TO_OTAP_URN: &str = "urn:tandem:processor:to_otap";

/// The converter node into `form`.
pub fn urn_into(form: Form) -> &'static str {
    match form {
        Form::Otlp => TO_OTLP_URN,
        Form::Otap => TO_OTAP_URN,
    }
}

fn create(form: Form) -> impl Fn(NodeId, Arc<NodeUserConfig>, &ProcessorConfig) -> ProcessorWrapper<OtapPdata> {
    move |node, user, config| ProcessorWrapper::local(Convert { into: form }, node, user, config)
}

#[allow(unsafe_code)]
#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static TO_OTLP: ProcessorFactory<OtapPdata> = ProcessorFactory {
    name: TO_OTLP_URN,
    create: |_: PipelineContext, node: NodeId, user: Arc<NodeUserConfig>, config: &ProcessorConfig, _| Ok(create(Form::Otlp)(node, user, config)),
    context_declarations: None,
    wiring_contract: WiringContract::UNRESTRICTED,
    validate_config: otel_arrow_dfe_config::validation::no_config,
};

#[allow(unsafe_code)]
#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static TO_OTAP: ProcessorFactory<OtapPdata> = ProcessorFactory {
    name: TO_OTAP_URN,
    create: |_: PipelineContext, node: NodeId, user: Arc<NodeUserConfig>, config: &ProcessorConfig, _| Ok(create(Form::Otap)(node, user, config)),
    context_declarations: None,
    wiring_contract: WiringContract::UNRESTRICTED,
    validate_config: otel_arrow_dfe_config::validation::no_config,
};

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    std::hint::black_box((&TO_OTLP, &TO_OTAP));
}

struct Convert {
    into: Form,
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
