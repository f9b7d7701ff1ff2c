//! `rust_filter`'s blocks matched on OTLP records where they lie in the request, as the Collector's filter processor
//! (contrib `internal/filter`: filterspan, filterlog, filtermetric) matches them. A record is dropped when it misses
//! the `include` block or matches the `exclude` block. A block matches when every property it sets matches: a list of
//! names or texts when one entry does (strict: equal; regexp: a match anywhere in the text), a list of attributes
//! when each is the first attribute of its key and has the value (strict: same type and value; regexp: its text
//! matches; no value: present). Scopes and resources left empty are left out.

use super::config::{Blocks, Config, KeyValue, Library, LogMatch, MatchType, MetricMatch, Scalar, SpanMatch};
use crate::otlp::edit::{self, Outcome, RecordEdit, attribute, attributes_field};
use crate::otlp::value;
use crate::otlp::wire::{self, Malformed, Value};
use crate::signal::Signal;
use regex::bytes::{Regex, RegexSet};

/// Field numbers the properties read, beyond the names and attribute lists `edit` knows.
mod field {
    pub const SPAN_KIND: u32 = 6;
    pub const SPAN_EVENTS: u32 = 11;
    pub const SPAN_LINKS: u32 = 13;
    pub const EVENT_NAME: u32 = 2;
    pub const EVENT_ATTRIBUTES: u32 = 3;
    pub const LINK_ATTRIBUTES: u32 = 4;
    pub const LOG_SEVERITY_NUMBER: u32 = 2;
    pub const LOG_SEVERITY_TEXT: u32 = 3;
    pub const LOG_BODY: u32 = 5;
    pub const SCOPE_NAME: u32 = 1;
    pub const SCOPE_VERSION: u32 = 2;
}

/// The span kinds by number, as Go's filter writes them (traceutil.SpanKindStr); "" for a number the proto lacks.
const SPAN_KIND_NAMES: [&str; 6] =
    ["SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT", "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"];

/// What Go's filter reads as the service of a resource without `service.name`.
const NO_SERVICE: &[u8] = b"<nil-service-name>";

/// Texts a property accepts, as Go's filterset: equal to one of them (strict), or matched by one of the regexps.
enum Texts {
    Strict(Vec<Vec<u8>>),
    Regexp(RegexSet),
}

impl Texts {
    /// The config checked that the regexps compile.
    fn new<'a>(match_type: MatchType, texts: impl IntoIterator<Item = &'a str>) -> Texts {
        let texts = texts.into_iter();
        match match_type {
            MatchType::Strict => Texts::Strict(texts.map(|t| t.as_bytes().to_vec()).collect()),
            MatchType::Regexp => Texts::Regexp(RegexSet::new(texts).expect("checked by the config")),
        }
    }

    fn matches(&self, text: &[u8]) -> bool {
        match self {
            Texts::Strict(texts) => texts.iter().any(|t| t == text),
            Texts::Regexp(set) => set.is_match(text),
        }
    }
}

/// What an attribute's value must be.
enum Wanted {
    Present,
    Equal(Scalar),
    Like(Regex),
}

struct AttributeMatch {
    key: Vec<u8>,
    value: Wanted,
}

fn attribute_matches(match_type: MatchType, list: &[KeyValue]) -> Vec<AttributeMatch> {
    let wanted = |value: &Option<Scalar>| match (value, match_type) {
        (None, _) => Wanted::Present,
        (Some(Scalar::String(text)), MatchType::Regexp) => Wanted::Like(Regex::new(text).expect("checked by the config")),
        (Some(value), _) => Wanted::Equal(value.clone()),
    };
    list.iter().map(|kv| AttributeMatch { key: kv.key.as_bytes().to_vec(), value: wanted(&kv.value) }).collect()
}

/// Whether an attribute value is the value a strict block names: same type and value.
fn equal(value: edit::Scalar, wanted: &Scalar) -> bool {
    match (value, wanted) {
        (edit::Scalar::Str(text), Scalar::String(w)) => text == w.as_bytes(),
        (edit::Scalar::Int(i), Scalar::Int(w)) => i == *w,
        (edit::Scalar::Double(d), Scalar::Double(w)) => d == *w,
        (edit::Scalar::Bool(b), Scalar::Bool(w)) => b == *w,
        _ => false,
    }
}

