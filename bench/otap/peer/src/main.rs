//! `tandem-otap-bench`: the Rust half of `npm run bench:otap` (bench/otap/run.js runs it).
//!
//! `tandem-otap-bench convert --slice-ms N` measures, on one thread, what the engine's OTAP components spend per log
//! record and per span: the OTLP <-> OTAP translation (`tandem_engine::otap`), alone and with the Arrow IPC stream
//! encoding and decoding that `rust_otap_grpc` and `rust_otap` add, against the baseline of decoding the same OTLP bytes
//! into prost structs. It also measures the bytes each item takes on the wire: a stream of consecutive OTAP batches
//! (Arrow IPC with zstd, exactly what `rust_otap_grpc` sends) against the same requests as OTLP compressed one by one
//! with zstd, as gRPC's zstd compression sends them. Prints one JSON object on stdout.
//!
//! `tandem-otap-bench requests --spans N --count N --out FILE` writes generated trace requests for the end-to-end part,
//! each prefixed by its length (u32, little-endian).
//!
//! `tandem-otap-bench replay ...` and `sink ...` are the source and the sink around an OTAP collector under test
//! (bench:replay): see `replay.rs`.

mod generate;
mod replay;

use bytes::Bytes;
use generate::Rng;
use otel_arrow_dfe_pdata::proto::opentelemetry::arrow::v1::BatchArrowRecords;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::trace::v1::ExportTraceServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::KeyValue;
use otel_arrow_dfe_pdata::proto::opentelemetry::resource::v1::Resource;
use otel_arrow_dfe_pdata::proto::opentelemetry::trace::v1::Status;
use prost::Message;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tandem_engine::otap::{StreamDecoder, StreamEncoder, to_otap, to_otlp};
use tandem_engine::signal::Signal as Kind;

/// Log records or spans per request.
const ITEMS_PER_REQUEST: usize = 1000;
/// Consecutive requests on one OTAP stream: the first batch carries the Arrow schemas, later ones reuse them.
const STREAM_BATCHES: usize = 16;
/// Each rate is the median of this many timed slices; the operations take turns, so that a slow moment of a shared
/// machine falls on all of them alike.
const ROUNDS: usize = 5;
/// zstd's default level, which gRPC's zstd compressor uses.
const ZSTD_LEVEL: i32 = 3;
/// The name of the baseline operation.
const BASELINE: &str = "prost_decode";

/// What the benchmark needs to know of a signal: its ring code, its request type and how to generate requests.
trait Signal {
    const NAME: &'static str;
    const CODE: Kind;
    const SEED: u64;
    type Request: Message + Default + PartialEq;
    fn generate(rng: &mut Rng, index: u64, items: usize) -> Self::Request;
    /// Puts attributes and the items of each scope in one order. OTAP keeps every item under its resource and scope,
    /// but sorts items and attributes its own way (which compresses better): their order carries no meaning in OTLP.
    fn normalize(request: &mut Self::Request);
}

fn sort_attributes(attributes: &mut [KeyValue]) {
    attributes.sort_by(|a, b| a.key.cmp(&b.key));
}

fn sort_resource_attributes(resource: &mut Option<Resource>) {
    resource
        .iter_mut()
        .for_each(|r| sort_attributes(&mut r.attributes));
}

fn sort_by_encoding<M: Message>(items: &mut [M]) {
    items.sort_by_cached_key(M::encode_to_vec);
}

struct Logs;
impl Signal for Logs {
    const NAME: &'static str = "logs";
    const CODE: Kind = Kind::Logs;
    const SEED: u64 = 1;
    type Request = ExportLogsServiceRequest;
    fn generate(rng: &mut Rng, index: u64, items: usize) -> Self::Request {
        generate::logs_request(rng, index, items)
    }
    fn normalize(request: &mut Self::Request) {
        for resource_logs in &mut request.resource_logs {
            sort_resource_attributes(&mut resource_logs.resource);
            for scope_logs in &mut resource_logs.scope_logs {
                scope_logs
                    .log_records
                    .iter_mut()
                    .for_each(|record| sort_attributes(&mut record.attributes));
                sort_by_encoding(&mut scope_logs.log_records);
            }
        }
    }
}

