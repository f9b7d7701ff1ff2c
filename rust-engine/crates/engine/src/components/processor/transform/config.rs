//! `rust_transform`'s settings: otap-dataflow's transform processor's, exactly one of the three query settings given,
//! and the Go transform processor's `error_mode`.

use crate::components::ComponentConfig;
use serde::{Deserialize, Serialize};

/// What a query that fails on a batch does to the batch, as the Go transform processor's `error_mode` (the node
/// that runs the query is otap-dataflow's: its own settings do not include this one).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorMode {
    /// The batch is refused (a permanent error to its sender) and the error logged.
    #[default]
    Propagate,
    /// The error is logged and the batch goes on unchanged.
    Ignore,
    /// The batch goes on unchanged, nothing logged.
    Silent,
}

/// OTTL statements, by signal (otap-dataflow 0.62 runs log statements only).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Ottl {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_statements: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kql_query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opl_query: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ottl: Option<Ottl>,
    pub inbound_request_limit: u32,
    pub outbound_request_limit: u32,
    pub skip_sanitize_result: bool,
    pub filter_attribute_keys_case_sensitive: bool,
    pub error_mode: ErrorMode,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            kql_query: None,
            opl_query: None,
            ottl: None,
            inbound_request_limit: 1024,
            outbound_request_limit: 512,
            skip_sanitize_result: false,
            filter_attribute_keys_case_sensitive: true,
            error_mode: ErrorMode::Propagate,
        }
    }
}

pub const QUERIES: [&str; 3] = ["kql_query", "opl_query", "ottl"];

impl Config {
    /// Whether exactly one query setting is given.
    pub fn has_one_query(&self) -> bool {
        [self.kql_query.is_some(), self.opl_query.is_some(), self.ottl.is_some()].iter().filter(|given| **given).count() == 1
    }

    /// The config of otap-dataflow's node: these settings but `error_mode`, which is Tandem's node's.
    pub fn query_node_config(&self) -> serde_json::Value {
        let mut config = serde_json::to_value(self).expect("a config serializes");
        config.as_object_mut().expect("a struct serializes to an object").remove("error_mode");
        config
    }
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        if !self.has_one_query() {
            return Err(format!("exactly one of {} must be set", QUERIES.join(", ")));
        }
        if self.inbound_request_limit == 0 || self.outbound_request_limit == 0 {
            return Err("'inbound_request_limit' and 'outbound_request_limit' must be more than 0".into());
        }
        super::check_query(self)
    }
}
