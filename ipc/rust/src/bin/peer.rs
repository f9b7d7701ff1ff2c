//! `tandem-ring-peer`: the Rust end of the cross-process ring tests and of `npm run bench:ipc`.
//!
//! It attaches to a region (inherited descriptors or a path) and then either answers every request (`echo`) or sends
//! a stream of checked requests (`send`). Checked payloads are `[u64 seq][u32 crc32 of the rest][rest]`, so the
//! receiver can prove order, loss, duplication and integrity. A summary line of JSON goes to stdout at the end.

use std::fs::File;
use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tandem_ipc::{Incoming, Region, RequestError, Session, SessionOptions, layout};
use tokio::time::Instant;

struct Args {
    region_fd: Option<i32>,
    bell_fd: Option<i32>,
    attach: Option<PathBuf>,
    mode: String,
    count: u64,
    seed: u64,
    max_size: usize,
    window: usize,
    slow_us: u64,
    record: Option<PathBuf>,
    check: bool,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        region_fd: None,
        bell_fd: None,
        attach: None,
        mode: "echo".into(),
        count: 0,
        seed: 1,
        max_size: 65536,
        window: 64,
        slow_us: 0,
        record: None,
        check: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--region-fd" => {
                a.region_fd = Some(value()?.parse().map_err(|e| format!("--region-fd: {e}"))?)
            }
            "--bell-fd" => {
                a.bell_fd = Some(value()?.parse().map_err(|e| format!("--bell-fd: {e}"))?)
            }
            "--attach" => a.attach = Some(value()?.into()),
            "--mode" => a.mode = value()?,
            "--count" => a.count = value()?.parse().map_err(|e| format!("--count: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--max-size" => {
                a.max_size = value()?.parse().map_err(|e| format!("--max-size: {e}"))?
            }
            "--window" => a.window = value()?.parse().map_err(|e| format!("--window: {e}"))?,
            "--slow-us" => a.slow_us = value()?.parse().map_err(|e| format!("--slow-us: {e}"))?,
            "--record" => a.record = Some(value()?.into()),
            "--no-check" => a.check = false,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn connect(a: &Args) -> std::io::Result<(Region, UnixStream)> {
    if let Some(path) = &a.attach {
        let region = Region::attach_path(path)?;
        let bell = UnixStream::connect(path.with_extension("bell"))?;
        return Ok((region, bell));
    }
    let (Some(r), Some(b)) = (a.region_fd, a.bell_fd) else {
        return Err(std::io::Error::other(
            "give --attach PATH or --region-fd N --bell-fd M",
        ));
    };
    // The descriptors were inherited from the parent and belong to this process from now on.
    let region = Region::attach_fd(unsafe { OwnedFd::from_raw_fd(r) })?;
    Ok((region, unsafe { UnixStream::from_raw_fd(b) }))
}

fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("tandem-ring-peer: {e}");
            std::process::exit(2);
        }
    };
    tandem_ipc::alloc::keep_freed_buffers();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let code = runtime.block_on(async {
        let (region, bell) = match connect(&args) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("tandem-ring-peer: {e}");
                return 1;
            }
        };
        let (session, incoming) =
            Session::start(Arc::new(region), bell, SessionOptions::default()).unwrap();
        let session = Arc::new(session);
        match args.mode.as_str() {
            "echo" => echo(&args, &session, incoming).await,
            "send" => send(&args, &session).await,
            other => {
                eprintln!("tandem-ring-peer: unknown mode {other}");
                2
            }
        }
    });
    std::process::exit(code);
}

/// What a receiver of checked payloads found.
#[derive(Default)]
struct Verifier {
    received: u64,
    bytes: u64,
    expected_seq: u64,
    bad_checksum: u64,
    out_of_order: u64,
}

impl Verifier {
    fn check(&mut self, payload: &[u8]) -> Result<u64, String> {
        self.received += 1;
        self.bytes += payload.len() as u64;
        if payload.len() < 12 {
            self.bad_checksum += 1;
            return Err(format!("payload of {} bytes is too short", payload.len()));
        }
        let seq = u64::from_le_bytes(payload[0..8].try_into().unwrap());
        let crc = u32::from_le_bytes(payload[8..12].try_into().unwrap());
        if crc32fast::hash(&payload[12..]) != crc {
            self.bad_checksum += 1;
            return Err(format!("checksum mismatch at seq {seq}"));
        }
        if seq != self.expected_seq {
            self.out_of_order += 1;
        }
        self.expected_seq = seq + 1;
        Ok(seq)
    }

