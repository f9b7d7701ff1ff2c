//! `rust_forward` has no settings.

pub use crate::components::config::NoSettings as Config;
