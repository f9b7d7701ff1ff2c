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

/// An attribute that must be present with a matching value.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyValue {
    pub key: String,
    pub value: Scalar,
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
    pub span_names: Vec<String>,
    pub event_names: Vec<String>,
    pub event_attributes: Vec<KeyValue>,
    pub link_attributes: Vec<KeyValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricMatch {
    pub match_type: MatchType,
    pub metric_names: Vec<String>,
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

/// Checks that a block's strings are valid regexps when it matches by regexp; `path` names the block.
fn patterns<'a>(match_type: MatchType, path: &str, lists: impl IntoIterator<Item = (&'static str, Vec<&'a str>)>) -> Result<(), String> {
    if match_type != MatchType::Regexp {
        return Ok(());
    }
    for (key, texts) in lists {
        for text in texts {
            regex::Regex::new(text).map_err(|e| format!("'{path}.{key}' is not a valid regexp: {e}"))?;
        }
    }
    Ok(())
}

fn attribute_texts(list: &[KeyValue]) -> Vec<&str> {
    list.iter().filter_map(|kv| if let Scalar::String(text) = &kv.value { Some(text.as_str()) } else { None }).collect()
}

fn texts(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

fn blocks<'a, M>(blocks: &'a Blocks<M>, section: &'a str) -> impl Iterator<Item = (String, &'a M)> {
    [("include", &blocks.include), ("exclude", &blocks.exclude)]
        .into_iter()
        .filter_map(move |(name, block)| block.as_ref().map(|b| (format!("{section}.{name}"), b)))
}

impl ComponentConfig for Config {
    fn check(&self) -> Result<(), String> {
        for (path, b) in blocks(&self.logs, "logs") {
            let bodies: Vec<&str> = b.bodies.iter().filter_map(|v| if let Scalar::String(t) = v { Some(t.as_str()) } else { None }).collect();
            let lists = [
                ("resource_attributes", attribute_texts(&b.resource_attributes)),
                ("record_attributes", attribute_texts(&b.record_attributes)),
                ("severity_texts", texts(&b.severity_texts)),
                ("bodies", bodies),
            ];
            patterns(b.match_type, &path, lists)?;
        }
        for (path, b) in blocks(&self.spans, "spans") {
            let lists = [
                ("resource_attributes", attribute_texts(&b.resource_attributes)),
                ("attributes", attribute_texts(&b.attributes)),
                ("span_names", texts(&b.span_names)),
                ("event_names", texts(&b.event_names)),
                ("event_attributes", attribute_texts(&b.event_attributes)),
                ("link_attributes", attribute_texts(&b.link_attributes)),
            ];
            patterns(b.match_type, &path, lists)?;
        }
        for (path, b) in blocks(&self.metrics, "metrics") {
            patterns(b.match_type, &path, [("metric_names", texts(&b.metric_names))])?;
        }
        Ok(())
    }
}
