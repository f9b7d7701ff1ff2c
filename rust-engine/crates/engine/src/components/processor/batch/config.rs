//! `rust_batch`'s settings: the Go batch processor's, with Tandem's bytes bound and `linger`.

use crate::components::ComponentConfig;
use crate::components::config::GoDuration;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Items (spans, data points, log records) at which a batch is sent.
    pub send_batch_size: u64,
    /// Most items in a batch sent on (0: no limit).
    pub send_batch_max_size: u64,
    /// Bytes of OTLP at which a batch is sent, whatever its items: bounds the memory a batch holds.
    pub send_batch_size_bytes: u64,
    /// A batch is sent this long after its first item at the latest.
    pub timeout: GoDuration,
    /// While no batch of this node awaits its answer, a batch is sent once no data has arrived for this long (0: at
    /// once; at `timeout` or more: only by size or timeout, as the Go processor).
    pub linger: GoDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            send_batch_size: 8192,
            send_batch_max_size: 0,
            send_batch_size_bytes: 4 << 20,
            timeout: GoDuration::of("200ms"),
            linger: GoDuration::of("0s"),
        }
    }
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        if self.send_batch_max_size != 0 && self.send_batch_max_size < self.send_batch_size {
            // The Go batch processor's check, in its words.
            return Err("send_batch_max_size must be greater or equal to send_batch_size".into());
        }
        Ok(())
    }
}
