//! The node that runs `rust_transform`: it owns core-nodes' transform processor and hands it every message, and
//! answers for a batch the query fails on as the Go transform processor's `error_mode` says. core-nodes' processor
//! returns such a failure as the node's error (an operation its columnar engine does not support yet, a failed
//! sanitization), and otap-dataflow ends the core's whole pipeline on a node's error: every request in flight on that
//! core would go unanswered and the engine would restart, for one batch that a query cannot run on.

use super::config::{Config, ErrorMode};
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_config::error::Error as ConfigError;
use otel_arrow_dfe_config::node::NodeUserConfig;
use otel_arrow_dfe_config::validation::{deserialize_typed_config, validate_typed_config};
use otel_arrow_dfe_core_nodes::processors::transform_processor::TRANSFORM_PROCESSOR_FACTORY;
use otel_arrow_dfe_engine::capability::registry::Capabilities;
use otel_arrow_dfe_engine::config::ProcessorConfig;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::NackMsg;
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::local::processor::{EffectHandler, Processor};
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::node::NodeId;
use otel_arrow_dfe_engine::processor::{ProcessorRuntimeRequirements, ProcessorWrapper};
use otel_arrow_dfe_engine::wiring_contract::WiringContract;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, MessageSourceLocalEffectHandlerExtension, ProcessorFactory};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use serde_json::json;
use std::sync::Arc;

pub const URN: &str = "urn:tandem:processor:transform";

struct Transform {
    query: Box<dyn Processor<OtapPdata>>,
    error_mode: ErrorMode,
}

#[async_trait(?Send)]
impl Processor<OtapPdata> for Transform {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        let Message::PData(pdata) = message else { return self.query.process(message, handler).await };
        // A shallow copy (shared Arrow buffers or OTLP bytes, and the delivery's subscribers), kept for answering
        // if the query fails: the processor consumes the batch and drops it with its delivery on an error.
        let batch = pdata.clone();
        let Err(error) = self.query.process(Message::PData(pdata), handler).await else { return Ok(()) };
        if self.error_mode != ErrorMode::Silent {
            crate::log::warn("rust_transform: the query failed on a batch", json!({ "error": error.to_string(), "error_mode": self.error_mode }));
        }
        match self.error_mode {
            ErrorMode::Propagate => handler.notify_nack(NackMsg::new_permanent(format!("rust_transform: {error}"), batch)).await,
            ErrorMode::Ignore | ErrorMode::Silent => handler.send_message_with_source_node(batch).await.map_err(Error::from),
        }
    }

    fn accept_pdata(&self) -> bool {
        self.query.accept_pdata()
    }

    fn runtime_requirements(&self) -> ProcessorRuntimeRequirements {
        self.query.runtime_requirements()
    }
}

/// Makes core-nodes' processor with the query settings, takes it out of the wrapper its factory puts it in, and
/// wraps this node around it.
fn create(
    context: PipelineContext,
    node: NodeId,
    user: Arc<NodeUserConfig>,
    config: &ProcessorConfig,
    capabilities: &Capabilities,
) -> Result<ProcessorWrapper<OtapPdata>, ConfigError> {
    let settings: Config = deserialize_typed_config(&user.config)?;
    let query_user = Arc::new(NodeUserConfig { config: settings.query_node_config(), ..(*user).clone() });
    let ProcessorWrapper::Local { processor: query, .. } =
        (TRANSFORM_PROCESSOR_FACTORY.create)(context, node.clone(), query_user, config, capabilities)?
    else {
        return Err(crate::components::register::invalid("core-nodes' transform processor is no longer a local node"));
    };
    Ok(ProcessorWrapper::local(Transform { query, error_mode: settings.error_mode }, node, user, config))
}

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static TRANSFORM: ProcessorFactory<OtapPdata> = ProcessorFactory {
    name: URN,
    create,
    context_declarations: None,
    wiring_contract: WiringContract::UNRESTRICTED,
    validate_config: validate_typed_config::<Config>,
};

pub fn keep_linked() {
    std::hint::black_box((&TRANSFORM, &TRANSFORM_PROCESSOR_FACTORY));
}
