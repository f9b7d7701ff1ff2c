//! `rust_otlp`: an OTLP/gRPC receiver served by the engine. Each request's bytes go, undecoded, to the consumers the
//! host deployed it with (engine components, or host consumers over the ring); their answer becomes the gRPC status,
//! as the Collector's OTLP receiver maps consumer errors: retryable to UNAVAILABLE, permanent to INTERNAL.

use crate::grpc::RawCodec;
use crate::counters::{Counted, Counters};
use crate::node::Next;
use bytes::Bytes;
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tandem_ipc::{layout, RequestError};
use tonic::body::Body;
use tonic::codegen::{http, BoxFuture, Service};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::codec::CompressionEncoding;
use tonic::Status;

pub const TYPE: &str = "rust_otlp";

pub fn default_config() -> serde_json::Value {
    serde_json::json!({ "endpoint": "localhost:4317" })
}

pub fn check_config(config: &serde_json::Value) -> Result<(), String> {
    endpoint_of(config).map(drop)
}

/// The `endpoint` setting (host:port) of an OTLP receiver or exporter config.
pub fn endpoint_of(config: &serde_json::Value) -> Result<&str, String> {
    let endpoint = config["endpoint"].as_str().ok_or("'endpoint' must be a string such as \"localhost:4317\"")?;
    if !endpoint.contains(':') {
        return Err(format!("'endpoint' must be host:port, got \"{endpoint}\""));
    }
    Ok(endpoint)
}

/// Where a receiver's requests go, one target per pipeline and signal (fan-out happens here), and the receiver's
/// counters. Shared with the deployment, which adds signals while the receiver runs (the host starts one receiver
/// instance per signal).
#[derive(Default)]
pub struct Routes {
    by_signal: Mutex<HashMap<u16, Vec<Next>>>,
    pub counters: Arc<Counters>,
}

pub type Targets = Arc<Routes>;

impl Routes {
    pub fn add(&self, code: u16, next: Next) {
        self.by_signal.lock().unwrap().entry(code).or_default().push(next);
    }

    /// The consumers of a signal's requests, counted as the receiver's, or None when no pipeline of that signal uses
    /// the receiver.
    pub fn next(&self, code: u16) -> Option<Next> {
        let targets = self.by_signal.lock().unwrap().get(&code).cloned()?;
        let inner = Next::all(targets).ok()?;
        Some(Next::Component(Arc::new(Counted { inner, counters: self.counters.clone(), delivers: true })))
    }
}

/// One signal's gRPC services (OTLP's unary Export, OTel-Arrow's stream) and its ring code.
pub trait Signal: Send + Sync + 'static {
    const SERVICE: &'static str;
    const ARROW_SERVICE: &'static str;
    const ARROW_METHOD: &'static str;
    const CODE: u16;
}
pub struct Traces;
pub struct Metrics;
pub struct Logs;
impl Signal for Traces {
    const SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    const ARROW_SERVICE: &'static str = "opentelemetry.proto.experimental.arrow.v1.ArrowTracesService";
    const ARROW_METHOD: &'static str = "ArrowTraces";
    const CODE: u16 = layout::SIGNAL_TRACES;
}
impl Signal for Metrics {
    const SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    const ARROW_SERVICE: &'static str = "opentelemetry.proto.experimental.arrow.v1.ArrowMetricsService";
    const ARROW_METHOD: &'static str = "ArrowMetrics";
    const CODE: u16 = layout::SIGNAL_METRICS;
}
impl Signal for Logs {
    const SERVICE: &'static str = "opentelemetry.proto.collector.logs.v1.LogsService";
    const ARROW_SERVICE: &'static str = "opentelemetry.proto.experimental.arrow.v1.ArrowLogsService";
    const ARROW_METHOD: &'static str = "ArrowLogs";
    const CODE: u16 = layout::SIGNAL_LOGS;
}

pub fn not_served<B>(request: &http::Request<B>) -> Status {
    Status::unimplemented(format!("{} is not served: no pipeline of that signal uses this receiver", request.uri().path()))
}

pub struct OtlpService<S> {
    targets: Targets,
    signal: std::marker::PhantomData<S>,
}

