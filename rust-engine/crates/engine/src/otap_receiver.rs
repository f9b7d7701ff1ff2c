//! `rust_otap`: the OTel-Arrow receiver. It serves the three Arrow stream services next to the OTLP ones on one gRPC
//! port, as the Go Collector's `otelarrow` receiver does. Each stream keeps its own decoder (Arrow schemas and
//! dictionaries live as long as the stream); each `BatchArrowRecords` becomes an OTLP request for the pipelines, and
//! its `BatchStatus` is sent when they answered. Batches of one stream are processed concurrently, so statuses may
//! come back out of order, as the protocol allows.

use crate::node::Next;
use crate::otap::StreamDecoder;
use crate::otlp_receiver::{grpc_server, not_served, Signal, Targets};
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::{BatchArrowRecords, BatchStatus, StatusCode};
use std::convert::Infallible;
use std::marker::PhantomData;
use std::task::{Context, Poll};
use tandem_ipc::{Answer, RequestError};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::body::Body;
use tonic::codegen::{http, Service};
use tonic::server::NamedService;
use tonic::{Status, Streaming};
use tonic_prost::ProstCodec;

pub const TYPE: &str = "rust_otap";

/// Batches of one stream in the pipelines at once; the stream is not read further until one is answered.
const MAX_IN_FLIGHT_PER_STREAM: usize = 64;

pub struct ArrowService<S> {
    targets: Targets,
    signal: PhantomData<S>,
}

impl<S> ArrowService<S> {
    pub fn new(targets: &Targets) -> Self {
        ArrowService { targets: targets.clone(), signal: PhantomData }
    }
}

impl<S> Clone for ArrowService<S> {
    fn clone(&self) -> Self {
        ArrowService::new(&self.targets)
    }
}

impl<S: Signal> NamedService for ArrowService<S> {
    const NAME: &'static str = S::ARROW_SERVICE;
}

impl<S: Signal> Service<http::Request<Body>> for ArrowService<S> {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let (Some(next), true) = (self.targets.next(S::CODE), request.uri().path().ends_with(S::ARROW_METHOD)) else {
            return Box::pin(async move { Ok(not_served(&request).into_http()) });
        };
        let stream = ArrowStream { next, signal: S::CODE };
        let mut grpc = grpc_server(ProstCodec::<BatchStatus, BatchArrowRecords>::default(), &mut request);
        Box::pin(async move { Ok(grpc.streaming(stream, request).await) })
    }
}

/// One client stream: answered by a task that reads its batches and writes their statuses.
struct ArrowStream {
    next: Next,
    signal: u16,
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
        tokio::spawn(answer_batches(request.into_inner(), self.next.clone(), self.signal, statuses));
        futures::future::ready(Ok(tonic::Response::new(ReceiverStream::new(sent))))
    }
}

async fn answer_batches(mut batches: Streaming<BatchArrowRecords>, next: Next, signal: u16, statuses: mpsc::Sender<Result<BatchStatus, Status>>) {
    let mut decoder = StreamDecoder::default();
    let mut in_flight: FuturesUnordered<BoxFuture<'static, BatchStatus>> = FuturesUnordered::new();
    let mut reading = true;
    while reading || !in_flight.is_empty() {
        tokio::select! {
            batch = batches.message(), if reading && in_flight.len() < MAX_IN_FLIGHT_PER_STREAM => match batch {
                Ok(Some(mut batch)) => {
                    let id = batch.batch_id;
                    in_flight.push(match decoder.decode(signal, &mut batch) {
                        Ok(otlp) => {
                            let answer = next.send(signal, otlp);
                            Box::pin(async move { status_of(id, answer.await) })
                        }
                        Err(message) => {
                            // The stream's Arrow state (schemas, dictionaries) cannot be trusted after this: answer
                            // the batch, read no more, and let the client open a new stream for the rest.
                            reading = false;
                            Box::pin(futures::future::ready(status(id, StatusCode::InvalidArgument, message)))
                        }
                    });
                }
                // The client closed its side (or went away): finish what is in flight; the pipelines' work is not
                // abandoned even when its status can no longer be delivered.
                Ok(None) | Err(_) => reading = false,
            },
            Some(done) = in_flight.next() => {
                let _ = statuses.send(Ok(done)).await;
            }
        }
    }
}

fn status(batch_id: i64, code: StatusCode, status_message: String) -> BatchStatus {
    BatchStatus { batch_id, status_code: code as i32, status_message }
}

/// The pipelines' answer as a batch status, with the codes the OTLP receiver uses for the same answers.
fn status_of(batch_id: i64, answer: Answer) -> BatchStatus {
    match answer {
        Ok(()) => status(batch_id, StatusCode::Ok, String::new()),
        Err(RequestError::Retryable(message)) => status(batch_id, StatusCode::Unavailable, message),
        Err(RequestError::Permanent(message)) => status(batch_id, StatusCode::Internal, message),
    }
}
