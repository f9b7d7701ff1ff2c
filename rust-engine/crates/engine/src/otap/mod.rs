//! OTLP <-> OTAP (OpenTelemetry Arrow) translation, done by otap-dataflow's pdata crate with Tandem's repairs
//! (`repairs`): OTLP request bytes become Arrow record batches and back, and record batches travel as
//! `BatchArrowRecords` on a stateful Arrow IPC stream (schemas and dictionaries are sent once per stream, payloads are
//! zstd-compressed). Engine nodes pass OTAP between them; these are the places where data enters or leaves as OTLP.

pub mod convert;
pub mod repairs;

use crate::signal::Signal;
use bytes::Bytes;
use otel_arrow_dfe_engine::control::{AckMsg, NackMsg};
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, local};
use otel_arrow_dfe_otap::pdata::{Context, OtapPdata};
use otel_arrow_dfe_pdata::otap::{Logs, Metrics, Traces, from_record_messages};
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::BatchArrowRecords;
use otel_arrow_dfe_pdata::{Consumer, OtapArrowRecords, OtapPayloadHelpers, OtlpProtoBytes, Producer, TryFromWithOptions};
use otel_arrow_dfe_pdata_codec::{OtapPayload, PayloadStorage, PdataEncoding};
use repairs::{nullable_schema, repaired_stream_batch, with_default_attribute_values, with_link_dropped_counts};
use std::collections::HashSet;
use tandem_ipc::{Answer, RequestError};

/// Answers the sender of `request` from an exporter node: an Ack when delivered, else a Nack, permanent or not as
/// the answer says. A failure to answer (the pipeline is gone) is only logged: nobody is left to tell.
pub async fn answer_upstream(handler: &local::exporter::EffectHandler<OtapPdata>, request: OtapPdata, answer: Answer) {
    let notified = match answer {
        Ok(()) => handler.notify_ack(AckMsg::new(request)).await,
        Err(RequestError::Retryable(reason)) => handler.notify_nack(NackMsg::new(reason, request)).await,
        Err(RequestError::Permanent(reason)) => handler.notify_nack(NackMsg::new_permanent(reason, request)).await,
    };
    if let Err(e) = notified {
        crate::log::error("cannot answer upstream", serde_json::json!({ "error": e.to_string() }));
    }
}

/// An OTLP `Export*ServiceRequest` of `signal` as OTAP record batches. Resources and scopes without records are left
/// out first: they describe no telemetry, and pdata 0.62's stream encoding moves their attributes onto other
/// resources or panics on them.
pub fn to_otap(signal: Signal, otlp: Bytes) -> Result<OtapArrowRecords, String> {
    let otlp = crate::otlp::without_empty_groups(otlp).map_err(|e| format!("malformed OTLP: {e}"))?;
    let request = OtlpProtoBytes::new_from_bytes(signal.into(), otlp);
    guarded("OTLP to OTAP", || OtapArrowRecords::try_from_with_default(request).map_err(|e| format!("OTLP to OTAP: {e}")))
}

/// Runs a pdata conversion, turning a panic inside it into an error: bad input must not take the engine down.
fn guarded<T>(what: &str, convert: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(convert))
        .unwrap_or_else(|_| Err(format!("{what} failed (a panic in otel-arrow-dfe-pdata)")))
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
    pub fn encode(&mut self, records: OtapArrowRecords) -> Result<BatchArrowRecords, String> {
        let mut records = with_default_attribute_values(records)?;
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
    /// The next batch of the stream.
    pub fn decode(&mut self, signal: Signal, batch: &mut BatchArrowRecords) -> Result<OtapArrowRecords, String> {
        for payload in &mut batch.arrow_payloads {
            if self.started.insert(payload.schema_id.clone()) {
                payload.record = nullable_schema(&payload.record).map_err(|e| format!("OTAP decoding: {e}"))?;
            }
        }
        let messages = guarded("OTAP decoding", || self.consumer.consume_bar(batch).map_err(|e| format!("OTAP decoding: {e}")))?;
        let store = |e: otel_arrow_dfe_pdata::error::Error| format!("OTAP decoding: {e}");
        let records = match signal {
            Signal::Traces => OtapArrowRecords::Traces(from_record_messages::<Traces>(messages).map_err(store)?),
            Signal::Metrics => OtapArrowRecords::Metrics(from_record_messages::<Metrics>(messages).map_err(store)?),
            Signal::Logs => OtapArrowRecords::Logs(from_record_messages::<Logs>(messages).map_err(store)?),
        };
        repaired_stream_batch(records)
    }
}

/// What a pdata holds, in the two forms Tandem's nodes work on.
pub enum Payload {
    Otlp(Signal, Bytes),
    Otap(OtapArrowRecords),
}

impl Payload {
    /// The payload of a pdata: OTLP bytes as they came, OTAP records as they are.
    pub fn of(payload: OtapPayload) -> Result<Payload, String> {
        let signal = Signal::from(payload.signal_type());
        match payload.into_storage() {
            PayloadStorage::OtlpBytes(bytes) => Ok(Payload::Otlp(signal, bytes.clone_bytes())),
            PayloadStorage::Encoded(encoded) if encoded.encoding() == &PdataEncoding::OTLP => Ok(Payload::Otlp(signal, encoded.into_bytes())),
            PayloadStorage::Encoded(encoded) => Err(format!("data encoded as {} cannot be read here", encoded.encoding().as_str())),
            PayloadStorage::OtapRecords(records) => Ok(Payload::Otap(records)),
        }
    }

    pub fn signal(&self) -> Signal {
        match self {
            Payload::Otlp(signal, _) => *signal,
            Payload::Otap(records) => records.signal_type().into(),
        }
    }

    /// As OTLP request bytes: translated, once, when it is OTAP.
    pub fn into_otlp(self) -> Result<Bytes, String> {
        match self {
            Payload::Otlp(_, bytes) => Ok(bytes),
            Payload::Otap(records) => to_otlp(records),
        }
    }

    /// As OTAP records: translated, once, when it is OTLP.
    pub fn into_otap(self) -> Result<OtapArrowRecords, String> {
        match self {
            Payload::Otlp(signal, bytes) => to_otap(signal, bytes),
            Payload::Otap(records) => Ok(records),
        }
    }

    /// A pdata of this payload with `context` (the delivery state: subscriptions, source).
    pub fn into_pdata(self, context: Context) -> OtapPdata {
        let payload: OtapPayload = match self {
            Payload::Otlp(signal, bytes) => OtlpProtoBytes::new_from_bytes(signal.into(), bytes).into(),
            Payload::Otap(records) => records.into(),
        };
        OtapPdata::new(context, payload)
    }
}
