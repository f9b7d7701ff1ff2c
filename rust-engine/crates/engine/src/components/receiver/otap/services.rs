//! The gRPC services `rust_otap` serves on one port, as the Go Collector's `otelarrow` receiver does: OTLP's unary
//! `Export` (bytes passed on undecoded once checked) and OTel-Arrow's streams (each `BatchArrowRecords` decoded with
//! Tandem's repairs, passed on as OTAP records, its `BatchStatus` sent when the pipeline answered). Batches of one
//! stream are in the pipeline concurrently, so statuses may come back out of order, as the protocol allows.

use super::Sender;
use crate::grpc::RawCodec;
use crate::otap::{Payload, StreamDecoder};
use crate::otlp;
use crate::signal::Signal;
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::{BatchArrowRecords, BatchStatus, StatusCode};
use std::convert::Infallible;
use std::task::{Context, Poll};
use tandem_ipc::{Answer, RequestError};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::body::Body;
use tonic::codec::CompressionEncoding;
use tonic::codegen::{Service, http};
use tonic::server::{Grpc, NamedService, UnaryService};
use tonic::{Status, Streaming};
use tonic_prost::ProstCodec;

/// Batches of one stream in the pipeline at once; the stream is not read further until one is answered.
const MAX_IN_FLIGHT_PER_STREAM: usize = 64;

/// One signal's gRPC services (OTLP's unary Export, OTel-Arrow's stream).
pub trait SignalServices: Send + Sync + 'static {
    const SIGNAL: Signal;
    const SERVICE: &'static str;
    const ARROW_SERVICE: &'static str;
    const ARROW_METHOD: &'static str;
}
pub struct Traces;
pub struct Metrics;
pub struct Logs;
impl SignalServices for Traces {
    const SIGNAL: Signal = Signal::Traces;
    const SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    const ARROW_SERVICE: &'static str = "opentelemetry.proto.experimental.arrow.v1.ArrowTracesService";
    const ARROW_METHOD: &'static str = "ArrowTraces";
}
impl SignalServices for Metrics {
    const SIGNAL: Signal = Signal::Metrics;
    const SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    const ARROW_SERVICE: &'static str = "opentelemetry.proto.experimental.arrow.v1.ArrowMetricsService";
    const ARROW_METHOD: &'static str = "ArrowMetrics";
}
impl SignalServices for Logs {
    const SIGNAL: Signal = Signal::Logs;
    const SERVICE: &'static str = "opentelemetry.proto.collector.logs.v1.LogsService";
    const ARROW_SERVICE: &'static str = "opentelemetry.proto.experimental.arrow.v1.ArrowLogsService";
    const ARROW_METHOD: &'static str = "ArrowLogs";
}

/// The gRPC path of a signal's OTel-Arrow stream method (what `rust_otap_grpc` calls).
pub fn arrow_path(signal: Signal) -> String {
    fn path<S: SignalServices>() -> String {
        format!("/{}/{}", S::ARROW_SERVICE, S::ARROW_METHOD)
    }
    match signal {
        Signal::Traces => path::<Traces>(),
        Signal::Metrics => path::<Metrics>(),
        Signal::Logs => path::<Logs>(),
    }
}

fn not_served<B>(request: &http::Request<B>) -> Status {
    Status::unimplemented(format!("{} is not served: no pipeline of that signal uses this receiver", request.uri().path()))
}

/// A gRPC server for one call, with the limit and compressions the receiver accepts (gzip and zstd, as the
/// Collector's; the Go `otelarrow` exporter's `zstdarrowN` names are zstd frames, read as zstd).
fn grpc_server<C: tonic::codec::Codec, B>(codec: C, request: &mut http::Request<B>, max_message_size: usize) -> Grpc<C> {
    let headers = request.headers_mut();
    if headers.get("grpc-encoding").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("zstdarrow")) {
        headers.insert("grpc-encoding", http::HeaderValue::from_static("zstd"));
    }
    Grpc::new(codec)
        .max_decoding_message_size(max_message_size)
        .accept_compressed(CompressionEncoding::Gzip)
        .accept_compressed(CompressionEncoding::Zstd)
}

