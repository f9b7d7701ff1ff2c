//! `rust_parquet`: writes telemetry as Parquet files in OTAP's table layout (one table per payload type: logs,
//! log_attrs, resource_attrs, ...), as a Tandem exporter node. OTAP batches are collected per signal until
//! `flush_size` bytes arrived or `flush_interval` passed; each flush merges them with otap-dataflow's batching
//! (unifying their schemas) and writes one *part*: a file per table, `<path>/<signal>/<table>/part-<id>.parquet`.
//! IDs join tables within a part (files of the same name). Files are written under a temporary name, synced, then
//! renamed, and callers are answered only after that, so an Ack means on disk. otap-dataflow's own Parquet exporter
//! (core-nodes 0.62) acknowledges nothing (it neither acks a write nor nacks a failure, which stops the node instead)
//! and buffers rows in open files, so its Ack could not mean on disk.

pub mod config;

use crate::components::register::{self, Node};
use crate::components::{FACTORIES, Factory, Form, Kind, Nodes, Takes};
use crate::otap::Payload;
use crate::signal::Signal;
use async_trait::async_trait;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{AckMsg, NackMsg, NodeControlMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::{ExporterInbox, Message};
use otel_arrow_dfe_engine::terminal_state::TerminalState;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, ExporterFactory, local};
use otel_arrow_dfe_otap::OTAP_EXPORTER_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_pdata::OtapArrowRecords;
use otel_arrow_dfe_pdata::arrow::record_batch::RecordBatch;
use otel_arrow_dfe_pdata::otap::batching::make_item_batches;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub const TYPE: &str = "rust_parquet";
pub const URN: &str = "urn:tandem:exporter:parquet";

#[distributed_slice(FACTORIES)]
static FACTORY: Factory = Factory::new::<Config>(
    TYPE,
    Kind::Exporter,
    "writes Parquet files in OTAP's table layout, a part per flush (by size or interval), acknowledged once on disk",
    Nodes::One(URN),
)
.takes(Takes::Only(Form::Otap));

#[distributed_slice(OTAP_EXPORTER_FACTORIES)]
static EXPORTER: ExporterFactory<OtapPdata> = register::exporter::<ParquetExporter>(URN);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &EXPORTER));
}

struct ParquetExporter {
    config: Config,
}

impl Node for ParquetExporter {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        Ok(ParquetExporter { config })
    }
}

/// The OTAP batches of one signal's next part, the requests waiting for it, and when it must be written.
struct Part {
    records: Vec<OtapArrowRecords>,
    waiting: Vec<OtapPdata>,
    bytes: u64,
    due: Instant,
}

impl ParquetExporter {
    /// Writes a part on a blocking thread and answers its requests once it is on disk.
    fn flush(&self, signal: Signal, part: Part, handler: &local::exporter::EffectHandler<OtapPdata>) -> tokio::task::JoinHandle<()> {
        let dir = PathBuf::from(&self.config.path).join(signal.name());
        let handler = handler.clone();
        tokio::task::spawn_local(async move {
            let written = match tokio::task::spawn_blocking(move || write_part(&dir, signal, part.records)).await {
                Ok(result) => result,
                Err(e) => Err(format!("the writer failed: {e}")),
            };
            for pdata in part.waiting {
                let answered = match &written {
                    Ok(()) => handler.notify_ack(AckMsg::new(pdata)).await,
                    Err(e) => handler.notify_nack(NackMsg::new(format!("{TYPE}: {e}"), pdata)).await,
                };
                if let Err(e) = answered {
                    crate::log::error("cannot answer upstream", json!({ "error": e.to_string() }));
                }
            }
        })
    }
}

