//! `rust_otlp_grpc`'s settings: where to send and how long to wait for an answer.

use crate::components::ComponentConfig;
use crate::components::config::{Endpoint, GoDuration};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `host:port` of an OTLP/gRPC receiver (plain text).
    pub endpoint: Endpoint,
    /// How long one export may take before it fails retryable.
    pub timeout: GoDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config { endpoint: Endpoint("localhost:4317".into()), timeout: GoDuration::of("5s") }
    }
}

impl ComponentConfig for Config {}
