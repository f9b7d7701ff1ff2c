//! `tandem-ipc-bench-peer`: answers the benchmark's requests, either on the ring (`--region-fd 3 --bell-fd 4`) or as
//! unary gRPC calls on a Unix socket (`--grpc-listen PATH`), so that both transports are measured between the same
//! two processes doing the same work: take the payload, copy it out, answer OK.

use bytes::Bytes;
use std::convert::Infallible;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::task::{Context, Poll};
use tandem_engine::grpc::RawCodec;
use tandem_ipc::{Region, Session, SessionOptions};
use tonic::Status;
use tonic::body::Body;
use tonic::codegen::{BoxFuture, Service, http};
use tonic::server::{Grpc, NamedService, UnaryService};

// Payloads travel as raw bytes (RawCodec): no protobuf on either transport, so the comparison is of transports alone.

/// `/tandem.bench.Echo/Call`: accepts any bytes, answers empty.
#[derive(Clone, Copy)]
struct Echo;

struct Call;
impl UnaryService<Bytes> for Call {
    type Response = Bytes;
    type Future = BoxFuture<tonic::Response<Bytes>, Status>;
    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        Box::pin(async move {
            std::hint::black_box(request.into_inner());
            Ok(tonic::Response::new(Bytes::new()))
        })
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
        Box::pin(async move {
            let mut grpc = Grpc::new(RawCodec).max_decoding_message_size(usize::MAX);
            Ok(grpc.unary(Call, request).await)
        })
    }
}

async fn serve_grpc(path: &str) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let listener = tokio::net::UnixListener::bind(path)?;
    println!("{{\"ready\":true,\"pid\":{}}}", std::process::id());
    tonic::transport::Server::builder()
        .add_service(Echo)
        .serve_with_incoming(tokio_stream::wrappers::UnixListenerStream::new(listener))
        .await
        .map_err(std::io::Error::other)
}

async fn serve_ring(region_fd: i32, bell_fd: i32) -> std::io::Result<()> {
    // Inherited from the benchmark, which spawned this process with them.
    let region = Region::attach_fd(unsafe { OwnedFd::from_raw_fd(region_fd) })?;
    let bell = unsafe { UnixStream::from_raw_fd(bell_fd) };
    let (session, mut incoming) =
        Session::start(Arc::new(region), bell, SessionOptions::default())?;
    println!("{{\"ready\":true,\"pid\":{}}}", std::process::id());
    while let Some(request) = incoming.recv().await {
        std::hint::black_box(&request.payload);
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
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        if let Some(path) = value("--grpc-listen") {
            return serve_grpc(&path).await;
        }
        match (value("--region-fd"), value("--bell-fd")) {
            (Some(r), Some(b)) => serve_ring(r.parse().unwrap(), b.parse().unwrap()).await,
            _ => Err(std::io::Error::other(
                "give --grpc-listen PATH, or --region-fd N --bell-fd M",
            )),
        }
    });
    if let Err(e) = result {
        eprintln!("tandem-ipc-bench-peer: {e}");
        std::process::exit(1);
    }
}
