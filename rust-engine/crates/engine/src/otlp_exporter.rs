//! `rust_otlp_grpc`: exports OTLP requests over gRPC from the engine, as bytes (nothing is decoded). Its outcome is
//! the answer to whoever sent the data: the gRPC codes the Collector's exporterhelper treats as transient
//! (UNAVAILABLE, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, ABORTED, CANCELLED, OUT_OF_RANGE, DATA_LOSS) are retryable,
//! everything else permanent. Retries happen upstream: a host receiver answers its client with a retryable status.

use crate::grpc::RawCodec;
use crate::node::Node;
use bytes::Bytes;
use futures::future::BoxFuture;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tandem_ipc::{layout, Answer, RequestError};
use tonic::transport::{Channel, Endpoint};
use tonic::Code;

pub const TYPE: &str = "rust_otlp_grpc";

pub fn default_config() -> serde_json::Value {
    serde_json::json!({ "endpoint": "localhost:4317", "timeout": "5s" })
}

pub struct Config {
    pub endpoint: String,
    pub timeout: Duration,
}

impl Config {
    pub fn from_json(config: &serde_json::Value) -> Result<Config, String> {
        let endpoint = crate::otlp_receiver::endpoint_of(config)?;
        Ok(Config { endpoint: endpoint.to_string(), timeout: crate::settings::duration_setting(config, "timeout", "5s")? })
    }
}

pub struct OtlpExporter {
    channel: LazyChannel,
    timeout: Duration,
}

impl OtlpExporter {
    pub fn new(config: &Config) -> Result<Arc<Self>, String> {
        Ok(Arc::new(OtlpExporter { channel: LazyChannel::new(config)?, timeout: config.timeout }))
    }
}

/// A gRPC channel made on first use, so that its connection runs on the runtime that uses it (the engine pipeline's
/// core), and connected lazily: an unreachable endpoint shows as retryable failures, not as a failed start.
pub struct LazyChannel {
    endpoint: Endpoint,
    channel: OnceLock<Channel>,
}

impl LazyChannel {
    pub fn new(config: &Config) -> Result<Self, String> {
        let uri = format!("http://{}", config.endpoint);
        let endpoint = Endpoint::from_shared(uri).map_err(|e| format!("'endpoint' {}: {e}", config.endpoint))?;
        Ok(LazyChannel { endpoint, channel: OnceLock::new() })
    }

    pub fn get(&self) -> Channel {
        self.channel.get_or_init(|| self.endpoint.connect_lazy()).clone()
    }
}

/// A gRPC status in Go's wording.
pub fn rpc_error(status: &tonic::Status) -> String {
    format!("rpc error: code = {:?} desc = {}", status.code(), status.message())
}

/// A failed export as an answer: the codes the Collector's exporterhelper treats as transient are retryable.
pub fn failure(exporter: &str, status: &tonic::Status) -> RequestError {
    let message = format!("{exporter}: {}", rpc_error(status));
    let transient = matches!(
        status.code(),
        Code::Unavailable | Code::ResourceExhausted | Code::DeadlineExceeded | Code::Aborted | Code::Cancelled | Code::OutOfRange | Code::DataLoss
    );
    if transient {
        RequestError::Retryable(message)
    } else {
        RequestError::Permanent(message)
    }
}

fn path_of(signal: u16) -> &'static str {
    match signal {
        layout::SIGNAL_TRACES => "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
        layout::SIGNAL_METRICS => "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
        _ => "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    }
}

impl Node for OtlpExporter {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        Box::pin(async move {
            let mut client = tonic::client::Grpc::new(self.channel.get());
            client.ready().await.map_err(|e| RequestError::Retryable(format!("{TYPE}: {e}")))?;
            let mut request = tonic::Request::new(payload);
            request.set_timeout(self.timeout);
            let path = tonic::codegen::http::uri::PathAndQuery::from_static(path_of(signal));
            client.unary::<Bytes, Bytes, _>(request, path, RawCodec).await.map(drop).map_err(|status| failure(TYPE, &status))
        })
    }
}
