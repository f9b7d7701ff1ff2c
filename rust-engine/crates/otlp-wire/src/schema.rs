//! The OTLP messages an `Export*ServiceRequest` holds, as the wire walk needs them: each field's number and what its
//! value must be. The fields are those of the `opentelemetry-proto` crate's messages (the ones prost decodes into,
//! newer fields such as `AnyValue.string_value_strindex` included), so that the walk admits what prost admits;
//! `reference.rs` tests hold the two together. Repeated fields need no mark of their own except numeric ones, which
//! may come packed.

/// Protobuf's wire types, by their numbers on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wire {
    Varint = 0,
    Fixed64 = 1,
    Len = 2,
    StartGroup = 3,
    EndGroup = 4,
    Fixed32 = 5,
}

impl Wire {
    pub fn of(key: u64) -> Option<Wire> {
        Some(match key & 7 {
            0 => Wire::Varint,
            1 => Wire::Fixed64,
            2 => Wire::Len,
            3 => Wire::StartGroup,
            4 => Wire::EndGroup,
            5 => Wire::Fixed32,
            _ => return None,
        })
    }
}

/// What a field's value must be.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A single numeric value (integers, enums and bools as varints; fixed, sfixed, double and float as 8 or 4 bytes).
    Scalar(Wire),
    /// A repeated numeric field: values of its wire type one per field, or packed into one length-delimited field.
    Packable(Wire),
    Bytes,
    /// Bytes in UTF-8.
    String,
    Message(&'static Message),
}

#[derive(Debug)]
pub struct Field {
    pub number: u32,
    pub name: &'static str,
    pub kind: Kind,
}

#[derive(Debug)]
pub struct Message {
    pub name: &'static str,
    pub fields: &'static [Field],
}

impl Message {
    /// The field of this number; None for an unknown one, which the walk skips.
    pub fn field(&self, number: u32) -> Option<&'static Field> {
        self.fields.iter().find(|field| field.number == number)
    }
}

const fn field(number: u32, name: &'static str, kind: Kind) -> Field {
    Field { number, name, kind }
}

const VARINT: Kind = Kind::Scalar(Wire::Varint);
const FIXED64: Kind = Kind::Scalar(Wire::Fixed64);
const FIXED32: Kind = Kind::Scalar(Wire::Fixed32);
const BYTES: Kind = Kind::Bytes;
const STRING: Kind = Kind::String;
const fn message(of: &'static Message) -> Kind {
    Kind::Message(of)
}

pub static EXPORT_TRACE_SERVICE_REQUEST: Message =
    Message { name: "ExportTraceServiceRequest", fields: &[field(1, "resource_spans", message(&RESOURCE_SPANS))] };
pub static EXPORT_METRICS_SERVICE_REQUEST: Message =
    Message { name: "ExportMetricsServiceRequest", fields: &[field(1, "resource_metrics", message(&RESOURCE_METRICS))] };
pub static EXPORT_LOGS_SERVICE_REQUEST: Message =
    Message { name: "ExportLogsServiceRequest", fields: &[field(1, "resource_logs", message(&RESOURCE_LOGS))] };

// common.v1 and resource.v1

static ANY_VALUE: Message = Message {
    name: "AnyValue",
    fields: &[
        field(1, "string_value", STRING),
        field(2, "bool_value", VARINT),
        field(3, "int_value", VARINT),
        field(4, "double_value", FIXED64),
        field(5, "array_value", message(&ARRAY_VALUE)),
        field(6, "kvlist_value", message(&KEY_VALUE_LIST)),
        field(7, "bytes_value", BYTES),
        field(8, "string_value_strindex", VARINT),
    ],
};
static ARRAY_VALUE: Message = Message { name: "ArrayValue", fields: &[field(1, "values", message(&ANY_VALUE))] };
static KEY_VALUE_LIST: Message = Message { name: "KeyValueList", fields: &[field(1, "values", message(&KEY_VALUE))] };
static KEY_VALUE: Message =
    Message { name: "KeyValue", fields: &[field(1, "key", STRING), field(2, "value", message(&ANY_VALUE)), field(3, "key_strindex", VARINT)] };
static INSTRUMENTATION_SCOPE: Message = Message {
    name: "InstrumentationScope",
    fields: &[
        field(1, "name", STRING),
        field(2, "version", STRING),
        field(3, "attributes", message(&KEY_VALUE)),
        field(4, "dropped_attributes_count", VARINT),
    ],
};
static ENTITY_REF: Message = Message {
    name: "EntityRef",
    fields: &[field(1, "schema_url", STRING), field(2, "type", STRING), field(3, "id_keys", STRING), field(4, "description_keys", STRING)],
};
static RESOURCE: Message = Message {
    name: "Resource",
    fields: &[
        field(1, "attributes", message(&KEY_VALUE)),
        field(2, "dropped_attributes_count", VARINT),
        field(3, "entity_refs", message(&ENTITY_REF)),
    ],
};