/// Whether the attributes in `field` of `message` have every one wanted.
fn has_all(message: &[u8], field: u32, wanted: &[AttributeMatch]) -> Result<bool, Malformed> {
    for w in wanted {
        let Some(found) = attribute(message, field, &w.key)? else { return Ok(false) };
        let matched = match &w.value {
            Wanted::Present => true,
            Wanted::Equal(value) => equal(edit::scalar(found)?, value),
            Wanted::Like(pattern) => value::attribute_text(found)?.is_some_and(|text| pattern.is_match(&text)),
        };
        if !matched {
            return Ok(false);
        }
    }
    Ok(true)
}

/// One property of a block.
enum Property {
    /// A string field of the record: a span's or metric's name, a log record's severity text.
    Text(u32, Texts),
    /// A log record's body, as text.
    Body(Texts),
    /// A log record's severity number at least `min`; one without (0) matches when `undefined` says so.
    Severity {
        min: i32,
        undefined: bool,
    },
    SpanKind(Texts),
    /// The resource's `service.name`, as text.
    Service(Texts),
    /// The scope's name, and its version when the block names one.
    Library {
        name: Texts,
        version: Option<Texts>,
    },
    /// The record's attributes in a field.
    Attributes(u32, Vec<AttributeMatch>),
    ResourceAttributes(Vec<AttributeMatch>),
    /// One of the record's child messages in a field (a span's events or links) has the property.
    AnyChild(u32, Box<Property>),
}

fn varint(message: &[u8], number: u32) -> Result<u64, Malformed> {
    Ok(match wire::last(message, number)? {
        Some(Value::Varint(v)) => v,
        _ => 0,
    })
}

impl Property {
    fn matches(&self, resource: &[u8], scope: &[u8], record: &[u8]) -> Result<bool, Malformed> {
        Ok(match self {
            Property::Text(number, texts) => texts.matches(wire::last_bytes(record, *number)?),
            Property::Body(texts) => texts.matches(&value::as_string(wire::last_bytes(record, field::LOG_BODY)?)?),
            Property::Severity { min, undefined } => match varint(record, field::LOG_SEVERITY_NUMBER)? as i32 {
                0 => *undefined,
                severity => severity >= *min,
            },
            Property::SpanKind(texts) => {
                let kind = usize::try_from(varint(record, field::SPAN_KIND)?).ok().and_then(|k| SPAN_KIND_NAMES.get(k));
                texts.matches(kind.unwrap_or(&"").as_bytes())
            }
            Property::Service(texts) => match attribute(resource, attributes_field::RESOURCE, b"service.name")? {
                Some(service) => texts.matches(&value::as_string(service)?),
                None => texts.matches(NO_SERVICE),
            },
            Property::Library { name, version } => {
                let version_matches = match version {
                    Some(version) => version.matches(wire::last_bytes(scope, field::SCOPE_VERSION)?),
                    None => true,
                };
                name.matches(wire::last_bytes(scope, field::SCOPE_NAME)?) && version_matches
            }
            Property::Attributes(number, wanted) => has_all(record, *number, wanted)?,
            Property::ResourceAttributes(wanted) => has_all(resource, attributes_field::RESOURCE, wanted)?,
            Property::AnyChild(number, property) => {
                for f in wire::fields(record) {
                    let f = f?;
                    if let Some(child) = f.bytes().filter(|_| f.number == *number)
                        && property.matches(resource, scope, child)?
                    {
                        return Ok(true);
                    }
                }
                false
            }
        })
    }
}

/// The properties a block sets: it matches when all do.
struct Block(Vec<Property>);

