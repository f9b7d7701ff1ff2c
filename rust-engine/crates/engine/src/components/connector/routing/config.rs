//! `rust_routing`'s settings: the resource attribute to route by, and the pipelines of each of its values.

use crate::components::ComponentConfig;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub value: String,
    pub pipelines: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub attribute: String,
    pub table: Vec<Route>,
    pub default_pipelines: Vec<String>,
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        if self.attribute.is_empty() {
            return Err("'attribute' must name the resource attribute to route by".into());
        }
        if self.table.is_empty() {
            return Err("'table' must have at least one row".into());
        }
        if let Some(i) = self.table.iter().position(|row| row.pipelines.is_empty()) {
            return Err(format!("'table[{i}].pipelines' must name at least one pipeline"));
        }
        Ok(())
    }
}
