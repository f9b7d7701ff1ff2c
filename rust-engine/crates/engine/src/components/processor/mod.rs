//! Engine processors: each takes one pipeline's data of one signal and hands it on.

pub mod attributes;
pub mod batch;
pub mod filter;
pub mod transform;

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    batch::keep_linked();
    attributes::keep_linked();
    filter::keep_linked();
    transform::keep_linked();
}