impl Block {
    fn matches(&self, resource: &[u8], scope: &[u8], record: &[u8]) -> Result<bool, Malformed> {
        for property in &self.0 {
            if !property.matches(resource, scope, record)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Adds a property when its list is not empty.
    fn with<T>(mut self, list: &[T], property: impl FnOnce(&[T]) -> Property) -> Block {
        if !list.is_empty() {
            self.0.push(property(list));
        }
        self
    }

    fn span(b: &SpanMatch) -> Block {
        let texts = |list: &[String]| Texts::new(b.match_type, list.iter().map(String::as_str));
        let attributes = |list: &[KeyValue]| attribute_matches(b.match_type, list);
        let library = |l: &Library| Property::Library {
            name: Texts::new(b.match_type, [l.name.as_str()]),
            version: l.version.as_deref().map(|v| Texts::new(b.match_type, [v])),
        };
        let mut block = Block(Vec::new())
            .with(&b.services, |l| Property::Service(texts(l)))
            .with(&b.span_names, |l| Property::Text(edit::SPAN_NAME, texts(l)))
            .with(&b.span_kinds, |l| Property::SpanKind(texts(l)))
            .with(&b.event_names, |l| Property::AnyChild(field::SPAN_EVENTS, Box::new(Property::Text(field::EVENT_NAME, texts(l)))))
            .with(&b.event_attributes, |l| {
                Property::AnyChild(field::SPAN_EVENTS, Box::new(Property::Attributes(field::EVENT_ATTRIBUTES, attributes(l))))
            })
            .with(&b.link_attributes, |l| {
                Property::AnyChild(field::SPAN_LINKS, Box::new(Property::Attributes(field::LINK_ATTRIBUTES, attributes(l))))
            });
        block.0.extend(b.libraries.iter().map(library));
        block
            .with(&b.resource_attributes, |l| Property::ResourceAttributes(attributes(l)))
            .with(&b.attributes, |l| Property::Attributes(attributes_field::SPAN, attributes(l)))
    }

    fn log(b: &LogMatch) -> Block {
        let texts = |list: &[String]| Texts::new(b.match_type, list.iter().map(String::as_str));
        let mut block = Block(Vec::new());
        if !b.bodies.is_empty() {
            // Go's bodies are strings; a number or bool here matches the text Go writes for it.
            let bodies: Vec<String> = b.bodies.iter().map(scalar_text).collect();
            block.0.push(Property::Body(texts(&bodies)));
        }
        let mut block = block.with(&b.severity_texts, |l| Property::Text(field::LOG_SEVERITY_TEXT, texts(l)));
        if let Some(severity) = &b.severity_number {
            block.0.push(Property::Severity { min: severity.min.0, undefined: severity.match_undefined });
        }
        block
            .with(&b.resource_attributes, |l| Property::ResourceAttributes(attribute_matches(b.match_type, l)))
            .with(&b.record_attributes, |l| Property::Attributes(attributes_field::LOG_RECORD, attribute_matches(b.match_type, l)))
    }

    fn metric_names(b: &MetricMatch) -> Block {
        Block(Vec::new()).with(&b.metric_names, |l| Property::Text(edit::METRIC_NAME, Texts::new(b.match_type, l.iter().map(String::as_str))))
    }

    fn metric_resources(b: &MetricMatch) -> Block {
        Block(Vec::new()).with(&b.resource_attributes, |l| Property::ResourceAttributes(attribute_matches(b.match_type, l)))
    }
}

/// A body value of the config as the text it stands for.
fn scalar_text(value: &Scalar) -> String {
    match value {
        Scalar::String(text) => text.clone(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Double(d) => d.to_string(),
        Scalar::Bool(b) => b.to_string(),
    }
}

/// A signal's blocks: a record is dropped when it misses the include block or matches one of the exclude blocks.
struct SignalFilter {
    include: Option<Block>,
    exclude: Vec<Block>,
}

impl RecordEdit for SignalFilter {
    const DROPS_EMPTY_GROUPS: bool = true;

    fn record(&self, resource: &[u8], scope: &[u8], record: &[u8]) -> Result<Outcome, Malformed> {
        if let Some(block) = &self.include
            && !block.matches(resource, scope, record)?
        {
            return Ok(Outcome::Drop);
        }
        for block in &self.exclude {
            if block.matches(resource, scope, record)? {
                return Ok(Outcome::Drop);
            }
        }
        Ok(Outcome::Keep)
    }
}

/// `rust_filter`'s blocks, per signal; None for a signal without blocks.
pub struct Filters {
    spans: Option<SignalFilter>,
    logs: Option<SignalFilter>,
    metrics: Option<SignalFilter>,
}

/// A signal's filter from its blocks, the exclude block as `exclude` splits it.
fn signal<M>(blocks: &Blocks<M>, include: impl Fn(&M) -> Block, exclude: impl Fn(&M) -> Vec<Block>) -> Option<SignalFilter> {
    let filter = SignalFilter { include: blocks.include.as_ref().map(include), exclude: blocks.exclude.as_ref().map(exclude).unwrap_or_default() };
    (filter.include.is_some() || !filter.exclude.is_empty()).then_some(filter)
}

impl Filters {
    pub fn new(config: &Config) -> Filters {
        let spans = signal(&config.spans, Block::span, |b| vec![Block::span(b)]);
        let logs = signal(&config.logs, Block::log, |b| vec![Block::log(b)]);
        // Go matches a metric block's resource attributes on their own, before its names: an include needs both,
        // and an exclude drops what matches either.
        let metrics = signal(
            &config.metrics,
            |b| Block(Block::metric_resources(b).0.into_iter().chain(Block::metric_names(b).0).collect()),
            |b| [Block::metric_resources(b), Block::metric_names(b)].into_iter().filter(|b| !b.0.is_empty()).collect(),
        );
        Filters { spans, logs, metrics }
    }

    /// What the blocks keep of a request: None when they keep all of it.
    pub fn apply(&self, signal: Signal, request: &bytes::Bytes) -> Result<Option<bytes::Bytes>, Malformed> {
        let filter = match signal {
            Signal::Traces => &self.spans,
            Signal::Logs => &self.logs,
            Signal::Metrics => &self.metrics,
        };
        match filter {
            Some(filter) => edit::edit(request, filter),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::ComponentConfig;
    use crate::otlp::samples;
    use bytes::Bytes;
    use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
    use otel_arrow_dfe_pdata::proto::opentelemetry::collector::metrics::v1::ExportMetricsServiceRequest;
    use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
    use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{AnyValue, InstrumentationScope, KeyValue as Kv, any_value::Value as V};
    use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
    use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;
    use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::span::{Event, Link};
    use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use prost::Message;
    use serde_json::{Value as Json, json};

    fn filters(config: &Json) -> Filters {
        Filters::new(&Config::of(&Config::effective(config).unwrap()).unwrap())
    }

    /// What `config` keeps of a request: the request itself when it keeps everything, empty when nothing.
    fn kept(config: &Json, signal: Signal, request: &Bytes) -> Bytes {
        filters(config).apply(signal, request).unwrap().unwrap_or_else(|| request.clone())
    }

    fn kv(key: &str, value: V) -> Kv {
        Kv { key: key.into(), value: Some(AnyValue { value: Some(value) }) }
    }

    fn span(name: &str, kind: i32, attributes: Vec<Kv>) -> Span {
        Span { trace_id: vec![1; 16], span_id: vec![2; 8], name: name.into(), kind, attributes, ..Default::default() }
    }

    /// One resource (`service`, none when empty) with one scope (`scope` at `version`) holding `spans`.
    fn traces(service: &str, scope: (&str, &str), spans: Vec<Span>) -> ExportTraceServiceRequest {
        let attributes = if service.is_empty() { vec![] } else { vec![kv("service.name", V::StringValue(service.into()))] };
        ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                resource: Some(Resource { attributes, ..Default::default() }),
                scope_spans: vec![ScopeSpans {
                    scope: Some(InstrumentationScope { name: scope.0.into(), version: scope.1.into(), ..Default::default() }),
                    spans,
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
    }

    fn span_names(config: &Json, requests: &[ExportTraceServiceRequest]) -> Vec<String> {
        let request = ExportTraceServiceRequest { resource_spans: requests.iter().flat_map(|r| r.resource_spans.clone()).collect() };
        let kept = ExportTraceServiceRequest::decode(kept(config, Signal::Traces, &request.encode_to_vec().into())).unwrap();
        kept.resource_spans.iter().flat_map(|r| &r.scope_spans).flat_map(|s| &s.spans).map(|s| s.name.clone()).collect()
    }

    /// The spans `only-a` (a=1), `a-and-b` (a=1, b=2) and `none`.
    fn abc() -> ExportTraceServiceRequest {
        let a = || kv("a", V::StringValue("1".into()));
        traces(
            "svc",
            ("lib", "1"),
            vec![span("only-a", 0, vec![a()]), span("a-and-b", 0, vec![a(), kv("b", V::StringValue("2".into()))]), span("none", 0, vec![])],
        )
    }

    // Scenario: a list of two attributes, as include and as exclude, and an exclude with a name and an attribute.
    // Guarantee: as in Go's AttributesMatcher and PropertiesMatcher, a block needs every attribute and every property
    // (the cases pdata's filters on OTAP got wrong: they matched any).
    #[test]
    fn a_block_needs_every_attribute_and_property() {
        let both = json!([{ "key": "a", "value": "1" }, { "key": "b", "value": "2" }]);
        assert_eq!(span_names(&json!({ "spans": { "include": { "attributes": both } } }), &[abc()]), ["a-and-b"]);
        assert_eq!(span_names(&json!({ "spans": { "exclude": { "attributes": both } } }), &[abc()]), ["only-a", "none"]);
        let name_and_b = json!({ "spans": { "exclude": { "span_names": ["only-a"], "attributes": [{ "key": "b", "value": "2" }] } } });
        assert_eq!(span_names(&name_and_b, &[abc()]), ["only-a", "a-and-b", "none"]);
        let resource_and_attribute = json!({ "spans": { "exclude": { "resources": [{ "key": "service.name", "value": "svc" }], "attributes": [{ "key": "b", "value": "2" }] } } });
        let other = traces("other", ("lib", "1"), vec![span("elsewhere", 0, vec![kv("b", V::StringValue("2".into()))])]);
        assert_eq!(span_names(&resource_and_attribute, &[abc(), other]), ["only-a", "none", "elsewhere"]);
    }

    // Scenario: regexps on names and on attribute values of each scalar type, and an attribute without a value.
    // Guarantee: a regexp matches anywhere in the text (Go's MatchString), a value is matched as Go writes it out
    // (ints, doubles, bools), values of other kinds never match, and a key alone matches when present.
    #[test]
    fn regexps_match_anywhere_and_keys_alone_match_presence() {
        let spans = vec![
            span(
                "GET /users",
                0,
                vec![kv("code", V::IntValue(404)), kv("ratio", V::DoubleValue(0.25)), kv("list", V::ArrayValue(Default::default()))],
            ),
            span("POST /users", 0, vec![kv("code", V::IntValue(200)), kv("ok", V::BoolValue(true))]),
            span("health", 0, vec![]),
        ];
        let request = [traces("svc", ("lib", "1"), spans)];
        let regexp = |properties: Json| {
            let mut block = json!({ "match_type": "regexp" });
            block.as_object_mut().unwrap().extend(properties.as_object().unwrap().clone());
            json!({ "spans": { "include": block } })
        };
        assert_eq!(span_names(&regexp(json!({ "span_names": ["users$"] })), &request), ["GET /users", "POST /users"]);
        assert_eq!(span_names(&regexp(json!({ "attributes": [{ "key": "code", "value": "^4" }] })), &request), ["GET /users"]);
        assert_eq!(span_names(&regexp(json!({ "attributes": [{ "key": "ratio", "value": "^0\\.25$" }] })), &request), ["GET /users"]);
        assert_eq!(span_names(&regexp(json!({ "attributes": [{ "key": "ok", "value": "^true$" }] })), &request), ["POST /users"]);
        assert!(span_names(&regexp(json!({ "attributes": [{ "key": "list", "value": ".*" }] })), &request).is_empty());
        assert_eq!(span_names(&json!({ "spans": { "exclude": { "attributes": [{ "key": "code" }] } } }), &request), ["health"]);
        assert_eq!(span_names(&json!({ "spans": { "include": { "attributes": [{ "key": "code", "value": 200 }] } } }), &request), ["POST /users"]);
        // Strict compares types too: the string "200" is not the int 200.
        assert!(span_names(&json!({ "spans": { "include": { "attributes": [{ "key": "code", "value": "200" }] } } }), &request).is_empty());
    }

    // Scenario: Go's span properties that match on the resource, the scope and the kind. Guarantee: `services` reads
    // the resource's service.name (`<nil-service-name>` without one), `libraries` the scope's name and version,
    // `span_kinds` the kind as the proto names it.
    #[test]
    fn services_libraries_and_kinds_match_as_in_go() {
        let requests = [
            traces("cart", ("otel-js", "1.2"), vec![span("cart-server", 2, vec![])]),
            traces("shop", ("otel-js", "2.0"), vec![span("shop-client", 3, vec![])]),
            traces("", ("other", ""), vec![span("anonymous", 0, vec![])]),
        ];
        let include = |block: Json| json!({ "spans": { "include": block } });
        assert_eq!(span_names(&include(json!({ "services": ["cart", "<nil-service-name>"] })), &requests), ["cart-server", "anonymous"]);
        assert_eq!(span_names(&include(json!({ "libraries": [{ "name": "otel-js" }] })), &requests), ["cart-server", "shop-client"]);
        assert_eq!(span_names(&include(json!({ "libraries": [{ "name": "otel-js", "version": "2.0" }] })), &requests), ["shop-client"]);
        assert_eq!(span_names(&include(json!({ "span_kinds": ["SPAN_KIND_SERVER"] })), &requests), ["cart-server"]);
        let unspecified = include(json!({ "match_type": "regexp", "span_kinds": ["UNSPECIFIED"] }));
        assert_eq!(span_names(&unspecified, &requests), ["anonymous"]);
    }

    // Scenario: spans with and without events and links under the event and link properties, and a name exclude over
    // spans that have links with nothing to point at (telemetrygen's first span). Guarantee: a span matches when one
    // of its events or links does; spans without them never match and are not dropped for lacking them.
    #[test]
    fn events_and_links_match_when_one_does() {
        let mut with_event = span("with-event", 0, vec![]);
        with_event.events = vec![Event { name: "retry".into(), attributes: vec![kv("attempt", V::IntValue(2))], ..Default::default() }];
        let mut with_link = span("with-link", 0, vec![]);
        with_link.links = vec![Link {
            trace_id: vec![3; 16],
            span_id: vec![1; 8],
            attributes: vec![kv("link.type", V::StringValue("random".into()))],
            ..Default::default()
        }];
        let request = [traces("svc", ("lib", "1"), vec![with_event, with_link, span("bare", 0, vec![])])];
        let exclude = |block: Json| json!({ "spans": { "exclude": block } });
        assert_eq!(span_names(&exclude(json!({ "event_names": ["retry"] })), &request), ["with-link", "bare"]);
        assert_eq!(span_names(&exclude(json!({ "event_attributes": [{ "key": "attempt", "value": 2 }] })), &request), ["with-link", "bare"]);
        assert_eq!(span_names(&exclude(json!({ "link_attributes": [{ "key": "link.type" }] })), &request), ["with-event", "bare"]);
        assert_eq!(span_names(&exclude(json!({ "match_type": "regexp", "span_names": ["^with-link$"] })), &request), ["with-event", "bare"]);
    }

    fn log(body: Option<V>, severity_number: i32, severity_text: &str) -> LogRecord {
        LogRecord { body: body.map(|v| AnyValue { value: Some(v) }), severity_number, severity_text: severity_text.into(), ..Default::default() }
    }

    fn log_bodies(config: &Json, records: Vec<LogRecord>) -> Vec<String> {
        let request = ExportLogsServiceRequest {
            resource_logs: vec![ResourceLogs { scope_logs: vec![ScopeLogs { log_records: records, ..Default::default() }], ..Default::default() }],
        };
        let kept = ExportLogsServiceRequest::decode(kept(config, Signal::Logs, &request.encode_to_vec().into())).unwrap();
        let records = kept.resource_logs.iter().flat_map(|r| &r.scope_logs).flat_map(|s| &s.log_records);
        records
            .map(|r| String::from_utf8(value::as_string(&r.body.clone().unwrap_or_default().encode_to_vec()).unwrap().into_owned()).unwrap())
            .collect()
    }

    // Scenario: log records of several severities and bodies of several kinds. Guarantee: as Go's filterlog, the
    // severity number is a minimum with unspecified (0) matching as `match_undefined` says, severity texts match as
    // a list, and bodies match on their text (an int body `77` is the text "77", an empty body the empty text).
    #[test]
    fn logs_match_severities_and_bodies_as_in_go() {
        let records = || {
            vec![
                log(Some(V::StringValue("it broke".into())), 17, "ERROR"),
                log(Some(V::StringValue("all is well".into())), 9, "INFO"),
                log(Some(V::IntValue(77)), 0, ""),
                log(None, 13, "Warning"),
            ]
        };
        let logs = |block: Json| json!({ "logs": block });
        assert_eq!(log_bodies(&logs(json!({ "include": { "severity_number": { "min": "WARN" } } })), records()), ["it broke", ""]);
        let or_undefined = logs(json!({ "include": { "severity_number": { "min": "WARN", "match_undefined": true } } }));
        assert_eq!(log_bodies(&or_undefined, records()), ["it broke", "77", ""]);
        let texts = logs(json!({ "exclude": { "match_type": "regexp", "severity_texts": ["^(?i)warn", "^ERR"] } }));
        assert_eq!(log_bodies(&texts, records()), ["all is well", "77"]);
        assert_eq!(log_bodies(&logs(json!({ "exclude": { "bodies": ["77", ""] } })), records()), ["it broke", "all is well"]);
        assert_eq!(log_bodies(&logs(json!({ "include": { "match_type": "regexp", "bodies": ["^it ", "^7"] } })), records()), ["it broke", "77"]);
        let severity_and_body = logs(json!({ "exclude": { "match_type": "regexp", "bodies": ["."], "severity_number": { "min": 10 } } }));
        assert_eq!(log_bodies(&severity_and_body, records()), ["all is well", "77", ""]);
    }

    // Scenario: metric blocks with names and resource attributes, as include and as exclude. Guarantee: as Go's
    // filter processor (resource attributes matched on their own, before the names), an include needs both and an
    // exclude drops what matches either.
    #[test]
    fn metric_resource_attributes_are_matched_apart_from_names() {
        let metrics = samples::requests().remove(1).1;
        // The kept metrics as (service, name).
        let names = |config: Json| -> Vec<(String, String)> {
            let kept = ExportMetricsServiceRequest::decode(kept(&config, Signal::Metrics, &metrics)).unwrap();
            let service = |r: &Resource| match r.attributes[0].value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(V::StringValue(service)) => service.clone(),
                other => panic!("{other:?}"),
            };
            let mut names = Vec::new();
            for r in &kept.resource_metrics {
                names.extend(r.scope_metrics.iter().flat_map(|s| &s.metrics).map(|m| (service(r.resource.as_ref().unwrap()), m.name.clone())));
            }
            names
        };
        let cart = json!([{ "key": "service.name", "value": "cart" }]);
        let pair = |service: &str, name: &str| (service.to_string(), name.to_string());
        assert_eq!(
            names(json!({ "metrics": { "include": { "metric_names": ["sum"], "resource_attributes": cart } } })),
            [pair("cart", "sum"), pair("cart", "sum")]
        );
        let left = names(json!({ "metrics": { "exclude": { "metric_names": ["sum"], "resource_attributes": cart } } }));
        let shop_but_sum = ["gauge", "histogram", "exponential", "summary"].map(|n| pair("shop", n));
        assert_eq!(left, [shop_but_sum.clone(), shop_but_sum].concat());
    }

    // Scenario: an exclude that matches every span of one resource, and an include that matches nothing. Guarantee:
    // the resource and its scopes are left out, the other resource stays whole; of the second nothing is left.
    #[test]
    fn groups_left_empty_are_left_out() {
        let traces = samples::requests().remove(0).1;
        let kept = kept(
            &json!({ "spans": { "exclude": { "resource_attributes": [{ "key": "service.name", "value": "cart" }] } } }),
            Signal::Traces,
            &traces,
        );
        let kept = ExportTraceServiceRequest::decode(kept).unwrap();
        assert_eq!(kept.resource_spans.len(), 1);
        assert_eq!(kept.resource_spans[0].scope_spans.iter().map(|s| s.spans.len()).collect::<Vec<_>>(), vec![4, 4]);
        assert!(super::tests::kept(&json!({ "spans": { "include": { "span_names": ["nothing"] } } }), Signal::Traces, &traces).is_empty());
    }

    // Scenario: requests of the other signals beside a signal's blocks. Guarantee: they pass on as they came.
    #[test]
    fn other_signals_pass_untouched() {
        let spans_only = filters(&json!({ "spans": { "exclude": { "span_names": ["health"] } } }));
        for (signal, request) in samples::requests().into_iter().filter(|(s, _)| *s != Signal::Traces) {
            assert_eq!(spans_only.apply(signal, &request).unwrap(), None, "{signal}");
        }
    }
}
