//! `rust_filter`: drops log records, spans and metrics on OTAP batches with otap-dataflow's filters. The matching
//! runs on Arrow columns (a span-name pattern is evaluated once per distinct name in a dictionary column), not on
//! decoded records. The configuration is the Collector's filter processor's match properties: per signal an
//! `include` (keep only what matches) and/or an `exclude` (drop what matches), `match_type` strict or regexp.

use crate::otap::OtapStep;
use otel_arrow_dfe_pdata::otap::filter::logs::{LogFilter, LogMatchProperties, LogSeverityNumberMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::metrics::{MetricFilter, MetricMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::traces::{TraceFilter, TraceMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::{AttrMatcher, IdBitmapPool, Pattern, ValueMatcher};
use otel_arrow_dfe_pdata::OtapArrowRecords;
use serde_json::Value;
use std::sync::Mutex;

pub const TYPE: &str = "rust_filter";

pub fn default_config() -> Value {
    serde_json::json!({ "logs": {}, "spans": {}, "metrics": {} })
}

pub struct Filter {
    logs: Option<LogFilter>,
    spans: Option<TraceFilter>,
    metrics: Option<MetricFilter>,
    /// Reused bitmaps of the metrics filter.
    pool: Mutex<IdBitmapPool>,
}

/// Refuses keys a section does not know, in mapstructure's wording.
fn known_keys(section: &Value, path: &str, known: &[&str]) -> Result<(), String> {
    let map = section.as_object().ok_or_else(|| format!("'{path}' expected a map, got {section}"))?;
    let mut unknown: Vec<&str> = map.keys().map(String::as_str).filter(|k| !known.contains(k)).collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    Err(format!("'{path}' has invalid keys: {}", unknown.join(", ")))
}

/// One `include` or `exclude` block: its strings become patterns of its `match_type`.
struct MatchBlock<'a> {
    block: &'a Value,
    path: String,
    regexp: bool,
}

impl<'a> MatchBlock<'a> {
    fn new(block: &'a Value, path: String, known: &[&str]) -> Result<Self, String> {
        known_keys(block, &path, &[&["match_type"][..], known].concat())?;
        let regexp = match block.get("match_type").map(|m| m.as_str()) {
            None | Some(Some("strict")) => false,
            Some(Some("regexp")) => true,
            Some(other) => return Err(format!("'{path}.match_type' must be strict or regexp, got {}", other.unwrap_or("a non-string"))),
        };
        Ok(MatchBlock { block, path, regexp })
    }

    fn list(&self, key: &str) -> Result<&'a [Value], String> {
        match self.block.get(key) {
            None => Ok(&[]),
            Some(Value::Array(items)) => Ok(items),
            Some(other) => Err(format!("'{}.{key}' must be a list, got {other}", self.path)),
        }
    }

    fn pattern(&self, text: &str, path: &str) -> Result<Pattern, String> {
        if !self.regexp {
            return Ok(Pattern::Exact(text.to_string()));
        }
        regex::Regex::new(text).map(Pattern::Regex).map_err(|e| format!("'{path}' is not a valid regexp: {e}"))
    }

    fn patterns(&self, key: &str) -> Result<Vec<Pattern>, String> {
        let path = format!("{}.{key}", self.path);
        let text = |v: &Value| v.as_str().map(str::to_string).ok_or_else(|| format!("'{path}' must hold strings, got {v}"));
        self.list(key)?.iter().map(|v| self.pattern(&text(v)?, &path)).collect()
    }

    fn value(&self, value: &Value, path: &str) -> Result<ValueMatcher, String> {
        Ok(match value {
            Value::String(text) => ValueMatcher::String(self.pattern(text, path)?),
            Value::Bool(b) => ValueMatcher::Bool(*b),
            Value::Number(n) => match n.as_i64() {
                Some(i) => ValueMatcher::Int(i),
                None => ValueMatcher::Double(n.as_f64().unwrap_or(f64::NAN)),
            },
            other => return Err(format!("'{path}' must be a string, number or bool, got {other}")),
        })
    }

    fn values(&self, key: &str) -> Result<Vec<ValueMatcher>, String> {
        let path = format!("{}.{key}", self.path);
        self.list(key)?.iter().map(|v| self.value(v, &path)).collect()
    }

    /// `[{key, value}]`: attributes that must be present with a matching value.
    fn attributes(&self, key: &str) -> Result<Vec<AttrMatcher>, String> {
        let path = format!("{}.{key}", self.path);
        let matcher = |entry: &Value| {
            known_keys(entry, &path, &["key", "value"])?;
            let name = entry["key"].as_str().ok_or_else(|| format!("'{path}' entries need a string 'key'"))?;
            let value = entry.get("value").ok_or_else(|| format!("'{path}' entry \"{name}\" needs a 'value'"))?;
            Ok(AttrMatcher { key: name.to_string(), value: self.value(value, &path)? })
        };
        self.list(key)?.iter().map(matcher).collect()
    }
}

/// A log severity threshold: a name of the log data model (TRACE..FATAL4, any case) or its number.
fn severity(value: &Value, path: &str) -> Result<i32, String> {
    const NAMES: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];
    if let Some(n) = value.as_i64().filter(|n| (1..=24).contains(n)) {
        return Ok(n as i32);
    }
    let text = value.as_str().unwrap_or_default().to_ascii_uppercase();
    let (name, step) = match text.char_indices().last() {
        Some((at, digit @ '2'..='4')) => (&text[..at], digit as i32 - '1' as i32),
        _ => (text.as_str(), 0),
    };
    let base = NAMES.iter().position(|n| *n == name).ok_or_else(|| format!("'{path}' must be a severity such as INFO or WARN2, or 1..24, got {value}"))?;
    Ok(base as i32 * 4 + 1 + step)
}

