//! `rust_attributes`: inserts, updates, upserts, deletes, renames and hashes record, resource and scope attributes
//! on OTAP batches, with otap-dataflow's attribute transform in a Tandem node (`node`) that changes the payloads the
//! Go attributes processor changes. The settings are core-nodes' attributes processor's (`apply_to`, `actions`).

pub mod config;
mod node;

use crate::components::{FACTORIES, Factory, Gives, Kind, Nodes};
use config::Config;
use linkme::distributed_slice;

pub const TYPE: &str = "rust_attributes";

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Processor,
    "inserts, updates, upserts, deletes, renames and hashes attributes: in OTLP bytes, or on OTAP batches with otap-dataflow's attribute transform",
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
    use crate::components::{ComponentConfig, Placement};
    use serde_json::{Value, json};

    // Scenario: the Collector's ways of getting an action wrong. Guarantee: each refused in the Collector's words.
    #[test]
    fn incomplete_and_unknown_actions_are_refused_in_the_collectors_words() {
        let refused = |actions: Value| Config::effective(&json!({ "actions": actions })).unwrap_err();
        assert_eq!(
            refused(json!([{ "key": "a", "action": "upsert", "value": 1 }, { "key": "b", "action": "explode" }])),
            "error creating AttrProc due to unsupported action \"explode\" at the 1-th actions"
        );
        assert_eq!(
            refused(json!([{ "key": "a", "action": "insert" }])),
            "error creating AttrProc. Field \"value\" must be specified for 0-th action"
        );
        assert_eq!(refused(json!([{ "action": "delete" }])), "error creating AttrProc due to missing required field \"key\" at the 0-th actions");
        assert!(refused(json!([{ "key": "a", "action": "delete" }, { "key": "a", "action": "hash" }])).starts_with("'actions': "));
        assert_eq!(
            refused(json!([{ "key": "a", "action": "insert", "value": [1] }])),
            "'actions[0].value' must be a string, number or bool, got [1]"
        );
        assert!(Config::effective(&json!({ "apply_to": ["everything"] })).unwrap_err().starts_with("'apply_to[0]' unknown variant `everything`"));
    }

    // Scenario: a config with every kind of action. Guarantee: the node gets it in otap-dataflow's shape, values as
    // the plain scalars the Collector writes.
    #[test]
    fn the_node_gets_the_actions_as_written() {
        let actions = json!([
            { "action": "insert", "key": "env", "value": "prod" },
            { "action": "rename", "source_key": "a", "destination_key": "b" },
            { "action": "hash", "key": "user", "salt": "s" }
        ]);
        let effective = Config::effective(&json!({ "apply_to": ["signal", "resource"], "actions": actions })).unwrap();
        let nodes = FACTORY.nodes_for(&effective, &Placement { id: TYPE, signals: &[], pipelines: &[], max_request_bytes: None }).unwrap();
        assert_eq!(nodes[0].config, json!({ "apply_to": ["signal", "resource"], "actions": actions }));
    }
}
