//! The engine's factory catalogue: what `ListFactories` reports and what component configs are checked against.
//! Engine component types start with `rust_`, so that they sit next to the host's (`otlp` and `rust_otlp`) without a
//! clash and a user can tell the runtime from the name.

use crate::control::pb;
use crate::deployment::Instance;
use crate::dataflow::Native;
use crate::node::{Next, Node};
use crate::otap::OtapProcessor;
use crate::{attributes_processor, batch_processor, count_connector, filter_processor, node, otap_exporter, otap_receiver, otlp_exporter, otlp_receiver, parquet_exporter, perf_exporter, routing_connector, transform_processor};
use serde_json::Value;
use std::sync::Arc;

/// Checks an effective config beyond its keys (types, durations, addresses).
type Check = fn(&Value) -> Result<(), String>;

/// Builds a component that takes data from its effective config, its deployment and its consumers, one per target of
/// the deployment (none for exporters).
pub type Build = fn(&Value, &Instance, Vec<Next>) -> Result<Arc<dyn Node>, String>;

/// How a component of a type comes to life.
#[derive(Clone, Copy)]
pub enum Make {
    /// A receiver, served by the engine on its endpoint; `arrow` adds the OTel-Arrow stream services.
    Receiver { arrow: bool },
    Node(Build),
    /// One of otap-dataflow's own processors, its node config made from the component's effective config.
    Native(fn(&Value) -> Result<Native, String>),
}

struct Entry {
    factory: pb::Factory,
    check: Check,
    make: Make,
}

pub struct Catalogue {
    entries: Vec<Entry>,
}

fn per_signal(stability: pb::Stability) -> Vec<pb::SignalStability> {
    [pb::Signal::Traces, pb::Signal::Metrics, pb::Signal::Logs]
        .into_iter()
        .map(|signal| pb::SignalStability { signal: signal as i32, stability: stability as i32 })
        .collect()
}

/// The type part of a component ID (`type[/name]`).
pub fn type_of(id: &str) -> &str {
    id.split('/').next().unwrap_or(id)
}

impl Catalogue {
    /// Every component the engine can run.
    pub fn builtin() -> Self {
        let entry = |ty: &str, kind: pb::Kind, defaults: Value, description: &str, check: Check, make: Make| Entry {
            factory: pb::Factory {
                r#type: ty.into(),
                kind: kind as i32,
                signals: per_signal(pb::Stability::Development),
                pairs: Vec::new(),
                default_config_json: defaults.to_string(),
                description: description.into(),
                routes: false,
            },
            check,
            make,
        };
        let mut entries = vec![
            entry(
                otlp_receiver::TYPE,
                pb::Kind::Receiver,
                otlp_receiver::default_config(),
                "OTLP/gRPC receiver served by the engine; payloads reach their pipeline undecoded",
                otlp_receiver::check_config,
                Make::Receiver { arrow: false },
            ),
            entry(
                otap_receiver::TYPE,
                pb::Kind::Receiver,
                otlp_receiver::default_config(),
                "OTel-Arrow (OTAP) gRPC receiver, also serving OTLP/gRPC on the same port; batches reach their pipeline as OTLP",
                otlp_receiver::check_config,
                Make::Receiver { arrow: true },
            ),
            entry(
                batch_processor::TYPE,
                pb::Kind::Processor,
                batch_processor::default_config(),
                "batches OTLP requests by items, bytes and time without decoding them",
                |config| batch_processor::Config::from_json(config).map(drop),
                Make::Node(|config, c, next| Ok(batch_processor::BatchProcessor::new(batch_processor::Config::from_json(config)?, c.signal_code(), Next::all(next)?))),
            ),
            entry(
                attributes_processor::TYPE,
                pb::Kind::Processor,
                attributes_processor::default_config(),
                "inserts, updates, upserts, deletes, renames and hashes record, resource and scope attributes on OTAP batches",
                |config| attributes_processor::Attributes::from_json(config).map(drop),
                Make::Node(|config, _, next| Ok(OtapProcessor::new(attributes_processor::TYPE, attributes_processor::Attributes::from_json(config)?, Next::all(next)?))),
            ),
            entry(
                filter_processor::TYPE,
                pb::Kind::Processor,
                filter_processor::default_config(),
                "drops log records by severity, body or attributes, spans by name or attributes, metrics by name, on OTAP batches",
                |config| filter_processor::Filter::from_json(config).map(drop),
                Make::Node(|config, _, next| Ok(OtapProcessor::new(filter_processor::TYPE, filter_processor::Filter::from_json(config)?, Next::all(next)?))),
            ),
            entry(
                transform_processor::TYPE,
                pb::Kind::Processor,
                transform_processor::default_config(),
                "otap-dataflow's transform processor: a KQL or OPL query, or OTTL log statements, over OTAP batches",
                transform_processor::check,
                Make::Native(transform_processor::native_of),
            ),
            entry(
                otlp_exporter::TYPE,
                pb::Kind::Exporter,
                otlp_exporter::default_config(),
                "OTLP/gRPC exporter in the engine; payloads leave as the bytes they arrived as",
                |config| otlp_exporter::Config::from_json(config).map(drop),
                Make::Node(|config, _, _| Ok(otlp_exporter::OtlpExporter::new(&otlp_exporter::Config::from_json(config)?)?)),
            ),
            entry(
                otap_exporter::TYPE,
                pb::Kind::Exporter,
                otap_exporter::default_config(),
                "OTel-Arrow (OTAP) gRPC exporter: one Arrow stream per signal, each request acknowledged by its batch status",
                |config| otap_exporter::Config::from_json(config).map(drop),
                Make::Node(|config, _, _| Ok(otap_exporter::OtapExporter::new(otap_exporter::Config::from_json(config)?)?)),
            ),
            entry(
                parquet_exporter::TYPE,
                pb::Kind::Exporter,
                parquet_exporter::default_config(),
                "writes Parquet files in OTAP's table layout, a part per flush (by size or interval), acknowledged once on disk",
                |config| parquet_exporter::Config::from_json(config).map(drop),
                Make::Node(|config, c, _| Ok(parquet_exporter::ParquetExporter::new(parquet_exporter::Config::from_json(config)?, c.signal_code()))),
            ),
            entry(
                perf_exporter::TYPE,
                pb::Kind::Exporter,
                perf_exporter::default_config(),
                "a sink that logs the requests, items and bytes per second it receives",
                |config| perf_exporter::interval_of(config).map(drop),
                Make::Node(|config, c, _| Ok(perf_exporter::Perf::new(&c.id, c.signal_code(), perf_exporter::interval_of(config)?))),
            ),
        ];
        let connector = |ty: &str, pairs: &[(pb::Signal, pb::Signal)], defaults: Value, description: &str, check: Check, make: Make| {
            let mut connector = entry(ty, pb::Kind::Connector, defaults, description, check, make);
            connector.factory.signals = Vec::new();
            connector.factory.pairs = pairs
                .iter()
                .map(|(from, to)| pb::ConnectorPair { from: *from as i32, to: *to as i32, stability: pb::Stability::Development as i32 })
                .collect();
            connector
        };
        let (traces, metrics, logs) = (pb::Signal::Traces, pb::Signal::Metrics, pb::Signal::Logs);
        entries.push(connector(
            node::FORWARD_TYPE,
            &[(traces, traces), (metrics, metrics), (logs, logs)],
            serde_json::json!({}),
            "passes data from one pipeline to others of the same signal",
            |_| Ok(()),
            Make::Node(|_, _, next| Ok(Arc::new(Next::all(next)?))),
        ));
        entries.push(connector(
            count_connector::TYPE,
            &[(traces, metrics), (metrics, metrics), (logs, metrics)],
            serde_json::json!({}),
            "counts spans, span events, metrics, data points and log records into metrics, per resource",
            |_| Ok(()),
            Make::Node(|_, _, next| Ok(Arc::new(count_connector::Count { next: Next::all(next)? }))),
        ));
        let mut routing = connector(
            routing_connector::TYPE,
            &[(traces, traces), (metrics, metrics), (logs, logs)],
            routing_connector::default_config(),
            "sends each resource to the pipelines a table names for the value of one of its attributes",
            |config| routing_connector::Config::from_json(config).map(drop),
            Make::Node(|config, c, next| Ok(routing_connector::Routing::new(routing_connector::Config::from_json(config)?, c, next)?)),
        );
        routing.factory.routes = true;
        entries.push(routing);
        Catalogue { entries }
    }

