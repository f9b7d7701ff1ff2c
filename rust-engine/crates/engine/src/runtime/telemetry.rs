//! otap-dataflow's own node telemetry, read back as Tandem's per-component counters (proto/control.proto
//! `ComponentCounters`): a component's nodes are told to count their messages and items by outcome
//! (`node.input.*`, `node.output.*`), the runtime reports them every `METRICS_INTERVAL`, and this module adds the
//! reports into the registry the host's `Counters` call reads.

use otel_arrow_dfe_telemetry::metrics::MetricValue;
use otel_arrow_dfe_telemetry::registry::TelemetryRegistryHandle;
use otel_arrow_dfe_telemetry::reporter::MetricsReporter;
use std::collections::BTreeMap;

/// The registry every core's pipeline reports into, and the channel the reports travel on.
pub struct Telemetry {
    registry: TelemetryRegistryHandle,
    reporter: MetricsReporter,
    reports: flume::Receiver<otel_arrow_dfe_telemetry::metrics::MetricSetSnapshot>,
}

impl Default for Telemetry {
    fn default() -> Self {
        let (reports, reporter) = MetricsReporter::create_new_and_receiver(4096);
        Telemetry { registry: TelemetryRegistryHandle::new(), reporter, reports }
    }
}

/// One component's counts: what its first node was given and answered, what its last node handed on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub items_in: u64,
    pub items_out: u64,
    pub requests_ok: u64,
    pub requests_failed: u64,
}

/// What one node's metrics say, by direction, outcome and quantity.
#[derive(Default)]
struct NodeCounts {
    input_items: [u64; 2],
    input_messages: [u64; 2],
    output_items: [u64; 2],
    output_messages: [u64; 2],
}

impl Telemetry {
    pub fn registry(&self) -> TelemetryRegistryHandle {
        self.registry.clone()
    }

    pub fn reporter(&self) -> MetricsReporter {
        self.reporter.clone()
    }

    /// Adds the reports that arrived into the registry. Runs on the control thread until the process ends.
    pub async fn collect(&self) {
        while let Ok(report) = self.reports.recv_async().await {
            self.registry.accumulate_metric_set_snapshot(report.key(), report.bucket(), report.get_metrics());
        }
    }

    fn node_counts(&self) -> BTreeMap<String, NodeCounts> {
        let mut nodes: BTreeMap<String, NodeCounts> = BTreeMap::new();
        self.registry.visit_current_metrics_with_item_attrs(
            |descriptor, attributes, item, values| {
                let input = match descriptor.name {
                    "node.input" => true,
                    "node.output" => false,
                    _ => return,
                };
                let Some(node) = attributes.iter_attributes().find(|(k, _)| *k == "node.id").map(|(_, v)| v.to_string_value()) else { return };
                let ok = usize::from(item.iter().any(|(k, v)| *k == "outcome" && *v == "success"));
                let counts = nodes.entry(node).or_default();
                for (field, value) in values {
                    let MetricValue::U64(value) = value else { continue };
                    let slot = match (input, field.name) {
                        (true, "items") => &mut counts.input_items,
                        (true, "messages") => &mut counts.input_messages,
                        (false, "items") => &mut counts.output_items,
                        (false, "messages") => &mut counts.output_messages,
                        _ => continue,
                    };
                    slot[ok] += value;
                }
            },
            false,
        );
        nodes
    }

    /// The counts of each component, from its nodes' metrics: `first` and `last` name, per component key, the node
    /// IDs where it is entered and where it leaves. Receivers have no input: their answers are those of what they
    /// handed on. A receiver's or exporter's `items_out` is what it delivered (the items answered OK).
    pub fn counts(&self, components: &BTreeMap<String, (String, String, ComponentRole)>) -> BTreeMap<String, Counts> {
        let nodes = self.node_counts();
        let none = NodeCounts::default();
        components
            .iter()
            .map(|(key, (first, last, role))| {
                let (first, last) = (nodes.get(first).unwrap_or(&none), nodes.get(last).unwrap_or(&none));
                let counts = match role {
                    ComponentRole::Receiver => Counts {
                        items_in: last.output_items[0] + last.output_items[1],
                        items_out: last.output_items[1],
                        requests_ok: last.output_messages[1],
                        requests_failed: last.output_messages[0],
                    },
                    ComponentRole::Exporter => Counts {
                        items_in: first.input_items[0] + first.input_items[1],
                        items_out: first.input_items[1],
                        requests_ok: first.input_messages[1],
                        requests_failed: first.input_messages[0],
                    },
                    ComponentRole::Other => Counts {
                        items_in: first.input_items[0] + first.input_items[1],
                        items_out: last.output_items[0] + last.output_items[1],
                        requests_ok: first.input_messages[1],
                        requests_failed: first.input_messages[0],
                    },
                };
                (key.clone(), counts)
            })
            .collect()
    }
}

/// Where a component sits, which decides how its nodes' metrics make its counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ComponentRole {
    Receiver,
    Exporter,
    Other,
}
