//! `rust_filter`'s settings: the Collector's filter processor's match properties per signal, an `include` (keep only
//! what matches) and/or an `exclude` (drop what matches), `match_type` strict or regexp.

use crate::components::ComponentConfig;
use serde::{Deserialize, Deserializer, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchType {
    #[default]
    Strict,
    Regexp,
}

impl<'de> Deserialize<'de> for MatchType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer).map_err(|_| serde::de::Error::custom("must be strict or regexp"))?;
        match text.as_str() {
            "strict" => Ok(MatchType::Strict),
            "regexp" => Ok(MatchType::Regexp),
            other => Err(serde::de::Error::custom(format!("must be strict or regexp, got {other}"))),
        }
    }
}

/// A value to match: a string (a pattern of the block's `match_type`), a number or a bool.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    String(String),
    Int(i64),
    Double(f64),
    Bool(bool),
}

/// An attribute that must be present, with a matching value when `value` is given.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValue {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Scalar>,
}

/// An instrumentation scope to match: its name, and its version when given.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Library {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// A log severity threshold: a name of the log data model (TRACE..FATAL4, any case) or its number (1..24).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Severity(pub i32);

impl<'de> Deserialize<'de> for Severity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const NAMES: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
        let value = serde_json::Value::deserialize(deserializer)?;
        let wrong = || serde::de::Error::custom(format!("must be a severity such as INFO or WARN2, or 1..24, got {value}"));
        if let Some(n) = value.as_i64() {
            return if (1..=24).contains(&n) { Ok(Severity(n as i32)) } else { Err(wrong()) };
        }
        let text = value.as_str().ok_or_else(wrong)?.to_ascii_uppercase();
        let (name, step) = match text.char_indices().last() {
            Some((at, digit @ '2'..='4')) => (&text[..at], digit as i32 - '1' as i32),
            _ => (text.as_str(), 0),
        };
        let base = NAMES.iter().position(|n| *n == name).ok_or_else(wrong)?;
        Ok(Severity(base as i32 * 4 + 1 + step))
    }
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityNumber {
    pub min: Severity,
    #[serde(default)]
    pub match_undefined: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogMatch {
    pub match_type: MatchType,
    pub resource_attributes: Vec<KeyValue>,
    pub record_attributes: Vec<KeyValue>,
    pub severity_texts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_number: Option<SeverityNumber>,
    pub bodies: Vec<Scalar>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpanMatch {
    pub match_type: MatchType,
    /// The Collector's span blocks name these `resources`.
    #[serde(alias = "resources")]
    pub resource_attributes: Vec<KeyValue>,
    pub attributes: Vec<KeyValue>,
    pub services: Vec<String>,
    pub span_names: Vec<String>,
    /// As the proto names them: SPAN_KIND_SERVER, ...
    pub span_kinds: Vec<String>,
    pub libraries: Vec<Library>,
    pub event_names: Vec<String>,
    pub event_attributes: Vec<KeyValue>,
    pub link_attributes: Vec<KeyValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricMatch {
    pub match_type: MatchType,
    pub metric_names: Vec<String>,
    pub resource_attributes: Vec<KeyValue>,
}

/// One signal's blocks.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Blocks<M> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<M>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<M>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub logs: Blocks<LogMatch>,
    pub spans: Blocks<SpanMatch>,
    pub metrics: Blocks<MetricMatch>,
}

/// The span kinds a strict `span_kinds` may name, as the proto names them (Go's list: not UNSPECIFIED).
pub const SPAN_KINDS: [&str; 5] = ["SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];

/// A block being checked: its path (`spans.include`) and match type.
struct Checked {
    path: String,
    match_type: MatchType,
    /// Whether it sets a property: Go refuses a block that sets none (it would match everything).
    sets_any: bool,
}

impl Checked {
    fn new(path: String, match_type: MatchType) -> Checked {
        Checked { path, match_type, sets_any: false }
    }

    /// A list of names or texts: patterns that must compile under `regexp`.
    fn texts<'t>(&mut self, key: &str, list: impl IntoIterator<Item = &'t str>) -> Result<&mut Self, String> {
        for text in list {
            self.sets_any = true;
            if self.match_type == MatchType::Regexp {
                regex::Regex::new(text).map_err(|e| format!("'{}.{key}' is not a valid regexp: {e}", self.path))?;
            }
        }
        Ok(self)
    }

    /// A list of attributes: each with a key, and under `regexp` a string value that compiles.
    fn attributes(&mut self, key: &str, list: &[KeyValue]) -> Result<&mut Self, String> {
        let path = &self.path;
        for kv in list {
            if kv.key.is_empty() {
                return Err(format!("'{path}.{key}' can't have an empty key"));
            }
            match (&kv.value, self.match_type) {
                (Some(Scalar::String(text)), MatchType::Regexp) => {
                    regex::Regex::new(text).map_err(|e| format!("'{path}.{key}' is not a valid regexp for \"{}\": {e}", kv.key))?;
                }
                (Some(other), MatchType::Regexp) => {
                    return Err(format!("'{path}.{key}' with match_type regexp takes string values only, got {other:?} for \"{}\"", kv.key));
                }
                _ => {}
            }
        }
        self.sets_any |= !list.is_empty();
        Ok(self)
    }

    fn sets(&mut self, set: bool) -> &mut Self {
        self.sets_any |= set;
        self
    }

    /// Refuses a block that sets none of `properties`.
    fn needs_one_of(&self, properties: &str) -> Result<(), String> {
        if !self.sets_any {
            return Err(format!("'{}' must set at least one of {properties}", self.path));
        }
        Ok(())
    }
}

fn blocks<'a, M>(blocks: &'a Blocks<M>, section: &'a str) -> impl Iterator<Item = (String, &'a M)> {
    [("include", &blocks.include), ("exclude", &blocks.exclude)]
        .into_iter()
        .filter_map(move |(name, block)| block.as_ref().map(|b| (format!("{section}.{name}"), b)))
}

fn strs(list: &[String]) -> impl Iterator<Item = &str> {
    list.iter().map(String::as_str)
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        for (path, b) in blocks(&self.logs, "logs") {
            let bodies = b.bodies.iter().filter_map(|v| if let Scalar::String(t) = v { Some(t.as_str()) } else { None });
            Checked::new(path, b.match_type)
                .attributes("resource_attributes", &b.resource_attributes)?
                .attributes("record_attributes", &b.record_attributes)?
                .texts("severity_texts", strs(&b.severity_texts))?
                .texts("bodies", bodies)?
                .sets(!b.bodies.is_empty() || b.severity_number.is_some())
                .needs_one_of("resource_attributes, record_attributes, severity_texts, severity_number, bodies")?;
        }
        for (path, b) in blocks(&self.spans, "spans") {
            if b.match_type == MatchType::Strict
                && let Some(kind) = b.span_kinds.iter().find(|k| !SPAN_KINDS.contains(&k.as_str()))
            {
                return Err(format!("'{path}.span_kinds' must name standard span kinds ({}), got {kind}", SPAN_KINDS.join(", ")));
            }
            let libraries = b.libraries.iter().flat_map(|l| std::iter::once(l.name.as_str()).chain(l.version.as_deref()));
            Checked::new(path, b.match_type)
                .attributes("resource_attributes", &b.resource_attributes)?
                .attributes("attributes", &b.attributes)?
                .attributes("event_attributes", &b.event_attributes)?
                .attributes("link_attributes", &b.link_attributes)?
                .texts("services", strs(&b.services))?
                .texts("span_names", strs(&b.span_names))?
                .texts("span_kinds", strs(&b.span_kinds))?
                .texts("libraries", libraries)?
                .texts("event_names", strs(&b.event_names))?
                .needs_one_of("services, span_names, span_kinds, libraries, attributes, resource_attributes (resources), event_names, event_attributes, link_attributes")?;
        }
        for (path, b) in blocks(&self.metrics, "metrics") {
            Checked::new(path, b.match_type)
                .texts("metric_names", strs(&b.metric_names))?
                .attributes("resource_attributes", &b.resource_attributes)?
                .needs_one_of("metric_names, resource_attributes")?;
        }
        Ok(())
    }
}
