//! The node that runs `rust_batch`: it owns an otap-dataflow `BatchProcessor` (core-nodes) and hands it every
//! message, deciding itself when a batch is sent, because the core-nodes processor flushes by one measure per format
//! (items for OTAP, bytes for OTLP) and by age only. This node counts items and bytes of both, and makes the inner
//! processor flush by delivering it the wakeup of its own timer with a due time past the batch's age limit (its
//! `flush_signal_impl` skips a timer flush only while `now - arrival < max_batch_duration`):
//! - at `send_batch_size` items or `send_batch_size_bytes` bytes;
//! - before adding data that would take a batch past `send_batch_max_size` items or the bytes its consumer takes,
//!   so a batch never grows past either; an OTLP request alone over `send_batch_max_size` is translated to OTAP,
//!   where the inner processor cuts it at item boundaries, and one alone over the byte limit is cut by the inner
//!   processor's OTLP splitter (at resource, scope and record boundaries);
//! - before adding data that would take a batch past `send_batch_size_bytes`, so a batch's memory stays bounded;
//! - when no earlier batch is awaiting its acknowledgement: at once with `linger` 0 (the default), else once no data
//!   arrived for `linger` (one wakeup per batch, re-armed for the remainder when it fires early); while one is, when
//!   that acknowledgement comes (Nagle's algorithm), so a lone caller waits for nothing but its export and
//!   closed-loop callers fill batches instead of sending them half full;
//! - at `timeout` after a batch's first item (the inner processor's own timer).
//!
//! Callers are answered by the inner processor when the batches holding their data are acknowledged downstream.

use super::config::Config;
use crate::components::register::{self, Node};
use crate::otap::Payload;
use async_trait::async_trait;
use linkme::distributed_slice;
use otel_arrow_dfe_config::SignalType;
use otel_arrow_dfe_core_nodes::processors::batch_processor::{BatchProcessor, BatchProcessorMetrics};
use otel_arrow_dfe_engine::ProcessorFactory;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{NodeControlMsg, WakeupSlot};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::local::processor::{EffectHandler, Processor};
use otel_arrow_dfe_engine::message::Message;
use otel_arrow_dfe_engine::processor::{LocalWakeupRequirements, ProcessorRuntimeRequirements};
use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_pdata_codec::PdataFormat;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::{Duration, Instant};

pub const URN: &str = "urn:tandem:processor:batch";

/// The node's config: the component's, and the largest request its consumers take whole.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NodeConfig {
    pub batch: Config,
    pub max_request_bytes: Option<u64>,
}

/// The inner processor's buffers: a format index (0 OTAP, 1 OTLP, as core-nodes numbers them) and a signal, each
/// with the wakeup slot core-nodes gives it (`format * 3 + signal`).
const FORMATS: usize = 2;
const OTAP: usize = 0;
const OTLP: usize = 1;
const SIGNALS: [SignalType; 3] = [SignalType::Logs, SignalType::Metrics, SignalType::Traces];

fn inner_slot(format: usize, signal: SignalType) -> WakeupSlot {
    let offset = SIGNALS.iter().position(|s| *s == signal).expect("every signal") as u128;
    WakeupSlot(format as u128 * 3 + offset)
}

/// This node's linger slot for a buffer: after the inner processor's.
fn linger_slot(format: usize, signal: SignalType) -> WakeupSlot {
    WakeupSlot(inner_slot(format, signal).0 + (FORMATS * SIGNALS.len()) as u128)
}

/// The buffer a slot belongs to, and whether it is a linger slot.
fn buffer_of(slot: WakeupSlot) -> Option<(usize, SignalType, bool)> {
    let per_kind = (FORMATS * SIGNALS.len()) as u128;
    let (linger, index) = if slot.0 >= per_kind { (true, slot.0 - per_kind) } else { (false, slot.0) };
    let format = usize::try_from(index / 3).ok().filter(|f| *f < FORMATS)?;
    Some((format, SIGNALS[(index % 3) as usize], linger))
}

/// What this node knows of one inner buffer: the batch being made.
#[derive(Default)]
struct Pending {
    items: u64,
    bytes: u64,
    last_arrival: Option<Instant>,
    linger_armed: bool,
    /// The batch lingered while an earlier one awaited its acknowledgement: it leaves when that comes.
    lingered: bool,
}

struct Batch {
    config: Config,
    max_request_bytes: Option<u64>,
    inner: BatchProcessor,
    pending: [[Pending; 3]; FORMATS],
    /// A batch was sent and no acknowledgement or refusal came back since. Any answer clears it: a batch cut in
    /// several may let a lingered batch leave a little early, an output the inner processor does not track may keep
    /// one waiting until `timeout`, never longer.
    awaiting_answer: bool,
}

