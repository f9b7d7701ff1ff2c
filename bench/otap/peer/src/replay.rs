//! The two ends of an OTAP collector under test, so that nothing but the collector limits the rate:
//!
//! - `replay`: a source that encodes generated trace requests into one OTAP stream once, then replays that stream on
//!   fresh `ArrowTracesService` streams (each stream's first batch carries the Arrow schemas), from several streams at
//!   once with a window of batches in flight on each, for a given time; it counts what the collector acknowledged.
//! - `sink`: an `ArrowTracesService` that decodes every batch it gets, counts its spans and acknowledges it at once.
//!
//! Both print one JSON object on stdout: the sink when its stdin closes, the source when it is done.

use crate::{Signal as _, Traces, generated};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::arrow_traces_service_client::ArrowTracesServiceClient;
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::arrow_traces_service_server::{
    ArrowTracesService, ArrowTracesServiceServer,
};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::{
    BatchArrowRecords, BatchStatus, StatusCode,
};
use serde_json::json;
use std::io::Read;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tandem_engine::otap::{StreamDecoder, StreamEncoder, to_otap};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

/// What the source is told to do.
pub struct Replay {
    pub to: String,
    pub spans_per_batch: usize,
    pub batches_per_stream: usize,
    pub streams: usize,
    pub window: usize,
    pub duration: Duration,
}

#[derive(Default)]
struct Acknowledged {
    batches: AtomicU64,
    refused: AtomicU64,
}

/// The replayed stream: `count` generated requests, encoded once, in order.
fn encoded_stream(count: usize, spans: usize) -> Vec<BatchArrowRecords> {
    let mut encoder = StreamEncoder::default();
    generated::<Traces>(count, spans)
        .into_iter()
        .map(|request| {
            encoder
                .encode(to_otap(Traces::CODE, request).expect("OTLP to OTAP"))
                .expect("OTAP encoding")
        })
        .collect()
}

/// Sends the stream once on a new gRPC stream, `window` batches in flight, and waits for every status.
async fn replay_once(
    client: &mut ArrowTracesServiceClient<tonic::transport::Channel>,
    stream: &[BatchArrowRecords],
    window: usize,
    acknowledged: &Acknowledged,
) -> Result<(), String> {
    let mut batches = stream
        .iter()
        .enumerate()
        .map(|(id, batch)| BatchArrowRecords {
            batch_id: id as i64,
            ..batch.clone()
        });
    let (requests, outgoing) = tokio::sync::mpsc::channel(window);
    // The first batch goes out before the call is awaited: the call waits for the server's response headers, which
    // Go's gRPC server sends with its first status only.
    let first = batches.next().ok_or("an empty stream")?;
    requests
        .send(first)
        .await
        .map_err(|_| "the stream closed".to_string())?;
    let mut statuses = client
        .arrow_traces(ReceiverStream::new(outgoing))
        .await
        .map_err(|e| e.to_string())?
        .into_inner();
    let mut next_status = async || {
        statuses
            .message()
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the stream ended early".to_string())
    };
    let answered = |status: BatchStatus| {
        let counter = if status.status_code == StatusCode::Ok as i32 {
            &acknowledged.batches
        } else {
            &acknowledged.refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    };
    let mut in_flight = 1;
    for batch in batches {
        if in_flight == window {
            answered(next_status().await?);
            in_flight -= 1;
        }
        requests
            .send(batch)
            .await
            .map_err(|_| "the collector closed the stream".to_string())?;
        in_flight += 1;
    }
    for _ in 0..in_flight {
        answered(next_status().await?);
    }
    Ok(())
}

pub fn replay(options: Replay) {
    let stream = Arc::new(encoded_stream(
        options.batches_per_stream,
        options.spans_per_batch,
    ));
    let acknowledged = Arc::new(Acknowledged::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let errors: Vec<String> = runtime.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", options.to))
            .expect("an endpoint")
            .connect()
            .await
            .expect("the collector");
        let until = Instant::now() + options.duration;
        let workers: Vec<_> = (0..options.streams)
            .map(|_| {
                let (stream, acknowledged) = (stream.clone(), acknowledged.clone());
                let mut client = ArrowTracesServiceClient::new(channel.clone())
                    .max_decoding_message_size(64 << 20);
                tokio::spawn(async move {
                    while Instant::now() < until {
                        replay_once(&mut client, &stream, options.window, &acknowledged).await?;
                    }
                    Ok::<(), String>(())
                })
            })
            .collect();
        let mut errors = Vec::new();
        for worker in workers {
            if let Err(e) = worker.await.expect("a replay task") {
                errors.push(e);
            }
        }
        errors
    });
    let batches = acknowledged.batches.load(Ordering::Relaxed);
    println!(
        "{}",
        json!({
            "batches_acked": batches,
            "spans_acked": batches * options.spans_per_batch as u64,
            "batches_refused": acknowledged.refused.load(Ordering::Relaxed),
            "errors": errors,
        })
    );
}

#[derive(Default)]
struct Received {
    batches: AtomicU64,
    spans: AtomicU64,
    undecodable: AtomicU64,
}

struct Sink(Arc<Received>);

type Statuses = Pin<Box<dyn Stream<Item = Result<BatchStatus, Status>> + Send>>;

#[tonic::async_trait]
impl ArrowTracesService for Sink {
    type ArrowTracesStream = Statuses;

    async fn arrow_traces(
        &self,
        request: Request<Streaming<BatchArrowRecords>>,
    ) -> Result<Response<Statuses>, Status> {
        let received = self.0.clone();
        let mut decoder = StreamDecoder::default();
        let statuses = request.into_inner().map(move |batch| {
            let mut batch = batch?;
            match decoder.decode(Traces::CODE, &mut batch) {
                Ok(records) => {
                    received.batches.fetch_add(1, Ordering::Relaxed);
                    received
                        .spans
                        .fetch_add(records.num_items() as u64, Ordering::Relaxed);
                    Ok(BatchStatus {
                        batch_id: batch.batch_id,
                        status_code: StatusCode::Ok as i32,
                        status_message: String::new(),
                    })
                }
                Err(e) => {
                    received.undecodable.fetch_add(1, Ordering::Relaxed);
                    Ok(BatchStatus {
                        batch_id: batch.batch_id,
                        status_code: StatusCode::InvalidArgument as i32,
                        status_message: e,
                    })
                }
            }
        });
        Ok(Response::new(Box::pin(statuses)))
    }
}

pub fn sink(listen: SocketAddr) {
    let received = Arc::new(Received::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(listen))
        .expect("the sink's port");
    println!(
        "{}",
        json!({ "listening": listener.local_addr().expect("an address").port() })
    );
    let server = tonic::transport::Server::builder()
        .add_service(
            ArrowTracesServiceServer::new(Sink(received.clone()))
                .max_decoding_message_size(64 << 20),
        )
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    runtime.spawn(server);
    // The driver closes stdin to read the counts; the runtime serves meanwhile on this thread's blocking wait.
    let done = runtime.spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new()));
    let _ = runtime.block_on(done);
    println!(
        "{}",
        json!({
            "batches": received.batches.load(Ordering::Relaxed),
            "spans": received.spans.load(Ordering::Relaxed),
            "undecodable": received.undecodable.load(Ordering::Relaxed),
        })
    );
}