// trace.v1

static RESOURCE_SPANS: Message = Message {
    name: "ResourceSpans",
    fields: &[field(1, "resource", message(&RESOURCE)), field(2, "scope_spans", message(&SCOPE_SPANS)), field(3, "schema_url", STRING)],
};
static SCOPE_SPANS: Message = Message {
    name: "ScopeSpans",
    fields: &[field(1, "scope", message(&INSTRUMENTATION_SCOPE)), field(2, "spans", message(&SPAN)), field(3, "schema_url", STRING)],
};
static SPAN: Message = Message {
    name: "Span",
    fields: &[
        field(1, "trace_id", BYTES),
        field(2, "span_id", BYTES),
        field(3, "trace_state", STRING),
        field(4, "parent_span_id", BYTES),
        field(5, "name", STRING),
        field(6, "kind", VARINT),
        field(7, "start_time_unix_nano", FIXED64),
        field(8, "end_time_unix_nano", FIXED64),
        field(9, "attributes", message(&KEY_VALUE)),
        field(10, "dropped_attributes_count", VARINT),
        field(11, "events", message(&SPAN_EVENT)),
        field(12, "dropped_events_count", VARINT),
        field(13, "links", message(&SPAN_LINK)),
        field(14, "dropped_links_count", VARINT),
        field(15, "status", message(&STATUS)),
        field(16, "flags", FIXED32),
    ],
};
static SPAN_EVENT: Message = Message {
    name: "Span.Event",
    fields: &[
        field(1, "time_unix_nano", FIXED64),
        field(2, "name", STRING),
        field(3, "attributes", message(&KEY_VALUE)),
        field(4, "dropped_attributes_count", VARINT),
    ],
};
static SPAN_LINK: Message = Message {
    name: "Span.Link",
    fields: &[
        field(1, "trace_id", BYTES),
        field(2, "span_id", BYTES),
        field(3, "trace_state", STRING),
        field(4, "attributes", message(&KEY_VALUE)),
        field(5, "dropped_attributes_count", VARINT),
        field(6, "flags", FIXED32),
    ],
};
static STATUS: Message = Message { name: "Status", fields: &[field(2, "message", STRING), field(3, "code", VARINT)] };

// metrics.v1

static RESOURCE_METRICS: Message = Message {
    name: "ResourceMetrics",
    fields: &[field(1, "resource", message(&RESOURCE)), field(2, "scope_metrics", message(&SCOPE_METRICS)), field(3, "schema_url", STRING)],
};
static SCOPE_METRICS: Message = Message {
    name: "ScopeMetrics",
    fields: &[field(1, "scope", message(&INSTRUMENTATION_SCOPE)), field(2, "metrics", message(&METRIC)), field(3, "schema_url", STRING)],
};
static METRIC: Message = Message {
    name: "Metric",
    fields: &[
        field(1, "name", STRING),
        field(2, "description", STRING),
        field(3, "unit", STRING),
        field(5, "gauge", message(&GAUGE)),
        field(7, "sum", message(&SUM)),
        field(9, "histogram", message(&HISTOGRAM)),
        field(10, "exponential_histogram", message(&EXPONENTIAL_HISTOGRAM)),
        field(11, "summary", message(&SUMMARY)),
        field(12, "metadata", message(&KEY_VALUE)),
    ],
};
static GAUGE: Message = Message { name: "Gauge", fields: &[field(1, "data_points", message(&NUMBER_DATA_POINT))] };
static SUM: Message = Message {
    name: "Sum",
    fields: &[field(1, "data_points", message(&NUMBER_DATA_POINT)), field(2, "aggregation_temporality", VARINT), field(3, "is_monotonic", VARINT)],
};
static HISTOGRAM: Message =
    Message { name: "Histogram", fields: &[field(1, "data_points", message(&HISTOGRAM_DATA_POINT)), field(2, "aggregation_temporality", VARINT)] };
