//! `rust_attributes`' settings: otap-dataflow's attributes processor's (`apply_to`, `actions`), with the Collector's
//! plain scalar `value` and its errors.

use crate::components::ComponentConfig;
use crate::otlp::edit::{AttributeActions, Change, Scalar};
use otel_arrow_dfe_pdata::otap::transform::{
    AttributesTransform, DeleteTransform, HashSpec, HashTransform, InsertTransform, LiteralValue, RenameTransform, UpdateTransform, UpsertTransform,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Which attributes the actions change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    /// The records' own: span, log record and data point attributes.
    Signal,
    Resource,
    Scope,
}

/// One action as the Collector writes it; which fields it needs depends on `action`, checked by `Config::check`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub salt: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub apply_to: Vec<Domain>,
    pub actions: Vec<Action>,
}

impl Default for Config {
    fn default() -> Self {
        Config { apply_to: vec![Domain::Signal], actions: Vec::new() }
    }
}

/// The actions, grouped by kind as otap-dataflow's transform takes them.
#[derive(Default)]
struct Actions {
    insert: BTreeMap<String, LiteralValue>,
    update: BTreeMap<String, LiteralValue>,
    upsert: BTreeMap<String, LiteralValue>,
    delete: BTreeSet<String>,
    rename: BTreeMap<String, String>,
    hash: BTreeMap<String, HashSpec>,
}

impl Actions {
    /// Adds the `i`-th action; errors are worded as the Collector's attributes processor words them.
    fn add(&mut self, i: usize, action: &Action) -> Result<(), String> {
        let missing = |name: &str| format!("error creating AttrProc due to missing required field \"{name}\" at the {i}-th actions");
        let kind = action.action.as_deref().ok_or_else(|| missing("action"))?;
        if kind == "rename" {
            let from = action.source_key.clone().ok_or_else(|| missing("source_key"))?;
            let to = action.destination_key.clone().ok_or_else(|| missing("destination_key"))?;
            self.rename.insert(from, to);
            return Ok(());
        }
        let key = action.key.clone().ok_or_else(|| missing("key"))?;
        let value = || -> Result<LiteralValue, String> {
            let value =
                action.value.as_ref().ok_or_else(|| format!("error creating AttrProc. Field \"value\" must be specified for {i}-th action"))?;
            serde_json::from_value(value.clone()).map_err(|_| format!("'actions[{i}].value' must be a string, number or bool, got {value}"))
        };
        match kind {
            "insert" => drop(self.insert.insert(key, value()?)),
            "update" => drop(self.update.insert(key, value()?)),
            "upsert" => drop(self.upsert.insert(key, value()?)),
            "delete" => drop(self.delete.insert(key)),
            "hash" => drop(self.hash.insert(key, HashSpec::sha256(action.salt.clone().unwrap_or_default()))),
            other => return Err(format!("error creating AttrProc due to unsupported action \"{other}\" at the {i}-th actions")),
        }
        Ok(())
    }
}

impl Config {
    /// The actions as one otap-dataflow attribute transform (it applies them together, so no key may be in two).
    pub fn transform(&self) -> Result<AttributesTransform, String> {
        let mut actions = Actions::default();
        for (i, action) in self.actions.iter().enumerate() {
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
        Ok(transform)
    }
}

impl Config {
    /// The actions on OTLP bytes (`otlp::edit`), when each one is an insert, update, upsert or delete: rename and hash
    /// run in otap-dataflow's transform only. The config is checked first.
    pub fn on_otlp(&self) -> Option<AttributeActions> {
        let mut actions = AttributeActions::default();
        for action in &self.actions {
            let change = match action.action.as_deref()? {
                "insert" => Change::Insert,
                "update" => Change::Update,
                "upsert" => Change::Upsert,
                "delete" => Change::Delete,
                _ => return None,
            };
            let value = match &action.value {
                _ if change == Change::Delete => Scalar::Other,
                Some(serde_json::Value::String(text)) => Scalar::Str(text.as_bytes()),
                Some(serde_json::Value::Bool(b)) => Scalar::Bool(*b),
                Some(serde_json::Value::Number(n)) => n.as_i64().map(Scalar::Int).or(n.as_f64().map(Scalar::Double))?,
                _ => return None,
            };
            actions.add(action.key.as_deref()?, change, value);
        }
        Some(actions)
    }
}

impl ComponentConfig for Config {
    /// Every action is complete, and no key is in two actions.
    fn check(&self) -> Result<(), String> {
        self.transform().map(drop)
    }
}
