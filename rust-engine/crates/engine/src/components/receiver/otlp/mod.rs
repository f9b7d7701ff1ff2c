//! `rust_otlp`: an OTLP/gRPC receiver bound on every engine core (`SO_REUSEPORT`), answering each request when the
//! pipeline acks or nacks it. It runs `rust_otap`'s receiver node without the OTel-Arrow streams: each request is
//! checked where it enters (refused INVALID_ARGUMENT if it does not decode), a message over the limit is refused as
//! grpc-go refuses it, and the request goes on as the OTLP bytes it came as, on its signal's port.

pub mod config;

use super::otap::{NodeConfig, URN};
use crate::components::{ComponentConfig, FACTORIES, Factory, Gives, Kind, NodeSpec, Nodes, Outputs, Placement};
use config::Config;
use linkme::distributed_slice;
use serde_json::{Value, json};

pub const TYPE: &str = "rust_otlp";

fn nodes(config: &Value, placement: &Placement) -> Result<Vec<NodeSpec>, String> {
    Ok(vec![NodeSpec { urn: URN, config: json!(NodeConfig::new(&Config::of(config)?, placement, false)?) }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Receiver,
    "OTLP/gRPC receiver on every engine core; malformed requests are refused where they enter",
    Nodes::Of(nodes),
)
.gives(Gives::Only(crate::components::Form::Otlp))
.outputs(Outputs::BySignal);

pub fn keep_linked() {
    std::hint::black_box(&FACTORY);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signal::Signal;

    fn node(config: Value) -> Value {
        let effective = Config::effective(&config).unwrap();
        let placement = Placement { id: TYPE, signals: &[Signal::Logs], pipelines: &[], max_request_bytes: None };
        let mut nodes = nodes(&effective, &placement).unwrap();
        assert_eq!((nodes.len(), nodes[0].urn), (1, URN));
        nodes.remove(0).config
    }

    // Scenario: the shorthand endpoint, the Collector's `protocols.grpc`, a typo. Guarantee: the node listens there,
    // decodes up to the limit, serves no OTel-Arrow stream; an unknown key (HTTP included) is refused in the
    // Collector's words.
    #[test]
    fn the_endpoint_becomes_the_grpc_listening_address() {
        let grpc = |addr: &str, mib: usize| json!({ "listening_addr": addr, "signals": ["logs"], "max_message_size": mib << 20, "arrow": false });
        assert_eq!(node(json!({ "endpoint": "127.0.0.1:4999" })), grpc("127.0.0.1:4999", 4));
        assert_eq!(
            node(json!({ "protocols": { "grpc": { "endpoint": "127.0.0.1:4998", "max_recv_msg_size_mib": 16 } } })),
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
