//! `rust_parquet`: writes telemetry as Parquet files in OTAP's table layout (one table per payload type: logs,
//! log_attrs, resource_attrs, ...). Requests are translated to OTAP and collected until `flush_size` bytes of OTLP
//! arrived or `flush_interval` passed; each flush merges them with otap-dataflow's batching (unifying their schemas)
//! and writes one *part*: a file per table, `<path>/<signal>/<table>/part-<id>.parquet`. IDs join tables within a
//! part (files of the same name). Files are written under a temporary name, synced, then renamed, and callers are
//! answered only after that, so an OK means on disk.

use crate::accumulator::{Accumulator, Flush};
use crate::settings::duration_setting;
use crate::node::Node;
use crate::otap::{signal_type, to_otap};
use bytes::Bytes;
use futures::future::BoxFuture;
use otel_arrow_dfe_pdata::arrow::record_batch::RecordBatch;
use otel_arrow_dfe_pdata::otap::batching::make_item_batches;
use otel_arrow_dfe_pdata::OtapArrowRecords;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tandem_ipc::{layout, Answer, RequestError};

pub const TYPE: &str = "rust_parquet";

pub fn default_config() -> serde_json::Value {
    serde_json::json!({ "path": "", "flush_size": 16 << 20, "flush_interval": "5s" })
}

pub struct Config {
    pub path: PathBuf,
    pub flush_size: usize,
    pub flush_interval: Duration,
}

impl Config {
    pub fn from_json(config: &serde_json::Value) -> Result<Config, String> {
        let path = config["path"].as_str().filter(|p| !p.is_empty()).ok_or("'path' must be set to the directory to write to")?;
        let size = config["flush_size"].as_u64().filter(|s| *s > 0).ok_or("'flush_size' must be a positive number of bytes")?;
        Ok(Config { path: path.into(), flush_size: size as usize, flush_interval: duration_setting(config, "flush_interval", "5s")? })
    }
}

/// The OTAP batches of one part, and the OTLP bytes they came from.
#[derive(Default)]
struct Part {
    records: Vec<OtapArrowRecords>,
    bytes: usize,
}

pub struct ParquetExporter {
    flush_size: usize,
    parts: Arc<Accumulator<Part>>,
}

impl ParquetExporter {
    pub fn new(config: Config, signal: u16) -> Arc<Self> {
        let dir = config.path.join(signal_name(signal));
        let flush: Flush<Part> = Box::new(move |part| {
            let dir = dir.clone();
            Box::pin(async move {
                match tokio::task::spawn_blocking(move || write_part(&dir, signal, part.records)).await {
                    Ok(result) => result.map_err(|e| RequestError::Retryable(format!("{TYPE}: {e}"))),
                    Err(e) => Err(RequestError::Retryable(format!("{TYPE}: the writer failed: {e}"))),
                }
            })
        });
        Arc::new(ParquetExporter { flush_size: config.flush_size, parts: Accumulator::new(config.flush_interval, Duration::ZERO, flush) })
    }
}

impl Node for ParquetExporter {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let size = payload.len();
        let records = match to_otap(signal, payload) {
            Ok(records) => records,
            Err(message) => return Box::pin(futures::future::ready(Err(RequestError::Permanent(format!("{TYPE}: {message}"))))),
        };
        self.parts.add(|_| true, |part| {
            part.records.push(records);
            part.bytes += size;
            part.bytes >= self.flush_size
        })
    }
}

fn signal_name(signal: u16) -> &'static str {
    match signal {
        layout::SIGNAL_TRACES => "traces",
        layout::SIGNAL_METRICS => "metrics",
        _ => "logs",
    }
}

/// Part IDs: the time, then a counter, so that parts sort by when they were written and never collide in a process.
fn next_part_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    format!("{millis}-{}-{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

fn write_part(dir: &Path, signal: u16, records: Vec<OtapArrowRecords>) -> Result<(), String> {
    // One merged batch per part (several when the IDs of one would overflow), with plain IDs: readers join on them.
    let merged = make_item_batches(signal_type(signal), None, records).map_err(|e| format!("merging batches: {e}"))?;
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
