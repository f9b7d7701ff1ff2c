//! The engine's components, by kind as in `ts-host/src/components/`: each folder holds a component's config (a serde
//! type), the otap-dataflow node(s) it runs as, its README and its tests. Each registers its `Factory` in `FACTORIES`
//! (`Factory::new`); the catalogue is that list. Tandem's own nodes register with otap-dataflow through `register`. Engine component types start with `rust_`, so that they sit next to the host's (`otlp`
//! and `rust_otlp`) without a clash and a user can tell the runtime from the name.

pub mod config;
pub mod connector;
pub mod exporter;
pub mod processor;
pub mod receiver;
pub mod register;

use crate::signal::Signal;
use linkme::distributed_slice;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Receiver,
    Processor,
    Exporter,
    Connector,
}

impl Kind {
    /// The config section components of this kind are declared in, as error paths name it.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Receiver => "receivers",
            Kind::Processor => "processors",
            Kind::Exporter => "exporters",
            Kind::Connector => "connectors",
        }
    }
}

/// The forms of data that travel between nodes: OTLP request bytes, or OTAP (Arrow) records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    Otlp,
    Otap,
}

/// What a component's first node takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Takes {
    /// Either form: the node reads both.
    Any,
    /// Only this form: data in the other is translated, once, in front of it.
    Only(Form),
}

/// What a component's last node hands on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gives {
    /// The form it was given.
    Same,
    Only(Form),
    /// Either, request by request.
    Either,
}

/// How a component's output is split over its consumers' edges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outputs {
    /// Every edge gets everything (several edges: a fan-out).
    One,
    /// A port per signal (`traces`, `metrics`, `logs`): a receiver serving several pipelines' signals.
    BySignal,
    /// A port per pipeline the edges start (a routing connector).
    ByPipeline,
}

/// One otap-dataflow node of a component: its type and its config in otap-dataflow's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSpec {
    pub urn: &'static str,
    pub config: Value,
}

/// What a component's nodes are told about the place they run in.
pub struct Placement<'a> {
    /// The component ID (`type[/name]`).
    pub id: &'a str,
    /// The signals it consumes (receivers: produces).
    pub signals: &'a [Signal],
    /// With `Outputs::ByPipeline`: the pipelines its edges start, each the name of an output port.
    pub pipelines: &'a [String],
    /// The largest request what it feeds takes whole (a host consumer: the ring's `max_message_size`).
    pub max_request_bytes: Option<usize>,
}

/// The nodes that run a component, in the order data goes through them.
pub enum Nodes {
    /// One node of this type, configured with the component's effective config as it is.
    One(&'static str),
    /// The nodes this function makes from the effective config and the component's placement.
    Of(fn(&Value, &Placement) -> Result<Vec<NodeSpec>, String>),
}

/// A component type: how it is listed, configured and run.
pub struct Factory {
    pub ty: &'static str,
    pub kind: Kind,
    pub description: &'static str,
    /// Connectors: the (from, to) signal pairs they support; others serve every signal.
    pub pairs: &'static [(Signal, Signal)],
    pub takes: Takes,
    pub gives: Gives,
    pub outputs: Outputs,
    /// The default config, as `ListFactories` shows it.
    pub default_config: fn() -> Value,
    /// Decodes a user config (JSON; null for all defaults) and checks it: the effective config (defaults applied),
    /// or the error in the Collector's wording.
    pub config: fn(&Value) -> Result<Value, String>,
    pub nodes: Nodes,
}

impl Factory {
    /// A component of `kind` configured by `C`, which serves every signal, takes either form, hands on the form it
    /// was given and gives everything to every edge; the methods below say where a component differs.
    pub const fn new<C: ComponentConfig>(ty: &'static str, kind: Kind, description: &'static str, nodes: Nodes) -> Factory {
        Factory {
            ty,
            kind,
            description,
            pairs: &[],
            takes: Takes::Any,
            gives: Gives::Same,
            outputs: Outputs::One,
            default_config: C::defaults,
            config: C::effective,
            nodes,
        }
    }

    pub const fn pairs(self, pairs: &'static [(Signal, Signal)]) -> Factory {
        Factory { pairs, ..self }
    }

    pub const fn takes(self, takes: Takes) -> Factory {
        Factory { takes, ..self }
    }

    pub const fn gives(self, gives: Gives) -> Factory {
        Factory { gives, ..self }
    }

    /// Takes only `form` and hands on only `form`: a node that works on that form alone.
    pub const fn only(self, form: Form) -> Factory {
        Factory { takes: Takes::Only(form), gives: Gives::Only(form), ..self }
    }

    pub const fn outputs(self, outputs: Outputs) -> Factory {
        Factory { outputs, ..self }
    }