static EXPONENTIAL_HISTOGRAM: Message = Message {
    name: "ExponentialHistogram",
    fields: &[field(1, "data_points", message(&EXPONENTIAL_HISTOGRAM_DATA_POINT)), field(2, "aggregation_temporality", VARINT)],
};
static SUMMARY: Message = Message { name: "Summary", fields: &[field(1, "data_points", message(&SUMMARY_DATA_POINT))] };
static NUMBER_DATA_POINT: Message = Message {
    name: "NumberDataPoint",
    fields: &[
        field(2, "start_time_unix_nano", FIXED64),
        field(3, "time_unix_nano", FIXED64),
        field(4, "as_double", FIXED64),
        field(5, "exemplars", message(&EXEMPLAR)),
        field(6, "as_int", FIXED64),
        field(7, "attributes", message(&KEY_VALUE)),
        field(8, "flags", VARINT),
    ],
};
static HISTOGRAM_DATA_POINT: Message = Message {
    name: "HistogramDataPoint",
    fields: &[
        field(2, "start_time_unix_nano", FIXED64),
        field(3, "time_unix_nano", FIXED64),
        field(4, "count", FIXED64),
        field(5, "sum", FIXED64),
        field(6, "bucket_counts", Kind::Packable(Wire::Fixed64)),
        field(7, "explicit_bounds", Kind::Packable(Wire::Fixed64)),
        field(8, "exemplars", message(&EXEMPLAR)),
        field(9, "attributes", message(&KEY_VALUE)),
        field(10, "flags", VARINT),
        field(11, "min", FIXED64),
        field(12, "max", FIXED64),
    ],
};
static EXPONENTIAL_HISTOGRAM_DATA_POINT: Message = Message {
    name: "ExponentialHistogramDataPoint",
    fields: &[
        field(1, "attributes", message(&KEY_VALUE)),
        field(2, "start_time_unix_nano", FIXED64),
        field(3, "time_unix_nano", FIXED64),
        field(4, "count", FIXED64),
        field(5, "sum", FIXED64),
        field(6, "scale", VARINT),
        field(7, "zero_count", FIXED64),
        field(8, "positive", message(&BUCKETS)),
        field(9, "negative", message(&BUCKETS)),
        field(10, "flags", VARINT),
        field(11, "exemplars", message(&EXEMPLAR)),
        field(12, "min", FIXED64),
        field(13, "max", FIXED64),
        field(14, "zero_threshold", FIXED64),
    ],
};
static BUCKETS: Message = Message {
    name: "ExponentialHistogramDataPoint.Buckets",
    fields: &[field(1, "offset", VARINT), field(2, "bucket_counts", Kind::Packable(Wire::Varint))],
};
static SUMMARY_DATA_POINT: Message = Message {
    name: "SummaryDataPoint",
    fields: &[
        field(2, "start_time_unix_nano", FIXED64),
        field(3, "time_unix_nano", FIXED64),
        field(4, "count", FIXED64),
        field(5, "sum", FIXED64),
        field(6, "quantile_values", message(&VALUE_AT_QUANTILE)),
        field(7, "attributes", message(&KEY_VALUE)),
        field(8, "flags", VARINT),
    ],
};
static VALUE_AT_QUANTILE: Message =
    Message { name: "SummaryDataPoint.ValueAtQuantile", fields: &[field(1, "quantile", FIXED64), field(2, "value", FIXED64)] };
static EXEMPLAR: Message = Message {
    name: "Exemplar",
    fields: &[
        field(2, "time_unix_nano", FIXED64),
        field(3, "as_double", FIXED64),
        field(4, "span_id", BYTES),
        field(5, "trace_id", BYTES),
        field(6, "as_int", FIXED64),
        field(7, "filtered_attributes", message(&KEY_VALUE)),
    ],
};

// logs.v1

static RESOURCE_LOGS: Message = Message {
    name: "ResourceLogs",
    fields: &[field(1, "resource", message(&RESOURCE)), field(2, "scope_logs", message(&SCOPE_LOGS)), field(3, "schema_url", STRING)],
};
static SCOPE_LOGS: Message = Message {
    name: "ScopeLogs",
    fields: &[field(1, "scope", message(&INSTRUMENTATION_SCOPE)), field(2, "log_records", message(&LOG_RECORD)), field(3, "schema_url", STRING)],
};
static LOG_RECORD: Message = Message {
    name: "LogRecord",
    fields: &[
        field(1, "time_unix_nano", FIXED64),
        field(2, "severity_number", VARINT),
        field(3, "severity_text", STRING),
        field(5, "body", message(&ANY_VALUE)),
        field(6, "attributes", message(&KEY_VALUE)),
        field(7, "dropped_attributes_count", VARINT),
        field(8, "flags", FIXED32),
        field(9, "trace_id", BYTES),
        field(10, "span_id", BYTES),
        field(11, "observed_time_unix_nano", FIXED64),
        field(12, "event_name", STRING),
    ],
};
