//! Where the host's requests enter core N's pipeline: an otap-dataflow receiver node that drives ring N's session on
//! the core's own thread. Each request becomes OTLP pdata sent on its route's output port (`route-N`) and subscribed
//! to Ack/Nack; the runtime's Ack or Nack (permanent or not) is the answer the host gets. A route no node is deployed
//! on is answered PERMANENT, as ipc/SPEC.md section 4 requires, and so is a request that is not well-formed OTLP.

use super::{no_consumer, rings};
use crate::components::register::{self, Node};
use crate::otap::Payload;
use crate::otlp;
use crate::signal::Signal;
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{CallData, Context8u8, NodeControlMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::terminal_state::TerminalState;
use otel_arrow_dfe_engine::{Interests, MessageSourceLocalEffectHandlerExtension, ProducerEffectHandlerExtension, ReceiverFactory, local};
use otel_arrow_dfe_otap::OTAP_RECEIVER_FACTORIES;
use otel_arrow_dfe_otap::pdata::{Context, OtapPdata};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;
use std::time::Instant;
use tandem_ipc::{Incoming, Reply, RequestError};

pub const URN: &str = "urn:tandem:receiver:ring";

/// The ring of core `core`, and the routes that have a node (each sends on output port `route-N`).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub core: usize,
    pub routes: BTreeSet<u32>,
}

/// The output port of a route.
pub fn port(route: u32) -> String {
    format!("route-{route}")
}

#[distributed_slice(OTAP_RECEIVER_FACTORIES)]
static RING_INGRESS: ReceiverFactory<OtapPdata> = register::local_receiver::<Ingress>(URN);

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    std::hint::black_box(&RING_INGRESS);
}

struct Ingress {
    config: Config,
}

impl Node for Ingress {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        Ok(Ingress { config })
    }
}

/// Requests sent into the pipeline, each waiting for its Ack or Nack.
#[derive(Default, Clone)]
struct Waiting {
    replies: Rc<RefCell<HashMap<u64, Reply>>>,
    last_id: Rc<RefCell<u64>>,
}

impl Waiting {
    fn add(&self, reply: Reply) -> u64 {
        let id = {
            let mut last = self.last_id.borrow_mut();
            *last += 1;
            *last
        };
        self.replies.borrow_mut().insert(id, reply);
        id
    }

    fn answer(&self, id: u64, answer: Result<(), RequestError>) {
        if let Some(reply) = self.replies.borrow_mut().remove(&id) {
            reply.send(answer);
        }
    }

    /// Answers a request the runtime acked or nacked; returns whether the message was an Ack or a Nack.
    fn settle(&self, message: &NodeControlMsg<OtapPdata>) -> bool {
        let (calldata, answer) = match message {
            NodeControlMsg::Ack(ack) => (&ack.unwind.route.calldata, Ok(())),
            NodeControlMsg::Nack(nack) if nack.permanent => (&nack.unwind.route.calldata, Err(RequestError::Permanent(nack.reason.clone()))),
            NodeControlMsg::Nack(nack) => (&nack.unwind.route.calldata, Err(RequestError::Retryable(nack.reason.clone()))),
            _ => return false,
        };
        if let Some(id) = calldata.first() {
            self.answer(u64::from(*id), answer);
        }
        true
    }

    fn is_empty(&self) -> bool {
        self.replies.borrow().is_empty()
    }

    /// Answers what is still waiting when the pipeline stops without acking it: the host may send it again.
    fn abandon(&self, reason: &str) {
        for (_, reply) in self.replies.borrow_mut().drain() {
            reply.send(Err(RequestError::Retryable(reason.to_string())));
        }
    }
}

const STOPPED: &str = "the engine pipeline stopped before answering";

impl Ingress {
    /// Sends one request into the pipeline, from a task of its own so that the receiver goes on taking Acks while
    /// the runtime applies backpressure (how many wait is bounded by what the host keeps in flight on the ring).
    fn admit(&self, handler: &local::receiver::EffectHandler<OtapPdata>, waiting: &Waiting, request: Incoming) {
        let Some(signal) = Signal::from_code(request.code) else {
            return request.reply.send(Err(RequestError::Permanent(format!("request code {} is not a signal", request.code))));
        };
        if !self.config.routes.contains(&request.route) {
            return request.reply.send(Err(no_consumer(request.route)));
        }
        // The host hands requests on unchecked when nothing of its own reads them first (see its consumer
        // capabilities): no malformed request reaches a node, nor a batch that valid requests share.
        if let Err(e) = otlp::validate(signal, &request.payload) {
            return request.reply.send(Err(RequestError::Permanent(e)));
        }
        let route = request.route;
        let mut pdata = Payload::Otlp(signal, request.payload.into()).into_pdata(Context::with_capacity(1));
        let id = waiting.add(request.reply);
        let calldata: CallData = smallvec::smallvec![Context8u8::from(id)];
        handler.subscribe_to(Interests::ACKS | Interests::NACKS, calldata, &mut pdata);
        let (handler, waiting) = (handler.clone(), waiting.clone());
        tokio::task::spawn_local(async move {
            if let Err(e) = handler.send_message_with_source_node_to(port(route), pdata).await {
                // The pipeline is stopping: the request never entered it, so it may be sent again.
                waiting.answer(id, Err(RequestError::Retryable(format!("the engine pipeline is stopping: {e}"))));
            }
        });
    }
}

#[async_trait(?Send)]
impl local::receiver::Receiver<OtapPdata> for Ingress {
    async fn start(
        self: Box<Self>,
        mut control: local::receiver::ControlChannel<OtapPdata>,
        handler: local::receiver::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        let core = self.config.core;
        let session = rings().session(core).ok_or_else(|| Error::InternalError { message: format!("core {core} has no ring") })?;
        let mut incoming = session.adopt().await.map_err(|e| Error::InternalError { message: format!("cannot drive ring {core}: {e}") })?;
        handler.signal_ready();
        let waiting = Waiting::default();
        let mut draining: Option<Instant> = None;
        let mut session_open = true;
        loop {
            if let Some(deadline) = draining
                && (waiting.is_empty() || Instant::now() >= deadline)
            {
                waiting.abandon(STOPPED);
                handler.notify_receiver_drained().await?;
                return Ok(TerminalState::default());
            }
            let deadline = draining.map(tokio::time::Instant::from_std);
            tokio::select! {
                biased;
                message = control.recv() => match message.map_err(Error::ChannelRecvError)? {
                    NodeControlMsg::DrainIngress { deadline, .. } => {
                        // Admit nothing new; what is in flight gets until the deadline to be answered.
                        draining = Some(deadline);
                    }
                    NodeControlMsg::Shutdown { .. } => {
                        waiting.abandon(STOPPED);
                        return Ok(TerminalState::default());
                    }
                    other => {
                        waiting.settle(&other);
                    }
                },
                request = incoming.recv(), if session_open => match request {
                    Some(request) if draining.is_some() => request.reply.send(Err(RequestError::Retryable("the engine pipeline is stopping".into()))),
                    Some(request) => self.admit(&handler, &waiting, request),
                    // The session ended (the host went away): what is in flight is still answered, to nobody.
                    None => session_open = false,
                },
                _ = async { tokio::time::sleep_until(deadline.expect("draining")).await }, if deadline.is_some() => {}
            }
        }
    }
}