/// A size bound given as "none" when 0.
fn bound(limit: u64) -> Option<u64> {
    (limit != 0).then_some(limit)
}

/// A threshold the inner processor never reaches by itself: this node decides when it flushes.
const NEVER: u64 = 1 << 62;

impl Node for Batch {
    type Config = NodeConfig;

    fn from_config(config: NodeConfig, context: &PipelineContext) -> Result<Batch, String> {
        let inner_config = Self::inner_config(&config.batch, config.max_request_bytes);
        let inner = BatchProcessor::build_from_json(&inner_config, BatchProcessorMetrics::register(context)).map_err(|e| e.to_string())?;
        Ok(Batch { config: config.batch, max_request_bytes: config.max_request_bytes, inner, pending: Default::default(), awaiting_answer: false })
    }
}

impl Batch {
    /// The inner processor's config: an OTAP buffer cut at `send_batch_max_size` items and an OTLP buffer cut at the
    /// consumer's byte limit, neither flushing by size before those, and the Go processor's timeout.
    fn inner_config(config: &Config, max_request_bytes: Option<u64>) -> serde_json::Value {
        let buffer = |sizer: &str, cut_at: Option<u64>| json!({ "sizer": sizer, "min_size": cut_at.unwrap_or(NEVER), "max_size": cut_at });
        let timeout_ms = config.timeout.duration.as_millis().max(1);
        json!({
            "otap": buffer("items", bound(config.send_batch_max_size)),
            "otlp": buffer("bytes", max_request_bytes),
            "max_batch_duration": format!("{timeout_ms}ms"),
            "format": "preserve",
        })
    }

    fn pending(&mut self, format: usize, signal: SignalType) -> &mut Pending {
        &mut self.pending[format][SIGNALS.iter().position(|s| *s == signal).expect("every signal")]
    }

    /// Makes the inner processor send its batch of a buffer now.
    async fn flush(&mut self, format: usize, signal: SignalType, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        let pending = self.pending(format, signal);
        let had_data = pending.items > 0 || pending.bytes > 0;
        pending.items = 0;
        pending.bytes = 0;
        pending.last_arrival = None;
        pending.lingered = false;
        self.awaiting_answer |= had_data;
        // A due time past any batch's age limit: the inner processor's timer flush then always sends.
        let when = Instant::now() + self.config.timeout.duration + Duration::from_secs(1);
        let wakeup = NodeControlMsg::Wakeup { slot: inner_slot(format, signal), when, revision: 0 };
        self.inner.process(Message::Control(wakeup), handler).await
    }

    async fn accept(&mut self, mut pdata: OtapPdata, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        let signal = pdata.signal_type();
        let items = pdata.num_items() as u64;
        let mut format = if pdata.payload_ref().format() == PdataFormat::OTAP { OTAP } else { OTLP };
        if format == OTLP && bound(self.config.send_batch_max_size).is_some_and(|max| items > max) {
            // Only OTAP batches are cut at item boundaries.
            let (context, payload) = pdata.into_parts();
            pdata = match Payload::of(payload).and_then(Payload::into_otap) {
                Ok(records) => Payload::Otap(records).into_pdata(context),
                Err(reason) => {
                    let refused = Payload::Otlp(signal.into(), bytes::Bytes::new()).into_pdata(context);
                    return otel_arrow_dfe_engine::ConsumerEffectHandlerExtension::notify_nack(
                        handler,
                        otel_arrow_dfe_engine::control::NackMsg::new_permanent(reason, refused),
                    )
                    .await;
                }
            };
            format = OTAP;
        }
        let bytes = pdata.num_bytes().unwrap_or(0) as u64;
        let (max_items, max_bytes, size_bytes) =
            (bound(self.config.send_batch_max_size), self.max_request_bytes, bound(self.config.send_batch_size_bytes));
        let pending = self.pending(format, signal);
        let past = |limit: Option<u64>, pending: u64, adding: u64| limit.is_some_and(|max| pending + adding > max);
        let overflows = pending.items > 0
            && (past(max_items, pending.items, items) || past(max_bytes, pending.bytes, bytes) || past(size_bytes, pending.bytes, bytes));
        if overflows {
            self.flush(format, signal, handler).await?;
        }
        self.inner.process(Message::PData(pdata), handler).await?;
        let now = Instant::now();
        let (size, size_bytes, linger) = (self.config.send_batch_size, self.config.send_batch_size_bytes, self.config.linger.duration);
        let pending = self.pending(format, signal);
        pending.items += items;
        pending.bytes += bytes;
        pending.last_arrival = Some(now);
        if pending.items >= size || (size_bytes != 0 && pending.bytes >= size_bytes) {
            return self.flush(format, signal, handler).await;
        }
        if linger.is_zero() {
            if self.awaiting_answer {
                // It leaves with the answer, or at `timeout` by the inner processor's own timer.
                self.pending(format, signal).lingered = true;
                return Ok(());
            }
            return self.flush(format, signal, handler).await;
        }
        if !pending.linger_armed {
            pending.linger_armed = true;
            handler
                .set_wakeup(linger_slot(format, signal), now + linger)
                .map_err(|e| Error::InternalError { message: format!("cannot set the linger wakeup: {e:?}") })?;
        }
        Ok(())
    }

