//! `rust_filter`: otap-dataflow's filter processor (core-nodes) on OTAP batches: drops log records by severity, body
//! or attributes, spans by name, events or attributes, metrics by name. Matching runs on Arrow columns (a name
//! pattern is evaluated once per distinct name in a dictionary column), not on decoded records. The settings are the
//! Collector's (`spans`, `attributes`), given to the node in otap-dataflow's terms (`traces`, `span_attributes`).

pub mod config;

use crate::components::{ComponentConfig, FACTORIES, Factory, Form, Gives, Kind, NodeSpec, Outputs, Placement, Takes};
use config::{Config, LogMatch, SpanMatch};
use linkme::distributed_slice;
use otel_arrow_dfe_core_nodes::processors::filter_processor::FILTER_PROCESSOR_URN;
use serde_json::{Value, json};

pub const TYPE: &str = "rust_filter";

fn log_block(b: &LogMatch) -> Value {
    json!({
        "match_type": b.match_type,
        "resource_attributes": b.resource_attributes,
        "record_attributes": b.record_attributes,
        "severity_texts": b.severity_texts,
        "severity_number": b.severity_number.as_ref().map(|s| json!({ "min": s.min.0, "match_undefined": s.match_undefined })),
        "bodies": b.bodies,
    })
}

fn span_block(b: &SpanMatch) -> Value {
    json!({
        "match_type": b.match_type,
        "resource_attributes": b.resource_attributes,
        "span_attributes": b.attributes,
        "span_names": b.span_names,
        "event_names": b.event_names,
        "event_attributes": b.event_attributes,
        "link_attributes": b.link_attributes,
    })
}

/// The node's config in otap-dataflow's terms.
fn node_config(c: &Config) -> Value {
    json!({
        "logs": { "include": c.logs.include.as_ref().map(log_block), "exclude": c.logs.exclude.as_ref().map(log_block) },
        "traces": { "include": c.spans.include.as_ref().map(span_block), "exclude": c.spans.exclude.as_ref().map(span_block) },
        "metrics": { "include": c.metrics.include, "exclude": c.metrics.exclude },
    })
}

fn nodes(config: &Value, _: &Placement) -> Result<Vec<NodeSpec>, String> {
    Ok(vec![NodeSpec { urn: FILTER_PROCESSOR_URN, config: node_config(&Config::of(config)?) }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory {
    ty: TYPE,
    kind: Kind::Processor,
    description: "otap-dataflow's filter processor: drops log records, spans and metrics by the Collector's match properties, on OTAP batches",
    pairs: &[],
    takes: Takes::Only(Form::Otap),
    gives: Gives::Only(Form::Otap),
    outputs: Outputs::One,
    default_config: Config::defaults,
    config: Config::effective,
    nodes,
};

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &otel_arrow_dfe_core_nodes::processors::filter_processor::FILTER_PROCESSOR_FACTORY));
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: the Collector's ways of getting a filter wrong. Guarantee: each refused with the setting's path.
    #[test]
    fn bad_blocks_are_refused_naming_the_setting() {
        let refused = |config: Value| Config::effective(&config).unwrap_err();
        assert_eq!(refused(json!({ "spans": { "exclude": { "match_type": "fuzzy", "span_names": ["a"] } } })), "'spans.exclude.match_type' must be strict or regexp, got fuzzy");
        assert!(refused(json!({ "logs": { "include": { "match_type": "regexp", "severity_texts": ["(unclosed"] } } })).starts_with("'logs.include.severity_texts' is not a valid regexp"));
        assert!(refused(json!({ "logs": { "include": { "severity": "WARN" } } })).ends_with("'logs.include' has invalid keys: severity"));
        assert!(refused(json!({ "logs": { "include": { "severity_number": { "min": "LOUD" } } } })).starts_with("'logs.include.severity_number.min' must be a severity"));
    }

    // Scenario: a log severity by name and a span block. Guarantee: the node gets otap-dataflow's names and numbers:
    // WARN2 is 14, `spans` is `traces`, `attributes` is `span_attributes`.
    #[test]
    fn the_node_gets_the_filter_in_otap_dataflows_terms() {
        let given = json!({
            "logs": { "include": { "severity_number": { "min": "warn2" } } },
            "spans": { "exclude": { "match_type": "regexp", "span_names": ["^health"], "attributes": [{ "key": "k", "value": 1 }] } },
        });
        let nodes = nodes(&Config::effective(&given).unwrap(), &Placement { id: TYPE, signals: &[], pipelines: &[], max_request_bytes: None }).unwrap();
        let config = &nodes[0].config;
        assert_eq!(config["logs"]["include"]["severity_number"], json!({ "min": 14, "match_undefined": false }));
        assert_eq!(config["logs"]["exclude"], Value::Null);
        assert_eq!(config["traces"]["exclude"]["span_names"], json!(["^health"]));
        assert_eq!(config["traces"]["exclude"]["span_attributes"], json!([{ "key": "k", "value": 1 }]));
        assert_eq!(config["traces"]["exclude"]["match_type"], json!("regexp"));
    }
}