    fn summary(&self, extra: &str) -> String {
        format!(
            "{{\"received\":{},\"bytes\":{},\"next_seq\":{},\"bad_checksum\":{},\"out_of_order\":{}{extra}}}",
            self.received, self.bytes, self.expected_seq, self.bad_checksum, self.out_of_order
        )
    }
}

async fn echo(
    a: &Args,
    session: &Session,
    mut incoming: tokio::sync::mpsc::UnboundedReceiver<Incoming>,
) -> i32 {
    let mut verifier = Verifier::default();
    let mut record = a
        .record
        .as_ref()
        .map(|p| File::create(p).expect("cannot create the --record file"));
    println!("{{\"ready\":true,\"pid\":{}}}", std::process::id());
    // The channel ends when the session does (the peer left, or a corrupt record was found).
    while let Some(request) = incoming.recv().await {
        if a.slow_us > 0 {
            std::thread::sleep(Duration::from_micros(a.slow_us));
        }
        if !a.check {
            request.reply.send(Ok(()));
            continue;
        }
        match verifier.check(&request.payload) {
            Ok(seq) => {
                // Written (to the page cache, which survives SIGKILL) before the answer leaves.
                if let Some(f) = record.as_mut() {
                    f.write_all(&seq.to_le_bytes())
                        .expect("cannot write the --record file");
                }
                request.reply.send(Ok(()))
            }
            Err(e) => request.reply.send(Err(RequestError::Permanent(e))),
        }
    }
    if let Some(reason) = session.closed_reason() {
        eprintln!("tandem-ring-peer: session ended: {reason}");
    }
    println!("{}", verifier.summary(""));
    0
}

/// A small deterministic generator (xorshift64*), so a failing run can be replayed from its seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Mostly small sizes, with one in 64 up to `max`, so that large records regularly force wrap-around.
    fn size(&mut self, max: usize) -> usize {
        let r = self.next();
        let limit = if r.is_multiple_of(64) {
            max
        } else {
            max.min(2048)
        };
        12 + (self.next() as usize % (limit - 11))
    }
}

fn checked_payload(rng: &mut Rng, seq: u64, max: usize) -> Vec<u8> {
    let size = rng.size(max);
    let mut p = vec![0u8; size];
    p[0..8].copy_from_slice(&seq.to_le_bytes());
    let mut fill = rng.next();
    for b in &mut p[12..] {
        fill = fill
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *b = (fill >> 56) as u8;
    }
    let crc = crc32fast::hash(&p[12..]);
    p[8..12].copy_from_slice(&crc.to_le_bytes());
    p
}

async fn send(a: &Args, session: &Arc<Session>) -> i32 {
    let mut rng = Rng(a.seed.max(1));
    let mut tasks = tokio::task::JoinSet::new();
    let (mut ok, mut retryable, mut permanent) = (0u64, 0u64, 0u64);
    let mut tally = |r: Result<(), RequestError>| match r {
        Ok(()) => ok += 1,
        Err(RequestError::Retryable(_)) => retryable += 1,
        Err(RequestError::Permanent(_)) => permanent += 1,
    };
    let started = Instant::now();
    for seq in 0..a.count {
        let payload = checked_payload(&mut rng, seq, a.max_size);
        while tasks.len() >= a.window {
            tally(tasks.join_next().await.unwrap().unwrap());
        }
        // Submitted in order from this one task, so the ring carries them in seq order; answers are awaited apart.
        let deadline = Instant::now() + Duration::from_secs(30);
        match session
            .submit(layout::SIGNAL_TRACES, 1, &payload, deadline)
            .await
        {
            Ok(submitted) => drop(tasks.spawn(submitted.answer())),
            Err(e) => tally(Err(e)),
        }
    }
    while let Some(r) = tasks.join_next().await {
        tally(r.unwrap());
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{{\"sent\":{},\"ok\":{ok},\"retryable\":{retryable},\"permanent\":{permanent},\"seconds\":{secs}}}",
        a.count
    );
    if ok == a.count { 0 } else { 1 }
}
