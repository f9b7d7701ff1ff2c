//! `rust_otap`'s settings are `rust_otlp`'s: the endpoint it listens on, for OTLP and OTel-Arrow alike.

pub use crate::components::receiver::otlp::config::Config;
