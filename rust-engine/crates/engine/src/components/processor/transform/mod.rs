//! `rust_transform`: otap-dataflow's transform processor (core-nodes), which runs a KQL or OPL query, or OTTL log
//! statements, over OTAP batches: `logs | where severity_text == "ERROR"`, `traces | extend attributes["team"] = "a"`.
//! Its settings are otap-dataflow's, and Go's `error_mode` for a batch the query fails on (`node`). Its named outputs
//! (`route_to`) are not wired: its one output is the pipeline's.

pub mod config;
mod node;

use crate::components::{FACTORIES, Factory, Form, Kind, Nodes};
use config::Config;
use linkme::distributed_slice;
use serde_json::json;

pub const TYPE: &str = "rust_transform";

/// Parses the query as otap-dataflow will, by making (not running) a pipeline with the node: a query with an error
/// fails validation, not the start.
fn check_query(config: &Config) -> Result<(), String> {
    let pipeline = json!({
        "type": "otap",
        "nodes": {
            "in": { "type": crate::ring::ingress::URN, "config": { "core": 0, "routes": [1] } },
            "transform": { "type": node::URN, "config": config },
            "out": { "type": otel_arrow_dfe_core_nodes::exporters::noop_exporter::NOOP_EXPORTER_URN, "config": {} },
        },
        "connections": [{ "from": "in[\"route-1\"]", "to": "transform" }, { "from": "transform", "to": "out" }],
    });
    crate::runtime::check(crate::runtime::config_of("check", &pipeline)?)
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Processor,
    "otap-dataflow's transform processor: a KQL or OPL query, or OTTL log statements, over OTAP batches",
    Nodes::One(node::URN),
)
.only(Form::Otap);

pub fn keep_linked() {
    std::hint::black_box(&FACTORY);
    node::keep_linked();
    std::hint::black_box(&otel_arrow_dfe_core_nodes::exporters::noop_exporter::NOOP_EXPORTER);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::ComponentConfig;

    // Scenario: no query, two queries, a query that does not parse, one that does. Guarantee: the first three are
    // refused before anything runs (the third with otap-dataflow's parse error); the last is accepted.
    #[test]
    fn exactly_one_query_that_parses() {
        crate::keep_linked();
        let expected = "exactly one of kql_query, opl_query, ottl must be set";
        assert_eq!(Config::effective(&json!({})).unwrap_err(), expected);
        assert_eq!(Config::effective(&json!({ "kql_query": "logs", "opl_query": "logs" })).unwrap_err(), expected);
        assert!(Config::effective(&json!({ "kql_query": "logs | explode" })).unwrap_err().contains("Could not parse TransformProcessor query"));
        assert!(Config::effective(&json!({ "kql_query": "logs | where severity_text == \"ERROR\"" })).is_ok());
    }

    // Scenario: `error_mode` given, left out, and misspelt. Guarantee: Go's three modes decode, propagate is the
    // default, another word is refused, and otap-dataflow's node is configured without it (its own settings only).
    #[test]
    fn error_mode_is_tandems_setting_not_the_query_nodes() {
        let query = json!({ "kql_query": "logs" });
        let effective = Config::effective(&query).unwrap();
        assert_eq!(effective["error_mode"], "propagate");
        let ignore = Config::effective(&json!({ "kql_query": "logs", "error_mode": "ignore" })).unwrap();
        assert_eq!(Config::of(&ignore).unwrap().error_mode, config::ErrorMode::Ignore);
        assert!(Config::effective(&json!({ "kql_query": "logs", "error_mode": "loud" })).unwrap_err().contains("unknown variant `loud`"));
        let node = Config::of(&ignore).unwrap().query_node_config();
        assert_eq!(node.get("error_mode"), None);
        assert_eq!(node["kql_query"], "logs");
    }
}