impl<S> Clone for OtlpService<S> {
    fn clone(&self) -> Self {
        OtlpService { targets: self.targets.clone(), signal: std::marker::PhantomData }
    }
}

impl<S: Signal> NamedService for OtlpService<S> {
    const NAME: &'static str = S::SERVICE;
}

struct Export {
    next: Next,
    signal: u16,
}

impl UnaryService<Bytes> for Export {
    type Response = Bytes;
    type Future = BoxFuture<tonic::Response<Bytes>, Status>;
    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let sent = self.next.send(self.signal, request.into_inner());
        Box::pin(async move {
            match sent.await {
                Ok(()) => Ok(tonic::Response::new(Bytes::new())),
                Err(RequestError::Permanent(message)) => Err(Status::internal(message)),
                Err(RequestError::Retryable(message)) => Err(Status::unavailable(message)),
            }
        })
    }
}

impl<S: Signal> Service<http::Request<Body>> for OtlpService<S> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let (Some(next), true) = (self.targets.next(S::CODE), request.uri().path().ends_with("/Export")) else {
            return Box::pin(async move { Ok(not_served(&request).into_http()) });
        };
        let export = Export { next, signal: S::CODE };
        let mut grpc = grpc_server(RawCodec, &mut request);
        Box::pin(async move { Ok(grpc.unary(export, request).await) })
    }
}

/// The largest request a receiver decodes: gRPC's default, as in the Collector.
pub const MAX_MESSAGE_SIZE: usize = 4 << 20;

/// A gRPC server for one call, with the limits and compressions the engine's receivers accept (gzip and zstd, as the
/// Collector's; the Go `otelarrow` exporter's `zstdarrowN` names are zstd frames, read as zstd).
pub fn grpc_server<C: tonic::codec::Codec, B>(codec: C, request: &mut http::Request<B>) -> Grpc<C> {
    let headers = request.headers_mut();
    if headers.get("grpc-encoding").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("zstdarrow")) {
        headers.insert("grpc-encoding", http::HeaderValue::from_static("zstd"));
    }
    Grpc::new(codec)
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .accept_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Zstd)
}

/// Binds first, so that a taken port is an error of the caller's start, then serves until `stop` resolves.
pub async fn bind(endpoint: &str) -> Result<tokio::net::TcpListener, String> {
    tokio::net::TcpListener::bind(endpoint).await.map_err(|e| format!("cannot listen on {endpoint}: {e}"))
}

/// Serves the OTLP services and, with `arrow`, the OTel-Arrow stream services on the same port (as the Go
/// Collector's `otelarrow` receiver does), until `stop` resolves.
pub async fn serve(listener: tokio::net::TcpListener, targets: Targets, arrow: bool, stop: impl std::future::Future<Output = ()>) {
    fn service<S: Signal>(targets: &Targets) -> OtlpService<S> {
        OtlpService { targets: targets.clone(), signal: std::marker::PhantomData }
    }
    let incoming = tokio_stream::wrappers::TcpListenerStream::new(listener);
    let mut router = tonic::transport::Server::builder()
        .add_service(service::<Traces>(&targets))
        .add_service(service::<Metrics>(&targets))
        .add_service(service::<Logs>(&targets));
    if arrow {
        use crate::otap_receiver::ArrowService;
        router = router
            .add_service(ArrowService::<Traces>::new(&targets))
            .add_service(ArrowService::<Metrics>::new(&targets))
            .add_service(ArrowService::<Logs>::new(&targets));
    }
    if let Err(e) = router.serve_with_incoming_shutdown(incoming, stop).await {
        crate::log::error("receiver failed", serde_json::json!({ "error": e.to_string() }));
    }
}

/// The gRPC path of a signal's OTel-Arrow stream method.
pub fn arrow_path(code: u16) -> String {
    fn path<S: Signal>() -> String {
        format!("/{}/{}", S::ARROW_SERVICE, S::ARROW_METHOD)
    }
    match code {
        layout::SIGNAL_TRACES => path::<Traces>(),
        layout::SIGNAL_METRICS => path::<Metrics>(),
        _ => path::<Logs>(),
    }
}
