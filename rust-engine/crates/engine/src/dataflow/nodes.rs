//! The three otap-dataflow node types every Tandem pipeline is made of, in the runtime's local (`!Send`) model:
//! - `ingress` (a receiver): requests from the ring and from the engine's receivers enter the pipeline here, one
//!   output port per component, and are answered when the pipeline acks or nacks them;
//! - `component` processors: a Tandem processor or connector, one output port per consumer;
//! - `component` exporters: a Tandem exporter, or the ring to a host consumer.
//!
//! Tandem's components are `Send` futures (`node::Node`); the runtime's effect handlers are not. So a component's
//! consumers are `Next::Pipeline` senders into a channel that a local task of its node drains into the runtime
//! (`Outlet`), and the runtime's Ack/Nack comes back to the node's control channel, where it answers that send.

use super::handoff;
use crate::node::{Injected, Node};
use async_trait::async_trait;
use bytes::Bytes;
use linkme::distributed_slice;
use otel_arrow_dfe_config::SignalType;
use otel_arrow_dfe_config::node::NodeUserConfig;
use otel_arrow_dfe_engine::config::{ExporterConfig, ProcessorConfig, ReceiverConfig};
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{AckMsg, CallData, Context8u8, NackMsg, NodeControlMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::exporter::ExporterWrapper;
use otel_arrow_dfe_engine::message::{ExporterInbox, Message};
use otel_arrow_dfe_engine::node::NodeId;
use otel_arrow_dfe_engine::processor::ProcessorWrapper;
use otel_arrow_dfe_engine::receiver::ReceiverWrapper;
use otel_arrow_dfe_engine::terminal_state::TerminalState;
use otel_arrow_dfe_engine::wiring_contract::WiringContract;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, ExporterFactory, Interests, ProcessorFactory};
use otel_arrow_dfe_engine::{ProducerEffectHandlerExtension, ReceiverFactory, local};
use otel_arrow_dfe_otap::pdata::{Context, OtapPdata, PdataEffectHandlerExtension};
use otel_arrow_dfe_pdata_codec::{EncodePolicy, PdataEncoding};
use otel_arrow_dfe_otap::{OTAP_EXPORTER_FACTORIES, OTAP_PROCESSOR_FACTORIES, OTAP_RECEIVER_FACTORIES};
use otel_arrow_dfe_pdata::OtlpProtoBytes;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;
use tandem_ipc::{Answer, RequestError, layout};
use tokio::sync::{mpsc, oneshot};

pub const INGRESS_URN: &str = "urn:tandem:receiver:ingress";
pub const PROCESSOR_URN: &str = "urn:tandem:processor:component";
pub const EXPORTER_URN: &str = "urn:tandem:exporter:component";

/// What the ingress node is handed.
pub struct IngressParts {
    pub requests: mpsc::Receiver<Injected>,
}

/// What a component processor node is handed: the component, built with consumers that send into `outputs`.
pub struct ProcessorParts {
    pub node: Arc<dyn Node>,
    pub outputs: mpsc::Receiver<Injected>,
}

/// What a component exporter node is handed.
pub struct ExporterParts {
    pub node: Arc<dyn Node>,
}

fn config_error(error: String) -> otel_arrow_dfe_config::error::Error {
    otel_arrow_dfe_config::error::Error::InvalidUserConfig { error }
}

#[allow(unsafe_code)]
#[distributed_slice(OTAP_RECEIVER_FACTORIES)]
static INGRESS: ReceiverFactory<OtapPdata> = ReceiverFactory {
    name: INGRESS_URN,
    create: |_: PipelineContext, node: NodeId, user: Arc<NodeUserConfig>, config: &ReceiverConfig, _| {
        let parts: IngressParts = handoff::take(&user.config).map_err(config_error)?;
        Ok(ReceiverWrapper::local(Ingress { requests: parts.requests }, node, user, config))
    },
    context_declarations: None,
    wiring_contract: WiringContract::UNRESTRICTED,
    validate_config: handoff::validate,
};

