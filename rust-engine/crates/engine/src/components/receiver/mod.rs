//! Engine receivers: they take data from clients and send it, by signal, to the nodes the pipelines name.

pub mod otap;
pub mod otlp;

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    otlp::keep_linked();
    otap::keep_linked();
}
