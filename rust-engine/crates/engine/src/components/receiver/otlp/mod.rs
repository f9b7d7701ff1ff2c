//! `rust_otlp`: otap-dataflow's OTLP receiver (core-nodes, gRPC), bound on every core (`SO_REUSEPORT`) and answering
//! each request when the pipeline acks or nacks it, followed by Tandem's `validate` node: a request that does not
//! decode is refused there with INVALID_ARGUMENT before it reaches a batch, and the rest goes on by signal.

pub mod config;
pub mod validate;

use crate::components::{ComponentConfig, FACTORIES, Factory, Gives, Kind, NodeSpec, Nodes, Outputs, Placement};
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_core_nodes::receivers::otlp_receiver::OTLP_RECEIVER_URN;
use serde_json::{Value, json};

pub const TYPE: &str = "rust_otlp";

/// The receiver's node config: gRPC on the endpoint, answering callers with the pipeline's outcome.
fn receiver_config(config: &Config) -> Result<Value, String> {
    let addr = config.endpoint.socket_addr()?;
    Ok(json!({ "protocols": { "grpc": { "listening_addr": addr.to_string(), "wait_for_result": true } } }))
}

fn nodes(config: &Value, _: &Placement) -> Result<Vec<NodeSpec>, String> {
    let config = Config::of(config)?;
    Ok(vec![NodeSpec { urn: OTLP_RECEIVER_URN, config: receiver_config(&config)? }, NodeSpec { urn: validate::URN, config: json!({}) }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Receiver,
    "otap-dataflow's OTLP/gRPC receiver on every engine core; malformed requests are refused where they enter",
    Nodes::Of(nodes),
)
.gives(Gives::Only(crate::components::Form::Otlp))
.outputs(Outputs::BySignal);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &otel_arrow_dfe_core_nodes::receivers::otlp_receiver::OTLP_RECEIVER));
    validate::keep_linked();
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: the defaults, an endpoint, a typo. Guarantee: the node listens on the endpoint and waits for the
    // pipeline's outcome; an unknown key is refused in the Collector's words.
    #[test]
    fn the_endpoint_becomes_the_grpc_listening_address() {
        let effective = Config::effective(&json!({ "endpoint": "127.0.0.1:4999" })).unwrap();
        let nodes = nodes(&effective, &Placement { id: TYPE, signals: &[], pipelines: &[], max_request_bytes: None }).unwrap();
        assert_eq!(nodes[0].config, json!({ "protocols": { "grpc": { "listening_addr": "127.0.0.1:4999", "wait_for_result": true } } }));
        assert_eq!(nodes[1].urn, validate::URN);
        assert_eq!(Config::defaults(), json!({ "endpoint": "localhost:4317" }));
        assert!(Config::effective(&json!({ "endpoint": "127.0.0.1:1", "protocols": {} })).unwrap_err().ends_with("'' has invalid keys: protocols"));
        assert_eq!(Config::effective(&json!({ "endpoint": "nowhere" })).unwrap_err(), "'endpoint' must be host:port, got \"nowhere\"");
    }
}
