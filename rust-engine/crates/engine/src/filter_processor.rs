//! `rust_filter`: drops log records, spans and metrics on OTAP batches with otap-dataflow's filters. The matching
//! runs on Arrow columns (a span-name pattern is evaluated once per distinct name in a dictionary column), not on
//! decoded records. The configuration is the Collector's filter processor's match properties: per signal an
//! `include` (keep only what matches) and/or an `exclude` (drop what matches), `match_type` strict or regexp.

use crate::otap::OtapStep;
use otel_arrow_dfe_pdata::otap::filter::logs::{LogFilter, LogMatchProperties, LogSeverityNumberMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::metrics::{MetricFilter, MetricMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::traces::{TraceFilter, TraceMatchProperties};
use otel_arrow_dfe_pdata::otap::filter::{AttrMatcher, IdBitmapPool, Pattern, ValueMatcher};
use otel_arrow_dfe_pdata::arrow::array::{new_null_array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt32Array, UInt8Array};
use otel_arrow_dfe_pdata::arrow::compute::kernels::cmp::neq;
use otel_arrow_dfe_pdata::arrow::compute::{cast, concat_batches, filter_record_batch};
use otel_arrow_dfe_pdata::arrow::datatypes::{DataType, UInt32Type};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::ArrowPayloadType;
use otel_arrow_dfe_pdata::schema::consts;
use otel_arrow_dfe_pdata::OtapArrowRecords;
use serde_json::Value;
use std::collections::HashSet;
use std::sync::Mutex;

pub const TYPE: &str = "rust_filter";

pub fn default_config() -> Value {
    serde_json::json!({ "logs": {}, "spans": {}, "metrics": {} })
}

pub struct Filter {
    logs: Option<LogFilter>,
    spans: Option<TraceFilter>,
    metrics: Option<MetricFilter>,
    /// Per signal, the child payloads no block matches on, kept away from pdata's filter (see `Detached`).
    unmatched_log_children: Vec<ArrowPayloadType>,
    unmatched_span_children: Vec<ArrowPayloadType>,
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
        let unmatched_log_children = unmatched_children(config, "logs", &[(ArrowPayloadType::ResourceAttrs, &["resource_attributes"]), (ArrowPayloadType::LogAttrs, &["record_attributes"])]);
        let unmatched_span_children = unmatched_children(
            config,
            "spans",
            &[
                (ArrowPayloadType::ResourceAttrs, &["resource_attributes"]),
                (ArrowPayloadType::SpanAttrs, &["attributes"]),
                (ArrowPayloadType::SpanEvents, &["event_names", "event_attributes"]),
                (ArrowPayloadType::SpanEventAttrs, &["event_attributes"]),
                (ArrowPayloadType::SpanLinks, &["link_attributes"]),
                (ArrowPayloadType::SpanLinkAttrs, &["link_attributes"]),
            ],
        );
        Ok(Filter { logs, spans, metrics, unmatched_log_children, unmatched_span_children, pool: Mutex::default() })
    }
}

/// The child payloads (of `children`, each with the keys that match on it) that no block of a section matches on.
fn unmatched_children(config: &Value, section: &str, children: &[(ArrowPayloadType, &[&str])]) -> Vec<ArrowPayloadType> {
    let blocks: Vec<&Value> = ["include", "exclude"].iter().filter_map(|b| config.get(section)?.get(b)).collect();
    let matched = |keys: &[&str]| blocks.iter().any(|b| keys.iter().any(|k| b.get(k).and_then(Value::as_array).is_some_and(|l| !l.is_empty())));
    children.iter().filter(|(_, keys)| !matched(keys)).map(|(payload, _)| *payload).collect()
}

/// Child payloads taken out of a batch while pdata 0.62's filter runs, and put back afterwards with the rows of the
/// parents it kept. pdata's filters (`sync_up_filters` in `otap/filter/{traces,logs}.rs`) keep a record only if one
/// of its rows in each child payload passes that payload's filter, even when nothing matches on the payload (the
/// filter is then all true): a span without links is dropped as soon as another span of the batch has a link with
/// attributes (telemetrygen's first span, whose links have nothing to point at yet), a span without events, a log
/// record without attributes, an event or link without attributes likewise.
struct Detached(Vec<(ArrowPayloadType, RecordBatch)>);

impl Detached {
    fn take(records: &mut OtapArrowRecords, payloads: &[ArrowPayloadType]) -> Detached {
        Detached(payloads.iter().filter_map(|&p| records.remove(p).map(|batch| (p, batch))).collect())
    }

    /// Puts the payloads back, each with the rows whose parent is still there (children of the root first, then
    /// theirs, so that event and link attributes follow the events and links kept).
    fn put_back(self, records: &mut OtapArrowRecords) -> Result<(), String> {
        let failed = |e: &dyn std::fmt::Display| format!("filter: {e}");
        let root_type = records.root_payload_type();
        for (payload, batch) in self.0 {
            let (parent_payload, parent_column) = match payload {
                ArrowPayloadType::SpanEventAttrs => (ArrowPayloadType::SpanEvents, consts::ID),
                ArrowPayloadType::SpanLinkAttrs => (ArrowPayloadType::SpanLinks, consts::ID),
                ArrowPayloadType::ResourceAttrs => (root_type, consts::RESOURCE),
                _ => (root_type, consts::ID),
            };
            let parents = records.get(parent_payload).map(|b| ids(b, parent_column)).transpose().map_err(|e| failed(&e))?.unwrap_or_default();
            let parent_ids = ids_column(&batch, consts::PARENT_ID).map_err(|e| failed(&e))?;
            let keep: BooleanArray = parent_ids.iter().map(|p| Some(p.is_some_and(|p| parents.contains(&p)))).collect();
            let kept = filter_record_batch(&batch, &keep).map_err(|e| failed(&e))?;
            if kept.num_rows() > 0 {
                records.set(payload, kept).map_err(|e| failed(&e))?;
            }
        }
        Ok(())
    }
}

/// The key of the attribute rows `with_placeholders` adds: no attribute has it (it starts with a NUL).
const PLACEHOLDER_KEY: &str = "\0tandem.no-attributes";

/// The (attributes payload, parent payload, parent ID column) pairs whose parents may have no attribute rows.
const ATTRIBUTE_OWNERS: [(ArrowPayloadType, ArrowPayloadType, &str); 2] =
    [(ArrowPayloadType::SpanAttrs, ArrowPayloadType::Spans, consts::ID), (ArrowPayloadType::ResourceAttrs, ArrowPayloadType::Spans, consts::RESOURCE)];

/// The batch with an attribute row of `PLACEHOLDER_KEY` for each span and resource that has none, where attributes are
/// matched on. pdata 0.62 keeps a span only if one of its attribute rows passes (see `Detached`), so an `exclude`
/// on attributes dropped every span without attributes, which cannot match and which the Collector keeps.
fn with_placeholders(records: &mut OtapArrowRecords, matched: &[ArrowPayloadType]) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("filter: {e}");
    for (attributes, owner, id_column) in ATTRIBUTE_OWNERS {
        let (Some(attrs), Some(owners), true) = (records.get(attributes), records.get(owner), matched.contains(&attributes)) else { continue };
        let with_rows = ids(attrs, consts::PARENT_ID).map_err(|e| failed(&e))?;
        let mut missing: Vec<u32> = ids(owners, id_column).map_err(|e| failed(&e))?.into_iter().filter(|id| !with_rows.contains(id)).collect();
        if missing.is_empty() {
            continue;
        }
        missing.sort_unstable();
        let rows = missing.len();
        let schema = attrs.schema();
        let columns = schema
            .fields()
            .iter()
            .map(|field| -> Result<ArrayRef, otel_arrow_dfe_pdata::arrow::error::ArrowError> {
                let plain: ArrayRef = match field.name().as_str() {
                    consts::PARENT_ID => std::sync::Arc::new(UInt32Array::from(missing.clone())),
                    consts::ATTRIBUTE_KEY => std::sync::Arc::new(StringArray::from(vec![PLACEHOLDER_KEY; rows])),
                    consts::ATTRIBUTE_TYPE => std::sync::Arc::new(UInt8Array::from(vec![0u8; rows])),
                    _ => return Ok(new_null_array(field.data_type(), rows)),
                };
                cast(&plain, field.data_type())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| failed(&e))?;
        let placeholders = RecordBatch::try_new(schema.clone(), columns).map_err(|e| failed(&e))?;
        let combined = concat_batches(&schema, [attrs, &placeholders]).map_err(|e| failed(&e))?;
        records.set(attributes, combined).map_err(|e| failed(&e))?;
    }
    Ok(())
}

/// The batch without the rows `with_placeholders` added.
fn without_placeholders(records: &mut OtapArrowRecords) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("filter: {e}");
    for (attributes, _, _) in ATTRIBUTE_OWNERS {
        let Some(attrs) = records.get(attributes) else { continue };
        let keys = cast(attrs.column_by_name(consts::ATTRIBUTE_KEY).ok_or("filter: attributes without keys")?, &DataType::Utf8).map_err(|e| failed(&e))?;
        let keep = neq(&keys, &otel_arrow_dfe_pdata::arrow::array::Scalar::new(StringArray::from(vec![PLACEHOLDER_KEY]))).map_err(|e| failed(&e))?;
        if keep.true_count() == attrs.num_rows() {
            continue;
        }
        let kept = filter_record_batch(attrs, &keep).map_err(|e| failed(&e))?;
        match kept.num_rows() {
            0 => drop(records.remove(attributes)),
            _ => records.set(attributes, kept).map_err(|e| failed(&e))?,
        }
    }
    Ok(())
}

