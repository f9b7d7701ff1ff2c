//! Collects the data of many callers until the batch is full, old enough or idle, then hands it to one flush; every
//! caller whose data went in gets that flush's answer, so an acknowledgement still means delivered (or written).
//! Shared by `rust_batch` (OTLP bytes) and `rust_parquet` (OTAP batches per file).

use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem_ipc::{Answer, RequestError};
use tokio::sync::oneshot;
use tokio::time::Instant;

pub type Flush<B> = Box<dyn Fn(B) -> BoxFuture<'static, Answer> + Send + Sync>;

struct Pending<B> {
    batch: B,
    waiters: Vec<oneshot::Sender<Answer>>,
    /// Bumped at every flush, so that a timer armed for an earlier batch does not flush a later one early.
    generation: u64,
    /// When the batch's first and latest data arrived.
    first: Instant,
    latest: Instant,
    /// The batch lingered while a flush was in flight, and leaves when the flushes in flight end.
    lingered: bool,
    /// Flushes sent and not answered yet.
    in_flight: usize,
}

/// When a batch whose first and latest data arrived at `first` and `latest` is due: `linger` after the latest (unless
/// zero), and `max_age` after the first at the latest.
fn due_at(first: Instant, latest: Instant, max_age: Duration, linger: Duration) -> Instant {
    let oldest = first + max_age;
    if linger.is_zero() { oldest } else { oldest.min(latest + linger) }
}

pub struct Accumulator<B> {
    pending: Mutex<Pending<B>>,
    max_age: Duration,
    /// A batch that got no new data for this long is flushed; zero waits for full or `max_age` only.
    linger: Duration,
    flush: Flush<B>,
}

impl<B: Default + Send + 'static> Accumulator<B> {
    pub fn new(max_age: Duration, linger: Duration, flush: Flush<B>) -> Arc<Self> {
        let now = Instant::now();
        let pending = Pending { batch: B::default(), waiters: Vec::new(), generation: 0, first: now, latest: now, lingered: false, in_flight: 0 };
        Arc::new(Accumulator { pending: Mutex::new(pending), max_age, linger, flush })
    }

    /// Adds to the pending batch with `add`, which returns whether the batch is now full; resolves with the answer of
    /// the flush that takes the batch. When `fits` says the pending batch cannot take the addition, that batch is
    /// flushed first and the addition starts the next one, so a batch never grows past its bound by merging.
    pub fn add(self: &Arc<Self>, fits: impl FnOnce(&B) -> bool, add: impl FnOnce(&mut B) -> bool) -> BoxFuture<'static, Answer> {
        let (answer, armed, full) = {
            let mut p = self.pending.lock().unwrap();
            if !p.waiters.is_empty() && !fits(&p.batch) {
                drop(p);
                self.flush(None);
                p = self.pending.lock().unwrap();
            }
            let (tx, rx) = oneshot::channel();
            let now = Instant::now();
            let first = p.waiters.is_empty();
            if first {
                p.first = now;
            }
            p.latest = now;
            let full = add(&mut p.batch);
            p.waiters.push(tx);
            (rx, first.then(|| (p.generation, due_at(p.first, p.latest, self.max_age, self.linger))), full)
        };
        if full {
            self.flush(None);
        } else if let Some((generation, mut due)) = armed {
            // One timer per batch, never per request: arrivals only record their time, and a timer that wakes before
            // the batch is due sleeps again for the remainder.
            let me = self.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep_until(due).await;
                    // Let tasks woken with this timer (the ring's ingress with data already there) run first, so a
                    // busy core is not taken for a lull in the data.
                    tokio::task::yield_now().await;
                    match me.flush_if_due(generation) {
                        Some(later) => due = later,
                        None => return,
                    }
                }
            });
        }
        Box::pin(async move { answer.await.unwrap_or_else(|_| Err(RequestError::Retryable("the batch was dropped".into()))) })
    }

    /// Flushes the batch of `generation` if it is due; returns when to look again if not yet, `None` once the timer
    /// has nothing left to do. A batch that lingered while a flush is in flight waits for that flush to end (its
    /// callers' next requests are what the batch is waiting for, as in Nagle's algorithm), `max_age` still the bound.
    fn flush_if_due(self: &Arc<Self>, generation: u64) -> Option<Instant> {
        {
            let mut p = self.pending.lock().unwrap();
            if p.waiters.is_empty() || p.generation != generation {
                return None;
            }
            let now = Instant::now();
            let due = due_at(p.first, p.latest, self.max_age, self.linger);
            if now < due {
                return Some(due);
            }
            let deadline = p.first + self.max_age;
            if p.in_flight > 0 && now < deadline {
                p.lingered = true;
                return Some(deadline);
            }
        }
        self.flush(Some(generation));
        None
    }

    /// Flushes what is pending, if it is still the batch of `generation` (or any batch when `None`).
    fn flush(self: &Arc<Self>, generation: Option<u64>) {
        let (batch, waiters) = {
            let mut p = self.pending.lock().unwrap();
            if p.waiters.is_empty() || generation.is_some_and(|g| g != p.generation) {
                return;
            }
            p.generation += 1;
            p.lingered = false;
            p.in_flight += 1;
            (std::mem::take(&mut p.batch), std::mem::take(&mut p.waiters))
        };
        let flushed = (self.flush)(batch);
        let me = self.clone();
        tokio::spawn(async move {
            let answer = flushed.await;
            for waiter in waiters {
                let _ = waiter.send(answer.clone());
            }
            let lingered = {
                let mut p = me.pending.lock().unwrap();
                p.in_flight -= 1;
                p.in_flight == 0 && p.lingered
            };
            if lingered {
                me.flush(None);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    // scenario: one request, nothing after it / guarantee: due linger after it, long before max_age
    #[test]
    fn a_lone_arrival_is_due_after_linger() {
        let t0 = Instant::now();
        assert_eq!(due_at(t0, t0, 200 * MS, MS), t0 + MS);
    }

    // scenario: data keeps arriving / guarantee: due linger after the latest arrival, so the timer re-arms
    #[test]
    fn later_arrivals_move_the_due_time() {
        let t0 = Instant::now();
        assert_eq!(due_at(t0, t0 + 3 * MS, 200 * MS, 5 * MS), t0 + 8 * MS);
    }

    // scenario: arrivals closer than linger for longer than max_age / guarantee: max_age after the first still holds
    #[test]
    fn max_age_caps_lingering() {
        let t0 = Instant::now();
        assert_eq!(due_at(t0, t0 + 199 * MS, 200 * MS, 5 * MS), t0 + 200 * MS);
    }

    // scenario: linger 0 / guarantee: Go's behaviour, due max_age after the first data whatever arrives
    #[test]
    fn zero_linger_waits_for_max_age() {
        let t0 = Instant::now();
        assert_eq!(due_at(t0, t0, 200 * MS, Duration::ZERO), t0 + 200 * MS);
    }
}