#[async_trait(?Send)]
impl local::exporter::Exporter<OtapPdata> for ParquetExporter {
    async fn start(
        self: Box<Self>,
        mut inbox: ExporterInbox<OtapPdata>,
        handler: local::exporter::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        let mut parts: BTreeMap<Signal, Part> = BTreeMap::new();
        loop {
            let next_due = parts.values().map(|p| p.due).min();
            tokio::select! {
                message = inbox.recv() => match message? {
                    Message::PData(mut pdata) => {
                        let bytes = pdata.num_bytes().unwrap_or(0) as u64;
                        let (context, payload) = pdata.into_parts();
                        let kept = OtapPdata::new(context, payload.clone());
                        let signal = Signal::from(kept.signal_type());
                        let records = match Payload::of(payload).and_then(Payload::into_otap) {
                            Ok(records) => records,
                            Err(e) => {
                                handler.notify_nack(NackMsg::new_permanent(format!("{TYPE}: {e}"), kept)).await?;
                                continue;
                            }
                        };
                        let due = Instant::now() + self.config.flush_interval.duration;
                        let part = parts.entry(signal).or_insert_with(|| Part { records: Vec::new(), waiting: Vec::new(), bytes: 0, due });
                        part.records.push(records);
                        part.waiting.push(kept);
                        part.bytes += bytes;
                        if part.bytes >= self.config.flush_size {
                            let part = parts.remove(&signal).expect("just added to");
                            self.flush(signal, part, &handler);
                        }
                    }
                    Message::Control(NodeControlMsg::Shutdown { .. }) => {
                        let writes: Vec<_> = std::mem::take(&mut parts).into_iter().map(|(signal, part)| self.flush(signal, part, &handler)).collect();
                        futures::future::join_all(writes).await;
                        return Ok(TerminalState::default());
                    }
                    Message::Control(_) => {}
                },
                _ = tokio::time::sleep_until(tokio::time::Instant::from_std(next_due.unwrap_or_else(Instant::now))), if next_due.is_some() => {
                    let now = Instant::now();
                    let due: Vec<Signal> = parts.iter().filter(|(_, p)| p.due <= now).map(|(s, _)| *s).collect();
                    for signal in due {
                        let part = parts.remove(&signal).expect("listed above");
                        self.flush(signal, part, &handler);
                    }
                }
            }
        }
    }
}

/// Part IDs: the time, then a counter, so that parts sort by when they were written and never collide in a process.
fn next_part_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{millis}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn write_part(dir: &Path, signal: Signal, records: Vec<OtapArrowRecords>) -> Result<(), String> {
    // One merged batch per part (several when the IDs of one would overflow), with plain IDs: readers join on them.
    let merged = make_item_batches(signal.into(), None, records).map_err(|e| format!("merging batches: {e}"))?;
    for mut batch in merged {
        batch.decode_transport_optimized_ids().map_err(|e| format!("decoding IDs: {e}"))?;
        let part = next_part_id();
        for payload in batch.allowed_payload_types() {
            if let Some(table) = batch.get(*payload).filter(|t| t.num_rows() > 0) {
                let name = payload.as_str_name().to_ascii_lowercase();
                write_table(&dir.join(&name), &format!("part-{part}.parquet"), table).map_err(|e| format!("writing {name}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// Writes `table` to `dir/file` atomically: a synced temporary file renamed into place.
fn write_table(dir: &Path, file: &str, table: &RecordBatch) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(".{file}.tmp"));
    let output = std::fs::File::create(&temporary)?;
    let properties = WriterProperties::builder().set_compression(Compression::ZSTD(ZstdLevel::default())).build();
    let mut writer = ArrowWriter::try_new(output, table.schema(), Some(properties))?;
    writer.write(table)?;
    writer.into_inner()?.sync_all()?;
    std::fs::rename(&temporary, dir.join(file))?;
    std::fs::File::open(dir)?.sync_all()?; // the rename itself is durable only once the directory is synced
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::ComponentConfig;

    // Scenario: the defaults (no path), and a zero size. Guarantee: each refused naming the setting.
    #[test]
    fn a_path_and_a_positive_size_are_required() {
        assert_eq!(Config::effective(&json!({})).unwrap_err(), "'path' must be set to the directory to write to");
        assert_eq!(Config::effective(&json!({ "path": "/tmp/x", "flush_size": 0 })).unwrap_err(), "'flush_size' must be a positive number of bytes");
    }
}
