//! The engine's factory catalogue: what `ListFactories` reports and what component configs are checked against.
//! Engine component types start with `rust_`, so that they sit next to the host's (`otlp` and `rust_otlp`) without a
//! clash and a user can tell the runtime from the name.

use crate::control::pb;

/// Checks an effective config beyond its keys (types, durations, addresses).
type Check = fn(&serde_json::Value) -> Result<(), String>;

pub struct Catalogue {
    factories: Vec<pb::Factory>,
    checks: Vec<Check>,
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
        let factory = |ty: &str, kind: pb::Kind, defaults: serde_json::Value, description: &str| pb::Factory {
            r#type: ty.into(),
            kind: kind as i32,
            signals: per_signal(pb::Stability::Development),
            pairs: Vec::new(),
            default_config_json: defaults.to_string(),
            description: description.into(),
        };
        let entries: Vec<(pb::Factory, Check)> = vec![
            (
                factory(
                    crate::otlp_receiver::TYPE,
                    pb::Kind::Receiver,
                    crate::otlp_receiver::default_config(),
                    "OTLP/gRPC receiver served by the engine; payloads reach their pipeline undecoded",
                ),
                crate::otlp_receiver::check_config,
            ),
            (
                factory(
                    crate::otap_receiver::TYPE,
                    pb::Kind::Receiver,
                    crate::otlp_receiver::default_config(),
                    "OTel-Arrow (OTAP) gRPC receiver, also serving OTLP/gRPC on the same port; batches reach their pipeline as OTLP",
                ),
                crate::otlp_receiver::check_config,
            ),
            (
                factory(
                    crate::batch_processor::TYPE,
                    pb::Kind::Processor,
                    crate::batch_processor::default_config(),
                    "batches OTLP requests by bytes and time without decoding them",
                ),
                |config| crate::batch_processor::Config::from_json(config).map(drop),
            ),
            (
                factory(
                    crate::otlp_exporter::TYPE,
                    pb::Kind::Exporter,
                    crate::otlp_exporter::default_config(),
                    "OTLP/gRPC exporter in the engine; payloads leave as the bytes they arrived as",
                ),
                |config| crate::otlp_exporter::Config::from_json(config).map(drop),
            ),
            (
                factory(
                    crate::otap_exporter::TYPE,
                    pb::Kind::Exporter,
                    crate::otap_exporter::default_config(),
                    "OTel-Arrow (OTAP) gRPC exporter: one Arrow stream per signal, each request acknowledged by its batch status",
                ),
                |config| crate::otap_exporter::Config::from_json(config).map(drop),
            ),
        ];
        let forward = pb::Factory {
            signals: Vec::new(),
            pairs: [pb::Signal::Traces, pb::Signal::Metrics, pb::Signal::Logs]
                .into_iter()
                .map(|s| pb::ConnectorPair { from: s as i32, to: s as i32, stability: pb::Stability::Development as i32 })
                .collect(),
            ..factory(crate::node::FORWARD_TYPE, pb::Kind::Connector, serde_json::json!({}), "passes data from one pipeline to others of the same signal")
        };
        let mut entries = entries;
        entries.push((forward, |_| Ok(())));
        let (factories, checks) = entries.into_iter().unzip();
        Catalogue { factories, checks }
    }

    pub fn factories(&self) -> &[pb::Factory] {
        &self.factories
    }

    /// The factory of a component ID's type, or the Collector's unknown-type error listing the valid ones.
    pub fn lookup(&self, kind: pb::Kind, id: &str) -> Result<&pb::Factory, String> {
        let ty = type_of(id);
        self.factories.iter().find(|f| f.r#type == ty && f.kind() == kind).ok_or_else(|| {
            let mut valid: Vec<&str> = self.factories.iter().filter(|f| f.kind() == kind).map(|f| f.r#type.as_str()).collect();
            valid.sort();
            format!("unknown type: \"{ty}\" for id: \"{id}\" (valid values: [{}])", valid.join(" "))
        })
    }

    /// Decodes a component config on top of its factory's defaults: unknown keys are refused with mapstructure's
    /// wording, as the host does for its own components. Returns the effective config.
    pub fn validate(&self, kind: pb::Kind, id: &str, config_json: &str) -> Result<serde_json::Value, String> {
        let factory = self.lookup(kind, id)?;
        let check = self.checks[self.factories.iter().position(|f| std::ptr::eq(f, factory)).expect("found above")];
        let mut effective: serde_json::Value = serde_json::from_str(&factory.default_config_json).expect("defaults are JSON");
        let given: serde_json::Value = match config_json.trim() {
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
}
