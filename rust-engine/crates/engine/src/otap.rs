//! OTLP <-> OTAP (OpenTelemetry Arrow) translation, done by otap-dataflow's pdata crate: OTLP request bytes become
//! Arrow record batches and back, and record batches travel as `BatchArrowRecords` on a stateful Arrow IPC stream
//! (schemas and dictionaries are sent once per stream, payloads are zstd-compressed).

use crate::node::{Next, Node};
use crate::otap_repairs::{nullable_schema, repaired_stream_batch, with_default_attribute_values, with_link_dropped_counts};
use bytes::Bytes;
use futures::future::BoxFuture;
use otel_arrow_dfe_config::SignalType;
use otel_arrow_dfe_pdata::otap::{from_record_messages, Logs, Metrics, Traces};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::BatchArrowRecords;
use otel_arrow_dfe_pdata::{Consumer, OtapArrowRecords, OtlpProtoBytes, Producer, TryFromWithOptions};
use std::collections::HashSet;
use std::sync::Arc;
use tandem_ipc::{layout, Answer, RequestError};

/// The pdata signal of a ring/control-API signal code.
pub fn signal_type(code: u16) -> SignalType {
    match code {
        layout::SIGNAL_TRACES => SignalType::Traces,
        layout::SIGNAL_METRICS => SignalType::Metrics,
        _ => SignalType::Logs,
    }
}

/// An OTLP `Export*ServiceRequest` of `signal` as OTAP record batches. Resources and scopes without records are left
/// out first: they describe no telemetry, and pdata 0.62's stream encoding moves their attributes onto other
/// resources or panics on them.
pub fn to_otap(signal: u16, otlp: Bytes) -> Result<OtapArrowRecords, String> {
    let otlp = crate::otlp_shape::without_empty_groups(otlp).map_err(|e| format!("malformed OTLP: {e}"))?;
    let request = OtlpProtoBytes::new_from_bytes(signal_type(signal), otlp);
    guarded("OTLP to OTAP", || OtapArrowRecords::try_from_with_default(request).map_err(|e| format!("OTLP to OTAP: {e}")))
}

/// Runs a pdata conversion, turning a panic inside it into an error: bad input must not take the engine down.
fn guarded<T>(what: &str, convert: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(convert)).unwrap_or_else(|_| Err(format!("{what} failed (a panic in otel-arrow-dfe-pdata)")))
}

/// OTAP record batches as the OTLP `Export*ServiceRequest` bytes of their signal.
pub fn to_otlp(records: OtapArrowRecords) -> Result<Bytes, String> {
    match guarded("OTAP to OTLP", || OtlpProtoBytes::try_from_with_default(records).map_err(|e| format!("OTAP to OTLP: {e}")))? {
        OtlpProtoBytes::ExportLogsRequest(bytes) | OtlpProtoBytes::ExportMetricsRequest(bytes) => Ok(bytes),
        OtlpProtoBytes::ExportTracesRequest(bytes) => Ok(with_link_dropped_counts(bytes)),
    }
}

/// The sending end of one Arrow stream: each call yields the next `BatchArrowRecords` of the stream (batch IDs count
/// up from 0). A new stream needs a new encoder, since the receiving end keeps the schemas it has seen.
#[derive(Default)]
pub struct StreamEncoder {
    producer: Producer,
}

impl StreamEncoder {
    pub fn encode(&mut self, signal: u16, otlp: Bytes) -> Result<BatchArrowRecords, String> {
        let mut records = with_default_attribute_values(to_otap(signal, otlp)?)?;
        let root = records.root_payload_type() as i32;
        let mut batch = guarded("OTAP encoding", || self.producer.produce_bar(&mut records).map_err(|e| format!("OTAP encoding: {e}")))?;
        // The main table (spans, logs, metrics) first: the Go Collector's otelarrow receiver up to v0.148 takes the
        // first payload of a batch for it (fixed upstream by opentelemetry-collector-contrib#46879).
        batch.arrow_payloads.sort_by_key(|payload| payload.r#type != root);
        Ok(batch)
    }
}

/// The receiving end of one Arrow stream of one signal.
#[derive(Default)]
pub struct StreamDecoder {
    consumer: Consumer,
    /// The schema IDs whose IPC streams have started: a payload with another one begins with a schema message.
    started: HashSet<String>,
}

impl StreamDecoder {
    /// The next batch of the stream, as OTLP request bytes.
    pub fn decode(&mut self, signal: u16, batch: &mut BatchArrowRecords) -> Result<Bytes, String> {
        for payload in &mut batch.arrow_payloads {
            if self.started.insert(payload.schema_id.clone()) {
                payload.record = nullable_schema(&payload.record).map_err(|e| format!("OTAP decoding: {e}"))?;
            }
        }
        let messages = guarded("OTAP decoding", || self.consumer.consume_bar(batch).map_err(|e| format!("OTAP decoding: {e}")))?;
        let store = |e: otel_arrow_dfe_pdata::error::Error| format!("OTAP decoding: {e}");
        let records = match signal {
            layout::SIGNAL_TRACES => OtapArrowRecords::Traces(from_record_messages::<Traces>(messages).map_err(store)?),
            layout::SIGNAL_METRICS => OtapArrowRecords::Metrics(from_record_messages::<Metrics>(messages).map_err(store)?),
            _ => OtapArrowRecords::Logs(from_record_messages::<Logs>(messages).map_err(store)?),
        };
        to_otlp(repaired_stream_batch(records)?)
    }
}

/// What an OTAP processor does to a batch: returns it changed, or None when nothing is left to send.
pub trait OtapStep: Send + Sync + 'static {
    fn apply(&self, signal: u16, records: OtapArrowRecords) -> Result<Option<OtapArrowRecords>, String>;
}

/// A processor that works on OTAP record batches: each request is translated to OTAP, changed by its step, and sent
/// on as OTLP. A request the step cannot handle is refused as permanent (retrying the same data cannot help); a
/// request left empty is acknowledged without sending anything, as the Collector's processors skip empty data.
pub struct OtapProcessor<S> {
    name: &'static str,
    step: S,
    next: Next,
}

impl<S: OtapStep> OtapProcessor<S> {
    pub fn new(name: &'static str, step: S, next: Next) -> Arc<Self> {
        Arc::new(OtapProcessor { name, step, next })
    }
}

impl<S: OtapStep> Node for OtapProcessor<S> {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let changed = to_otap(signal, payload)
            .and_then(|records| self.step.apply(signal, records))
            .and_then(|records| records.filter(|r| r.num_items() > 0).map(to_otlp).transpose());
        match changed {
            Ok(Some(otlp)) => self.next.send(signal, otlp),
            Ok(None) => Box::pin(futures::future::ready(Ok(()))),
            Err(message) => Box::pin(futures::future::ready(Err(RequestError::Permanent(format!("{}: {message}", self.name))))),
        }
    }
}