struct Traces;
impl Signal for Traces {
    const NAME: &'static str = "traces";
    const CODE: Kind = Kind::Traces;
    const SEED: u64 = 2;
    type Request = ExportTraceServiceRequest;
    fn generate(rng: &mut Rng, index: u64, items: usize) -> Self::Request {
        generate::traces_request(rng, index, items)
    }
    fn normalize(request: &mut Self::Request) {
        for resource_spans in &mut request.resource_spans {
            sort_resource_attributes(&mut resource_spans.resource);
            for scope_spans in &mut resource_spans.scope_spans {
                for span in &mut scope_spans.spans {
                    // An empty status means no status; OTAP gives every span one when a span of its batch has one.
                    span.status.take_if(|status| *status == Status::default());
                    sort_attributes(&mut span.attributes);
                    span.events
                        .iter_mut()
                        .for_each(|event| sort_attributes(&mut event.attributes));
                }
                sort_by_encoding(&mut scope_spans.spans);
            }
        }
    }
}

/// `count` consecutive generated requests of `items` items each, as OTLP protobuf bytes.
fn generated<S: Signal>(count: usize, items: usize) -> Vec<Bytes> {
    let mut rng = Rng::new(S::SEED);
    (0..count)
        .map(|index| Bytes::from(S::generate(&mut rng, index as u64, items).encode_to_vec()))
        .collect()
}

/// OTLP requests as a new `rust_otap_grpc` stream sends them: translated to OTAP, one `BatchArrowRecords` each, in
/// order.
fn encode_stream(signal: Kind, requests: &[Bytes]) -> Vec<BatchArrowRecords> {
    let mut encoder = StreamEncoder::default();
    requests
        .iter()
        .map(|request| {
            encoder
                .encode(to_otap(signal, request.clone()).expect("OTLP to OTAP"))
                .expect("OTAP encoding")
        })
        .collect()
}

/// A stream's batches back as OTLP requests: decoded as `rust_otap` does on a new stream, then translated to OTLP as
/// an OTLP exporter after it does. The decoder takes each batch mutably, so it gets a copy (of the compressed
/// payloads: a small part of the work).
fn decode_stream(signal: Kind, stream: &[BatchArrowRecords]) -> Vec<Bytes> {
    let mut decoder = StreamDecoder::default();
    stream
        .iter()
        .map(|batch| {
            to_otlp(
                decoder
                    .decode(signal, &mut batch.clone())
                    .expect("OTAP decoding"),
            )
            .expect("OTAP to OTLP")
        })
        .collect()
}

/// One pass of an operation over every request.
type Pass<'a> = Box<dyn FnMut() + 'a>;

