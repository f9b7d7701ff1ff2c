//! `rust_otlp`'s settings: where it listens.

use crate::components::ComponentConfig;
use crate::components::config::Endpoint;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `host:port`, as the Collector's OTLP receiver's `protocols.grpc.endpoint`.
    pub endpoint: Endpoint,
}

impl Default for Config {
    fn default() -> Self {
        Config { endpoint: Endpoint("localhost:4317".into()) }
    }
}

impl ComponentConfig for Config {}