    pub fn factories(&self) -> impl Iterator<Item = &pb::Factory> {
        self.entries.iter().map(|e| &e.factory)
    }

    /// The factory of a component ID's type, or the Collector's unknown-type error listing the valid ones.
    fn lookup(&self, kind: pb::Kind, id: &str) -> Result<&Entry, String> {
        let ty = type_of(id);
        self.entries.iter().find(|e| e.factory.r#type == ty && e.factory.kind() == kind).ok_or_else(|| {
            let mut valid: Vec<&str> = self.factories().filter(|f| f.kind() == kind).map(|f| f.r#type.as_str()).collect();
            valid.sort();
            format!("unknown type: \"{ty}\" for id: \"{id}\" (valid values: [{}])", valid.join(" "))
        })
    }

    /// Decodes a component config on top of its factory's defaults: unknown keys are refused with mapstructure's
    /// wording, as the host does for its own components. Returns the effective config.
    pub fn validate(&self, kind: pb::Kind, id: &str, config_json: &str) -> Result<Value, String> {
        let Entry { factory, check, .. } = self.lookup(kind, id)?;
        let mut effective: Value = serde_json::from_str(&factory.default_config_json).expect("defaults are JSON");
        let given: Value = match config_json.trim() {
            "" | "null" => return check(&effective).map(|()| effective),
            text => serde_json::from_str(text).map_err(|e| format!("'{id}' config is not JSON: {e}"))?,
        };
        let (Some(defaults), Some(given)) = (effective.as_object_mut(), given.as_object()) else {
            return Err(format!("'{id}' expected a map, got {given}"));
        };
        let mut unknown: Vec<&str> = given.keys().filter(|k| !defaults.contains_key(*k)).map(|k| k.as_str()).collect();
        if !unknown.is_empty() {
            unknown.sort();
            return Err(format!("decoding failed due to the following error(s):\n\n'' has invalid keys: {}", unknown.join(", ")));
        }
        defaults.extend(given.clone());
        check(&effective)?;
        Ok(effective)
    }

    /// How a validated component of this kind and ID is made.
    pub fn make(&self, kind: pb::Kind, id: &str) -> Result<Make, String> {
        self.lookup(kind, id).map(|e| e.make)
    }
}
