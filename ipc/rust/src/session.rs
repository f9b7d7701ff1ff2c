//! Requests and responses over a region's two rings (ipc/SPEC.md sections 4, 5 and 7), driven by tokio.
//!
//! A [`Session`] sends requests on its outgoing ring and answers the peer's requests, which it hands out as
//! [`Incoming`] values. One driver task drains the incoming ring, settles responses, keeps the heartbeat and watches
//! the doorbell; senders write to the outgoing ring themselves, so a request costs no task hop.

use crate::layout::*;
use crate::record::Header;
use crate::region::{Region, Role, monotonic_ms};
use crate::ring::{Consumer, Producer};
use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc, oneshot};
use tokio::time::Instant;

/// How a request failed. Retryable failures are the ones a client may safely send again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    Retryable(String),
    Permanent(String),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::Retryable(m) => write!(f, "retryable: {m}"),
            RequestError::Permanent(m) => write!(f, "permanent: {m}"),
        }
    }
}

impl std::error::Error for RequestError {}

pub type Answer = Result<(), RequestError>;

#[derive(Debug, Clone, Copy)]
pub struct SessionOptions {
    /// A peer whose heartbeat stands still this long is declared hung (section 7).
    pub peer_timeout: Duration,
    pub heartbeat_interval: Duration,
}

impl Default for SessionOptions {
    fn default() -> Self {
        SessionOptions {
            peer_timeout: Duration::from_secs(5),
            heartbeat_interval: Duration::from_millis(250),
        }
    }
}

/// Counters of one session.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SessionStats {
    pub requests_sent: u64,
    pub requests_received: u64,
    pub responses_sent: u64,
    pub responses_received: u64,
    /// Responses whose request was no longer in flight (it timed out first).
    pub responses_unmatched: u64,
}

/// A request from the peer. Answer it exactly once with [`Reply::send`]; dropping the reply answers RETRYABLE.
pub struct Incoming {
    pub code: u16,
    pub route: u32,
    pub payload: Vec<u8>,
    pub reply: Reply,
}

pub struct Reply {
    shared: Arc<Shared>,
    correlation_id: u64,
    answered: bool,
}

impl Reply {
    pub fn send(mut self, answer: Answer) {
        self.answered = true;
        self.shared.respond(self.correlation_id, answer);
    }
}

impl Drop for Reply {
    fn drop(&mut self) {
        if !self.answered {
            self.shared.respond(
                self.correlation_id,
                Err(RequestError::Retryable(
                    "request dropped without an answer".into(),
                )),
            );
        }
    }
}

struct Outgoing {
    producer: Producer,
    /// Responses that did not fit; written before anything else when space returns (section 4, rule 5).
    backlog: VecDeque<(u64, u16, Vec<u8>)>,
}

struct Pending {
    answer: oneshot::Sender<Answer>,
    _permits: (OwnedSemaphorePermit, OwnedSemaphorePermit),
}

struct Shared {
    region: Arc<Region>,
    out: Mutex<Outgoing>,
    /// Requests waiting for ring space are admitted in arrival order (tokio's mutex is fair).
    admission: tokio::sync::Mutex<()>,
    in_flight: Arc<Semaphore>,
    in_flight_bytes: Arc<Semaphore>,
    pending: Mutex<HashMap<u64, Pending>>,
    next_id: AtomicU64,
    space: Notify,
    bell: UnixStream,
    closed: Mutex<Option<String>>,
    closed_notify: Notify,
    stats: Mutex<SessionStats>,
    /// The driver's state while no driver runs (between the end of one and the start of the next).
    parked: Mutex<Option<Driver>>,
    parked_notify: Notify,
    /// Set while an `adopt` waits for the running driver to stop.
    handover: std::sync::atomic::AtomicBool,
    handover_notify: Notify,
    /// One adoption at a time.
    adoption: tokio::sync::Mutex<()>,
}

/// What a session's driver carries from one runtime to the next: the reading end of the incoming ring, where the
/// peer's requests go, and how it watches the peer.
struct Driver {
    consumer: Consumer,
    incoming: mpsc::UnboundedSender<Incoming>,
    options: SessionOptions,
}

/// A running driver's state, put back into the session when the driver ends for any reason: it returned, or its
/// runtime was dropped with it (a pipeline thread that stopped).
struct Lease {
    driver: Option<Driver>,
    shared: Arc<Shared>,
}

