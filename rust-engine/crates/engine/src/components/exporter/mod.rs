//! Engine exporters: the end of a pipeline's data, each answering with the outcome of delivering it.

pub mod otap_grpc;
pub mod otlp_grpc;
pub mod parquet;
pub mod perf;

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    otlp_grpc::keep_linked();
    otap_grpc::keep_linked();
    parquet::keep_linked();
    perf::keep_linked();
}
