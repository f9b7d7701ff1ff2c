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
    let addr = config.grpc_endpoint().socket_addr()?;
    let max_bytes = config.protocols.grpc.max_recv_msg_size_mib.saturating_mul(1024 * 1024);
    Ok(json!({ "protocols": { "grpc": { "listening_addr": addr.to_string(), "wait_for_result": true, "max_decoding_message_size": max_bytes } } }))
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

    fn first_node(config: Value) -> Value {
        let effective = Config::effective(&config).unwrap();
        nodes(&effective, &Placement { id: TYPE, signals: &[], pipelines: &[], max_request_bytes: None }).unwrap().remove(0).config
    }

    // Scenario: the shorthand endpoint, the Collector's `protocols.grpc`, a typo. Guarantee: the node listens there
    // and waits for the pipeline's outcome; an unknown key (HTTP included) is refused in the Collector's words.
    #[test]
    fn the_endpoint_becomes_the_grpc_listening_address() {
        let grpc = |addr: &str, mib: u64| json!({ "protocols": { "grpc": { "listening_addr": addr, "wait_for_result": true, "max_decoding_message_size": mib * 1024 * 1024 } } });
        assert_eq!(first_node(json!({ "endpoint": "127.0.0.1:4999" })), grpc("127.0.0.1:4999", 4));
        let placement = Placement { id: TYPE, signals: &[], pipelines: &[], max_request_bytes: None };
        assert_eq!(nodes(&Config::effective(&json!({})).unwrap(), &placement).unwrap()[1].urn, validate::URN);
        assert_eq!(
            first_node(json!({ "protocols": { "grpc": { "endpoint": "127.0.0.1:4998", "max_recv_msg_size_mib": 16 } } })),
            grpc("127.0.0.1:4998", 16)
        );
        assert_eq!(Config::defaults(), json!({ "protocols": { "grpc": { "endpoint": "localhost:4317", "max_recv_msg_size_mib": 4 } } }));
        let both = json!({ "endpoint": "127.0.0.1:1", "protocols": { "grpc": { "endpoint": "127.0.0.1:2" } } });
        assert_eq!(Config::effective(&both).unwrap_err(), "set either 'endpoint' or 'protocols::grpc', not both");
        let http = json!({ "protocols": { "http": { "endpoint": "127.0.0.1:4318" } } });
        assert!(Config::effective(&http).unwrap_err().ends_with("'protocols' has invalid keys: http"), "{:?}", Config::effective(&http));
        assert_eq!(Config::effective(&json!({ "endpoint": "nowhere" })).unwrap_err(), "'endpoint' must be host:port, got \"nowhere\"");
    }
}
