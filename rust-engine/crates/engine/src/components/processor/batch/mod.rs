//! `rust_batch`: otap-dataflow's batch processor (core-nodes), driven by a Tandem node that adds what the Go batch
//! processor and Tandem's `linger` want and it lacks (`node`): batches of OTLP counted in items, a batch sent at once
//! (or after `linger`) when no earlier batch awaits its answer, and no batch merged past what its consumer takes (the ring's `max_message_size` for a
//! host consumer). OTLP requests are merged as bytes and OTAP batches as Arrow records, each without translating;
//! every caller is answered when its batch is acknowledged downstream.

pub mod config;
mod node;

use crate::components::{ComponentConfig, FACTORIES, Factory, Kind, NodeSpec, Nodes, Placement};
use config::Config;
use linkme::distributed_slice;
use serde_json::{Value, json};

pub const TYPE: &str = "rust_batch";

fn nodes(config: &Value, placement: &Placement) -> Result<Vec<NodeSpec>, String> {
    let config = Config::of(config)?;
    Ok(vec![NodeSpec {
        urn: node::URN,
        config: json!(node::NodeConfig { batch: config, max_request_bytes: placement.max_request_bytes.map(|b| b as u64) }),
    }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Processor,
    "otap-dataflow's batch processor: by items, bytes, time and linger; OTLP merged as bytes, OTAP as Arrow",
    Nodes::Of(nodes),
);

pub fn keep_linked() {
    std::hint::black_box(&FACTORY);
    node::keep_linked();
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: the Go processor's rule on the two item sizes, and the defaults. Guarantee: the Go wording; the
    // defaults are the Go processor's (8192 items, 200ms, no max) with Tandem's 4 MiB and no linger.
    #[test]
    fn max_size_below_size_is_refused_in_the_go_wording() {
        let error = Config::effective(&json!({ "send_batch_size": 100, "send_batch_max_size": 10 })).unwrap_err();
        assert_eq!(error, "send_batch_max_size must be greater or equal to send_batch_size");
        assert_eq!(
            Config::defaults(),
            json!({ "send_batch_size": 8192, "send_batch_max_size": 0, "send_batch_size_bytes": 4194304, "timeout": "200ms", "linger": "0s" })
        );
        assert!(Config::effective(&json!({ "colour": "blue" })).unwrap_err().ends_with("'' has invalid keys: colour"));
    }
}
