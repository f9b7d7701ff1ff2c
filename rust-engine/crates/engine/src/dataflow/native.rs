//! otap-dataflow's own nodes (`otel-arrow-dfe-core-nodes`) as Tandem components. A native node sits in a Tandem
//! pipeline between two Tandem nodes of its component (`{key}`, which counts what it is given, and `{key}/out`,
//! which hands its output to the component's consumers), so that it is fed and answered like any other component.

use super::{Member, Part, Pipeline, Target};
use crate::node::{Next, Node};
use std::sync::Arc;

/// A native otap-dataflow processor: its URN and its config in otap-dataflow's own terms.
#[derive(Clone)]
pub struct Native {
    pub urn: &'static str,
    pub config: serde_json::Value,
}

/// The linker keeps core-nodes' factories only when something refers to the crate.
pub fn keep_linked() {
    std::hint::black_box(&otel_arrow_dfe_core_nodes::processors::transform_processor::TRANSFORM_PROCESSOR_URN);
}

/// Checks a native processor's config the way otap-dataflow will at Start, by building (not running) a pipeline
/// with it: a query that does not parse fails here, at validation.
pub fn check(native: Native) -> Result<(), String> {
    // otap-dataflow leaves out nodes that lead nowhere, so the native node gets an exporter after it.
    let members = [
        Member { key: "check".into(), exporter: false, targets: vec![Target::Member("sink".into())], native: Some(native) },
        Member { key: "sink".into(), exporter: true, targets: Vec::new(), native: None },
    ];
    // The check pipeline never runs: its Tandem nodes only need to exist.
    let make = |_: &Member, _: Part, next: Vec<Next>| -> Result<Arc<dyn Node>, String> { Ok(Arc::new(Next::FanOut(next))) };
    Pipeline::check(&members, &make)
}
