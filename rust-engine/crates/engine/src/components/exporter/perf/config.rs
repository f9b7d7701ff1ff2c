//! `rust_perf`'s settings: how often it reports.

use crate::components::ComponentConfig;
use crate::components::config::GoDuration;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub interval: GoDuration,
}

impl Default for Config {
    fn default() -> Self {
        Config { interval: GoDuration::of("10s") }
    }
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        if self.interval.duration.is_zero() {
            return Err("'interval' must be more than 0".into());
        }
        Ok(())
    }
}
