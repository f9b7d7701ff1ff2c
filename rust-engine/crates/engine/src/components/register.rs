//! Registering Tandem's own nodes with otap-dataflow: the factory statics its pipeline builder finds by URN, made
//! from the node's type, so that a node registers in one line:
//!
//! ```text
//! #[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
//! static FORWARD: ProcessorFactory<OtapPdata> = register::processor::<Forward>(URN);
//! ```
//!
//! The node's config is decoded with serde from its node config (otap-dataflow's own `deserialize_typed_config`),
//! and `validate_config` decodes it the same way, so a node config that does not decode fails validation, before any
//! node is made. (Component configs were checked in the Collector's terms before: see `ComponentConfig`.)

use otel_arrow_dfe_config::error::Error as ConfigError;
use otel_arrow_dfe_config::node::NodeUserConfig;
use otel_arrow_dfe_config::validation::{deserialize_typed_config, validate_typed_config};
use otel_arrow_dfe_engine::capability::registry::Capabilities;
use otel_arrow_dfe_engine::config::{ExporterConfig, ProcessorConfig, ReceiverConfig};
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::exporter::ExporterWrapper;
use otel_arrow_dfe_engine::node::NodeId;
use otel_arrow_dfe_engine::processor::ProcessorWrapper;
use otel_arrow_dfe_engine::receiver::ReceiverWrapper;
use otel_arrow_dfe_engine::wiring_contract::WiringContract;
use otel_arrow_dfe_engine::{ExporterFactory, ProcessorFactory, ReceiverFactory, local, shared};
use otel_arrow_dfe_otap::pdata::OtapPdata;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// A Tandem node, made from its config when a pipeline is built.
pub trait Node: Sized + 'static {
    /// Its node config, decoded with serde (`NoSettings` for a node that takes none).
    type Config: DeserializeOwned;

    /// The node from its config, or why it cannot run with it.
    fn from_config(config: Self::Config, context: &PipelineContext) -> Result<Self, String>;
}

/// A config error in otap-dataflow's terms.
pub fn invalid(error: impl ToString) -> ConfigError {
    ConfigError::InvalidUserConfig { error: error.to_string() }
}

fn made<N: Node>(user: &NodeUserConfig, context: &PipelineContext) -> Result<N, ConfigError> {
    N::from_config(deserialize_typed_config(&user.config)?, context).map_err(invalid)
}

/// A factory constructor for one kind of node: `$name::<N>(urn)` is the `$factory` that makes `N` from its config
/// and wraps it with `$wrapper::$wrap` (then `$then`, when given).
macro_rules! factory {
    ($(#[$doc:meta])* $name:ident, $create:ident, $bound:path, $factory:ident, $wrapper:ident::$wrap:ident, $config:ty $(, $then:ident)?) => {
        fn $create<N: Node + $bound>(
            context: PipelineContext,
            node: NodeId,
            user: Arc<NodeUserConfig>,
            config: &$config,
            _: &Capabilities,
        ) -> Result<$wrapper<OtapPdata>, ConfigError> {
            Ok($wrapper::$wrap(made::<N>(&user, &context)?, node, user, config)$(.$then())?)
        }

        $(#[$doc])*
        pub const fn $name<N: Node + $bound>(urn: &'static str) -> $factory<OtapPdata> {
            $factory {
                name: urn,
                create: $create::<N>,
                context_declarations: None,
                wiring_contract: WiringContract::UNRESTRICTED,
                validate_config: validate_typed_config::<N::Config>,
            }
        }
    };
}

factory!(
    /// The factory of a processor node running on its core's thread (`local`).
    processor, create_processor, local::processor::Processor<OtapPdata>, ProcessorFactory, ProcessorWrapper::local, ProcessorConfig
);
factory!(
    /// The factory of an exporter node running on its core's thread (`local`).
    exporter, create_exporter, local::exporter::Exporter<OtapPdata>, ExporterFactory, ExporterWrapper::local, ExporterConfig
);
factory!(
    /// The factory of a receiver node running on its core's thread (`local`); the pipeline starts once it is ready.
    local_receiver, create_local_receiver, local::receiver::Receiver<OtapPdata>, ReceiverFactory, ReceiverWrapper::local, ReceiverConfig,
    with_startup_readiness
);
factory!(
    /// The factory of a receiver node whose tasks may run on any thread (`shared`: a tonic server); the pipeline
    /// starts once it is ready.
    shared_receiver, create_shared_receiver, shared::receiver::Receiver<OtapPdata>, ReceiverFactory, ReceiverWrapper::shared, ReceiverConfig,
    with_startup_readiness
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::config::NoSettings;
    use async_trait::async_trait;
    use otel_arrow_dfe_engine::error::Error;
    use otel_arrow_dfe_engine::message::Message;
    use serde_json::json;

    struct Passes;

    impl Node for Passes {
        type Config = NoSettings;

        fn from_config(_: NoSettings, _: &PipelineContext) -> Result<Self, String> {
            Ok(Passes)
        }
    }

    #[async_trait(?Send)]
    impl local::processor::Processor<OtapPdata> for Passes {
        async fn process(&mut self, _: Message<OtapPdata>, _: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
            Ok(())
        }
    }

    // Scenario: a registered node's factory given its config and one with a setting it does not have. Guarantee:
    // otap-dataflow's validation decodes the node's own config type: the first passes, the second is refused
    // naming the setting.
    #[test]
    fn validation_decodes_the_nodes_config_type() {
        let factory = processor::<Passes>("urn:tandem:processor:test");
        assert_eq!(factory.name, "urn:tandem:processor:test");
        assert!((factory.validate_config)(&json!({})).is_ok());
        let refused = (factory.validate_config)(&json!({ "colour": "blue" })).unwrap_err();
        assert!(refused.to_string().contains("unknown field `colour`"), "{refused}");
    }
}
