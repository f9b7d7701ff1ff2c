//! Per-component counters (proto/control.proto `ComponentCounters`): items in and out (spans, data points, log records,
//! counted by otap-dataflow's single-pass counter over the OTLP bytes) and answers, kept by wrappers around every
//! component the engine deploys, so the host can report what never crosses the ring.

use crate::control::pb;
use crate::deployment::Instance;
use crate::node::{Next, Node};
use crate::otap::signal_type;
use bytes::Bytes;
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::count_otlp_items;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tandem_ipc::Answer;

#[derive(Default)]
pub struct Counters {
    items_in: AtomicU64,
    items_out: AtomicU64,
    requests_ok: AtomicU64,
    requests_failed: AtomicU64,
}

impl Counters {
    pub fn snapshot(&self, component: &Instance) -> pb::ComponentCounters {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        pb::ComponentCounters {
            key: component.key.clone(),
            id: component.id.clone(),
            kind: component.kind as i32,
            items_in: read(&self.items_in),
            items_out: read(&self.items_out),
            requests_ok: read(&self.requests_ok),
            requests_failed: read(&self.requests_failed),
        }
    }
}

fn items(signal: u16, payload: &[u8]) -> u64 {
    count_otlp_items(signal_type(signal), payload) as u64
}

/// Counts what a component is given and how it answers. For receivers and exporters, whose output is not another
/// consumer's input, `items_out` is what they delivered: the items of the requests answered OK.
pub struct Counted {
    pub inner: Next,
    pub counters: Arc<Counters>,
    pub delivers: bool,
}

impl Node for Counted {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let n = items(signal, &payload);
        self.counters.items_in.fetch_add(n, Ordering::Relaxed);
        let answer = self.inner.send(signal, payload);
        Box::pin(async move {
            let answer = answer.await;
            let outcome = if answer.is_ok() { &self.counters.requests_ok } else { &self.counters.requests_failed };
            outcome.fetch_add(1, Ordering::Relaxed);
            if answer.is_ok() && self.delivers {
                self.counters.items_out.fetch_add(n, Ordering::Relaxed);
            }
            answer
        })
    }
}

/// Counts what a component hands to one of its consumers.
pub struct Outgoing {
    pub next: Next,
    pub counters: Arc<Counters>,
}

impl Node for Outgoing {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        self.counters.items_out.fetch_add(items(signal, &payload), Ordering::Relaxed);
        self.next.send(signal, payload)
    }
}
