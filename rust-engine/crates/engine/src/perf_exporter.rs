//! `rust_perf`: a sink that measures throughput. It acknowledges at once and logs, every `interval`, the requests,
//! items (spans, data points, log records: otap-dataflow's counter over the OTLP bytes) and bytes per second it
//! received, into the engine's log and so the host's (idle intervals are not logged).

use crate::settings::duration_setting;
use crate::node::Node;
use crate::otap::signal_type;
use bytes::Bytes;
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::count_otlp_items;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tandem_ipc::Answer;

pub const TYPE: &str = "rust_perf";

pub fn default_config() -> serde_json::Value {
    serde_json::json!({ "interval": "10s" })
}

pub fn interval_of(config: &serde_json::Value) -> Result<Duration, String> {
    duration_setting(config, "interval", "10s").and_then(|d| if d.is_zero() { Err("'interval' must be more than 0".into()) } else { Ok(d) })
}

#[derive(Default)]
struct Totals {
    requests: AtomicU64,
    items: AtomicU64,
    bytes: AtomicU64,
}

pub struct Perf {
    totals: Totals,
}

impl Perf {
    /// Starts reporting for component `id`; the report stops when the exporter is dropped.
    pub fn new(id: &str, signal: u16, interval: Duration) -> Arc<Self> {
        let perf = Arc::new(Perf { totals: Totals::default() });
        tokio::spawn(report(Arc::downgrade(&perf), id.to_string(), signal, interval));
        perf
    }
}

async fn report(perf: Weak<Perf>, id: String, signal: u16, interval: Duration) {
    let mut last = Instant::now();
    loop {
        tokio::time::sleep(interval).await;
        let Some(perf) = perf.upgrade() else { return };
        let elapsed = last.elapsed().as_secs_f64();
        last = Instant::now();
        let take = |counter: &AtomicU64| counter.swap(0, Ordering::Relaxed);
        let (requests, items, bytes) = (take(&perf.totals.requests), take(&perf.totals.items), take(&perf.totals.bytes));
        if requests == 0 {
            continue; // nothing to say while idle
        }
        let rate = |n: u64| (n as f64 / elapsed).round();
        crate::log::info(
            "throughput",
            serde_json::json!({
                "component": id, "signal": format!("{:?}", signal_type(signal)).to_lowercase(),
                "requests": requests, "items": items, "bytes": bytes,
                "items_per_second": rate(items), "bytes_per_second": rate(bytes), "seconds": elapsed,
            }),
        );
    }
}

impl Node for Perf {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let items = count_otlp_items(signal_type(signal), &payload) as u64;
        self.totals.requests.fetch_add(1, Ordering::Relaxed);
        self.totals.items.fetch_add(items, Ordering::Relaxed);
        self.totals.bytes.fetch_add(payload.len() as u64, Ordering::Relaxed);
        Box::pin(futures::future::ready(Ok(())))
    }
}
