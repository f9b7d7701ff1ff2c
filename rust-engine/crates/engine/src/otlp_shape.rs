//! The shape the three OTLP export requests share, down to bytes, so components can count, split and regroup requests
//! without decoding their records: a request's field 1 holds its resources; each has the resource in field 1, its
//! scopes in 2 and a schema URL in 3; each scope has the scope in 1, its records (spans, metrics, log records) in 2 and
//! a schema URL in 3. Fields outside this shape are not kept when a request is re-encoded from it.

use bytes::Bytes;
use prost::Message;

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
pub fn without_empty_groups(request: Bytes) -> Result<Bytes, prost::DecodeError> {
    let mut decoded = Request::decode(request.clone())?;
    let empty = |g: &ResourceGroup| g.scopes.is_empty() || g.scopes.iter().any(|s| s.records.is_empty());
    if !decoded.resources.iter().any(empty) {
        return Ok(request);
    }
    for group in &mut decoded.resources {
        group.scopes.retain(|s| !s.records.is_empty());
    }
    decoded.resources.retain(|g| !g.scopes.is_empty());
    Ok(Bytes::from(decoded.encode_to_vec()))
}
