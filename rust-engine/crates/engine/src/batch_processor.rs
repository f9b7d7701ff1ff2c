//! `rust_batch`: batches requests of one signal by items (spans, data points, log records: otap-dataflow's single-pass
//! counter over the OTLP bytes), by bytes and by time. An `Export*ServiceRequest` has one repeated field, so two
//! serialized requests concatenated are one valid request holding both: merging needs no decoding. As the host's
//! `batch`, it does not swallow export errors: every caller whose data went into a batch gets that batch's answer.

use crate::accumulator::{Accumulator, Flush};
use crate::node::{Next, Node};
use bytes::{Bytes, BytesMut};
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::count_otlp_items;
use std::sync::Arc;
use std::time::Duration;
use tandem_ipc::Answer;

pub const TYPE: &str = "rust_batch";

/// The Go batch processor's defaults for items and time; bytes bound the memory a batch holds.
pub fn default_config() -> serde_json::Value {
    serde_json::json!({ "send_batch_size": 8192, "send_batch_size_bytes": 4 << 20, "timeout": "200ms" })
}

pub struct Config {
    pub send_batch_size: usize,
    pub send_batch_size_bytes: usize,
    pub timeout: Duration,
}

impl Config {
    /// From the effective JSON config; errors use the config's own keys.
    pub fn from_json(config: &serde_json::Value) -> Result<Config, String> {
        let items = config["send_batch_size"].as_u64().ok_or("'send_batch_size' must be a non-negative integer")?;
        let bytes = config["send_batch_size_bytes"].as_u64().ok_or("'send_batch_size_bytes' must be a non-negative integer")?;
        let timeout = config["timeout"].as_str().ok_or("'timeout' must be a duration such as \"200ms\"")?;
        Ok(Config { send_batch_size: items as usize, send_batch_size_bytes: bytes as usize, timeout: parse_duration("timeout", timeout)? })
    }
}

/// Go-style durations as the Collector's configs write them: "200ms", "1s", "1m". `key` names the setting in errors.
pub fn parse_duration(key: &str, text: &str) -> Result<Duration, String> {
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("'{key}' is not a duration: \"{text}\""))?;
    let scale = match unit {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("'{key}' has an unknown unit: \"{text}\" (use ns, us, ms, s, m or h)")),
    };
    Ok(Duration::from_secs_f64(value * scale))
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
        let flush: Flush<OtlpBatch> = Box::new(move |batch| next.send(signal, batch.data.freeze()));
        Arc::new(BatchProcessor { signal, batches: Accumulator::new(config.timeout, flush), config })
    }
}

impl Node for BatchProcessor {
    fn consume(self: Arc<Self>, _signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let items = count_otlp_items(crate::otap::signal_type(self.signal), &payload);
        self.batches.add(|batch| {
            batch.data.extend_from_slice(&payload);
            batch.items += items;
            batch.items >= self.config.send_batch_size || batch.data.len() >= self.config.send_batch_size_bytes
        })
    }
}
