//! The node after an engine receiver that hands on OTLP as it came: it checks each request decodes (strings in
//! UTF-8 included) and refuses one that does not with a permanent Nack of cause `Refused`, which otap-dataflow's
//! receivers answer with INVALID_ARGUMENT (HTTP 400). What passes goes on on its signal's output port
//! (`traces`, `metrics`, `logs`), to the pipelines of that signal; a signal no pipeline takes from this receiver is
//! refused the same way (the Collector answers UNIMPLEMENTED: both are permanent, so a client does not retry it), never
//! sent to a port that does not exist, which would end the core's pipeline. Data from the ring is not checked again:
//! the host checked it.

use crate::components::config::NoSettings;
use crate::components::register::{self, Node};
use crate::otap::Payload;
use crate::otlp;
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{NackCause, NackMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, MessageSourceLocalEffectHandlerExtension, ProcessorFactory, local};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;

pub const URN: &str = "urn:tandem:processor:validate";

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static VALIDATE: ProcessorFactory<OtapPdata> = register::processor::<Validate>(URN);

pub fn keep_linked() {
    std::hint::black_box(&VALIDATE);
}

struct Validate;

impl Node for Validate {
    type Config = NoSettings;

    fn from_config(_: NoSettings, _: &PipelineContext) -> Result<Self, String> {
        Ok(Validate)
    }
}

/// Why a request is refused, or None when it may go on.
fn refusal(payload: &Payload) -> Option<String> {
    match payload {
        Payload::Otlp(signal, bytes) => otlp::validate(*signal, bytes).err(),
        Payload::Otap(_) => None,
    }
}

#[async_trait(?Send)]
impl local::processor::Processor<OtapPdata> for Validate {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
        let Message::PData(pdata) = message else { return Ok(()) };
        let (context, payload) = pdata.into_parts();
        let kept = payload.clone();
        let checked = Payload::of(payload).map_err(Some).and_then(|payload| match refusal(&payload) {
            Some(reason) => Err(Some(reason)),
            None => Ok(payload),
        });
        let unserved = |port: &str| !handler.connected_ports().iter().any(|connected| connected.as_ref() == port);
        match checked {
            Ok(payload) if unserved(payload.signal().name()) => {
                let reason = format!("this receiver feeds no {} pipeline", payload.signal().name());
                handler.notify_nack(NackMsg::new_permanent_with_cause(reason, OtapPdata::new(context, kept), NackCause::Refused)).await
            }
            Ok(payload) => {
                let port = payload.signal().name();
                handler.send_message_with_source_node_to(port, payload.into_pdata(context)).await.map_err(Error::from)
            }
            Err(reason) => {
                let reason = reason.unwrap_or_default();
                handler.notify_nack(NackMsg::new_permanent_with_cause(reason, OtapPdata::new(context, kept), NackCause::Refused)).await
            }
        }
    }
}
