//! `rust_otap`: the OTel-Arrow receiver, a Tandem receiver node serving OTLP and the OTel-Arrow streams on one port
//! (`services`), as the Go Collector's `otelarrow` receiver does, bound on every core (`SO_REUSEPORT`). Arrow batches
//! enter the pipeline as OTAP records, OTLP requests as OTLP bytes once checked; each is answered when the pipeline
//! acks or nacks it. otap-dataflow's own OTAP receiver serves no OTLP on its port and reads no stream of the Go
//! encoder (it declares columns non-nullable and writes nulls in them; `otap::repairs`).

pub mod config;
pub mod services;

use crate::components::register::{self, Node};
use crate::components::{ComponentConfig, FACTORIES, Factory, Gives, Kind, NodeSpec, Nodes, Outputs, Placement};
use crate::otap::Payload;
use crate::signal::Signal;
use async_trait::async_trait;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{CallData, Context8u8, NodeControlMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::terminal_state::TerminalState;
use otel_arrow_dfe_engine::{Interests, MessageSourceSharedEffectHandlerExtension, ProducerEffectHandlerExtension, ReceiverFactory, shared};
use otel_arrow_dfe_otap::OTAP_RECEIVER_FACTORIES;
use otel_arrow_dfe_otap::otap_grpc::server_settings::GrpcServerSettings;
use otel_arrow_dfe_otap::pdata::{Context, OtapPdata};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use services::{ArrowService, Logs, Metrics, OtlpService, Traces};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tandem_ipc::{Answer, RequestError};
use tokio::sync::oneshot;

pub const TYPE: &str = "rust_otap";
pub const URN: &str = "urn:tandem:receiver:otap";

/// The node's config: the address to listen on, the signals the pipelines take from it, the largest message it
/// decodes, and whether it serves the OTel-Arrow streams besides OTLP (`rust_otlp` runs this node without them).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub listening_addr: SocketAddr,
    pub signals: Vec<String>,
    pub max_message_size: usize,
    pub arrow: bool,
}

impl NodeConfig {
    pub fn new(config: &Config, placement: &Placement, arrow: bool) -> Result<NodeConfig, String> {
        Ok(NodeConfig {
            listening_addr: config.grpc_endpoint().socket_addr()?,
            signals: placement.signals.iter().map(|s| s.name().to_string()).collect(),
            max_message_size: usize::try_from(config.protocols.grpc.max_recv_msg_size_mib.saturating_mul(1 << 20)).unwrap_or(usize::MAX),
            arrow,
        })
    }
}

fn nodes(config: &Value, placement: &Placement) -> Result<Vec<NodeSpec>, String> {
    Ok(vec![NodeSpec { urn: URN, config: json!(NodeConfig::new(&Config::of(config)?, placement, true)?) }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Receiver,
    "OTel-Arrow (OTAP) gRPC receiver, also serving OTLP/gRPC on the same port; Arrow batches enter as OTAP",
    Nodes::Of(nodes),
)
.gives(Gives::Either)
.outputs(Outputs::BySignal);

#[distributed_slice(OTAP_RECEIVER_FACTORIES)]
static RECEIVER: ReceiverFactory<OtapPdata> = register::shared_receiver::<OtapReceiver>(URN);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &RECEIVER));
}

struct OtapReceiver {
    addr: SocketAddr,
    signals: Vec<Signal>,
    max_message_size: usize,
    arrow: bool,
}

impl Node for OtapReceiver {
    type Config = NodeConfig;

    fn from_config(config: NodeConfig, _: &PipelineContext) -> Result<Self, String> {
        let signals = config.signals.iter().filter_map(|name| Signal::ALL.into_iter().find(|s| s.name() == name)).collect();
        Ok(OtapReceiver { addr: config.listening_addr, signals, max_message_size: config.max_message_size, arrow: config.arrow })
    }
}

/// Requests in the pipeline, each waiting for its Ack or Nack.
#[derive(Default)]
struct Waiting {
    answers: HashMap<u64, oneshot::Sender<Answer>>,
    last_id: u64,
}

/// How the gRPC services send into the pipeline: on the output port of the signal, subscribed to Ack/Nack.
#[derive(Clone)]
pub struct Sender {
    handler: shared::receiver::EffectHandler<OtapPdata>,
    waiting: Arc<Mutex<Waiting>>,
    signals: Arc<[Signal]>,
    /// The largest message the services decode.
    pub max_message_size: usize,
}

impl Sender {
    /// Whether a pipeline takes this signal from the receiver.
    pub fn serves(&self, signal: Signal) -> bool {
        self.signals.contains(&signal)
    }

    /// Sends one request into the pipeline and resolves with the pipeline's answer.
    pub async fn send(&self, payload: Payload) -> Answer {
        let signal = payload.signal();
        let (tx, answered) = oneshot::channel();
        let id = {
            let mut waiting = self.waiting.lock().unwrap();
            waiting.last_id += 1;
            let id = waiting.last_id;
            waiting.answers.insert(id, tx);
            id
        };
        let mut pdata = payload.into_pdata(Context::with_capacity(1));
        let calldata: CallData = smallvec::smallvec![Context8u8::from(id)];
        self.handler.subscribe_to(Interests::ACKS | Interests::NACKS, calldata, &mut pdata);
        if let Err(e) = self.handler.send_message_with_source_node_to(signal.name(), pdata).await {
            self.waiting.lock().unwrap().answers.remove(&id);
            return Err(RequestError::Retryable(format!("the engine pipeline is stopping: {e}")));
        }
        answered.await.unwrap_or_else(|_| Err(RequestError::Retryable("the engine pipeline stopped before answering".into())))
    }