/// tonic refuses a message over the decoding limit with OUT_OF_RANGE, which OTLP and OTel-Arrow clients retry, sending
/// the same message again; grpc-go, and so the Collector, with RESOURCE_EXHAUSTED, which they do not (without
/// RetryInfo). The refusal in grpc-go's code and wording; any other status unchanged.
fn over_limit_as_grpc_go(status: Status) -> Status {
    let go_message = (status.code() == tonic::Code::OutOfRange)
        .then(|| status.message().strip_prefix("Error, decoded message length too large: found "))
        .flatten()
        .and_then(|rest| rest.strip_suffix(" bytes")?.split_once(" bytes, the limit is: "))
        .map(|(found, limit)| format!("grpc: received message larger than max ({found} vs. {limit})"));
    go_message.map_or(status, Status::resource_exhausted)
}

/// The answer of the pipeline (or of the check where data enters) as a gRPC status, as the Collector's receivers map
/// consumer errors: retryable to UNAVAILABLE, permanent to INTERNAL, malformed input to INVALID_ARGUMENT.
fn grpc_status(answer: Answer) -> Result<(), Status> {
    match answer {
        Ok(()) => Ok(()),
        Err(RequestError::Retryable(message)) => Err(Status::unavailable(message)),
        Err(RequestError::Permanent(message)) => Err(Status::internal(message)),
    }
}

pub struct OtlpService<S> {
    sender: Sender,
    signal: std::marker::PhantomData<S>,
}

impl<S> OtlpService<S> {
    pub fn new(sender: &Sender) -> Self {
        OtlpService { sender: sender.clone(), signal: std::marker::PhantomData }
    }
}

impl<S> Clone for OtlpService<S> {
    fn clone(&self) -> Self {
        OtlpService::new(&self.sender)
    }
}

impl<S: SignalServices> NamedService for OtlpService<S> {
    const NAME: &'static str = S::SERVICE;
}

struct Export {
    sender: Sender,
    signal: Signal,
}

impl UnaryService<Bytes> for Export {
    type Response = Bytes;
    type Future = BoxFuture<'static, Result<tonic::Response<Bytes>, Status>>;
    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let (sender, signal) = (self.sender.clone(), self.signal);
        Box::pin(async move {
            let request = request.into_inner();
            otlp::validate(signal, &request).map_err(Status::invalid_argument)?;
            grpc_status(sender.send(Payload::Otlp(signal, request)).await)?;
            Ok(tonic::Response::new(Bytes::new()))
        })
    }
}

impl<S: SignalServices> Service<http::Request<Body>> for OtlpService<S> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        if !self.sender.serves(S::SIGNAL) || !request.uri().path().ends_with("/Export") {
            return Box::pin(async move { Ok(not_served(&request).into_http()) });
        }
        let export = Export { sender: self.sender.clone(), signal: S::SIGNAL };
        let mut grpc = grpc_server(RawCodec, &mut request, self.sender.max_message_size);
        Box::pin(async move {
            let response = grpc.unary(export, request).await;
            // A refusal before the call ran is trailers-only: its status is in the headers.
            Ok(match Status::from_header_map(response.headers()) {
                Some(refused) if refused.code() == tonic::Code::OutOfRange => over_limit_as_grpc_go(refused).into_http(),
                _ => response,
            })
        })
    }
}

pub struct ArrowService<S> {
    sender: Sender,
    signal: std::marker::PhantomData<S>,
}

impl<S> ArrowService<S> {
    pub fn new(sender: &Sender) -> Self {
        ArrowService { sender: sender.clone(), signal: std::marker::PhantomData }
    }
}

impl<S> Clone for ArrowService<S> {
    fn clone(&self) -> Self {
        ArrowService::new(&self.sender)
    }
}

impl<S: SignalServices> NamedService for ArrowService<S> {
    const NAME: &'static str = S::ARROW_SERVICE;
}

impl<S: SignalServices> Service<http::Request<Body>> for ArrowService<S> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        if !self.sender.serves(S::SIGNAL) || !request.uri().path().ends_with(S::ARROW_METHOD) {
            return Box::pin(async move { Ok(not_served(&request).into_http()) });
        }
        let stream = ArrowStream { sender: self.sender.clone(), signal: S::SIGNAL };
        let mut grpc = grpc_server(ProstCodec::<BatchStatus, BatchArrowRecords>::default(), &mut request, self.sender.max_message_size);
        Box::pin(async move { Ok(grpc.streaming(stream, request).await) })
    }
}

