//! Engine components that take data: a node consumes one payload (OTLP request bytes of one signal) and resolves
//! with the answer of everything downstream, so that an acknowledgement means the data was delivered, as a consumer
//! call does in the Collector.

use crate::rings::Rings;
use bytes::Bytes;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tandem_ipc::{Answer, RequestError};
use tokio::sync::{mpsc, oneshot};

pub trait Node: Send + Sync {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer>;
}

/// Where a component's output goes.
#[derive(Clone)]
pub enum Next {
    /// Another engine component: no crossing.
    Component(Arc<dyn Node>),
    /// A host consumer, over the ring.
    Host { rings: Arc<Rings>, route: u32 },
    /// Several consumers: all are called; the answer is the worst of theirs (permanent over retryable over ok).
    FanOut(Vec<Next>),
    /// An output of a node in an otap-dataflow pipeline (`dataflow`): the request goes into the runtime on `port`.
    Pipeline { requests: mpsc::Sender<Injected>, port: Arc<str> },
    /// One of several equal consumers in turn (a component's replicas, one per core).
    Spread(Arc<Spread>),
}

/// A request handed to a node of an otap-dataflow pipeline, answered when the runtime acks or nacks it.
pub struct Injected {
    pub port: Arc<str>,
    pub signal: u16,
    pub payload: Bytes,
    pub reply: oneshot::Sender<Answer>,
}

pub struct Spread {
    targets: Vec<Next>,
    turn: AtomicUsize,
}

impl Next {
    /// A component's consumers as one: several are called together.
    pub fn all(mut next: Vec<Next>) -> Result<Next, String> {
        match next.len() {
            0 => Err("has no consumer to send to".into()),
            1 => Ok(next.pop().expect("one")),
            _ => Ok(Next::FanOut(next)),
        }
    }

    pub fn send(&self, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        match self {
            Next::Component(node) => node.clone().consume(signal, payload),
            Next::Host { rings, route } => {
                let (rings, route) = (rings.clone(), *route);
                Box::pin(async move { rings.request_host(signal, route, &payload).await })
            }
            Next::FanOut(targets) => {
                let calls: Vec<_> = targets.iter().map(|t| t.send(signal, payload.clone())).collect();
                Box::pin(async move { worst(futures::future::join_all(calls).await) })
            }
            Next::Pipeline { requests, port } => {
                let (requests, port) = (requests.clone(), port.clone());
                Box::pin(async move {
                    let stopped = || RequestError::Retryable("the engine pipeline is stopped".into());
                    let (reply, answer) = oneshot::channel();
                    requests.send(Injected { port, signal, payload, reply }).await.map_err(|_| stopped())?;
                    answer.await.unwrap_or_else(|_| Err(stopped()))
                })
            }
            Next::Spread(spread) => {
                let turn = spread.turn.fetch_add(1, Ordering::Relaxed);
                spread.targets[turn % spread.targets.len()].send(signal, payload)
            }
        }
    }

    /// Equal consumers taken in turn; one is itself.
    pub fn spread(mut targets: Vec<Next>) -> Next {
        match targets.len() {
            1 => targets.pop().expect("one"),
            _ => Next::Spread(Arc::new(Spread { targets, turn: AtomicUsize::new(0) })),
        }
    }
}

/// A consumer is a node too: what otap-dataflow's exporter node runs for a host consumer over the ring.
impl Node for Next {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        self.send(signal, payload)
    }
}

/// `rust_forward`: a connector that passes a pipeline's data on to the pipelines it feeds, unchanged, without leaving
/// the engine when they continue in it (the Collector's `forward` connector). It is its consumers (`Next::all`).
pub const FORWARD_TYPE: &str = "rust_forward";

/// Combines answers: any permanent failure makes the whole permanent, else any failure makes it retryable.
pub fn worst(answers: Vec<Answer>) -> Answer {
    let failures: Vec<RequestError> = answers.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        return Ok(());
    }
    let message = failures.iter().map(|e| match e {
        RequestError::Retryable(m) | RequestError::Permanent(m) => m.as_str(),
    });
    let message = message.collect::<Vec<_>>().join("; ");
    if failures.iter().any(|e| matches!(e, RequestError::Permanent(_))) {
        Err(RequestError::Permanent(message))
    } else {
        Err(RequestError::Retryable(message))
    }
}
