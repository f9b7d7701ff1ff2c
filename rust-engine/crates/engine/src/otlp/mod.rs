//! OTLP request bytes: the check that a request is well-formed where it enters the engine, and the shape the three
//! export requests share, down to bytes, so components can count, split and regroup requests without decoding their
//! records: a request's field 1 holds its resources; each has the resource in field 1, its scopes in 2 and a schema
//! URL in 3; each scope has the scope in 1, its records (spans, metrics, log records) in 2 and a schema URL in 3.
//! Fields outside this shape are not kept when a request is re-encoded from it.

pub mod edit;
#[cfg(test)]
pub mod samples;
pub mod value;
pub mod wire;

use crate::signal::Signal;
use bytes::Bytes;
use prost::Message;

/// Checks that `request` is an `Export*ServiceRequest` of `signal` that decodes, invalid UTF-8 in strings included:
/// what an engine receiver admits must not fail later, inside a batch with other callers' data.
/// The check itself lives in `tandem-otlp-wire`, which the fuzz target builds without otap-dataflow.
pub fn validate(signal: Signal, request: &[u8]) -> Result<(), String> {
    tandem_otlp_wire::validate(signal.into(), request).map_err(|e| format!("malformed OTLP {signal} request: {e}"))
}

#[derive(Clone, PartialEq, Message)]
pub struct Request {
    #[prost(message, repeated, tag = "1")]
    pub resources: Vec<ResourceGroup>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ResourceGroup {
    #[prost(bytes = "bytes", optional, tag = "1")]
    pub resource: Option<Bytes>,
    #[prost(message, repeated, tag = "2")]
    pub scopes: Vec<ScopeGroup>,
    #[prost(string, tag = "3")]
    pub schema_url: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct ScopeGroup {
    #[prost(bytes = "bytes", optional, tag = "1")]
    pub scope: Option<Bytes>,
    #[prost(bytes = "bytes", repeated, tag = "2")]
    pub records: Vec<Bytes>,
    #[prost(string, tag = "3")]
    pub schema_url: String,
}

/// A request whose resources are kept as the bytes they came as.
#[derive(Clone, PartialEq, Message)]
pub struct RawRequest {
    #[prost(bytes = "bytes", repeated, tag = "1")]
    pub resources: Vec<Bytes>,
}

/// The request without its resources and scopes that hold no records (they describe no telemetry). Returns the
/// bytes unchanged when there are none, which is the common case.
pub fn without_empty_groups(request: Bytes) -> Result<Bytes, wire::Malformed> {
    Ok(edit::edit(&request, &EmptyGroupsLeftOut)?.unwrap_or(request))
}

/// An edit that keeps every record and leaves out the groups without any.
struct EmptyGroupsLeftOut;

impl edit::RecordEdit for EmptyGroupsLeftOut {
    const DROPS_EMPTY_GROUPS: bool = true;

    fn record(&self, _resource: &[u8], _scope: &[u8], _record: &[u8]) -> Result<edit::Outcome, wire::Malformed> {
        Ok(edit::Outcome::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ExportLogsServiceRequest { resource_logs: [{ scope_logs: [{ log_records: [{ body: string(text) }] }] }] }`.
    fn logs_with_body(text: &[u8]) -> Vec<u8> {
        let any_value = [&[0x0a, text.len() as u8][..], text].concat(); // AnyValue.string_value = 1
        let record = [&[0x2a, any_value.len() as u8][..], &any_value].concat(); // LogRecord.body = 5
        let scope = [&[0x12, record.len() as u8][..], &record].concat(); // ScopeLogs.log_records = 2
        let resource = [&[0x12, scope.len() as u8][..], &scope].concat(); // ResourceLogs.scope_logs = 2
        [&[0x0a, resource.len() as u8][..], &resource].concat() // ExportLogsServiceRequest.resource_logs = 1
    }

    // Scenario: a log body with invalid UTF-8 (C3 28), well-formed otherwise; and bytes that are no protobuf.
    // Guarantee: both are refused with a message naming the signal; the same request with valid text passes.
    #[test]
    fn invalid_utf8_and_broken_protobuf_are_refused() {
        assert_eq!(validate(Signal::Logs, &logs_with_body(b"fine")), Ok(()));
        let bad = validate(Signal::Logs, &logs_with_body(&[0xc3, 0x28])).unwrap_err();
        assert!(bad.starts_with("malformed OTLP logs request: "), "{bad}");
        assert!(validate(Signal::Traces, &[0x0a, 0x05, 0x01]).unwrap_err().starts_with("malformed OTLP traces request: "));
    }

    // Scenario: a request with an empty resource and a resource whose only scope is empty, next to one with a record.
    // Guarantee: only the resource with the record is left; a request without empty groups comes back as the same bytes.
    #[test]
    fn empty_resources_and_scopes_are_left_out() {
        let full = logs_with_body(b"x");
        let mut with_empty = full.clone();
        with_empty.extend([0x0a, 0x00]); // a resource with nothing
        with_empty.extend([0x0a, 0x02, 0x12, 0x00]); // a resource with one empty scope
        let cleaned = without_empty_groups(Bytes::from(with_empty)).unwrap();
        assert_eq!(cleaned, Bytes::from(full.clone()));
        let same = Bytes::from(full);
        assert_eq!(without_empty_groups(same.clone()).unwrap().as_ptr(), same.as_ptr());
    }
}
