//! The Tandem engine as a library: the binary (`main.rs`) wires these together; `grpc::RawCodec` is also used by the
//! ring benchmark's gRPC baseline.

pub mod accumulator;
pub mod args;
pub mod attributes_processor;
pub mod batch_processor;
pub mod catalogue;
pub mod control;
pub mod count_connector;
pub mod counters;
pub mod dataflow;
pub mod deployment;
pub mod filter_processor;
pub mod grpc;
pub mod log;
pub mod node;
pub mod otap;
pub mod otap_exporter;
pub mod otap_receiver;
pub mod otap_repairs;
pub mod otlp_exporter;
pub mod otlp_receiver;
pub mod otlp_shape;
pub mod parquet_exporter;
pub mod perf_exporter;
pub mod probe;
pub mod rings;
pub mod settings;
pub mod transform_processor;
pub mod routing_connector;