impl Drop for Lease {
    fn drop(&mut self) {
        let mut driver = self.driver.take();
        if let Some(driver) = driver
            .as_mut()
            .filter(|_| self.shared.closed_reason().is_some())
        {
            // An ended session hands out no more requests: whoever reads the channel sees it end.
            driver.incoming = mpsc::unbounded_channel().0;
        }
        *self.shared.parked.lock().unwrap() = driver;
        self.shared.parked_notify.notify_waiters();
    }
}

impl Shared {
    fn ring_bell(&self, byte: u8) {
        // A full socket buffer already holds wake-ups for the peer, so a failed write loses nothing.
        let _ = (&self.bell).write(&[byte]);
    }

    fn closed_reason(&self) -> Option<String> {
        self.closed.lock().unwrap().clone()
    }

    fn ended(&self) -> RequestError {
        let reason = self.closed_reason().unwrap_or_else(|| "closed".into());
        RequestError::Retryable(format!("ring session ended: {reason}"))
    }

    fn respond(&self, correlation_id: u64, answer: Answer) {
        if self.closed_reason().is_some() {
            return; // the requester is gone with the session
        }
        let (code, message) = match answer {
            Ok(()) => (STATUS_OK, Vec::new()),
            Err(RequestError::Retryable(m)) => (STATUS_RETRYABLE, m.into_bytes()),
            Err(RequestError::Permanent(m)) => (STATUS_PERMANENT, m.into_bytes()),
        };
        let mut message = message;
        message.truncate(self.region.max_message_size() as usize);
        let mut out = self.out.lock().unwrap();
        out.backlog.push_back((correlation_id, code, message));
        let wake = flush_backlog(&mut out);
        drop(out);
        self.stats.lock().unwrap().responses_sent += 1;
        if wake {
            self.ring_bell(BELL_RECORDS);
        }
    }

    /// Writes a request unless queued responses or a full ring stand in the way. Returns (sent, must wait for space).
    fn try_write_request(&self, header: Header, payload: &[u8]) -> (bool, bool) {
        let mut out = self.out.lock().unwrap();
        let mut wake = flush_backlog(&mut out);
        let sent = out.backlog.is_empty() && out.producer.push(header, payload);
        wake |= out.producer.publish();
        let must_wait =
            !sent && (!out.backlog.is_empty() || out.producer.prepare_wait(payload.len() as u32));
        drop(out);
        if wake {
            self.ring_bell(BELL_RECORDS);
        }
        (sent, must_wait)
    }

    /// Ends the session: every request in flight or waiting fails RETRYABLE with the cause (section 7).
    fn fail(&self, reason: String) {
        {
            let mut closed = self.closed.lock().unwrap();
            if closed.is_some() {
                return;
            }
            *closed = Some(reason.clone());
        }
        let pending: Vec<Pending> = self
            .pending
            .lock()
            .unwrap()
            .drain()
            .map(|(_, p)| p)
            .collect();
        for p in pending {
            let _ = p.answer.send(Err(RequestError::Retryable(format!(
                "ring session ended: {reason}"
            ))));
        }
        self.in_flight.close();
        self.in_flight_bytes.close();
        let _ = self.bell.shutdown(std::net::Shutdown::Both);
        self.space.notify_waiters();
        self.closed_notify.notify_waiters();
    }
}

/// Writes queued responses in order; returns whether the consumer must be woken.
fn flush_backlog(out: &mut Outgoing) -> bool {
    while let Some((id, code, message)) = out.backlog.front() {
        let header = Header {
            length: message.len() as u32,
            kind: TYPE_RESPONSE,
            code: *code,
            correlation_id: *id,
            route: 0,
        };
        if !out.producer.push(header, message) {
            // Ask the peer for a space wake-up; if space appeared meanwhile, try again at once.
            if out.producer.prepare_wait(message.len() as u32) {
                break;
            }
            continue;
        }
        out.backlog.pop_front();
    }
    out.producer.publish()
}

/// One side of a ring session.
pub struct Session {
    shared: Arc<Shared>,
}

