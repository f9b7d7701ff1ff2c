//! `rust_filter`: drops log records by severity, body or attributes, spans by name, events or attributes, metrics by
//! name, on OTAP batches with otel-arrow-dfe-pdata's filters (those of core-nodes' filter processor), in a Tandem node
//! (`node`) that keeps what the Go filter processor keeps where pdata 0.62 alone would not. Matching runs on Arrow
//! columns (a name pattern is evaluated once per distinct name in a dictionary column), not on decoded records. Blocks
//! that match exactly on names and attributes run on OTLP bytes as they came (`otlp`), without a translation.

pub mod config;
mod node;
mod otlp;

use crate::components::{FACTORIES, Factory, Gives, Kind, Nodes};
use config::Config;
use linkme::distributed_slice;

pub const TYPE: &str = "rust_filter";

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Processor,
    "drops log records, spans and metrics by the Collector's match properties: exact matches on names and attributes in OTLP bytes, the rest on OTAP batches with otap-dataflow's filters",
    Nodes::One(node::URN),
)
.gives(Gives::Either);

pub fn keep_linked() {
    std::hint::black_box(&FACTORY);
    node::keep_linked();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::ComponentConfig;
    use serde_json::{Value, json};

    // Scenario: the Collector's ways of getting a filter wrong. Guarantee: each refused with the setting's path.
    #[test]
    fn bad_blocks_are_refused_naming_the_setting() {
        let refused = |config: Value| Config::effective(&config).unwrap_err();
        assert_eq!(
            refused(json!({ "spans": { "exclude": { "match_type": "fuzzy", "span_names": ["a"] } } })),
            "'spans.exclude.match_type' must be strict or regexp, got fuzzy"
        );
        assert!(
            refused(json!({ "logs": { "include": { "match_type": "regexp", "severity_texts": ["(unclosed"] } } }))
                .starts_with("'logs.include.severity_texts' is not a valid regexp")
        );
        assert!(refused(json!({ "logs": { "include": { "severity": "WARN" } } })).ends_with("'logs.include' has invalid keys: severity"));
        assert!(
            refused(json!({ "logs": { "include": { "severity_number": { "min": "LOUD" } } } }))
                .starts_with("'logs.include.severity_number.min' must be a severity")
        );
    }
}
