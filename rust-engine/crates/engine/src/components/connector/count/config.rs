//! `rust_count` has no settings: it counts into the Collector count connector's default metrics.

pub use crate::components::config::NoSettings as Config;
