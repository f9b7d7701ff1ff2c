//! `tandem-ipc-bench-peer`: answers the benchmark's requests on the ring (`--region-fd 3 --bell-fd 4`), as unary gRPC
//! calls on a Unix socket (`--grpc-listen PATH`) or as length-prefixed frames on a plain Unix socket
//! (`--framed-listen PATH`), so that the transports are measured between the same two processes doing the same work:
//! take the payload into the next slot of a pool much larger than the caches (`--pool-bytes N`), answer OK.

use bytes::Bytes;
use std::convert::Infallible;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tandem_engine::grpc::RawCodec;
use tandem_ipc::{Region, Session, SessionOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::{BoxFuture, Service, http};
use tonic::server::{Grpc, NamedService, UnaryService};

// Payloads travel as raw bytes (RawCodec): no protobuf on either transport, so the comparison is of transports alone.

/// Where the peer puts each payload it takes: consecutive slots of a region several times the last-level cache, so
/// that every transport's copy out lands in cold memory, as a consumer's would, not in a buffer the last message left
/// in the cache.
struct Pool {
    bytes: Vec<u8>,
    next: usize,
}

impl Pool {
    fn new(len: usize) -> Self {
        // Written once (vec! of a non-zero byte), so that no page is first touched during a measurement.
        Self {
            bytes: vec![1; len],
            next: 0,
        }
    }

    /// The next `len` bytes of the pool, from its start again once the end is reached; slots start on cache lines.
    fn slot(&mut self, len: usize) -> &mut [u8] {
        assert!(
            len <= self.bytes.len(),
            "a payload of {len} bytes exceeds the pool"
        );
        if self.next + len > self.bytes.len() {
            self.next = 0;
        }
        let start = self.next;
        self.next = (start + len).next_multiple_of(64);
        &mut self.bytes[start..start + len]
    }

    fn take(&mut self, payload: &[u8]) {
        self.slot(payload.len()).copy_from_slice(payload);
    }
}

type SharedPool = Arc<Mutex<Pool>>;

/// `/tandem.bench.Echo/Call`: takes any bytes, answers empty.
#[derive(Clone)]
struct Echo {
    pool: SharedPool,
}

struct Call {
    pool: SharedPool,
}

impl UnaryService<Bytes> for Call {
    type Response = Bytes;
    type Future = BoxFuture<tonic::Response<Bytes>, Status>;
    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        self.pool.lock().unwrap().take(&request.into_inner());
        Box::pin(async { Ok(tonic::Response::new(Bytes::new())) })
    }
}

impl NamedService for Echo {
    const NAME: &'static str = "tandem.bench.Echo";
}

impl Service<http::Request<Body>> for Echo {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Infallible>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        if request.uri().path() != "/tandem.bench.Echo/Call" {
            return Box::pin(async {
                Ok(Status::unimplemented("only /tandem.bench.Echo/Call").into_http())
            });
        }
        let call = Call {
            pool: self.pool.clone(),
        };
        Box::pin(async move {
            let mut grpc = Grpc::new(RawCodec).max_decoding_message_size(usize::MAX);
            Ok(grpc.unary(call, request).await)
        })
    }
}

fn bind(path: &str) -> std::io::Result<tokio::net::UnixListener> {
    let _ = std::fs::remove_file(path);
    let listener = tokio::net::UnixListener::bind(path)?;
    println!("{{\"ready\":true,\"pid\":{}}}", std::process::id());
    Ok(listener)
}

async fn serve_grpc(path: &str, pool: Pool) -> std::io::Result<()> {
    let listener = bind(path)?;
    tonic::transport::Server::builder()
        .add_service(Echo {
            pool: Arc::new(Mutex::new(pool)),
        })
        .serve_with_incoming(tokio_stream::wrappers::UnixListenerStream::new(listener))
        .await
        .map_err(std::io::Error::other)
}

/// The plain baseline: each request is a little-endian u32 length and that many bytes, read straight into the pool;
/// each answer an empty frame (a zero length), in order. Answers are written out whenever no further request is
/// already buffered, so a burst of requests gets one write.
async fn serve_framed(path: &str, mut pool: Pool) -> std::io::Result<()> {
    let listener = bind(path)?;
    loop {
        let (stream, _) = listener.accept().await?;
        let (read, write) = stream.into_split();
        let mut reader = BufReader::with_capacity(64 << 10, read);
        let mut writer = BufWriter::new(write);
        loop {
            let mut length = [0u8; 4];
            match reader.read_exact(&mut length).await {
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                other => other?,
            };
            reader
                .read_exact(pool.slot(u32::from_le_bytes(length) as usize))
                .await?;
            writer.write_all(&0u32.to_le_bytes()).await?;
            if reader.buffer().is_empty() {
                writer.flush().await?;
            }
        }
    }
}

async fn serve_ring(region_fd: i32, bell_fd: i32, mut pool: Pool) -> std::io::Result<()> {
    // Inherited from the benchmark, which spawned this process with them.
    let region = Region::attach_fd(unsafe { OwnedFd::from_raw_fd(region_fd) })?;
    let bell = unsafe { UnixStream::from_raw_fd(bell_fd) };
    let (session, mut incoming) =
        Session::start(Arc::new(region), bell, SessionOptions::default())?;
    println!("{{\"ready\":true,\"pid\":{}}}", std::process::id());
    while let Some(request) = incoming.recv().await {
        pool.take(&request.payload);
        request.reply.send(Ok(()));
    }
    drop(session);
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    tandem_ipc::alloc::keep_freed_buffers();
    let pool =
        Pool::new(value("--pool-bytes").map_or(256 << 20, |n| n.parse().expect("--pool-bytes N")));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        if let Some(path) = value("--grpc-listen") {
            return serve_grpc(&path, pool).await;
        }
        if let Some(path) = value("--framed-listen") {
            return serve_framed(&path, pool).await;
        }
        match (value("--region-fd"), value("--bell-fd")) {
            (Some(r), Some(b)) => serve_ring(r.parse().unwrap(), b.parse().unwrap(), pool).await,
            _ => Err(std::io::Error::other(
                "give --grpc-listen PATH, --framed-listen PATH, or --region-fd N --bell-fd M (and --pool-bytes N)",
            )),
        }
    });
    if let Err(e) = result {
        eprintln!("tandem-ipc-bench-peer: {e}");
        std::process::exit(1);
    }
}
