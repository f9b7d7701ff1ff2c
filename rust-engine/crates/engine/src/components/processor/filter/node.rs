//! The node that runs `rust_filter` on OTLP requests (the graph translates OTAP in front of it). A request of which
//! nothing is left is acknowledged to its sender without output, as the Collector reports filtered data as success;
//! one the walk cannot read is refused.

use super::config::Config;
use super::matcher::Filters;
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

pub const URN: &str = "urn:tandem:processor:filter";

pub struct Filter(Filters);

impl Filter {
    /// What is left of a request; None when nothing is.
    fn filtered(&self, payload: Payload) -> Result<Option<Payload>, String> {
        let Payload::Otlp(signal, request) = payload else { return Err("takes OTLP".into()) };
        let kept = self.0.apply(signal, &request).map_err(|e| format!("malformed OTLP: {e}"))?.unwrap_or(request);
        Ok((!kept.is_empty()).then_some(Payload::Otlp(signal, kept)))
    }
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
        Ok(Filter(Filters::new(&config)))
    }
}

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static FILTER: ProcessorFactory<OtapPdata> = register::processor::<Filter>(URN);

pub fn keep_linked() {
    std::hint::black_box(&FILTER);
}
