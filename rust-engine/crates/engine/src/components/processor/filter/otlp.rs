//! `rust_filter` on OTLP bytes, for the blocks that match exactly (`match_type: strict`) on names, record attributes
//! and resource attributes: each record is matched where it lies in the request and dropped from it, as the Collector's
//! filter processor matches (every property of a block must match: a name among the names, each attribute the first
//! of its key with a value of the same type and value), and scopes and resources left empty are left out. Blocks that
//! match on anything else go to pdata's filters on OTAP.

use super::config::{Blocks, Config, KeyValue, LogMatch, MatchType, MetricMatch, Scalar, SpanMatch};
use crate::otlp::edit::{self, Outcome, RecordEdit, attribute, attributes_field};
use crate::otlp::wire::{self, Malformed};
use crate::signal::Signal;

/// One block, ready to match a record.
struct Matcher {
    /// The record's name field and the names it may have (any, when empty).
    names: Option<(u32, Vec<Vec<u8>>)>,
    /// The record's attributes field and the attributes it must have.
    attributes: Option<(u32, Vec<KeyValue>)>,
    resource_attributes: Vec<KeyValue>,
}

/// Whether an attribute value is the value a strict block names.
fn equal(value: edit::Scalar, wanted: &Scalar) -> bool {
    match (value, wanted) {
        (edit::Scalar::Str(text), Scalar::String(w)) => text == w.as_bytes(),
        (edit::Scalar::Int(i), Scalar::Int(w)) => i == *w,
        (edit::Scalar::Double(d), Scalar::Double(w)) => d == *w,
        (edit::Scalar::Bool(b), Scalar::Bool(w)) => b == *w,
        _ => false,
    }
}

fn has_all(message: &[u8], field: u32, wanted: &[KeyValue]) -> Result<bool, Malformed> {
    for kv in wanted {
        match attribute(message, field, kv.key.as_bytes())? {
            Some(value) if equal(edit::scalar(value)?, &kv.value) => {}
            _ => return Ok(false),
        }
    }
    Ok(true)
}

impl Matcher {
    fn matches(&self, resource: &[u8], record: &[u8]) -> Result<bool, Malformed> {
        if let Some((field, names)) = &self.names
            && !names.is_empty()
        {
            let name = wire::last_bytes(record, *field)?;
            if !names.iter().any(|n| n == name) {
                return Ok(false);
            }
        }
        if let Some((field, wanted)) = &self.attributes
            && !has_all(record, *field, wanted)?
        {
            return Ok(false);
        }
        has_all(resource, attributes_field::RESOURCE, &self.resource_attributes)
    }
}

/// A signal's blocks: a record is dropped when it misses the include block or matches the exclude block.
struct SignalFilter {
    include: Option<Matcher>,
    exclude: Option<Matcher>,
}

impl RecordEdit for SignalFilter {
    const DROPS_EMPTY_GROUPS: bool = true;

    fn record(&self, resource: &[u8], _scope: &[u8], record: &[u8]) -> Result<Outcome, Malformed> {
        let missed = match &self.include {
            Some(block) => !block.matches(resource, record)?,
            None => false,
        };
        let dropped = missed
            || match &self.exclude {
                Some(block) => block.matches(resource, record)?,
                None => false,
            };
        Ok(if dropped { Outcome::Drop } else { Outcome::Keep })
    }
}

/// What `rust_filter` does with a signal's OTLP.
enum Walk {
    /// Passes it on: the signal has no blocks.
    Nothing,
    /// Matches the blocks in its bytes.
    Blocks(SignalFilter),
    /// Translates it for pdata's filters: a block matches on what only they match.
    NeedsOtap,
}

/// `rust_filter`'s blocks on OTLP, per signal.
pub struct OnOtlp {
    spans: Walk,
    logs: Walk,
    metrics: Walk,
}

/// A signal's blocks on OTLP, where `matcher` gives None for a block it cannot match.
fn signal<M>(blocks: &Blocks<M>, matcher: impl Fn(&M) -> Option<Matcher>) -> Walk {
    let block = |b: &Option<M>| b.as_ref().map(|b| matcher(b).ok_or(())).transpose();
    match (block(&blocks.include), block(&blocks.exclude)) {
        (Ok(None), Ok(None)) => Walk::Nothing,
        (Ok(include), Ok(exclude)) => Walk::Blocks(SignalFilter { include, exclude }),
        _ => Walk::NeedsOtap,
    }
}

fn names(list: &[String]) -> Vec<Vec<u8>> {
    list.iter().map(|n| n.as_bytes().to_vec()).collect()
}

impl OnOtlp {
    pub fn of(config: &Config) -> OnOtlp {
        let spans = signal(&config.spans, |b: &SpanMatch| {
            let exact =
                b.match_type == MatchType::Strict && b.event_names.is_empty() && b.event_attributes.is_empty() && b.link_attributes.is_empty();
            exact.then(|| Matcher {
                names: Some((edit::SPAN_NAME, names(&b.span_names))),
                attributes: Some((attributes_field::SPAN, b.attributes.clone())),
                resource_attributes: b.resource_attributes.clone(),
            })
        });
        let logs = signal(&config.logs, |b: &LogMatch| {
            let exact = b.match_type == MatchType::Strict && b.severity_texts.is_empty() && b.severity_number.is_none() && b.bodies.is_empty();
            exact.then(|| Matcher {
                names: None,
                attributes: Some((attributes_field::LOG_RECORD, b.record_attributes.clone())),
                resource_attributes: b.resource_attributes.clone(),
            })
        });
        let metrics = signal(&config.metrics, |b: &MetricMatch| {
            (b.match_type == MatchType::Strict).then(|| Matcher {
                names: Some((edit::METRIC_NAME, names(&b.metric_names))),
                attributes: None,
                resource_attributes: Vec::new(),
            })
        });
        OnOtlp { spans, logs, metrics }
    }

    fn of_signal(&self, signal: Signal) -> &Walk {
        match signal {
            Signal::Traces => &self.spans,
            Signal::Logs => &self.logs,
            Signal::Metrics => &self.metrics,
        }
    }

    /// Whether a request of `signal` is filtered in its OTLP bytes (else it goes to pdata's filters on OTAP).
    pub fn walks(&self, signal: Signal) -> bool {
        !matches!(self.of_signal(signal), Walk::NeedsOtap)
    }

    /// What the blocks keep of a request of a signal they walk: None when they keep all of it.
    pub fn apply(&self, signal: Signal, request: &bytes::Bytes) -> Result<Option<bytes::Bytes>, Malformed> {
        match self.of_signal(signal) {
            Walk::Blocks(filter) => edit::edit(request, filter),
            Walk::Nothing | Walk::NeedsOtap => Ok(None),
        }
    }
}