#[allow(unsafe_code)]
#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static COMPONENT_PROCESSOR: ProcessorFactory<OtapPdata> = ProcessorFactory {
    name: PROCESSOR_URN,
    create: |_: PipelineContext, node: NodeId, user: Arc<NodeUserConfig>, config: &ProcessorConfig, _| {
        let parts: ProcessorParts = handoff::take(&user.config).map_err(config_error)?;
        let processor = ComponentProcessor { node: parts.node, outputs: Some(parts.outputs), outlet: Outlet::default() };
        Ok(ProcessorWrapper::local(processor, node, user, config))
    },
    context_declarations: None,
    wiring_contract: WiringContract::UNRESTRICTED,
    validate_config: handoff::validate,
};

#[allow(unsafe_code)]
#[distributed_slice(OTAP_EXPORTER_FACTORIES)]
static COMPONENT_EXPORTER: ExporterFactory<OtapPdata> = ExporterFactory {
    name: EXPORTER_URN,
    create: |_: PipelineContext, node: NodeId, user: Arc<NodeUserConfig>, config: &ExporterConfig, _| {
        let parts: ExporterParts = handoff::take(&user.config).map_err(config_error)?;
        Ok(ExporterWrapper::local(ComponentExporter { node: parts.node }, node, user, config))
    },
    context_declarations: None,
    wiring_contract: WiringContract::UNRESTRICTED,
    validate_config: handoff::validate,
};

/// The pdata of one OTLP request of a ring/control-API signal code.
fn pdata_of(signal: u16, payload: Bytes) -> OtapPdata {
    let otlp = match signal {
        layout::SIGNAL_TRACES => OtlpProtoBytes::ExportTracesRequest(payload),
        layout::SIGNAL_METRICS => OtlpProtoBytes::ExportMetricsRequest(payload),
        _ => OtlpProtoBytes::ExportLogsRequest(payload),
    };
    OtapPdata::new(Context::with_capacity(1), otlp.into())
}

/// The signal code and OTLP bytes a Tandem component consumes: the bytes as they came when the pdata is OTLP (a
/// Tandem node sent it), else encoded by the runtime's codec (an otap-dataflow node sent OTAP records).
async fn otlp_of<H: PdataEffectHandlerExtension>(handler: &H, pdata: OtapPdata) -> (Result<(u16, Bytes), String>, OtapPdata) {
    let signal = match pdata.signal_type() {
        SignalType::Traces => layout::SIGNAL_TRACES,
        SignalType::Metrics => layout::SIGNAL_METRICS,
        SignalType::Logs => layout::SIGNAL_LOGS,
    };
    let (context, mut payload) = pdata.into_parts();
    let bytes = match handler.resolve_encoding_plan(&PdataEncoding::OTLP, EncodePolicy::default()) {
        Ok(plan) => handler.encode_owned(&mut payload, &plan).await.map_err(|e| format!("cannot encode OTLP: {e}")),
        Err(e) => Err(format!("cannot encode OTLP: {e}")),
    };
    (bytes.map(|b| (signal, b)), OtapPdata::new(context, payload))
}

/// Runs one request through a component on a local task (so that a component holding requests, as batching does,
/// never holds up the next) and answers its sender the otap-dataflow way with the component's answer: Ack, or Nack
/// (permanent when the failure is).
fn consume_and_answer<H>(node: Arc<dyn Node>, handler: H, pdata: OtapPdata)
where
    H: ConsumerEffectHandlerExtension<OtapPdata> + PdataEffectHandlerExtension + 'static,
{
    tokio::task::spawn_local(async move {
        let (otlp, pdata) = otlp_of(&handler, pdata).await;
        let answer = match otlp {
            Ok((signal, payload)) => node.consume(signal, payload).await,
            Err(e) => Err(RequestError::Permanent(e)),
        };
        let sent = match answer {
            Ok(()) => handler.notify_ack(AckMsg::new(pdata)).await,
            Err(RequestError::Retryable(reason)) => handler.notify_nack(NackMsg::new(reason, pdata)).await,
            Err(RequestError::Permanent(reason)) => handler.notify_nack(NackMsg::new_permanent(reason, pdata)).await,
        };
        if let Err(e) = sent {
            crate::log::error("cannot answer upstream", serde_json::json!({ "error": e.to_string() }));
        }
    });
}

