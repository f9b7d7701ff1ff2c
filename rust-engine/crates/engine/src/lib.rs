//! The Tandem engine as a library: the binary (`main.rs`) wires these together; `grpc::RawCodec` is also used by the
//! ring benchmark's gRPC baseline and `otap` by the OTAP benchmark.
//!
//! - `control`: the control channel the host drives the engine over;
//! - `deployment`: the engine's part of the pipelines, built into an otap-dataflow pipeline per core;
//! - `runtime`: running a pipeline on its core's thread, and reading the nodes' telemetry back as counters;
//! - `ring`: the rings to the host, read and answered by each core's pipeline;
//! - `components`: the components the host can deploy, each an otap-dataflow node (or a few);
//! - `probe`: `tandem-engine probe`, the engine's own liveness check;
//! - `otap`, `otlp`: the two forms data travels in, and the one place each is translated into the other.

pub mod args;
pub mod components;
pub mod control;
pub mod deployment;
pub mod grpc;
pub mod log;
pub mod otap;
pub mod otlp;
pub mod probe;
pub mod ring;
pub mod runtime;
pub mod signal;

/// The linker keeps a `distributed_slice` element (a node factory otap-dataflow finds by URN, a component in the
/// catalogue) only when its object file is linked: code that builds pipelines names them all through this.
pub fn keep_linked() {
    components::keep_linked();
    ring::ingress::keep_linked();
    ring::egress::keep_linked();
    otap::convert::keep_linked();
}