    /// Sends the batches that lingered while an earlier one awaited its answer.
    async fn send_lingered(&mut self, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        for format in [OTAP, OTLP] {
            for signal in SIGNALS {
                if self.pending(format, signal).lingered {
                    self.flush(format, signal, handler).await?;
                }
            }
        }
        Ok(())
    }

    async fn wakeup(&mut self, slot: WakeupSlot, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        let Some((format, signal, linger)) = buffer_of(slot) else { return Ok(()) };
        if !linger {
            // The inner processor's timer: its batch reached `timeout`.
            return self.flush(format, signal, handler).await;
        }
        let linger = self.config.linger.duration;
        let pending = self.pending(format, signal);
        pending.linger_armed = false;
        let Some(last) = pending.last_arrival else { return Ok(()) };
        let quiet_until = last + linger;
        if Instant::now() >= quiet_until {
            if self.awaiting_answer {
                // The inner processor's own timer still sends it at `timeout` if no answer comes first.
                self.pending(format, signal).lingered = true;
                return Ok(());
            }
            return self.flush(format, signal, handler).await;
        }
        // Data arrived since the wakeup was set: wait for the rest of the quiet time.
        pending.linger_armed = true;
        handler.set_wakeup(slot, quiet_until).map(drop).map_err(|e| Error::InternalError { message: format!("cannot set the linger wakeup: {e:?}") })
    }
}

#[async_trait(?Send)]
impl Processor<OtapPdata> for Batch {
    async fn process(&mut self, message: Message<OtapPdata>, handler: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
        match message {
            Message::PData(pdata) => self.accept(pdata, handler).await,
            Message::Control(NodeControlMsg::Wakeup { slot, .. }) => self.wakeup(slot, handler).await,
            answer @ Message::Control(NodeControlMsg::Ack(_) | NodeControlMsg::Nack(_)) => {
                self.inner.process(answer, handler).await?;
                self.awaiting_answer = false;
                self.send_lingered(handler).await
            }
            other => self.inner.process(other, handler).await,
        }
    }

    fn runtime_requirements(&self) -> ProcessorRuntimeRequirements {
        // The inner processor's slots, and a linger slot for each of its buffers.
        ProcessorRuntimeRequirements {
            local_wakeups: Some(LocalWakeupRequirements::new(2 * FORMATS * SIGNALS.len())),
            ..ProcessorRuntimeRequirements::none()
        }
    }
}

#[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
static BATCH: ProcessorFactory<OtapPdata> = register::processor::<Batch>(URN);

pub fn keep_linked() {
    std::hint::black_box(&BATCH);
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: every buffer's inner and linger slot. Guarantee: they are distinct, and each maps back to its buffer.
    #[test]
    fn slots_map_back_to_their_buffers() {
        let mut seen = std::collections::HashSet::new();
        for format in [OTAP, OTLP] {
            for signal in SIGNALS {
                assert_eq!(buffer_of(inner_slot(format, signal)), Some((format, signal, false)));
                assert_eq!(buffer_of(linger_slot(format, signal)), Some((format, signal, true)));
                assert!(seen.insert(inner_slot(format, signal).0) && seen.insert(linger_slot(format, signal).0));
            }
        }
        assert_eq!(inner_slot(OTLP, SignalType::Traces), WakeupSlot(5), "core-nodes' numbering");
        assert_eq!(buffer_of(WakeupSlot(99)), None);
    }

    // Scenario: the component's config with and without limits. Guarantee: the inner processor cuts OTAP at the max
    // items and OTLP at the consumer's bytes, and never flushes by size before those.
    #[test]
    fn the_inner_processor_cuts_at_the_limits_only() {
        let config = Config { send_batch_max_size: 500, ..Config::default() };
        let inner = Batch::inner_config(&config, Some(1 << 20));
        assert_eq!(inner["otap"], json!({ "sizer": "items", "min_size": 500, "max_size": 500 }));
        assert_eq!(inner["otlp"], json!({ "sizer": "bytes", "min_size": 1 << 20, "max_size": 1 << 20 }));
        assert_eq!(inner["max_batch_duration"], json!("200ms"));
        let unbounded = Batch::inner_config(&Config::default(), None);
        assert_eq!(unbounded["otap"]["min_size"], json!(NEVER));
        assert_eq!(unbounded["otlp"]["max_size"], json!(null));
    }
}