/// Passes over the requests per second, running `pass` for `slice`.
fn passes_per_second(slice: Duration, pass: &mut dyn FnMut()) -> f64 {
    let started = Instant::now();
    let mut passes = 0u64;
    while started.elapsed() < slice {
        pass();
        passes += 1;
    }
    passes as f64 / started.elapsed().as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Items per second of each operation over the same requests (one pass = every request once), after one untimed slice
/// of each as warm-up, and each rate relative to the prost decode's.
fn conversion_rates<S: Signal>(
    requests: &[Bytes],
    stream: &[BatchArrowRecords],
    slice: Duration,
) -> Value {
    let records: Vec<_> = requests
        .iter()
        .map(|request| to_otap(S::CODE, request.clone()).expect("OTLP to OTAP"))
        .collect();
    let mut operations: Vec<(&str, Pass)> = vec![
        (
            BASELINE,
            Box::new(|| {
                requests.iter().for_each(|r| {
                    drop(black_box(
                        S::Request::decode(r.clone()).expect("prost decode"),
                    ))
                })
            }),
        ),
        (
            "to_otap",
            Box::new(|| {
                requests.iter().for_each(|r| {
                    drop(black_box(
                        to_otap(S::CODE, r.clone()).expect("OTLP to OTAP"),
                    ))
                })
            }),
        ),
        (
            "to_otlp",
            Box::new(|| {
                records
                    .iter()
                    .for_each(|r| drop(black_box(to_otlp(r.clone()).expect("OTAP to OTLP"))))
            }),
        ),
        (
            "stream_encode",
            Box::new(|| drop(black_box(encode_stream(S::CODE, requests)))),
        ),
        (
            "stream_decode",
            Box::new(|| drop(black_box(decode_stream(S::CODE, stream)))),
        ),
    ];
    for (_, pass) in operations.iter_mut() {
        passes_per_second(slice, pass.as_mut());
    }
    let mut samples: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for _ in 0..ROUNDS {
        for (name, pass) in operations.iter_mut() {
            samples
                .entry(*name)
                .or_default()
                .push(passes_per_second(slice, pass.as_mut()));
        }
    }
    let items_per_pass = (requests.len() * ITEMS_PER_REQUEST) as f64;
    let rates: BTreeMap<&str, f64> = samples
        .into_iter()
        .map(|(name, passes)| (name, median(passes) * items_per_pass))
        .collect();
    let relative: Map<String, Value> = rates
        .iter()
        .map(|(name, rate)| (name.to_string(), json!(rate / rates[BASELINE])))
        .collect();
    json!({ "items_per_second": rates, "relative_to_prost_decode": relative })
}

/// Bytes per item on the wire: each OTLP request bare and compressed alone with zstd, against the OTAP stream (each
/// `BatchArrowRecords` message as sent; the first batch also carries the schemas).
fn wire_sizes(requests: &[Bytes], stream: &[BatchArrowRecords]) -> Value {
    let per_item =
        |bytes: usize, requests: usize| bytes as f64 / (requests * ITEMS_PER_REQUEST) as f64;
    let otlp: usize = requests.iter().map(Bytes::len).sum();
    let otlp_zstd: usize = requests
        .iter()
        .map(|r| zstd::bulk::compress(r, ZSTD_LEVEL).expect("zstd").len())
        .sum();
    let otap_batches: Vec<usize> = stream.iter().map(Message::encoded_len).collect();
    let otap: usize = otap_batches.iter().sum();
    json!({
        "otlp_bytes_per_item": per_item(otlp, requests.len()),
        "otlp_zstd_bytes_per_item": per_item(otlp_zstd, requests.len()),
        "otap_bytes_per_item": per_item(otap, stream.len()),
        "otap_first_batch_bytes_per_item": per_item(otap_batches[0], 1),
        "otap_later_batches_bytes_per_item": per_item(otap - otap_batches[0], stream.len() - 1),
        "otlp_zstd_over_otap": otlp_zstd as f64 / otap as f64,
    })
}

/// A signal's conversion rates and wire sizes, once it is checked that the OTAP stream carries its requests intact.
fn measure<S: Signal>(slice: Duration) -> Value {
    let requests = generated::<S>(STREAM_BATCHES, ITEMS_PER_REQUEST);
    let stream = encode_stream(S::CODE, &requests);
    let normalized = |requests: &[Bytes]| -> Vec<S::Request> {
        let normalize = |bytes: &Bytes| {
            let mut request = S::Request::decode(bytes.clone()).expect("prost decode");
            S::normalize(&mut request);
            request
        };
        requests.iter().map(normalize).collect()
    };
    let round_trip = normalized(&decode_stream(S::CODE, &stream));
    assert!(
        round_trip == normalized(&requests),
        "{}: the OTAP stream does not decode to what went in",
        S::NAME
    );
    json!({ "conversion": conversion_rates::<S>(&requests, &stream, slice), "wire": wire_sizes(&requests, &stream) })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let number = |flag: &str| -> usize {
        value(flag)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{flag} N is required"))
    };
    match args.first().map(String::as_str) {
        Some("convert") => {
            let slice = Duration::from_millis(number("--slice-ms") as u64);
            let result = json!({
                "items_per_request": ITEMS_PER_REQUEST,
                "stream_batches": STREAM_BATCHES,
                "rounds": ROUNDS,
                "slice_ms": slice.as_millis() as u64,
                "zstd_level": ZSTD_LEVEL,
                Logs::NAME: measure::<Logs>(slice),
                Traces::NAME: measure::<Traces>(slice),
            });
            println!("{result}");
        }
        Some("requests") => {
            let out = value("--out").expect("--out FILE is required");
            let mut file = Vec::new();
            for request in generated::<Traces>(number("--count"), number("--spans")) {
                file.extend_from_slice(&(request.len() as u32).to_le_bytes());
                file.extend_from_slice(&request);
            }
            std::fs::write(out, file).expect("writing the requests");
        }
        Some("replay") => replay::replay(replay::Replay {
            to: value("--to").expect("--to HOST:PORT is required").clone(),
            spans_per_batch: number("--spans"),
            batches_per_stream: number("--batches"),
            streams: number("--streams"),
            window: number("--window"),
            duration: Duration::from_millis(number("--ms") as u64),
        }),
        Some("sink") => replay::sink(
            value("--listen")
                .expect("--listen HOST:PORT is required")
                .parse()
                .expect("--listen HOST:PORT"),
        ),
        _ => {
            eprintln!(
                "usage: tandem-otap-bench convert --slice-ms N | requests --spans N --count N --out FILE | replay --to HOST:PORT --spans N --batches N --streams N --window N --ms N | sink --listen HOST:PORT"
            );
            std::process::exit(2);
        }
    }
}
