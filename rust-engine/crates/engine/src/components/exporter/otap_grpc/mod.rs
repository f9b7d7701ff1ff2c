//! `rust_otap_grpc`: exports to an OTel-Arrow receiver (Tandem's `rust_otap`, or the Go Collector's `otelarrow`)
//! over one Arrow stream per signal, as a Tandem exporter node. OTAP batches are encoded on the stream as they are
//! (OTLP is translated once, with Tandem's repairs), and each is answered when the receiver's `BatchStatus` for it
//! comes back, so an Ack still means delivered. A stream that breaks fails its waiting batches as retryable, and the
//! next request opens a new stream with a new encoder (the schemas the old one sent died with it); streams are
//! replaced after `max_stream_lifetime`. otap-dataflow's own OTAP exporter writes a batch's payloads in schema order,
//! which the Go `otelarrow` receiver before v0.148 misreads (it takes the first payload for the main table).

pub mod config;

use crate::components::receiver::otap::services::arrow_path;
use crate::components::register::{self, Node};
use crate::components::{FACTORIES, Factory, Kind, Nodes};
use crate::otap::{Payload, StreamEncoder, answer_upstream};
use crate::signal::Signal;
use async_trait::async_trait;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::NodeControlMsg;
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::{ExporterInbox, Message};
use otel_arrow_dfe_engine::terminal_state::TerminalState;
use otel_arrow_dfe_engine::{ExporterFactory, local};
use otel_arrow_dfe_otap::OTAP_EXPORTER_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::{BatchArrowRecords, BatchStatus, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tandem_ipc::{Answer, RequestError};
use tokio::sync::{mpsc, oneshot};
use tokio_stream::wrappers::UnboundedReceiverStream;
use tonic::Code;
use tonic::transport::{Channel, Endpoint};
use tonic_prost::ProstCodec;

pub const TYPE: &str = "rust_otap_grpc";
pub const URN: &str = "urn:tandem:exporter:otap_grpc";

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Exporter,
    "OTel-Arrow (OTAP) gRPC exporter: one Arrow stream per signal, each request acknowledged by its batch status",
    Nodes::One(URN),
);

#[distributed_slice(OTAP_EXPORTER_FACTORIES)]
static EXPORTER: ExporterFactory<OtapPdata> = register::exporter::<OtapExporter>(URN);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &EXPORTER));
}

/// A gRPC status in Go's wording.
fn rpc_error(status: &tonic::Status) -> String {
    format!("rpc error: code = {:?} desc = {}", status.code(), status.message())
}

/// A failed batch as an answer: the codes the Collector's exporterhelper treats as transient are retryable.
fn failure(status: &tonic::Status) -> RequestError {
    let message = format!("{TYPE}: {}", rpc_error(status));
    let transient = matches!(
        status.code(),
        Code::Unavailable | Code::ResourceExhausted | Code::DeadlineExceeded | Code::Aborted | Code::Cancelled | Code::OutOfRange | Code::DataLoss
    );
    if transient { RequestError::Retryable(message) } else { RequestError::Permanent(message) }
}

/// A batch status as an answer.
fn answer_of(status: &BatchStatus) -> Answer {
    if status.status_code == StatusCode::Ok as i32 {
        return Ok(());
    }
    Err(failure(&tonic::Status::new(Code::from_i32(status.status_code), status.status_message.clone())))
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

struct OtapExporter {
    endpoint: Endpoint,
    /// Made on first use, connecting lazily: an unreachable endpoint shows as retryable failures, not a failed start.
    channel: Option<Channel>,
    config: Config,
    streams: HashMap<Signal, ArrowStream>,
}

impl Node for OtapExporter {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        let uri = format!("http://{}", config.endpoint.0);
        let endpoint = Endpoint::from_shared(uri).map_err(|e| format!("'endpoint' {}: {e}", config.endpoint.0))?;
        Ok(OtapExporter { endpoint, channel: None, config, streams: HashMap::new() })
    }
}

impl OtapExporter {
    fn open(&mut self, signal: Signal) -> ArrowStream {
        let channel = self.channel.get_or_insert_with(|| self.endpoint.connect_lazy()).clone();
        let (batches, outgoing) = mpsc::unbounded_channel();
        let waiting = SharedWaiting::default();
        tokio::spawn(run_stream(channel, signal, outgoing, waiting.clone()));
        ArrowStream { batches, encoder: StreamEncoder::default(), waiting, opened: Instant::now() }
    }

