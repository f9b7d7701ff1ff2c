//! A deployment as the host sent it (proto/control.proto `DeployRequest`), decoded and checked: every node's type and
//! config against the catalogue, every edge and entry against the nodes. Errors name the component as the Collector
//! does (`processors::rust_batch: ...`).

use crate::components::{self, Factory, Kind};
use crate::control::pb;
use crate::signal::Signal;
use serde_json::Value;
use std::collections::BTreeMap;

/// One node: a component instance for all the signals it serves.
pub struct Node {
    pub key: String,
    pub kind: Kind,
    pub id: String,
    pub factory: &'static Factory,
    pub signals: Vec<Signal>,
    /// Connectors only: what they emit.
    pub output_signal: Option<Signal>,
    /// The effective config (defaults applied).
    pub config: Value,
}

impl Node {
    /// The section and ID the Collector names a component by in errors.
    pub fn named(&self) -> String {
        format!("{}::{}", self.kind.section(), self.id)
    }

    /// The signal of what it hands on.
    pub fn emits(&self, signal: Signal) -> Signal {
        self.output_signal.unwrap_or(signal)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum To {
    Node(String),
    Host(u32),
}

#[derive(Clone, Debug)]
pub struct Edge {
    pub from: String,
    pub to: To,
    pub signal: Signal,
    pub pipeline: String,
}

#[derive(Clone, Debug)]
pub struct Entry {
    pub route: u32,
    pub node: String,
    pub signal: Signal,
}

#[derive(Default)]
pub struct Plan {
    pub nodes: BTreeMap<String, Node>,
    pub edges: Vec<Edge>,
    pub entries: Vec<Entry>,
}

pub fn kind_of(kind: pb::Kind) -> Result<Kind, String> {
    match kind {
        pb::Kind::Receiver => Ok(Kind::Receiver),
        pb::Kind::Processor => Ok(Kind::Processor),
        pb::Kind::Exporter => Ok(Kind::Exporter),
        pb::Kind::Connector => Ok(Kind::Connector),
        other => Err(format!("the engine runs no component of kind {}", other.as_str_name())),
    }
}

/// A component config checked against its factory: the effective config, or the error with the component named.
pub fn checked_config(kind: Kind, ty: &str, id: &str, config_json: &str) -> Result<(&'static Factory, Value), String> {
    let factory = components::lookup(kind, ty, id)?;
    let given: Value = match config_json.trim() {
        "" => Value::Null,
        text => serde_json::from_str(text).map_err(|e| format!("'{id}' config is not JSON: {e}"))?,
    };
    if !(given.is_null() || given.is_object()) {
        return Err(format!("'{id}' expected a map, got {given}"));
    }
    Ok((factory, (factory.config)(&given)?))
}

impl Plan {
    pub fn of(request: pb::DeployRequest) -> Result<Plan, String> {
        let mut plan = Plan::default();
        for node in request.nodes {
            let kind = kind_of(node.kind())?;
            let named = format!("{}::{}", kind.section(), node.id);
            let (factory, config) = checked_config(kind, &node.r#type, &node.id, &node.config_json).map_err(|e| format!("{named}: {e}"))?;
            let signals = node.signals.iter().map(|s| Signal::from_proto(*s)).collect::<Result<Vec<_>, _>>().map_err(|e| format!("{named}: {e}"))?;
            if signals.is_empty() {
                return Err(format!("{named}: a node needs a signal"));
            }
            let output_signal = match kind {
                Kind::Connector => {
                    let to = Signal::from_proto(node.output_signal).map_err(|e| format!("{named}: output signal: {e}"))?;
                    if let Some(from) = signals.iter().find(|from| !factory.pairs.contains(&(**from, to))) {
                        return Err(format!("{named}: connects {from} to {to}, which it does not support"));
                    }
                    Some(to)
                }
                _ => None,
            };
            let planned = Node { key: node.key.clone(), kind, id: node.id, factory, signals, output_signal, config };
            if plan.nodes.insert(node.key.clone(), planned).is_some() {
                return Err(format!("two nodes have the key \"{}\"", node.key));
            }
        }
        for edge in request.edges {
            let signal = Signal::from_proto(edge.signal)?;
            let from = plan.nodes.get(&edge.from).ok_or_else(|| format!("an edge comes from \"{}\", which is not deployed", edge.from))?;
            if from.kind == Kind::Exporter || !from.signals.iter().any(|s| from.emits(*s) == signal) {
                return Err(format!("{}: it hands on no {signal}", from.named()));
            }
            let to = match edge.to {
                Some(pb::edge::To::Node(key)) => {
                    let to = plan.nodes.get(&key).ok_or_else(|| format!("{}: sends to \"{key}\", which is not deployed", from.named()))?;
                    if to.kind == Kind::Receiver || !to.signals.contains(&signal) {
                        return Err(format!("{}: sends {signal} to {}, which takes none", from.named(), to.named()));
                    }
                    To::Node(key)
                }
                Some(pb::edge::To::HostRoute(route)) => To::Host(route),
                None => return Err(format!("{}: an edge leads nowhere", from.named())),
            };
            plan.edges.push(Edge { from: edge.from, to, signal, pipeline: edge.pipeline });
        }
        for entry in request.entries {
            let signal = Signal::from_proto(entry.signal)?;
            let node =
                plan.nodes.get(&entry.node).ok_or_else(|| format!("route {} leads to \"{}\", which is not deployed", entry.route, entry.node))?;
            if node.kind == Kind::Receiver || !node.signals.contains(&signal) {
                return Err(format!("route {} feeds {signal} to {}, which takes none", entry.route, node.named()));
            }
            plan.entries.push(Entry { route: entry.route, node: entry.node, signal });
        }
        for node in plan.nodes.values() {
            let outgoing = plan.edges.iter().any(|e| e.from == node.key);
            if node.kind != Kind::Exporter && !outgoing {
                return Err(format!("{}: has no consumer to send to", node.named()));
            }
        }
        Ok(plan)
    }

    /// The edges out of node `key`.
    pub fn edges_from<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Edge> + 'a {
        self.edges.iter().filter(move |e| e.from == key)
    }
}
