//! `rust_batch`: batches requests of one signal by items (spans, data points, log records: otap-dataflow's single-pass
//! counter over the OTLP bytes), by bytes and by time: `timeout` after a batch's first data at the latest, and as soon
//! as no new data came for `linger`, so that a caller with one request in flight is not kept waiting for `timeout`. An `Export*ServiceRequest` has one repeated field, so two
//! serialized requests concatenated are one valid request holding both: merging needs no decoding. As the host's
//! `batch`, it does not swallow export errors: every caller whose data went into a batch gets that batch's answer.
//! With `send_batch_max_size`, a batch over that many items is split on OTAP batches (otap-dataflow's batching cuts
//! them at item boundaries), and its callers get the worst answer of the parts.

use crate::accumulator::{Accumulator, Flush};
use crate::node::{worst, Next, Node};
use crate::otap::{signal_type, to_otap, to_otlp};
use crate::settings::duration_setting;
use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::count_otlp_items;
use otel_arrow_dfe_pdata::otap::batching::make_item_batches;
use std::num::NonZeroU64;
use std::sync::Arc;
use std::time::Duration;
use tandem_ipc::{Answer, RequestError};

pub const TYPE: &str = "rust_batch";

/// The Go batch processor's defaults for items and time (`send_batch_max_size` 0: no limit); bytes bound the memory
/// a batch holds; `linger` as the host's `batch`.
pub fn default_config() -> serde_json::Value {
    serde_json::json!({ "send_batch_size": 8192, "send_batch_max_size": 0, "send_batch_size_bytes": 4 << 20, "timeout": "200ms", "linger": "1ms" })
}

pub struct Config {
    pub send_batch_size: usize,
    /// Most items in a batch sent on (0: no limit).
    pub send_batch_max_size: usize,
    pub send_batch_size_bytes: usize,
    pub timeout: Duration,
    /// A batch that got no new data for this long is sent; zero turns lingering off.
    pub linger: Duration,
}

impl Config {
    /// From the effective JSON config; errors use the config's own keys.
    pub fn from_json(config: &serde_json::Value) -> Result<Config, String> {
        let items = config["send_batch_size"].as_u64().ok_or("'send_batch_size' must be a non-negative integer")?;
        let bytes = config["send_batch_size_bytes"].as_u64().ok_or("'send_batch_size_bytes' must be a non-negative integer")?;
        let max = config["send_batch_max_size"].as_u64().ok_or("'send_batch_max_size' must be a non-negative integer")?;
        if max != 0 && max < items {
            // The Go batch processor's check, in its words.
            return Err("send_batch_max_size must be greater or equal to send_batch_size".into());
        }
        let timeout = duration_setting(config, "timeout", "200ms")?;
        let linger = duration_setting(config, "linger", "1ms")?;
        Ok(Config { send_batch_size: items as usize, send_batch_max_size: max as usize, send_batch_size_bytes: bytes as usize, timeout, linger })
    }
}

/// The requests of one batch, concatenated.
#[derive(Default)]
struct OtlpBatch {
    data: BytesMut,
    items: usize,
}

pub struct BatchProcessor {
    config: Config,
    signal: u16,
    batches: Arc<Accumulator<OtlpBatch>>,
}

impl BatchProcessor {
    pub fn new(config: Config, signal: u16, next: Next) -> Arc<Self> {
        let max = config.send_batch_max_size;
        let flush: Flush<OtlpBatch> = Box::new(move |batch| {
            if max == 0 || batch.items <= max {
                return next.send(signal, batch.data.freeze());
            }
            match split(signal, batch.data.freeze(), max) {
                Ok(parts) => {
                    let sends: Vec<_> = parts.into_iter().map(|part| next.send(signal, part)).collect();
                    Box::pin(async move { worst(futures::future::join_all(sends).await) })
                }
                Err(message) => Box::pin(futures::future::ready(Err(RequestError::Permanent(format!("{TYPE}: {message}"))))),
            }
        });
        Arc::new(BatchProcessor { signal, batches: Accumulator::new(config.timeout, config.linger, flush), config })
    }
}

/// A request cut into requests of at most `max` items, through OTAP.
fn split(signal: u16, request: Bytes, max: usize) -> Result<Vec<Bytes>, String> {
    let records = to_otap(signal, request)?;
    let limit = NonZeroU64::new(max as u64).ok_or("send_batch_max_size is 0")?;
    let parts = make_item_batches(signal_type(signal), Some(limit), vec![records]).map_err(|e| format!("splitting a batch: {e}"))?;
    parts.into_iter().map(to_otlp).collect()
}

impl Node for BatchProcessor {
    fn consume(self: Arc<Self>, _signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let items = count_otlp_items(signal_type(self.signal), &payload);
        let bytes = self.config.send_batch_size_bytes;
        self.batches.add(|batch| batch.data.len() + payload.len() <= bytes, |batch| {
            batch.data.extend_from_slice(&payload);
            batch.items += items;
            batch.items >= self.config.send_batch_size || batch.data.len() >= self.config.send_batch_size_bytes
        })
    }
}
