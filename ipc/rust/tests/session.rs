//! Request/response semantics of ipc/SPEC.md section 4 and the session faults of section 7, with both sides in one
//! process (the cross-process tests live in integration-tests/).

use std::os::fd::{FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;
use tandem_ipc::{
    Incoming, Region, RegionOptions, RequestError, Session, SessionOptions, create_inherited,
    layout,
};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

type Side = (Session, UnboundedReceiver<Incoming>);

fn pair(options: RegionOptions) -> (Side, Side) {
    let (region, ours, theirs) = create_inherited(options).unwrap();
    // The attacher maps the same memory file through its own descriptor, as a child would.
    let dup = unsafe { OwnedFd::from_raw_fd(libc::dup(region.raw_fd())) };
    let attached = Arc::new(Region::attach_fd(dup).unwrap());
    let creator = Session::start(region, ours, SessionOptions::default()).unwrap();
    let attacher = Session::start(attached, theirs, SessionOptions::default()).unwrap();
    (creator, attacher)
}

fn small() -> RegionOptions {
    RegionOptions::symmetric(65536, 32736, 8)
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(5)
}

/// Answers each request with what `answer` says about its payload.
fn serve(mut rx: UnboundedReceiver<Incoming>, answer: fn(&[u8]) -> Result<(), RequestError>) {
    tokio::spawn(async move {
        while let Some(r) = rx.recv().await {
            let a = answer(&r.payload);
            r.reply.send(a);
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_reach_the_requester_in_both_directions() {
    let ((creator, creator_rx), (attacher, attacher_rx)) = pair(small());
    serve(attacher_rx, |p| match p {
        b"retry" => Err(RequestError::Retryable("busy".into())),
        b"bad" => Err(RequestError::Permanent("bad data".into())),
        _ => Ok(()),
    });
    serve(creator_rx, |_| Ok(()));
    assert_eq!(
        creator
            .request(layout::SIGNAL_LOGS, 1, b"hello", soon())
            .await,
        Ok(())
    );
    assert_eq!(
        creator.request(layout::SIGNAL_LOGS, 1, b"", soon()).await,
        Ok(())
    );
    assert_eq!(
        creator
            .request(layout::SIGNAL_LOGS, 1, b"retry", soon())
            .await,
        Err(RequestError::Retryable("busy".into()))
    );
    assert_eq!(
        creator
            .request(layout::SIGNAL_LOGS, 1, b"bad", soon())
            .await,
        Err(RequestError::Permanent("bad data".into()))
    );
    assert_eq!(
        attacher
            .request(layout::SIGNAL_TRACES, 2, b"back", soon())
            .await,
        Ok(())
    );
    assert_eq!(creator.stats().requests_sent, 4);
    assert_eq!(attacher.stats().requests_received, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_requests_wrap_the_ring_and_all_succeed() {
    let ((creator, _crx), (_attacher, attacher_rx)) = pair(small());
    serve(attacher_rx, |p| {
        if p.iter().all(|&b| b == p.len() as u8) {
            Ok(())
        } else {
            Err(RequestError::Permanent("torn".into()))
        }
    });
    let creator = Arc::new(creator);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..2000usize {
        let c = creator.clone();
        let size = (i * 7919) % 30000;
        tasks.spawn(async move {
            c.request(layout::SIGNAL_METRICS, 1, &vec![size as u8; size], soon())
                .await
        });
    }
    while let Some(r) = tasks.join_next().await {
        assert_eq!(r.unwrap(), Ok(()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_payload_is_refused_at_once_naming_the_limit() {
    let ((creator, _crx), (_attacher, _arx)) = pair(small());
    let started = std::time::Instant::now();
    let err = creator
        .request(layout::SIGNAL_TRACES, 1, &vec![0; 40000], soon())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        RequestError::Permanent("message of 40000 bytes exceeds max_message_size (32736)".into())
    );
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_past_the_deadline_fails_retryable() {
    // Nobody answers: queue_size (8) requests fill the slots, the ninth waits until its deadline.
    let ((creator, _crx), (_attacher, _held)) = pair(small());
    let creator = Arc::new(creator);
    for _ in 0..8 {
        let c = creator.clone();
        tokio::spawn(async move {
            c.request(
                layout::SIGNAL_TRACES,
                1,
                b"x",
                Instant::now() + Duration::from_secs(60),
            )
            .await
        });
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = creator
        .request(
            layout::SIGNAL_TRACES,
            1,
            b"x",
            Instant::now() + Duration::from_millis(200),
        )
        .await
        .unwrap_err();
    match err {
        RequestError::Retryable(m) => assert!(m.contains("queue_size 8"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_peer_fails_every_request_in_flight_as_retryable() {
    let ((creator, _crx), (attacher, held)) = pair(small());
    let creator = Arc::new(creator);
    let c = creator.clone();
    let waiting = tokio::spawn(async move {
        c.request(
            layout::SIGNAL_TRACES,
            1,
            b"x",
            Instant::now() + Duration::from_secs(60),
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(attacher); // closes its doorbell end, as the kernel does for a killed process; `held` is never answered
    let started = std::time::Instant::now();
    match waiting.await.unwrap() {
        Err(RequestError::Retryable(m)) => assert!(m.contains("ring session ended"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(creator.closed_reason().is_some());
    assert!(matches!(
        creator
            .request(layout::SIGNAL_TRACES, 1, b"y", soon())
            .await,
        Err(RequestError::Retryable(_))
    ));
    drop(held);
}

#[test]
fn attaching_refuses_a_region_of_another_layout_version() {
    let region = Region::create_anonymous(small()).unwrap();
    // Layout version lives at byte 8 of the identity block.
    let fd = region.raw_fd();
    let v2 = 2u32.to_le_bytes();
    assert_eq!(unsafe { libc::pwrite(fd, v2.as_ptr().cast(), 4, 8) }, 4);
    let dup = unsafe { OwnedFd::from_raw_fd(libc::dup(fd)) };
    let err = Region::attach_fd(dup).err().unwrap().to_string();
    assert_eq!(
        err,
        "ring region refused: layout_version: the region has layout 2, this side implements 1"
    );
}

/// Runs `body` on a current-thread runtime of its own thread, as an engine pipeline core does, and drops the runtime
/// with whatever it still runs when `body` returns.
fn on_own_runtime<T: Send + 'static>(
    body: impl FnOnce() -> std::pin::Pin<Box<dyn std::future::Future<Output = T>>> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(body())
    })
    .join()
    .unwrap()
}

// Scenario: a session's driver moves to another thread's runtime and back, as the engine hands a ring to a pipeline
// core and takes it back when the pipeline stops. Guarantee: requests both ways keep being answered across each move,
// the peer's requests go to the adopter's channel, and the adopter's runtime ending (its driver dropped mid-wait)
// loses nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_driver_moves_between_runtimes_and_survives_its_runtime_being_dropped() {
    let ((creator, creator_rx), (attacher, attacher_rx)) = pair(small());
    serve(creator_rx, |_| Ok(()));
    serve(attacher_rx, |_| {
        Err(RequestError::Retryable(
            "served on the first runtime".into(),
        ))
    });
    assert_eq!(
        creator
            .request(layout::SIGNAL_LOGS, 1, b"before", soon())
            .await,
        Err(RequestError::Retryable(
            "served on the first runtime".into()
        ))
    );
    let attacher = Arc::new(attacher);
    let creator = Arc::new(creator);
    let core = attacher.clone();
    let (adopted, adopted_rx) = tokio::sync::oneshot::channel();
    let core_thread = tokio::task::spawn_blocking(move || {
        on_own_runtime(move || {
            Box::pin(async move {
                let mut rx = core.adopt().await.unwrap();
                adopted.send(()).unwrap();
                // The peer's next request arrives here; answering it and sending one back both work from this runtime.
                let request = rx.recv().await.unwrap();
                request
                    .reply
                    .send(Err(RequestError::Permanent("served on the core".into())));
                assert_eq!(
                    core.request(layout::SIGNAL_LOGS, 2, b"from the core", soon())
                        .await,
                    Ok(())
                );
                std::thread::current().id()
            })
        })
    });
    adopted_rx.await.unwrap();
    assert_eq!(
        creator
            .request(layout::SIGNAL_LOGS, 1, b"to the core", soon())
            .await,
        Err(RequestError::Permanent("served on the core".into()))
    );
    let answered_there = core_thread.await.unwrap();
    // The core runtime above has been dropped with its driver: its state is waiting for the next adopter.
    let c = creator.clone();
    let sent = tokio::spawn(async move {
        c.request(layout::SIGNAL_LOGS, 1, b"while parked", soon())
            .await
    });
    assert_ne!(answered_there, std::thread::current().id());
    let mut rx = attacher.adopt().await.unwrap();
    let request = rx.recv().await.unwrap();
    assert_eq!(request.payload, b"while parked");
    request.reply.send(Ok(()));
    assert_eq!(sent.await.unwrap(), Ok(()));
    assert_eq!(attacher.stats().requests_received, 3);
    assert_eq!(attacher.stats().requests_sent, 1);
}

// Scenario: the peer's first request after a move is answered by the new driver, the one sent during the move is too.
// Guarantee: one request per turn of the test: answered once, by whoever held the channel when it arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adopting_again_and_again_under_requests_answers_every_request_once() {
    let ((creator, _creator_rx), (attacher, _attacher_rx)) = pair(small());
    let creator = Arc::new(creator);
    for i in 0..20u8 {
        let mut rx = attacher.adopt().await.unwrap();
        let c = creator.clone();
        let sent =
            tokio::spawn(async move { c.request(layout::SIGNAL_LOGS, 1, &[i], soon()).await });
        let request = rx.recv().await.unwrap();
        assert_eq!(request.payload, [i]);
        request.reply.send(Ok(()));
        assert_eq!(sent.await.unwrap(), Ok(()));
    }
    assert_eq!(creator.stats().responses_received, 20);
}
