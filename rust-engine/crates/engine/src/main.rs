//! `tandem-engine`: the Rust side of Tandem. The host spawns it (or it is started on its own and the host attaches),
//! drives it over the control channel (proto/control.proto) and exchanges payloads with it over the ring.

use std::sync::Arc;
use tandem_engine::args::{self, Command, Listen};
use tandem_engine::control::{ControlService, pb};
use tandem_engine::deployment::Deployment;
use tandem_engine::log;
use tandem_engine::ring::rings;
use tandem_engine::runtime::telemetry::Telemetry;
use tonic::transport::Server;

/// jemalloc, as otap-dataflow's own engine binary uses: pdata's OTLP <-> OTAP translation and the Arrow builders make
/// many small, short-lived allocations across threads, which glibc's malloc serves slowly (a quarter of the chain
/// pipeline's engine samples were in it).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// How long the pipelines of a host that is gone may drain (towards exporters outside; nothing can reach the host).
const HOST_GONE_DRAIN: std::time::Duration = std::time::Duration::from_secs(1);

fn main() {
    let command = match args::parse(std::env::args().skip(1)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("tandem-engine: {e}\n{}", args::USAGE);
            std::process::exit(2);
        }
    };
    let runtime = || tokio::runtime::Builder::new_current_thread().enable_all().build().expect("cannot start tokio");
    let args = match command {
        Command::Version => return println!("tandem-engine {}", env!("CARGO_PKG_VERSION")),
        Command::Help => return println!("{}", args::USAGE),
        Command::Probe(probe) => std::process::exit(run_probe(probe)),
        Command::Run(a) => a,
    };
    if args.exit_with_parent {
        // Spawn mode: the kernel sends SIGTERM when the host dies, even by SIGKILL, so no engine is orphaned.
        unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) };
        // A terminal's Ctrl-C reaches the whole foreground group, the engine too: the host answers it, drains through
        // the engine, then stops it. Stopping at once would fail the host's drain.
        unsafe { libc::signal(libc::SIGINT, libc::SIG_IGN) };
    }
    // This thread serves the control channel and drives the rings while no pipeline does; the pipelines run on a
    // thread per core (`runtime`).
    if let Err(e) = runtime().block_on(run(args)) {
        log::error("engine failed", serde_json::json!({ "error": e.to_string() }));
        std::process::exit(1);
    }
}

/// Prints the engine's status and exits 0 when it answers, prints why and exits 1 when it does not.
fn run_probe(probe: args::ProbeArgs) -> i32 {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("cannot start tokio");
    match runtime.block_on(tandem_engine::probe::probe(&probe.endpoint, probe.token.as_deref(), probe.timeout)) {
        Ok(status) => {
            println!("engine {status}");
            0
        }
        Err(e) => {
            eprintln!("tandem-engine probe: {e}");
            1
        }
    }
}

/// Whether `given` is the expected authorization, compared in constant time: how long the check takes says nothing
/// about how much of the token was right.
fn authorized(given: &[u8], expected: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    given.ct_eq(expected).into()
}

/// Attach mode: when the host that attached the rings goes away (its doorbell hangs up, or its heartbeat stops, as
/// when it is killed), its deployment and rings are dropped and its ring files removed, so that the next host finds
/// the engine as new.
async fn forget_gone_hosts(deployment: Arc<Deployment>) {
    loop {
        let reason = rings().ended().await;
        deployment.shutdown(HOST_GONE_DRAIN).await;
        rings().detach();
        log::info("host gone: its rings and deployment were dropped; waiting for the next host", serde_json::json!({ "reason": reason }));
    }
}

async fn run(args: args::Args) -> Result<(), Box<dyn std::error::Error>> {
    for &(region, bell) in &args.inherited {
        rings().attach_inherited(region, bell)?;
    }
    let attach_mode = args.inherited.is_empty();
    // Whether the host that answers Ctrl-C is this engine's parent (main then leaves SIGINT ignored).
    let spawned = args.exit_with_parent;
    let runtime = pb::Runtime {
        executor_type: args.executor.clone(),
        cores: args.cores,
        pid: std::process::id(),
        ring_setup: if attach_mode { "attached" } else { "inherited" }.into(),
    };
    log::info(
        "engine started",
        serde_json::json!({ "executor": runtime.executor_type, "cores": runtime.cores, "pin_cores": args.pin_cores, "ring_setup": runtime.ring_setup, "listen": format!("{:?}", args.listen) }),
    );
    let telemetry = Arc::new(Telemetry::default());
    let collecting = telemetry.clone();
    tokio::spawn(async move { collecting.collect().await });
    let deployment = Arc::new(Deployment::new(args.cores as usize, args.pin_cores, telemetry));
    if attach_mode {
        tokio::spawn(forget_gone_hosts(deployment.clone()));
    }
    let service = pb::control_server::ControlServer::new(ControlService::new(runtime, deployment.clone()));
    let stop = async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("cannot watch SIGTERM");
        // Spawn mode: an engine whose host's rings ended has nobody left to serve (its host restarts it if it lives).
        let host_gone = async { if attach_mode { std::future::pending().await } else { rings().ended().await } };
        // Watching SIGINT would install a handler in place of the ignoring that main set up for a spawned engine.
        let interrupt = async { if spawned { std::future::pending().await } else { tokio::signal::ctrl_c().await } };
        tokio::select! {
            _ = term.recv() => log::info("engine stopping on signal", serde_json::json!({})),
            _ = interrupt => log::info("engine stopping on signal", serde_json::json!({})),
            reason = host_gone => log::info("engine stopping: the host's rings ended", serde_json::json!({ "reason": reason })),
        }
    };
    match args.listen {
        Listen::Unix(path) => {
            let _ = std::fs::remove_file(&path);
            let listener = tokio::net::UnixListener::bind(&path)?;
            // Private to this user: the control channel can deploy code paths and read counters.
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
            Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(tokio_stream::wrappers::UnixListenerStream::new(listener), stop)
                .await?;
            let _ = std::fs::remove_file(&path);
            if args.exit_with_parent {
                // Spawn mode: the host made this folder for the socket alone; a host that was killed cannot remove it.
                if let Some(dir) = path.parent() {
                    let _ = std::fs::remove_dir(dir);
                }
            }
        }
        Listen::Tcp(addr) => {
            let token = format!("Bearer {}", args.token.expect("checked by args::parse"));
            let check = move |request: tonic::Request<()>| match request.metadata().get("authorization") {
                Some(given) if authorized(given.as_bytes(), token.as_bytes()) => Ok(request),
                _ => Err(tonic::Status::unauthenticated("missing or wrong control token")),
            };
            let listener = tokio::net::TcpListener::bind(&addr).await?;
            Server::builder()
                .add_service(tonic::service::interceptor::InterceptedService::new(service, check))
                .serve_with_incoming_shutdown(tokio_stream::wrappers::TcpListenerStream::new(listener), stop)
                .await?;
        }
    }
    deployment.shutdown(std::time::Duration::from_secs(5)).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: the token, a prefix of it, a longer string, nothing. Guarantee: only the token itself passes.
    #[test]
    fn only_the_exact_token_is_authorized() {
        assert!(authorized(b"Bearer s3cret", b"Bearer s3cret"));
        assert!(!authorized(b"Bearer s3cre", b"Bearer s3cret"));
        assert!(!authorized(b"Bearer s3cret!", b"Bearer s3cret"));
        assert!(!authorized(b"", b"Bearer s3cret"));
    }
}