    /// The nodes that run a component of this type from its effective config.
    pub fn nodes_for(&self, config: &Value, placement: &Placement) -> Result<Vec<NodeSpec>, String> {
        match self.nodes {
            Nodes::One(urn) => Ok(vec![NodeSpec { urn, config: config.clone() }]),
            Nodes::Of(make) => make(config, placement),
        }
    }

    /// The signals it takes, for listing: every signal but for connectors, whose pairs say.
    pub fn signals(&self) -> Vec<Signal> {
        match self.kind {
            Kind::Connector => Vec::new(),
            _ => Signal::ALL.to_vec(),
        }
    }
}

/// Every component the engine can run; each component's module adds its own.
#[distributed_slice]
pub static FACTORIES: [Factory];

/// Every connector pair of `to` signals from each signal of `from` that shares its own signal (a pass-through).
pub const SAME_SIGNAL: &[(Signal, Signal)] = &[(Signal::Traces, Signal::Traces), (Signal::Metrics, Signal::Metrics), (Signal::Logs, Signal::Logs)];

/// The type part of a component ID (`type[/name]`).
pub fn type_of(id: &str) -> &str {
    id.split('/').next().unwrap_or(id)
}

/// The factory of a component ID's type, or the Collector's unknown-type error listing the valid ones.
/// The factory of `kind` for `ty`, or for the type of `id` when `ty` is empty (the host names the type only when it
/// differs from the ID's: a component type both runtimes have, placed in the engine).
pub fn lookup(kind: Kind, ty: &str, id: &str) -> Result<&'static Factory, String> {
    let ty = if ty.is_empty() { type_of(id) } else { ty };
    FACTORIES.iter().find(|f| f.ty == ty && f.kind == kind).ok_or_else(|| {
        let mut valid: Vec<&str> = FACTORIES.iter().filter(|f| f.kind == kind).map(|f| f.ty).collect();
        valid.sort_unstable();
        format!("unknown type: \"{ty}\" for id: \"{id}\" (valid values: [{}])", valid.join(" "))
    })
}

/// Every factory, by kind and type, as `ListFactories` reports them.
pub fn all() -> Vec<&'static Factory> {
    let mut all: Vec<&Factory> = FACTORIES.iter().collect();
    all.sort_by_key(|f| (f.kind as u8, f.ty));
    all
}

/// A component's config type: decoded with serde (defaults for what is not given), then checked beyond its types.
pub trait ComponentConfig: serde::de::DeserializeOwned + serde::Serialize + Default {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }

    /// The defaults as JSON.
    fn defaults() -> Value {
        serde_json::to_value(Self::default()).expect("a config serializes")
    }

    /// A user config decoded on top of the defaults and checked: the effective config as JSON.
    fn effective(config: &Value) -> Result<Value, String> {
        let decoded: Self = config::decode(config)?;
        decoded.check()?;
        Ok(serde_json::to_value(decoded).expect("a config serializes"))
    }

    /// An effective config (from `effective`) as the type.
    fn of(effective: &Value) -> Result<Self, String> {
        config::decode(effective)
    }
}

/// The linker keeps a `distributed_slice` element only when its object file is linked; naming every component
/// module's factory from code that always runs makes sure they are (`FACTORIES` then lists them all).
pub fn keep_linked() {
    receiver::keep_linked();
    processor::keep_linked();
    exporter::keep_linked();
    connector::keep_linked();
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: a processor ID of a type the engine does not have. Guarantee: the Collector's unknown-type error
    // listing the engine's processor types, sorted.
    #[test]
    fn an_unknown_type_is_refused_listing_the_valid_ones() {
        keep_linked();
        let error = lookup(Kind::Processor, "", "transform/x").err().unwrap();
        assert_eq!(
            error,
            "unknown type: \"transform\" for id: \"transform/x\" (valid values: [rust_attributes rust_batch rust_filter rust_transform])"
        );
    }

    // Scenario: every factory's defaults given back as a config. Guarantee: each is its own effective config, but
    // for the three that need a setting (a path, an attribute, a query), and each type appears once per kind.
    #[test]
    fn every_factory_decodes_its_defaults_and_has_a_unique_type() {
        keep_linked();
        let mut seen = std::collections::HashSet::new();
        for factory in all() {
            let checked = (factory.config)(&(factory.default_config)());
            match factory.ty {
                "rust_parquet" => assert_eq!(checked.unwrap_err(), "'path' must be set to the directory to write to"),
                "rust_routing" => assert_eq!(checked.unwrap_err(), "'attribute' must name the resource attribute to route by"),
                "rust_transform" => assert_eq!(checked.unwrap_err(), "exactly one of kql_query, opl_query, ottl must be set"),
                _ => assert_eq!(checked.as_ref().ok(), Some(&(factory.default_config)()), "{}", factory.ty),
            }
            assert!(seen.insert((factory.kind, factory.ty)), "{} listed twice", factory.ty);
        }
        assert_eq!(seen.len(), 13);
    }
}
