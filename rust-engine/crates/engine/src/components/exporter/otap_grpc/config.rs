//! `rust_otap_grpc`'s settings: the Go `otelarrow` exporter's endpoint, timeout and stream lifetime.

use crate::components::ComponentConfig;
use crate::components::config::{Endpoint, GoDuration};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `host:port` of an OTel-Arrow receiver (plain text).
    pub endpoint: Endpoint,
    /// How long a batch may wait for its status before it fails retryable.
    pub timeout: GoDuration,
    /// A stream is replaced after this long, which lets a load balancer spread them.
    pub max_stream_lifetime: GoDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config { endpoint: Endpoint("localhost:4317".into()), timeout: GoDuration::of("5s"), max_stream_lifetime: GoDuration::of("30s") }
    }
}

impl ComponentConfig for Config {}
