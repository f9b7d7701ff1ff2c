//! `rust_otap_grpc`: exports to an OTel-Arrow receiver (Tandem's `rust_otap`, or the Go Collector's `otelarrow`)
//! over one Arrow stream per signal. Each request is translated to OTAP, encoded on the stream, and answered when the
//! receiver's `BatchStatus` for its batch comes back, so an OK still means delivered. A stream that breaks fails its
//! waiting batches as retryable, and the next request opens a new stream with a new encoder (the schemas the old one
//! sent died with it). Streams are replaced after `max_stream_lifetime`, which lets a load balancer spread them.

use crate::settings::duration_setting;
use crate::node::Node;
use crate::otap::StreamEncoder;
use crate::otlp_exporter::{failure, rpc_error, Config as OtlpConfig, LazyChannel};
use bytes::Bytes;
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::{BatchArrowRecords, BatchStatus, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tandem_ipc::{Answer, RequestError};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::transport::Channel;
use tonic::Code;
use tonic_prost::ProstCodec;

pub const TYPE: &str = "rust_otap_grpc";

/// The Go `otelarrow` exporter's stream lifetime; endpoint and timeout as for `rust_otlp_grpc`.
pub fn default_config() -> serde_json::Value {
    let mut config = crate::otlp_exporter::default_config();
    config["max_stream_lifetime"] = "30s".into();
    config
}

pub struct Config {
    pub otlp: OtlpConfig,
    pub max_stream_lifetime: Duration,
}

impl Config {
    pub fn from_json(config: &serde_json::Value) -> Result<Config, String> {
        Ok(Config { otlp: OtlpConfig::from_json(config)?, max_stream_lifetime: duration_setting(config, "max_stream_lifetime", "30s")? })
    }
}

/// The batches of one stream waiting for their status. Once the stream has ended no batch can be added.
#[derive(Default)]
struct Waiting {
    batches: HashMap<i64, oneshot::Sender<Answer>>,
    ended: bool,
}

type SharedWaiting = Arc<Mutex<Waiting>>;

struct ArrowStream {
    batches: mpsc::UnboundedSender<BatchArrowRecords>,
    encoder: StreamEncoder,
    waiting: SharedWaiting,
    opened: Instant,
}

pub struct OtapExporter {
    channel: LazyChannel,
    config: Config,
    /// One stream per signal; the lock also keeps encoding and sending in stream order.
    streams: Mutex<HashMap<u16, ArrowStream>>,
}

impl OtapExporter {
    pub fn new(config: Config) -> Result<Arc<Self>, String> {
        let channel = LazyChannel::new(&config.otlp)?;
        Ok(Arc::new(OtapExporter { channel, config, streams: Mutex::default() }))
    }

    fn open(&self, signal: u16) -> ArrowStream {
        let (batches, outgoing) = mpsc::unbounded_channel();
        let waiting = SharedWaiting::default();
        tokio::spawn(run_stream(self.channel.get(), signal, outgoing, waiting.clone()));
        ArrowStream { batches, encoder: StreamEncoder::default(), waiting, opened: Instant::now() }
    }

    /// Encodes `payload` as the next batch of the signal's stream and registers for its status.
    fn send(&self, signal: u16, payload: Bytes) -> Result<(SharedWaiting, i64, oneshot::Receiver<Answer>), RequestError> {
        let mut streams = self.streams.lock().unwrap();
        let usable = |s: &ArrowStream| !s.waiting.lock().unwrap().ended && s.opened.elapsed() < self.config.max_stream_lifetime;
        if !streams.get(&signal).is_some_and(usable) {
            // Dropping a replaced stream's sender ends it gracefully: its batches still get their statuses.
            streams.insert(signal, self.open(signal));
        }
        let stream = streams.get_mut(&signal).expect("inserted above");
        let batch = match stream.encoder.encode(signal, payload) {
            Ok(batch) => batch,
            Err(message) => {
                // The encoder's stream state may be half-updated; the next request starts a clean stream.
                streams.remove(&signal);
                return Err(RequestError::Permanent(format!("{TYPE}: {message}")));
            }
        };
        let (answer, answered) = oneshot::channel();
        let id = batch.batch_id;
        let mut waiting = stream.waiting.lock().unwrap();
        if waiting.ended || stream.batches.send(batch).is_err() {
            return Err(RequestError::Retryable(format!("{TYPE}: the stream to {} ended", self.config.otlp.endpoint)));
        }
        waiting.batches.insert(id, answer);
        Ok((stream.waiting.clone(), id, answered))
    }
}

impl Node for OtapExporter {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        Box::pin(async move {
            let (waiting, id, answered) = self.send(signal, payload)?;
            match tokio::time::timeout(self.config.otlp.timeout, answered).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(_)) => Err(RequestError::Retryable(format!("{TYPE}: the stream ended before the batch's status"))),
                Err(_) => {
                    waiting.lock().unwrap().batches.remove(&id);
                    Err(RequestError::Retryable(format!("{TYPE}: no status for the batch within {:?}", self.config.otlp.timeout)))
                }
            }
        })
    }
}

/// Carries one stream: sends what `outgoing` yields, answers waiting batches from the statuses, and when the stream
/// ends fails whatever still waits as retryable.
async fn run_stream(channel: Channel, signal: u16, outgoing: mpsc::UnboundedReceiver<BatchArrowRecords>, waiting: SharedWaiting) {
    let path = crate::otlp_receiver::arrow_path(signal);
    let outcome = async {
        let mut client = tonic::client::Grpc::new(channel);
        client.ready().await.map_err(|e| e.to_string())?;
        let path = tonic::codegen::http::uri::PathAndQuery::try_from(path.as_str()).expect("a static gRPC path");
        let request = tonic::Request::new(UnboundedReceiverStream::new(outgoing));
        let codec = ProstCodec::<BatchArrowRecords, BatchStatus>::default();
        let mut statuses = client.streaming(request, path, codec).await.map_err(|s| rpc_error(&s))?.into_inner();
        while let Some(status) = statuses.message().await.map_err(|s| rpc_error(&s))? {
            if let Some(answer) = waiting.lock().unwrap().batches.remove(&status.batch_id) {
                let _ = answer.send(answer_of(&status));
            }
        }
        Ok::<_, String>("the receiver closed the stream".to_string())
    };
    let reason = outcome.await.unwrap_or_else(|e| e);
    let mut waiting = waiting.lock().unwrap();
    waiting.ended = true;
    for (_, answer) in waiting.batches.drain() {
        let _ = answer.send(Err(RequestError::Retryable(format!("{TYPE}: {reason}"))));
    }
}

/// A batch status as an answer, with the transient codes the Collector's exporters retry.
fn answer_of(status: &BatchStatus) -> Answer {
    if status.status_code == StatusCode::Ok as i32 {
        return Ok(());
    }
    Err(failure(TYPE, &tonic::Status::new(Code::from_i32(status.status_code), status.status_message.clone())))
}
