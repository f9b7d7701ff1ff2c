//! The engine's factory catalogue: what `ListFactories` reports and what component configs are checked against.
//! It is empty until the engine's first components land (see rust-engine/README.md); every lookup then fails with
//! the Collector's unknown-type error.

use crate::control::pb;

#[derive(Default)]
pub struct Catalogue {
    factories: Vec<pb::Factory>,
}

impl Catalogue {
    pub fn factories(&self) -> &[pb::Factory] {
        &self.factories
    }

    /// The factory of a component ID's type, or the Collector's unknown-type error listing the valid ones.
    pub fn lookup(&self, kind: pb::Kind, id: &str) -> Result<&pb::Factory, String> {
        let ty = id.split('/').next().unwrap_or(id);
        self.factories.iter().find(|f| f.r#type == ty && f.kind() == kind).ok_or_else(|| {
            let mut valid: Vec<&str> = self.factories.iter().filter(|f| f.kind() == kind).map(|f| f.r#type.as_str()).collect();
            valid.sort();
            format!("unknown type: \"{ty}\" for id: \"{id}\" (valid values: [{}])", valid.join(" "))
        })
    }
}
