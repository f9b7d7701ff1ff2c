//! `rust_otlp_grpc`: otap-dataflow's OTLP/gRPC exporter (core-nodes). Requests leave as the OTLP bytes they are;
//! OTAP is translated in front of it once, by Tandem (`otap::convert`, with its repairs). Its outcome is the answer
//! to whoever sent the data; the gRPC codes otap-dataflow treats as transient are retryable.

pub mod config;

use crate::components::{ComponentConfig, FACTORIES, Factory, Form, Kind, NodeSpec, Nodes, Placement, Takes};
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_core_nodes::exporters::otlp_grpc_exporter::OTLP_EXPORTER_URN;
use serde_json::{Value, json};

pub const TYPE: &str = "rust_otlp_grpc";

fn node_config(config: &Config) -> Value {
    let timeout_ms = config.timeout.duration.as_millis().max(1);
    let mut node = json!({ "grpc_endpoint": format!("http://{}", config.endpoint.0), "timeout": format!("{timeout_ms}ms") });
    if let Some(method) = config.compression.method() {
        node["compression_method"] = json!(method);
    }
    node
}

fn nodes(config: &Value, _: &Placement) -> Result<Vec<NodeSpec>, String> {
    Ok(vec![NodeSpec { urn: OTLP_EXPORTER_URN, config: node_config(&Config::of(config)?) }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Exporter,
    "otap-dataflow's OTLP/gRPC exporter; requests leave as OTLP bytes, OTAP translated once",
    Nodes::Of(nodes),
)
.takes(Takes::Only(Form::Otlp));

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &otel_arrow_dfe_core_nodes::exporters::otlp_grpc_exporter::OTLP_EXPORTER));
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: the Collector-style endpoint and timeout. Guarantee: otap-dataflow's URL and duration; a timeout in
    // words is refused naming the setting.
    #[test]
    fn endpoint_and_timeout_become_otap_dataflows_settings() {
        let effective = Config::effective(&json!({ "endpoint": "127.0.0.1:4317", "timeout": "1.5s" })).unwrap();
        let nodes = nodes(&effective, &Placement { id: TYPE, signals: &[], pipelines: &[], max_request_bytes: None }).unwrap();
        assert_eq!(nodes[0].config, json!({ "grpc_endpoint": "http://127.0.0.1:4317", "timeout": "1500ms" }));
        assert_eq!(Config::effective(&json!({ "timeout": "soon" })).unwrap_err(), "'timeout' is not a duration: \"soon\"");
    }

    // Scenario: each compression the Collector's otlp exporter names, and one it does not. Guarantee: otap-dataflow's
    // method (none: no setting), the unknown one refused naming the setting.
    #[test]
    fn compression_becomes_otap_dataflows_method() {
        let method =
            |c: &str| node_config(&Config::of(&Config::effective(&json!({ "compression": c })).unwrap()).unwrap())["compression_method"].clone();
        assert_eq!(method("gzip"), json!("gzip"));
        assert_eq!(method("zstd"), json!("zstd"));
        assert_eq!(method("none"), Value::Null);
        assert_eq!(method(""), Value::Null);
        assert!(
            Config::effective(&json!({ "compression": "lz4" })).unwrap_err().starts_with("'compression'"),
            "{:?}",
            Config::effective(&json!({ "compression": "lz4" }))
        );
    }
}