impl Session {
    /// Starts a session over a mapped region and its connected doorbell. Requests from the peer arrive on the
    /// returned channel. Must be called inside a tokio runtime.
    pub fn start(
        region: Arc<Region>,
        bell: UnixStream,
        options: SessionOptions,
    ) -> io::Result<(Session, mpsc::UnboundedReceiver<Incoming>)> {
        let outgoing = region.role().outgoing_ring();
        bell.set_nonblocking(true)?;
        let reader = tokio::net::UnixStream::from_std(bell.try_clone()?)?;
        let shared = Arc::new(Shared {
            out: Mutex::new(Outgoing {
                producer: Producer::new(region.clone(), outgoing),
                backlog: VecDeque::new(),
            }),
            admission: tokio::sync::Mutex::new(()),
            in_flight: Arc::new(Semaphore::new(region.queue_size() as usize)),
            in_flight_bytes: Arc::new(Semaphore::new(region.capacity(outgoing) as usize)),
            pending: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            space: Notify::new(),
            bell,
            closed: Mutex::new(None),
            closed_notify: Notify::new(),
            stats: Mutex::new(SessionStats::default()),
            parked: Mutex::new(None),
            parked_notify: Notify::new(),
            handover: std::sync::atomic::AtomicBool::new(false),
            handover_notify: Notify::new(),
            adoption: tokio::sync::Mutex::new(()),
            region: region.clone(),
        });
        let (tx, rx) = mpsc::unbounded_channel();
        let driver = Driver {
            consumer: Consumer::new(region, 1 - outgoing),
            incoming: tx,
            options,
        };
        tokio::spawn(drive(
            Lease {
                driver: Some(driver),
                shared: shared.clone(),
            },
            reader,
        ));
        Ok((Session { shared }, rx))
    }

    /// Moves the session's driver (the reading of the incoming ring, the heartbeat, the doorbell) onto the tokio
    /// runtime of the calling task, with the peer's requests from now on going to the returned channel. The running
    /// driver stops between two records and this one goes on where it stopped; a driver whose runtime was dropped has
    /// left its state behind for this. Requests handed out before keep their replies. Must be called inside a tokio
    /// runtime.
    pub async fn adopt(&self) -> io::Result<mpsc::UnboundedReceiver<Incoming>> {
        let s = &self.shared;
        let _one_at_a_time = s.adoption.lock().await;
        let mut driver = loop {
            let parked = s.parked_notify.notified();
            tokio::pin!(parked);
            parked.as_mut().enable();
            if let Some(driver) = s.parked.lock().unwrap().take() {
                break driver;
            }
            s.handover.store(true, Ordering::Release);
            s.handover_notify.notify_waiters();
            parked.await;
        };
        s.handover.store(false, Ordering::Release);
        let reader = tokio::net::UnixStream::from_std(s.bell.try_clone()?)?;
        let (tx, rx) = mpsc::unbounded_channel();
        driver.incoming = tx;
        tokio::spawn(drive(
            Lease {
                driver: Some(driver),
                shared: s.clone(),
            },
            reader,
        ));
        Ok(rx)
    }

    pub fn region(&self) -> &Arc<Region> {
        &self.shared.region
    }

    pub fn stats(&self) -> SessionStats {
        *self.shared.stats.lock().unwrap()
    }

    /// Why the session ended, once it has.
    pub fn closed_reason(&self) -> Option<String> {
        self.shared.closed_reason()
    }

    /// Resolves when the session ends, with the reason.
    pub async fn closed(&self) -> String {
        loop {
            let notified = self.shared.closed_notify.notified();
            if let Some(reason) = self.shared.closed_reason() {
                return reason;
            }
            notified.await;
        }
    }

    /// Ends the session from this side.
    pub fn close(&self) {
        self.shared.region.set_state(STATE_CLOSED);
        self.shared.fail("closed by this side".into());
    }

    /// Sends one request and waits for its answer (section 4). Waiting for a slot or ring space ends at `deadline`
    /// with a RETRYABLE error naming the bound that was full; so does waiting for the answer.
    pub async fn request(
        &self,
        code: u16,
        route: u32,
        payload: &[u8],
        deadline: Instant,
    ) -> Answer {
        self.submit(code, route, payload, deadline)
            .await?
            .answer()
            .await
    }

