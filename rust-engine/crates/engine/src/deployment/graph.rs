//! A deployment as an otap-dataflow pipeline config for one core: each component's nodes in a chain, the ring's
//! ingress (a port per route the host feeds) and an egress per host route, a fan-out node where a component feeds
//! several consumers (otap-dataflow's fanout processor: parallel, an Ack once all acked), and a translation in front
//! of a node that takes only OTLP or only OTAP where data may arrive in the other form.
//!
//! ```text
//! ring -route-1-> processor/rust_transform/logs/1~to-otap -> processor/rust_transform/logs/1 -> ... -> host-2 (ring egress)
//! receiver/rust_otlp -> receiver/rust_otlp~1 -logs-> ... -> exporter/x~fanout -> [exporter/a, exporter/b]
//! ```

use super::plan::{Node, Plan, To};
use crate::components::{Form, Gives, Kind, Outputs, Placement, Takes};
use crate::otap::convert;
use crate::ring::{egress, ingress};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const FANOUT_URN: &str = "urn:otel:processor:fanout";
const RING: &str = "ring";

/// The node ID of a component's `n`-th node (the first is its key).
fn chain_id(key: &str, n: usize) -> String {
    if n == 0 { key.to_string() } else { format!("{key}~{n}") }
}

fn host_id(route: u32) -> String {
    format!("host-{route}")
}

/// A pipeline config being put together, as otap-dataflow reads it.
#[derive(Default)]
struct Graph {
    nodes: serde_json::Map<String, Value>,
    connections: Vec<Value>,
    /// The nodes whose runtime counters are a component's (its first and last node), by node ID: the component's key.
    counted: BTreeMap<String, String>,
}

impl Graph {
    fn node(&mut self, id: &str, urn: &str, config: Value, outputs: &[String]) {
        let mut node = json!({ "type": urn, "config": config });
        if !outputs.is_empty() {
            node["outputs"] = json!(outputs);
        }
        self.nodes.insert(id.to_string(), node);
    }

    /// Counts a node's messages and items (otap-dataflow's node telemetry), for the component `key`.
    fn count(&mut self, id: &str, key: &str) {
        if let Some(node) = self.nodes.get_mut(id) {
            node["policies"] = json!({ "telemetry": { "messages": true, "item_counts": true } });
            self.counted.insert(id.to_string(), key.to_string());
        }
    }

    /// The connections with every node's sources in one: otap-dataflow gives each connection its own channel and a
    /// node one input, so a node fed by several (the ring's routes of one multi-signal exporter) must be fed by one
    /// connection listing them all, or all but the last would send into a closed channel.
    fn merged_connections(&self) -> Vec<Value> {
        let mut sources: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for connection in &self.connections {
            sources.entry(connection["to"].as_str().expect("one destination").to_string()).or_default().push(connection["from"].clone());
        }
        sources
            .into_iter()
            .map(|(to, mut from)| match from.len() {
                1 => json!({ "from": from.remove(0), "to": to }),
                _ => json!({ "from": from, "to": to }),
            })
            .collect()
    }

    fn connect(&mut self, from: &str, port: Option<&str>, to: &str) {
        let from = match port {
            Some(port) => format!("{from}[\"{port}\"]"),
            None => from.to_string(),
        };
        self.connections.push(json!({ "from": from, "to": to }));
    }
}

