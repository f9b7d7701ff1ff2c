//! `rust_otlp_grpc`'s settings: where to send, how long to wait for an answer, and the compression.

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
    /// `gzip`, `zstd`, `deflate`, or `none` (the default here; the Collector's `otlp` exporter gzips by default).
    pub compression: Compression,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    #[serde(alias = "")]
    None,
    Gzip,
    Zstd,
    Deflate,
}

impl Compression {
    /// otap-dataflow's name for it, none for no compression.
    pub fn method(self) -> Option<&'static str> {
        match self {
            Compression::None => None,
            Compression::Gzip => Some("gzip"),
            Compression::Zstd => Some("zstd"),
            Compression::Deflate => Some("deflate"),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config { endpoint: Endpoint("localhost:4317".into()), timeout: GoDuration::of("5s"), compression: Compression::None }
    }
}

impl ComponentConfig for Config {}