/// Builds a signal's filter from its section: `build` turns one block into match properties.
fn signal_filter<P, F>(config: &Value, section: &str, known: &[&str], build: impl Fn(&MatchBlock) -> Result<P, String>, filter: impl Fn(Option<P>, Option<P>) -> F) -> Result<Option<F>, String> {
    let Some(section_value) = config.get(section).filter(|v| !v.is_null()) else { return Ok(None) };
    known_keys(section_value, section, &["include", "exclude"])?;
    let block = |name: &str| -> Result<Option<P>, String> {
        let Some(block) = section_value.get(name).filter(|v| !v.is_null()) else { return Ok(None) };
        build(&MatchBlock::new(block, format!("{section}.{name}"), known)?).map(Some)
    };
    let (include, exclude) = (block("include")?, block("exclude")?);
    Ok((include.is_some() || exclude.is_some()).then(|| filter(include, exclude)))
}

impl Filter {
    pub fn from_json(config: &Value) -> Result<Filter, String> {
        let logs = signal_filter(
            config,
            "logs",
            &["resource_attributes", "record_attributes", "severity_texts", "severity_number", "bodies"],
            |b| {
                let severity_number = match b.block.get("severity_number") {
                    None => None,
                    Some(s) => {
                        let path = format!("{}.severity_number", b.path);
                        known_keys(s, &path, &["min", "match_undefined"])?;
                        let min = severity(&s["min"], &format!("{path}.min"))?;
                        Some(LogSeverityNumberMatchProperties::new(min, s["match_undefined"].as_bool().unwrap_or(false)))
                    }
                };
                Ok(LogMatchProperties::new(
                    b.attributes("resource_attributes")?,
                    b.attributes("record_attributes")?,
                    b.patterns("severity_texts")?,
                    severity_number,
                    b.values("bodies")?,
                ))
            },
            LogFilter::new,
        )?;
        let spans = signal_filter(
            config,
            "spans",
            &["resource_attributes", "attributes", "span_names", "event_names", "event_attributes", "link_attributes"],
            |b| {
                Ok(TraceMatchProperties::new(
                    b.attributes("resource_attributes")?,
                    b.attributes("attributes")?,
                    b.patterns("span_names")?,
                    b.patterns("event_names")?,
                    b.attributes("event_attributes")?,
                    b.attributes("link_attributes")?,
                ))
            },
            TraceFilter::new,
        )?;
        let metrics = signal_filter(config, "metrics", &["metric_names"], |b| Ok(MetricMatchProperties::new(b.patterns("metric_names")?)), MetricFilter::new)?;
        Ok(Filter { logs, spans, metrics, pool: Mutex::default() })
    }
}

impl OtapStep for Filter {
    fn apply(&self, _signal: u16, records: OtapArrowRecords) -> Result<Option<OtapArrowRecords>, String> {
        let filtered = match &records {
            OtapArrowRecords::Logs(_) if let Some(filter) = &self.logs => filter.filter(records),
            OtapArrowRecords::Traces(_) if let Some(filter) = &self.spans => filter.filter(records),
            OtapArrowRecords::Metrics(_) if let Some(filter) = &self.metrics => filter.filter(records, &mut self.pool.lock().unwrap()),
            _ => return Ok(Some(records)),
        };
        filtered.map(|(kept, _, _)| Some(kept)).map_err(|e| e.to_string())
    }
}
