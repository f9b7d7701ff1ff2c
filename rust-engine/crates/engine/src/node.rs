//! Engine components that take data: a node consumes one payload (OTLP request bytes of one signal) and resolves
//! with the answer of everything downstream, so that an acknowledgement means the data was delivered, as a consumer
//! call does in the Collector.

use crate::rings::Rings;
use bytes::Bytes;
use futures::future::BoxFuture;
use std::sync::Arc;
use tandem_ipc::{Answer, RequestError};

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
        }
    }
}

/// `rust_forward`: a connector that passes a pipeline's data on to the pipelines it feeds, unchanged, without leaving
/// the engine when they continue in it (the Collector's `forward` connector).
pub struct Forward {
    pub next: Next,
}

impl Node for Forward {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        self.next.send(signal, payload)
    }
}

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