/// One client stream: answered by a task that reads its batches and writes their statuses.
struct ArrowStream {
    sender: Sender,
    signal: Signal,
}

type Statuses = ReceiverStream<Result<BatchStatus, Status>>;

impl Service<tonic::Request<Streaming<BatchArrowRecords>>> for ArrowStream {
    type Response = tonic::Response<Statuses>;
    type Error = Status;
    type Future = futures::future::Ready<Result<Self::Response, Status>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Status>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: tonic::Request<Streaming<BatchArrowRecords>>) -> Self::Future {
        let (statuses, sent) = mpsc::channel(MAX_IN_FLIGHT_PER_STREAM);
        tokio::spawn(answer_batches(request.into_inner(), self.sender.clone(), self.signal, statuses));
        futures::future::ready(Ok(tonic::Response::new(ReceiverStream::new(sent))))
    }
}

async fn answer_batches(
    mut batches: Streaming<BatchArrowRecords>,
    sender: Sender,
    signal: Signal,
    statuses: mpsc::Sender<Result<BatchStatus, Status>>,
) {
    let mut decoder = StreamDecoder::default();
    let mut in_flight: FuturesUnordered<BoxFuture<'static, BatchStatus>> = FuturesUnordered::new();
    let mut reading = true;
    // Why reading stopped, if the stream broke: sent after the statuses of the batches in flight, it ends the stream.
    let mut broken: Option<Status> = None;
    while reading || !in_flight.is_empty() {
        tokio::select! {
            batch = batches.message(), if reading && in_flight.len() < MAX_IN_FLIGHT_PER_STREAM => match batch {
                Ok(Some(mut batch)) => {
                    let id = batch.batch_id;
                    in_flight.push(match decoder.decode(signal, &mut batch) {
                        Ok(records) => {
                            let sender = sender.clone();
                            Box::pin(async move { status_of(id, sender.send(Payload::Otap(records)).await) })
                        }
                        Err(message) => {
                            // The stream's Arrow state (schemas, dictionaries) cannot be trusted after this: answer
                            // the batch, read no more, and let the client open a new stream for the rest.
                            reading = false;
                            Box::pin(futures::future::ready(status(id, StatusCode::InvalidArgument, message)))
                        }
                    });
                }
                // The client closed its side (or went away): finish what is in flight; the pipeline's work is not
                // abandoned even when its status can no longer be delivered.
                Ok(None) => reading = false,
                // A message that could not be read (too large, say): the rest of the stream cannot be either.
                Err(status) => {
                    reading = false;
                    broken = Some(over_limit_as_grpc_go(status));
                }
            },
            Some(done) = in_flight.next() => {
                let _ = statuses.send(Ok(done)).await;
            }
        }
    }
    if let Some(status) = broken {
        let _ = statuses.send(Err(status)).await;
    }
}

fn status(batch_id: i64, code: StatusCode, status_message: String) -> BatchStatus {
    BatchStatus { batch_id, status_code: code as i32, status_message }
}

/// The pipeline's answer as a batch status, with the codes the OTLP service uses for the same answers.
fn status_of(batch_id: i64, answer: Answer) -> BatchStatus {
    match answer {
        Ok(()) => status(batch_id, StatusCode::Ok, String::new()),
        Err(RequestError::Retryable(message)) => status(batch_id, StatusCode::Unavailable, message),
        Err(RequestError::Permanent(message)) => status(batch_id, StatusCode::Internal, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: tonic's refusal of a message over the limit, and an OUT_OF_RANGE of another cause. Guarantee: the
    // first is answered as grpc-go answers it (RESOURCE_EXHAUSTED, not retried by clients), the other unchanged.
    #[test]
    fn an_over_limit_message_is_refused_as_grpc_go_refuses_it() {
        let tonics = Status::out_of_range("Error, decoded message length too large: found 4194400 bytes, the limit is: 4194304 bytes");
        let refused = over_limit_as_grpc_go(tonics);
        assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
        assert_eq!(refused.message(), "grpc: received message larger than max (4194400 vs. 4194304)");
        let other = over_limit_as_grpc_go(Status::out_of_range("offset past the end"));
        assert_eq!((other.code(), other.message()), (tonic::Code::OutOfRange, "offset past the end"));
    }
}
