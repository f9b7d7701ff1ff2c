//! `rust_otlp`'s settings, in the Collector OTLP receiver's shape: `protocols.grpc` (`endpoint`,
//! `max_recv_msg_size_mib`), or `endpoint` alone for short. There is no `protocols.http`: otap-dataflow's OTLP/HTTP
//! server takes protobuf only, where the Collector's also takes JSON, so an `otlp` receiver with HTTP stays in the host.

use crate::components::ComponentConfig;
use crate::components::config::Endpoint;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Shorthand for `protocols.grpc.endpoint`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<Endpoint>,
    pub protocols: Protocols,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Protocols {
    pub grpc: Grpc,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Grpc {
    pub endpoint: Endpoint,
    /// The largest request accepted, in MiB (the Collector's default: 4).
    pub max_recv_msg_size_mib: u64,
}

impl Default for Grpc {
    fn default() -> Self {
        Grpc { endpoint: Endpoint("localhost:4317".into()), max_recv_msg_size_mib: 4 }
    }
}

impl Config {
    /// Where it listens: `endpoint`, else `protocols.grpc.endpoint`.
    pub fn grpc_endpoint(&self) -> &Endpoint {
        self.endpoint.as_ref().unwrap_or(&self.protocols.grpc.endpoint)
    }
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        if self.endpoint.is_some() && self.protocols.grpc != Grpc::default() {
            return Err("set either 'endpoint' or 'protocols::grpc', not both".into());
        }
        if self.protocols.grpc.max_recv_msg_size_mib == 0 {
            return Err("'protocols::grpc::max_recv_msg_size_mib' must be more than 0".into());
        }
        Ok(())
    }
}
