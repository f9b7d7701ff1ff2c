//! `rust_transform`: otap-dataflow's own transform processor (core-nodes), which runs a KQL or OPL query, or OTTL log
//! statements, over OTAP batches: `logs | where severity_text == "ERROR"`, `traces | extend attributes["team"] = "a"`.
//! Its settings are otap-dataflow's; exactly one of the three query settings is given.

use crate::dataflow::{Native, native};
use otel_arrow_dfe_core_nodes::processors::transform_processor::TRANSFORM_PROCESSOR_URN;
use serde_json::Value;

pub const TYPE: &str = "rust_transform";
const QUERIES: [&str; 3] = ["kql_query", "opl_query", "ottl"];

pub fn default_config() -> Value {
    serde_json::json!({
        "kql_query": null,
        "opl_query": null,
        "ottl": null,
        "inbound_request_limit": 1024,
        "outbound_request_limit": 512,
        "skip_sanitize_result": false,
        "filter_attribute_keys_case_sensitive": true,
    })
}

/// The otap-dataflow node of an effective config: without the query settings not given.
pub fn native_of(config: &Value) -> Result<Native, String> {
    let mut config = config.as_object().cloned().ok_or("expected a map")?;
    config.retain(|_, value| !value.is_null());
    if QUERIES.iter().filter(|query| config.contains_key(**query)).count() != 1 {
        return Err(format!("exactly one of {} must be set", QUERIES.join(", ")));
    }
    Ok(Native { urn: TRANSFORM_PROCESSOR_URN, config: Value::Object(config) })
}

/// Parses the query as otap-dataflow will, so that a query with an error fails validation.
pub fn check(config: &Value) -> Result<(), String> {
    native::check(native_of(config)?)
}
