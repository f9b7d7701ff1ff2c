//! `rust_attributes`: inserts, updates, upserts, deletes, renames and hashes attributes of records (spans, log
//! records, metric data points), resources and scopes, on OTAP batches with otap-dataflow's attribute transform. The
//! configuration follows otap-dataflow's attributes processor (`apply_to`, `actions`) with the Collector's plain
//! scalar `value`.

use crate::otap::OtapStep;
use otel_arrow_dfe_pdata::otap::transform::{
    apply_attribute_transform, AttributesTransform, DeleteTransform, HashSpec, HashTransform, InsertTransform, LiteralValue,
    RenameTransform, UpdateTransform, UpsertTransform,
};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::ArrowPayloadType;
use otel_arrow_dfe_pdata::OtapArrowRecords;
use std::collections::{BTreeMap, BTreeSet};
use tandem_ipc::layout;

pub const TYPE: &str = "rust_attributes";

pub fn default_config() -> serde_json::Value {
    serde_json::json!({ "apply_to": ["signal"], "actions": [] })
}

/// Which attributes the actions change.
#[derive(Clone, Copy, PartialEq)]
enum Domain {
    /// The records' own: span, log record and data point attributes.
    Signal,
    Resource,
    Scope,
}

pub struct Attributes {
    domains: Vec<Domain>,
    transform: AttributesTransform,
}

/// The actions, grouped by kind as the transform takes them.
#[derive(Default)]
struct Actions {
    insert: BTreeMap<String, LiteralValue>,
    update: BTreeMap<String, LiteralValue>,
    upsert: BTreeMap<String, LiteralValue>,
    delete: BTreeSet<String>,
    rename: BTreeMap<String, String>,
    hash: BTreeMap<String, HashSpec>,
}

impl Attributes {
    pub fn from_json(config: &serde_json::Value) -> Result<Attributes, String> {
        let domains = config["apply_to"].as_array().ok_or("'apply_to' must be a list of signal, resource, scope")?;
        let domains = domains
            .iter()
            .map(|d| match d.as_str() {
                Some("signal") => Ok(Domain::Signal),
                Some("resource") => Ok(Domain::Resource),
                Some("scope") => Ok(Domain::Scope),
                _ => Err(format!("'apply_to' has {d}: valid values are signal, resource, scope")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let list = config["actions"].as_array().ok_or("'actions' must be a list")?;
        let mut actions = Actions::default();
        for (i, action) in list.iter().enumerate() {
            actions.add(i, action)?;
        }
        let Actions { insert, update, upsert, delete, rename, hash } = actions;
        let transform = AttributesTransform {
            insert: (!insert.is_empty()).then(|| InsertTransform::new(insert)),
            update: (!update.is_empty()).then(|| UpdateTransform::new(update)),
            upsert: (!upsert.is_empty()).then(|| UpsertTransform::new(upsert)),
            delete: (!delete.is_empty()).then(|| DeleteTransform::new(delete)),
            rename: (!rename.is_empty()).then(|| RenameTransform::new(rename)),
            hash: (!hash.is_empty()).then(|| HashTransform::new(hash)),
        };
        transform.validate().map_err(|e| format!("'actions': {e} (a key may appear in one action only)"))?;
        Ok(Attributes { domains, transform })
    }

    fn payloads(&self, signal: u16) -> Vec<ArrowPayloadType> {
        let mut payloads = Vec::new();
        for domain in &self.domains {
            match domain {
                Domain::Resource => payloads.push(ArrowPayloadType::ResourceAttrs),
                Domain::Scope => payloads.push(ArrowPayloadType::ScopeAttrs),
                Domain::Signal => payloads.extend_from_slice(match signal {
                    layout::SIGNAL_TRACES => &[ArrowPayloadType::SpanAttrs][..],
                    layout::SIGNAL_LOGS => &[ArrowPayloadType::LogAttrs],
                    _ => &[
                        ArrowPayloadType::NumberDpAttrs,
                        ArrowPayloadType::SummaryDpAttrs,
                        ArrowPayloadType::HistogramDpAttrs,
                        ArrowPayloadType::ExpHistogramDpAttrs,
                    ],
                }),
            }
        }
        payloads
    }
}

impl Actions {
    /// Adds the `i`-th action; errors are worded as the Collector's attributes processor words them.
    fn add(&mut self, i: usize, action: &serde_json::Value) -> Result<(), String> {
        let field = |name: &str| action.get(name).and_then(|v| v.as_str()).map(str::to_string);
        let missing = |name: &str| format!("error creating AttrProc due to missing required field \"{name}\" at the {i}-th actions");
        let kind = field("action").ok_or_else(|| missing("action"))?;
        if kind == "rename" {
            let from = field("source_key").ok_or_else(|| missing("source_key"))?;
            let to = field("destination_key").ok_or_else(|| missing("destination_key"))?;
            self.rename.insert(from, to);
            return Ok(());
        }
        let key = field("key").ok_or_else(|| missing("key"))?;
        let value = || -> Result<LiteralValue, String> {
            let value = action.get("value").ok_or_else(|| format!("error creating AttrProc. Field \"value\" must be specified for {i}-th action"))?;
            serde_json::from_value(value.clone()).map_err(|_| format!("'actions' {i}-th action: \"value\" must be a string, number or bool, got {value}"))
        };
        match kind.as_str() {
            "insert" => drop(self.insert.insert(key, value()?)),
            "update" => drop(self.update.insert(key, value()?)),
            "upsert" => drop(self.upsert.insert(key, value()?)),
            "delete" => drop(self.delete.insert(key)),
            "hash" => drop(self.hash.insert(key, HashSpec::sha256(field("salt").unwrap_or_default()))),
            other => return Err(format!("error creating AttrProc due to unsupported action \"{other}\" at the {i}-th actions")),
        }
        Ok(())
    }
}

impl OtapStep for Attributes {
    fn apply(&self, signal: u16, mut records: OtapArrowRecords) -> Result<Option<OtapArrowRecords>, String> {
        for payload in self.payloads(signal) {
            apply_attribute_transform(&mut records, payload, &self.transform, false).map_err(|e| e.to_string())?;
        }
        Ok(Some(records))
    }
}