    /// Writes one request to the ring and returns without waiting for its answer, so that one task can keep many
    /// requests in flight in a fixed order: requests submitted one after another by a task reach the peer in that
    /// order. Concurrent tasks are admitted in the order they wait, but which task waits first is the scheduler's.
    pub async fn submit(
        &self,
        code: u16,
        route: u32,
        payload: &[u8],
        deadline: Instant,
    ) -> Result<Submitted, RequestError> {
        let s = &self.shared;
        let max = s.region.max_message_size();
        if payload.len() > max as usize {
            return Err(RequestError::Permanent(format!(
                "message of {} bytes exceeds max_message_size ({max})",
                payload.len()
            )));
        }
        if let Some(reason) = s.closed_reason() {
            return Err(RequestError::Retryable(format!(
                "ring session ended: {reason}"
            )));
        }
        let timed_out =
            |what: String| RequestError::Retryable(format!("deadline exceeded waiting for {what}"));
        let slot =
            match tokio::time::timeout_at(deadline, s.in_flight.clone().acquire_owned()).await {
                Ok(Ok(p)) => p,
                Ok(Err(_)) => return Err(self.ended()),
                Err(_) => {
                    return Err(timed_out(format!(
                        "a request slot (queue_size {} in flight)",
                        s.region.queue_size()
                    )));
                }
            };
        let bytes = match tokio::time::timeout_at(
            deadline,
            s.in_flight_bytes
                .clone()
                .acquire_many_owned(payload.len() as u32),
        )
        .await
        {
            Ok(Ok(p)) => p,
            Ok(Err(_)) => return Err(self.ended()),
            Err(_) => {
                return Err(timed_out(
                    "ring capacity (too many request bytes in flight)".into(),
                ));
            }
        };
        let Ok(turn) = tokio::time::timeout_at(deadline, s.admission.lock()).await else {
            return Err(timed_out("earlier requests to find ring space".into()));
        };
        let id = s.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        s.pending.lock().unwrap().insert(
            id,
            Pending {
                answer: tx,
                _permits: (slot, bytes),
            },
        );
        let header = Header {
            length: payload.len() as u32,
            kind: TYPE_REQUEST,
            code,
            correlation_id: id,
            route,
        };
        loop {
            let notified = s.space.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if s.closed_reason().is_some() {
                return Err(s.ended());
            }
            let (sent, must_wait) = s.try_write_request(header, payload);
            if sent {
                s.stats.lock().unwrap().requests_sent += 1;
                break;
            }
            if must_wait {
                // The doorbell wakes the driver, which notifies; the timer is a backstop against a peer that
                // frees space without ringing (it must not, but waiting forever would be worse).
                let backstop = (Instant::now() + Duration::from_millis(50)).min(deadline);
                tokio::select! {
                    _ = &mut notified => {}
                    _ = tokio::time::sleep_until(backstop) => {}
                }
                if Instant::now() >= deadline {
                    s.pending.lock().unwrap().remove(&id);
                    drop(turn);
                    return Err(timed_out(format!("ring space for {} bytes", payload.len())));
                }
            }
        }
        Ok(Submitted {
            shared: s.clone(),
            id,
            answer: rx,
            deadline,
        })
    }

    fn ended(&self) -> RequestError {
        self.shared.ended()
    }
}

/// A request on its way; [`Submitted::answer`] waits for the peer's answer until the request's deadline.
pub struct Submitted {
    shared: Arc<Shared>,
    id: u64,
    answer: oneshot::Receiver<Answer>,
    deadline: Instant,
}

impl Submitted {
    pub async fn answer(self) -> Answer {
        match tokio::time::timeout_at(self.deadline, self.answer).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(_)) => Err(self.shared.ended()),
            Err(_) => {
                self.shared.pending.lock().unwrap().remove(&self.id);
                Err(RequestError::Retryable(
                    "deadline exceeded waiting for the peer's answer".into(),
                ))
            }
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.close();
    }
}

const PEER_GONE: &str = "the peer closed the doorbell (it exited or closed the session)";