/// Sending into the runtime on a named output port: the effect handlers of receivers and processors both can.
#[async_trait(?Send)]
trait Emit: ProducerEffectHandlerExtension<OtapPdata> {
    async fn emit(&self, port: String, pdata: OtapPdata) -> Result<(), String>;
}

#[async_trait(?Send)]
impl Emit for local::receiver::EffectHandler<OtapPdata> {
    async fn emit(&self, port: String, pdata: OtapPdata) -> Result<(), String> {
        self.send_message_to(port, pdata).await.map_err(|e| e.to_string())
    }
}

#[async_trait(?Send)]
impl Emit for local::processor::EffectHandler<OtapPdata> {
    async fn emit(&self, port: String, pdata: OtapPdata) -> Result<(), String> {
        self.send_message_to(port, pdata).await.map_err(|e| e.to_string())
    }
}

/// Requests a node sent into the runtime and subscribed to, each waiting for its Ack or Nack.
#[derive(Default, Clone)]
struct Outlet {
    waiting: Rc<RefCell<HashMap<u64, oneshot::Sender<Answer>>>>,
    last_id: Rc<RefCell<u64>>,
}

impl Outlet {
    /// Subscribes to the request's Ack/Nack and registers it at once; the returned future sends it into the runtime.
    fn send<H: Emit + Clone + 'static>(&self, handler: &H, request: Injected) -> impl Future<Output = ()> + 'static {
        let id = {
            let mut last = self.last_id.borrow_mut();
            *last += 1;
            *last
        };
        let mut pdata = pdata_of(request.signal, request.payload);
        let calldata: CallData = smallvec::smallvec![Context8u8::from(id)];
        handler.subscribe_to(Interests::ACKS | Interests::NACKS, calldata, &mut pdata);
        self.waiting.borrow_mut().insert(id, request.reply);
        let (outlet, handler, port) = (self.clone(), handler.clone(), request.port);
        async move {
            if let Err(e) = handler.emit(port.to_string(), pdata).await {
                // The runtime is stopping: the request never entered it, so it may be retried.
                if let Some(reply) = outlet.waiting.borrow_mut().remove(&id) {
                    let _ = reply.send(Err(RequestError::Retryable(format!("the engine pipeline is stopping: {e}"))));
                }
            }
        }
    }

    /// Answers a request the runtime acked or nacked; returns whether the message was one.
    fn settle(&self, message: &NodeControlMsg<OtapPdata>) -> bool {
        let (calldata, answer) = match message {
            NodeControlMsg::Ack(ack) => (&ack.unwind.route.calldata, Ok(())),
            NodeControlMsg::Nack(nack) if nack.permanent => (&nack.unwind.route.calldata, Err(RequestError::Permanent(nack.reason.clone()))),
            NodeControlMsg::Nack(nack) => (&nack.unwind.route.calldata, Err(RequestError::Retryable(nack.reason.clone()))),
            _ => return false,
        };
        if let Some(reply) = calldata.first().and_then(|id| self.waiting.borrow_mut().remove(&u64::from(*id))) {
            let _ = reply.send(answer);
        }
        true
    }

    fn is_idle(&self) -> bool {
        self.waiting.borrow().is_empty()
    }

    /// Answers what is still waiting when the runtime stops without acking it.
    fn abandon(&self, reason: &str) {
        for (_, reply) in self.waiting.borrow_mut().drain() {
            let _ = reply.send(Err(RequestError::Retryable(reason.to_string())));
        }
    }
}

/// The pipeline's entry: requests from outside the runtime, each answered by the runtime's Ack/Nack.
struct Ingress {
    requests: mpsc::Receiver<Injected>,
}