/// A batch's IDs (`id`, or the `id` of a struct column such as `resource`) as plain u32s.
fn ids_column(batch: &RecordBatch, column: &str) -> Result<otel_arrow_dfe_pdata::arrow::array::UInt32Array, otel_arrow_dfe_pdata::arrow::error::ArrowError> {
    let missing = || otel_arrow_dfe_pdata::arrow::error::ArrowError::SchemaError(format!("no column {column}"));
    let array = batch.column_by_name(column).ok_or_else(missing)?;
    let array = match array.as_struct_opt() {
        Some(s) => s.column_by_name(consts::ID).ok_or_else(missing)?.clone(),
        None => array.clone(),
    };
    Ok(cast(&array, &DataType::UInt32)?.as_primitive::<UInt32Type>().clone())
}

fn ids(batch: &RecordBatch, column: &str) -> Result<HashSet<u32>, otel_arrow_dfe_pdata::arrow::error::ArrowError> {
    Ok(ids_column(batch, column)?.iter().flatten().collect())
}

impl OtapStep for Filter {
    fn apply(&self, _signal: u16, mut records: OtapArrowRecords) -> Result<Option<OtapArrowRecords>, String> {
        let unmatched = match &records {
            OtapArrowRecords::Logs(_) if self.logs.is_some() => &self.unmatched_log_children,
            OtapArrowRecords::Traces(_) if self.spans.is_some() => &self.unmatched_span_children,
            _ => &Vec::new(),
        };
        let detached = Detached::take(&mut records, unmatched);
        if let (OtapArrowRecords::Traces(_), Some(_)) = (&records, &self.spans) {
            let matched: Vec<ArrowPayloadType> = ATTRIBUTE_OWNERS.iter().map(|o| o.0).filter(|p| !unmatched.contains(p)).collect();
            with_placeholders(&mut records, &matched)?;
        }
        let filtered = match &records {
            OtapArrowRecords::Logs(_) if let Some(filter) = &self.logs => filter.filter(records),
            OtapArrowRecords::Traces(_) if let Some(filter) = &self.spans => filter.filter(records),
            OtapArrowRecords::Metrics(_) if let Some(filter) = &self.metrics => filter.filter(records, &mut self.pool.lock().unwrap()),
            _ => return Ok(Some(records)),
        };
        let (mut kept, _, _) = filtered.map_err(|e| e.to_string())?;
        without_placeholders(&mut kept)?;
        detached.put_back(&mut kept)?;
        Ok(Some(kept))
    }
}