/// Runs the session until it ends or another runtime adopts it (`Session::adopt`); the lease puts the driver's state
/// back either way.
async fn drive(mut lease: Lease, bell: tokio::net::UnixStream) {
    let s = lease.shared.clone();
    let Driver {
        consumer,
        incoming,
        options,
    } = lease
        .driver
        .as_mut()
        .expect("a lease holds its driver until dropped");
    let options = *options;
    let (own_heartbeat, peer_heartbeat) = match s.region.role() {
        Role::Creator => (OFF_CREATOR_HEARTBEAT, OFF_ATTACHER_HEARTBEAT),
        Role::Attacher => (OFF_ATTACHER_HEARTBEAT, OFF_CREATOR_HEARTBEAT),
    };
    // Relaxed: heartbeats are only compared against a clock (section 2.3).
    let beat = || {
        s.region
            .word64(own_heartbeat)
            .store(monotonic_ms(), Ordering::Relaxed)
    };
    beat();
    let mut peer_seen = (
        s.region.word64(peer_heartbeat).load(Ordering::Relaxed),
        Instant::now(),
    );
    let mut ticker = tokio::time::interval(options.heartbeat_interval);
    let mut scratch = [0u8; 256];
    let handed_over = || s.handover.load(Ordering::Acquire);
    loop {
        if s.closed_reason().is_some() || handed_over() {
            return;
        }
        // Drain the incoming ring until it is empty and the consumer has announced its sleep.
        loop {
            if handed_over() {
                return;
            }
            let (outcome, wake_producer) =
                consumer.poll(|record| deliver(&s, incoming, record.header, record.payload));
            if wake_producer {
                s.ring_bell(BELL_SPACE);
            }
            match outcome {
                Err(corruption) => {
                    s.region.set_state(STATE_FAILED);
                    s.fail(corruption.to_string());
                    return;
                }
                Ok(0) => {
                    // Sleep at once, without a poll first (section 5 allows one): records from a collector's load
                    // come further apart than any useful poll, so polling cost CPU per record and saved no wake-up
                    // (bench/RESULTS.md, "The crossing's wake-ups").
                    if consumer.prepare_sleep() {
                        break;
                    }
                }
                Ok(_) => tokio::task::yield_now().await, // let the handlers of what arrived run
            }
        }
        // Space may have returned on the outgoing ring: write queued responses and let waiting senders retry.
        let wake = flush_backlog(&mut s.out.lock().unwrap());
        if wake {
            s.ring_bell(BELL_RECORDS);
        }
        s.space.notify_waiters();
        // Enabled before the flag is read, so that an adoption asking from now on wakes this wait.
        let handover = s.handover_notify.notified();
        tokio::pin!(handover);
        handover.as_mut().enable();
        if handed_over() {
            return;
        }
        tokio::select! {
            ready = bell.readable() => {
                if let Err(e) = ready {
                    s.fail(format!("doorbell failed: {e}"));
                    return;
                }
                match bell.try_read(&mut scratch) {
                    Ok(0) => {
                        s.fail(PEER_GONE.into());
                        return;
                    }
                    // A peer killed with unread doorbell bytes resets the connection instead of closing it.
                    Err(e) if matches!(e.kind(), io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe) => {
                        s.fail(PEER_GONE.into());
                        return;
                    }
                    Ok(_) => while let Ok(n) = (&s.bell).read(&mut scratch) { if n == 0 { break } },
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                    Err(e) => {
                        s.fail(format!("doorbell failed: {e}"));
                        return;
                    }
                }
            }
            _ = ticker.tick() => {
                beat();
                let current = s.region.word64(peer_heartbeat).load(Ordering::Relaxed);
                if current != peer_seen.0 {
                    peer_seen = (current, Instant::now());
                } else if peer_seen.1.elapsed() > options.peer_timeout {
                    s.fail(format!("the peer's heartbeat stood still for {:?}", options.peer_timeout));
                    return;
                }
            }
            _ = s.closed_notify.notified() => return,
            _ = &mut handover => return,
        }
    }
}

fn deliver(
    s: &Arc<Shared>,
    incoming: &mpsc::UnboundedSender<Incoming>,
    header: Header,
    payload: &[u8],
) {
    if header.kind == TYPE_REQUEST {
        s.stats.lock().unwrap().requests_received += 1;
        let reply = Reply {
            shared: s.clone(),
            correlation_id: header.correlation_id,
            answered: false,
        };
        let request = Incoming {
            code: header.code,
            route: header.route,
            payload: payload.to_vec(),
            reply,
        };
        // With no receiver left the reply is dropped inside the error, which answers RETRYABLE.
        let _ = incoming.send(request);
        return;
    }
    let pending = s.pending.lock().unwrap().remove(&header.correlation_id);
    let mut stats = s.stats.lock().unwrap();
    let Some(pending) = pending else {
        stats.responses_unmatched += 1;
        return;
    };
    stats.responses_received += 1;
    drop(stats);
    let message = || String::from_utf8_lossy(payload).into_owned();
    let answer = match header.code {
        STATUS_OK => Ok(()),
        STATUS_RETRYABLE => Err(RequestError::Retryable(message())),
        _ => Err(RequestError::Permanent(message())),
    };
    let _ = pending.answer.send(answer);
}

/// Creates an anonymous region with a connected doorbell pair: the creator's end and the end to hand to the child.
pub fn create_inherited(
    options: crate::RegionOptions,
) -> io::Result<(Arc<Region>, UnixStream, UnixStream)> {
    let region = Arc::new(Region::create_anonymous(options)?);
    let (ours, theirs) = UnixStream::pair()?;
    Ok((region, ours, theirs))
}