#[async_trait(?Send)]
impl local::receiver::Receiver<OtapPdata> for Ingress {
    async fn start(
        self: Box<Self>,
        mut control: local::receiver::ControlChannel<OtapPdata>,
        handler: local::receiver::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        let mut requests = self.requests;
        let outlet = Outlet::default();
        let mut draining: Option<Instant> = None;
        loop {
            if let Some(deadline) = draining {
                if outlet.is_idle() || Instant::now() >= deadline {
                    outlet.abandon("the engine pipeline stopped before answering");
                    handler.notify_receiver_drained().await?;
                    return Ok(TerminalState::default());
                }
            }
            let deadline = draining.map(tokio::time::Instant::from_std);
            tokio::select! {
                biased;
                message = control.recv() => match message.map_err(Error::ChannelRecvError)? {
                    NodeControlMsg::DrainIngress { deadline, .. } => {
                        // Admit nothing new; what is queued is answered retryable, what is in flight gets until the deadline.
                        requests.close();
                        while let Ok(request) = requests.try_recv() {
                            let _ = request.reply.send(Err(RequestError::Retryable("the engine pipeline is stopping".into())));
                        }
                        draining = Some(deadline);
                    }
                    NodeControlMsg::Shutdown { .. } => {
                        outlet.abandon("the engine pipeline stopped before answering");
                        return Ok(TerminalState::default());
                    }
                    other => {
                        outlet.settle(&other);
                    }
                },
                request = requests.recv(), if draining.is_none() && !requests.is_closed() => match request {
                    // Sent from a task of its own, so that this loop goes on taking Acks while the runtime applies
                    // backpressure; how many wait is bounded by what the ring and the receivers keep in flight.
                    Some(request) => {
                        tokio::task::spawn_local(outlet.send(&handler, request));
                    }
                    // Every sender is gone; the runtime's DrainIngress still decides how long in-flight requests get.
                    None => requests.close(),
                },
                _ = async { tokio::time::sleep_until(deadline.expect("draining")).await }, if deadline.is_some() => {}
            }
        }
    }
}

/// A Tandem processor or connector as an otap-dataflow processor: each request is acked or nacked upstream with the
/// component's answer, which is its consumers' answer to what it sent them.
struct ComponentProcessor {
    node: Arc<dyn Node>,
    /// The component's consumers' channel, until the task that drains it into the runtime starts.
    outputs: Option<mpsc::Receiver<Injected>>,
    outlet: Outlet,
}

#[async_trait(?Send)]
impl local::processor::Processor<OtapPdata> for ComponentProcessor {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut local::processor::EffectHandler<OtapPdata>) -> Result<(), Error> {
        match message {
            Message::PData(pdata) => {
                if let Some(mut outputs) = self.outputs.take() {
                    let (outlet, handler) = (self.outlet.clone(), handler.clone());
                    tokio::task::spawn_local(async move {
                        while let Some(request) = outputs.recv().await {
                            outlet.send(&handler, request).await;
                        }
                    });
                }
                consume_and_answer(self.node.clone(), handler.clone(), pdata);
            }
            Message::Control(NodeControlMsg::Shutdown { .. }) => self.outlet.abandon("the engine pipeline stopped before answering"),
            Message::Control(other) => {
                self.outlet.settle(&other);
            }
        }
        Ok(())
    }
}

/// A Tandem exporter, or a host consumer over the ring, as an otap-dataflow exporter: its answer is the Ack or Nack.
struct ComponentExporter {
    node: Arc<dyn Node>,
}

#[async_trait(?Send)]
impl local::exporter::Exporter<OtapPdata> for ComponentExporter {
    async fn start(
        self: Box<Self>,
        mut inbox: ExporterInbox<OtapPdata>,
        handler: local::exporter::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        loop {
            match inbox.recv().await? {
                Message::PData(pdata) => consume_and_answer(self.node.clone(), handler.clone(), pdata),
                Message::Control(NodeControlMsg::Shutdown { .. }) => return Ok(TerminalState::default()),
                Message::Control(_) => {}
            }
        }
    }
}

/// The linker keeps a `distributed_slice` element only when its object file is linked; referring to the factories
/// from the code that builds pipelines makes sure they are.
pub fn keep_linked() {
    std::hint::black_box((&INGRESS, &COMPONENT_PROCESSOR, &COMPONENT_EXPORTER));
}
