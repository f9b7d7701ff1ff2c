//! `rust_filter`: drops log records, spans and metrics by the Go filter processor's match properties, matched as Go
//! matches them (`matcher`) on each record where it lies in the OTLP request, in a Tandem node (`node`).

pub mod config;
mod matcher;
mod node;

use crate::components::{FACTORIES, Factory, Form, Kind, Nodes};
use config::Config;
use linkme::distributed_slice;

pub const TYPE: &str = "rust_filter";

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Processor,
    "drops log records, spans and metrics by the Collector's match properties, matched as Go matches them, in OTLP bytes",
    Nodes::One(node::URN),
)
.only(Form::Otlp);

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
        assert!(
            refused(json!({ "spans": { "exclude": { "match_type": "strict" } } }))
                .starts_with("'spans.exclude' must set at least one of services, span_names")
        );
        assert_eq!(
            refused(json!({ "metrics": { "include": { "metric_names": [] } } })),
            "'metrics.include' must set at least one of metric_names, resource_attributes"
        );
        assert_eq!(
            refused(json!({ "spans": { "include": { "match_type": "regexp", "attributes": [{ "key": "code", "value": 200 }] } } })),
            "'spans.include.attributes' with match_type regexp takes string values only, got Int(200) for \"code\""
        );
        assert_eq!(
            refused(json!({ "logs": { "include": { "record_attributes": [{ "key": "" }] } } })),
            "'logs.include.record_attributes' can't have an empty key"
        );
        assert!(
            refused(json!({ "spans": { "include": { "span_kinds": ["server"] } } }))
                .starts_with("'spans.include.span_kinds' must name standard span kinds")
        );
        assert!(
            refused(json!({ "spans": { "include": { "match_type": "regexp", "libraries": [{ "name": "ok", "version": "[" }] } } }))
                .starts_with("'spans.include.libraries' is not a valid regexp")
        );
    }
}
