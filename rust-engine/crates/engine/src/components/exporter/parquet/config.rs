//! `rust_parquet`'s settings: where to write, and when a part is written.

use crate::components::ComponentConfig;
use crate::components::config::GoDuration;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The directory the signals' tables are written under.
    pub path: String,
    /// Bytes of data at which a part is written.
    pub flush_size: u64,
    /// A part is written this long after its first data at the latest.
    pub flush_interval: GoDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config { path: String::new(), flush_size: 16 << 20, flush_interval: GoDuration::of("5s") }
    }
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        if self.path.is_empty() {
            return Err("'path' must be set to the directory to write to".into());
        }
        if self.flush_size == 0 {
            return Err("'flush_size' must be a positive number of bytes".into());
        }
        Ok(())
    }
}