/// The pipeline config of core `core`, and the node IDs whose counters are the components'. `ring_limit` is the
/// largest request the ring to the host takes.
pub fn pipeline(plan: &Plan, core: usize, ring_limit: Option<usize>) -> Result<(Value, BTreeMap<String, String>), String> {
    let mut graph = Graph::default();
    let forms = input_forms(plan);
    let feeds_host = feeding_host(plan);
    // Each component's chain; `entries` is where its input goes, `exits` where its output comes from.
    let mut entries = BTreeMap::new();
    let mut exits = BTreeMap::new();
    for node in plan.nodes.values() {
        let pipelines: Vec<String> = plan.edges_from(&node.key).map(|e| e.pipeline.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let placement = Placement {
            id: &node.id,
            signals: &node.signals,
            pipelines: &pipelines,
            max_request_bytes: if feeds_host.contains(node.key.as_str()) { ring_limit } else { None },
        };
        let specs = node.factory.nodes_for(&node.config, &placement).map_err(|e| format!("{}: {e}", node.named()))?;
        let last = specs.len() - 1;
        for (n, spec) in specs.into_iter().enumerate() {
            let outputs = if n == last { ports(plan, node) } else { Vec::new() };
            graph.node(&chain_id(&node.key, n), spec.urn, spec.config, &outputs);
            if n > 0 {
                graph.connect(&chain_id(&node.key, n - 1), None, &chain_id(&node.key, n));
            }
        }
        graph.count(&node.key, &node.key);
        graph.count(&chain_id(&node.key, last), &node.key);
        let mut entry = node.key.clone();
        if let Takes::Only(form) = node.factory.takes
            && forms[node.key.as_str()].iter().any(|f| *f != form)
        {
            entry = format!("{}~to-{}", node.key, if form == Form::Otlp { "otlp" } else { "otap" });
            graph.node(&entry, convert::urn_into(form), json!({}), &[]);
            graph.connect(&entry, None, &node.key);
        }
        entries.insert(node.key.clone(), entry);
        exits.insert(node.key.clone(), chain_id(&node.key, last));
    }
    if !plan.entries.is_empty() {
        let routes: BTreeSet<u32> = plan.entries.iter().map(|e| e.route).collect();
        let ports: Vec<String> = routes.iter().map(|r| ingress::port(*r)).collect();
        graph.node(RING, ingress::URN, json!(ingress::Config { core, routes }), &ports);
        for entry in &plan.entries {
            graph.connect(RING, Some(&ingress::port(entry.route)), &entries[&entry.node]);
        }
    }
    for node in plan.nodes.values() {
        let mut groups: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
        for edge in plan.edges_from(&node.key) {
            let port = match node.factory.outputs {
                Outputs::One => None,
                Outputs::BySignal => Some(edge.signal.name().to_string()),
                Outputs::ByPipeline => Some(edge.pipeline.clone()),
            };
            let to = match &edge.to {
                To::Node(key) => entries[key].clone(),
                To::Host(route) => {
                    let id = host_id(*route);
                    if !graph.nodes.contains_key(&id) {
                        graph.node(&id, egress::URN, json!(egress::Config { core, route: *route }), &[]);
                    }
                    id
                }
            };
            groups.entry(port).or_default().push(to);
        }
        for (port, consumers) in groups {
            let exit = &exits[&node.key];
            if let [only] = consumers.as_slice() {
                graph.connect(exit, port.as_deref(), only);
                continue;
            }
            let fanout = match &port {
                Some(port) => format!("{}~fanout-{port}", node.key),
                None => format!("{}~fanout", node.key),
            };
            let outs: Vec<String> = (0..consumers.len()).map(|i| format!("out{i}")).collect();
            let destinations: Vec<Value> = outs.iter().map(|port| json!({ "port": port })).collect();
            graph.node(&fanout, FANOUT_URN, json!({ "mode": "parallel", "await_ack": "all", "destinations": destinations }), &outs);
            graph.connect(exit, port.as_deref(), &fanout);
            for (out, consumer) in outs.iter().zip(&consumers) {
                graph.connect(&fanout, Some(out), consumer);
            }
        }
    }
    let config = json!({ "type": "otap", "nodes": graph.nodes, "connections": graph.merged_connections() });
    Ok((config, graph.counted))
}

/// The named output ports of a component's last node (none when it sends on its default port).
fn ports(plan: &Plan, node: &Node) -> Vec<String> {
    let ports: BTreeSet<String> = match node.factory.outputs {
        Outputs::One => BTreeSet::new(),
        Outputs::BySignal => plan.edges_from(&node.key).map(|e| e.signal.name().to_string()).collect(),
        Outputs::ByPipeline => plan.edges_from(&node.key).map(|e| e.pipeline.clone()).collect(),
    };
    ports.into_iter().collect()
}

/// The forms data may arrive at each component in: OTLP from the host, and what each of its producers gives.
fn input_forms(plan: &Plan) -> BTreeMap<&str, BTreeSet<Form>> {
    let mut inputs: BTreeMap<&str, BTreeSet<Form>> = plan.nodes.keys().map(|k| (k.as_str(), BTreeSet::new())).collect();
    for entry in &plan.entries {
        inputs.get_mut(entry.node.as_str()).expect("checked by the plan").insert(Form::Otlp);
    }
    // Forms only grow, and a pass moves them one edge on: as many passes as nodes reach every node.
    for _ in 0..plan.nodes.len() {
        for edge in &plan.edges {
            let To::Node(to) = &edge.to else { continue };
            let given = gives(&plan.nodes[&edge.from], &inputs[edge.from.as_str()]);
            inputs.get_mut(to.as_str()).expect("checked by the plan").extend(given);
        }
    }
    inputs
}

/// The forms a component hands on, given those it takes (after any translation in front of it).
fn gives(node: &Node, takes: &BTreeSet<Form>) -> BTreeSet<Form> {
    let taken: BTreeSet<Form> = match node.factory.takes {
        Takes::Only(form) => [form].into(),
        Takes::Any => takes.clone(),
    };
    match node.factory.gives {
        Gives::Same => taken,
        Gives::Only(form) => [form].into(),
        Gives::Either => [Form::Otlp, Form::Otap].into(),
    }
}

/// The components whose output reaches a host consumer without passing an engine exporter: what they send must fit
/// the ring.
fn feeding_host(plan: &Plan) -> BTreeSet<&str> {
    let mut feeding: BTreeSet<&str> = plan.edges.iter().filter(|e| matches!(e.to, To::Host(_))).map(|e| e.from.as_str()).collect();
    for _ in 0..plan.nodes.len() {
        for edge in &plan.edges {
            if let To::Node(to) = &edge.to
                && feeding.contains(to.as_str())
                && plan.nodes[to].kind != Kind::Exporter
            {
                feeding.insert(edge.from.as_str());
            }
        }
    }
    feeding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::pb;

    const TRACES: i32 = pb::Signal::Traces as i32;

    fn processor(key: &str, id: &str, config: Value) -> pb::Node {
        pb::Node {
            key: key.into(),
            kind: pb::Kind::Processor as i32,
            id: id.into(),
            signals: vec![TRACES],
            config_json: config.to_string(),
            ..Default::default()
        }
    }

    fn edge(from: &str, to: pb::edge::To) -> pb::Edge {
        pb::Edge { from: from.into(), to: Some(to), signal: TRACES, pipeline: String::new() }
    }

    /// The translation nodes of a pipeline's config.
    fn translations(config: &Value) -> Vec<&String> {
        let converters = [convert::urn_into(Form::Otap), convert::urn_into(Form::Otlp)];
        config["nodes"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, node)| converters.contains(&node["type"].as_str().unwrap()))
            .map(|(id, _)| id)
            .collect()
    }

    fn assert_connected(config: &Value, pairs: &[(&str, &str)]) {
        let connections = config["connections"].as_array().unwrap();
        for (from, to) in pairs {
            assert!(connections.contains(&json!({ "from": from, "to": to })), "no connection {from} -> {to} in {connections:?}");
        }
    }

    // Scenario: the host feeds `rust_transform -> rust_attributes -> rust_batch`, which sends back to the host.
    // Guarantee: OTLP becomes OTAP once, in front of the transform, which takes only OTAP; the three hand Arrow
    // batches on to each other directly (the ring's egress writes OTLP as the data leaves).
    #[test]
    fn consecutive_otap_processors_pass_arrow_batches() {
        let plan = Plan::of(pb::DeployRequest {
            nodes: vec![
                processor("transform", "rust_transform", json!({ "kql_query": "logs | where severity_text == \"ERROR\"" })),
                processor("attributes", "rust_attributes", json!({ "actions": [{ "key": "env", "value": "prod", "action": "upsert" }] })),
                processor("batch", "rust_batch", json!({})),
            ],
            edges: vec![
                edge("transform", pb::edge::To::Node("attributes".into())),
                edge("attributes", pb::edge::To::Node("batch".into())),
                edge("batch", pb::edge::To::HostRoute(2)),
            ],
            entries: vec![pb::Entry { route: 1, node: "transform".into(), signal: TRACES }],
        })
        .unwrap();
        let (config, _) = pipeline(&plan, 0, None).unwrap();
        assert_eq!(translations(&config), vec!["transform~to-otap"]);
        assert_connected(
            &config,
            &[
                ("ring[\"route-1\"]", "transform~to-otap"),
                ("transform~to-otap", "transform"),
                ("transform", "attributes"),
                ("attributes", "batch"),
                ("batch", "host-2"),
            ],
        );
    }

    // Scenario: the host feeds `rust_filter -> rust_attributes -> rust_batch`, which sends back to the host.
    // Guarantee: no translation at all: both processors take OTLP as it comes (they work in its bytes).
    #[test]
    fn filter_and_attributes_take_otlp_as_it_comes() {
        let plan = Plan::of(pb::DeployRequest {
            nodes: vec![
                processor("filter", "rust_filter", json!({ "spans": { "exclude": { "match_type": "strict", "span_names": ["health"] } } })),
                processor("attributes", "rust_attributes", json!({ "actions": [{ "key": "env", "value": "prod", "action": "upsert" }] })),
                processor("batch", "rust_batch", json!({})),
            ],
            edges: vec![
                edge("filter", pb::edge::To::Node("attributes".into())),
                edge("attributes", pb::edge::To::Node("batch".into())),
                edge("batch", pb::edge::To::HostRoute(2)),
            ],
            entries: vec![pb::Entry { route: 1, node: "filter".into(), signal: TRACES }],
        })
        .unwrap();
        let (config, _) = pipeline(&plan, 0, None).unwrap();
        assert_eq!(translations(&config), Vec::<&String>::new());
        assert_connected(&config, &[("ring[\"route-1\"]", "filter"), ("filter", "attributes"), ("attributes", "batch"), ("batch", "host-2")]);
    }
}