    /// Encodes a batch as the next of its signal's stream and registers for its status.
    fn send(&mut self, payload: Payload) -> Result<(SharedWaiting, i64, oneshot::Receiver<Answer>), RequestError> {
        let signal = payload.signal();
        let records = payload.into_otap().map_err(|e| RequestError::Permanent(format!("{TYPE}: {e}")))?;
        let lifetime = self.config.max_stream_lifetime.duration;
        let usable = |s: &ArrowStream| !s.waiting.lock().unwrap().ended && s.opened.elapsed() < lifetime;
        if !self.streams.get(&signal).is_some_and(usable) {
            // Dropping a replaced stream's sender ends it gracefully: its batches still get their statuses.
            let stream = self.open(signal);
            self.streams.insert(signal, stream);
        }
        let stream = self.streams.get_mut(&signal).expect("inserted above");
        let batch = match stream.encoder.encode(records) {
            Ok(batch) => batch,
            Err(message) => {
                // The encoder's stream state may be half-updated; the next request starts a clean stream.
                self.streams.remove(&signal);
                return Err(RequestError::Permanent(format!("{TYPE}: {message}")));
            }
        };
        let (answer, answered) = oneshot::channel();
        let id = batch.batch_id;
        let mut waiting = stream.waiting.lock().unwrap();
        if waiting.ended || stream.batches.send(batch).is_err() {
            return Err(RequestError::Retryable(format!("{TYPE}: the stream to {} ended", self.config.endpoint.0)));
        }
        waiting.batches.insert(id, answer);
        Ok((stream.waiting.clone(), id, answered))
    }
}

/// Waits for a batch's status until `timeout`.
async fn answer(waiting: SharedWaiting, id: i64, answered: oneshot::Receiver<Answer>, timeout: Duration) -> Answer {
    match tokio::time::timeout(timeout, answered).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(_)) => Err(RequestError::Retryable(format!("{TYPE}: the stream ended before the batch's status"))),
        Err(_) => {
            waiting.lock().unwrap().batches.remove(&id);
            Err(RequestError::Retryable(format!("{TYPE}: no status for the batch within {timeout:?}")))
        }
    }
}

/// Carries one stream: sends what `outgoing` yields, answers waiting batches from the statuses, and when the stream
/// ends fails whatever still waits as retryable.
async fn run_stream(channel: Channel, signal: Signal, outgoing: mpsc::UnboundedReceiver<BatchArrowRecords>, waiting: SharedWaiting) {
    let path = arrow_path(signal);
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

#[async_trait(?Send)]
impl local::exporter::Exporter<OtapPdata> for OtapExporter {
    async fn start(
        mut self: Box<Self>,
        mut inbox: ExporterInbox<OtapPdata>,
        handler: local::exporter::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        let timeout = self.config.timeout.duration;
        loop {
            match inbox.recv().await? {
                Message::PData(pdata) => {
                    let (context, payload) = pdata.into_parts();
                    let answer_to = OtapPdata::new(context, payload.clone());
                    let sent = Payload::of(payload).map_err(RequestError::Permanent).and_then(|payload| self.send(payload));
                    let handler = handler.clone();
                    // Each batch waits for its status on a task of its own; the stream keeps carrying the next.
                    tokio::task::spawn_local(async move {
                        let outcome = match sent {
                            Ok((waiting, id, answered)) => answer(waiting, id, answered, timeout).await,
                            Err(e) => Err(e),
                        };
                        answer_upstream(&handler, answer_to, outcome).await;
                    });
                }
                Message::Control(NodeControlMsg::Shutdown { .. }) => return Ok(TerminalState::default()),
                Message::Control(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: batch statuses of each kind. Guarantee: OK is delivered; the Collector's transient codes are
    // retryable; the others permanent, in Go's wording.
    #[test]
    fn statuses_become_answers_with_the_collectors_transient_codes() {
        let status = |code: StatusCode| BatchStatus { batch_id: 1, status_code: code as i32, status_message: "m".into() };
        assert_eq!(answer_of(&status(StatusCode::Ok)), Ok(()));
        assert!(matches!(answer_of(&status(StatusCode::Unavailable)), Err(RequestError::Retryable(_))));
        assert_eq!(
            answer_of(&status(StatusCode::InvalidArgument)),
            Err(RequestError::Permanent(format!("{TYPE}: rpc error: code = InvalidArgument desc = m")))
        );
    }
}