    /// Answers a request the runtime acked or nacked.
    fn settle(&self, message: &NodeControlMsg<OtapPdata>) {
        let (calldata, answer) = match message {
            NodeControlMsg::Ack(ack) => (&ack.unwind.route.calldata, Ok(())),
            NodeControlMsg::Nack(nack) if nack.permanent => (&nack.unwind.route.calldata, Err(RequestError::Permanent(nack.reason.clone()))),
            NodeControlMsg::Nack(nack) => (&nack.unwind.route.calldata, Err(RequestError::Retryable(nack.reason.clone()))),
            _ => return,
        };
        let waiting = calldata.first().and_then(|id| self.waiting.lock().unwrap().answers.remove(&u64::from(*id)));
        if let Some(tx) = waiting {
            let _ = tx.send(answer);
        }
    }

    fn is_idle(&self) -> bool {
        self.waiting.lock().unwrap().answers.is_empty()
    }

    fn abandon(&self) {
        for (_, tx) in self.waiting.lock().unwrap().answers.drain() {
            let _ = tx.send(Err(RequestError::Retryable("the engine pipeline stopped before answering".into())));
        }
    }
}

#[async_trait]
impl shared::receiver::Receiver<OtapPdata> for OtapReceiver {
    async fn start(
        self: Box<Self>,
        mut control: shared::receiver::ControlChannel<OtapPdata>,
        handler: shared::receiver::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        let listener = handler.tcp_listener(self.addr)?;
        let sender =
            Sender { handler: handler.clone(), waiting: Arc::default(), signals: self.signals.into(), max_message_size: self.max_message_size };
        let (stop, stopped) = oneshot::channel::<()>();
        // otap-dataflow's defaults for its own gRPC receivers: accepted sockets without Nagle's delay (else each
        // answer waits for the client's delayed ACK, some 40 ms, and 128 requests in flight on a connection make
        // 2000 a second), TCP and HTTP/2 keepalives, and flow-control windows that take a 4 MiB request at once.
        let tuning = GrpcServerSettings::default();
        let otlp = tonic::transport::Server::builder()
            .initial_stream_window_size(tuning.initial_stream_window_size)
            .initial_connection_window_size(tuning.initial_connection_window_size)
            .max_frame_size(tuning.max_frame_size)
            .http2_keepalive_interval(tuning.http2_keepalive_interval)
            .http2_keepalive_timeout(tuning.http2_keepalive_timeout)
            .add_service(OtlpService::<Traces>::new(&sender))
            .add_service(OtlpService::<Metrics>::new(&sender))
            .add_service(OtlpService::<Logs>::new(&sender));
        let router = match self.arrow {
            true => otlp
                .add_service(ArrowService::<Traces>::new(&sender))
                .add_service(ArrowService::<Metrics>::new(&sender))
                .add_service(ArrowService::<Logs>::new(&sender)),
            false => otlp,
        };
        let incoming = tuning.build_tcp_incoming(listener);
        let server = tokio::spawn(router.serve_with_incoming_shutdown(incoming, async {
            let _ = stopped.await;
        }));
        handler.signal_ready();
        let mut stop = Some(stop);
        let mut draining: Option<Instant> = None;
        loop {
            if let Some(deadline) = draining
                && (sender.is_idle() || Instant::now() >= deadline)
            {
                sender.abandon();
                handler.notify_receiver_drained().await?;
                return Ok(TerminalState::default());
            }
            let deadline = draining.map(tokio::time::Instant::from_std);
            tokio::select! {
                biased;
                message = control.recv() => match message.map_err(Error::ChannelRecvError)? {
                    NodeControlMsg::DrainIngress { deadline, .. } => {
                        // Stop accepting; what is in flight gets until the deadline to be answered.
                        if let Some(stop) = stop.take() {
                            let _ = stop.send(());
                        }
                        draining = Some(deadline);
                    }
                    NodeControlMsg::Shutdown { .. } => {
                        sender.abandon();
                        server.abort();
                        return Ok(TerminalState::default());
                    }
                    other => sender.settle(&other),
                },
                _ = async { tokio::time::sleep_until(deadline.expect("draining")).await }, if deadline.is_some() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: a receiver used by the traces and logs pipelines. Guarantee: its node listens on the endpoint and
    // serves those two signals only.
    #[test]
    fn the_node_serves_the_signals_its_pipelines_take() {
        let effective = Config::effective(&json!({ "endpoint": "127.0.0.1:4998" })).unwrap();
        let placement = Placement { id: TYPE, signals: &[Signal::Traces, Signal::Logs], pipelines: &[], max_request_bytes: None };
        let nodes = nodes(&effective, &placement).unwrap();
        let config = json!({ "listening_addr": "127.0.0.1:4998", "signals": ["traces", "logs"], "max_message_size": 4 << 20, "arrow": true });
        assert_eq!(nodes, vec![NodeSpec { urn: URN, config }]);
    }
}
