//! Engine connectors: the exporter of one pipeline that is the receiver of others, inside the engine.

pub mod count;
pub mod forward;
pub mod outcomes;
pub mod routing;

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    forward::keep_linked();
    count::keep_linked();
    routing::keep_linked();
}
