//! Collects the data of many callers until the batch is full or old enough, then hands it to one flush; every caller
//! whose data went in gets that flush's answer, so an acknowledgement still means delivered (or written). Shared by
//! `rust_batch` (OTLP bytes) and `rust_parquet` (OTAP batches per file).

use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem_ipc::{Answer, RequestError};
use tokio::sync::oneshot;

pub type Flush<B> = Box<dyn Fn(B) -> BoxFuture<'static, Answer> + Send + Sync>;

struct Pending<B> {
    batch: B,
    waiters: Vec<oneshot::Sender<Answer>>,
    /// Bumped at every flush, so that a timer armed for an earlier batch does not flush a later one early.
    generation: u64,
}

pub struct Accumulator<B> {
    pending: Mutex<Pending<B>>,
    max_age: Duration,
    flush: Flush<B>,
}

impl<B: Default + Send + 'static> Accumulator<B> {
    pub fn new(max_age: Duration, flush: Flush<B>) -> Arc<Self> {
        Arc::new(Accumulator { pending: Mutex::new(Pending { batch: B::default(), waiters: Vec::new(), generation: 0 }), max_age, flush })
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
            let first = p.waiters.is_empty();
            let full = add(&mut p.batch);
            p.waiters.push(tx);
            (rx, first.then_some(p.generation), full)
        };
        if full {
            self.flush(None);
        } else if let Some(generation) = armed {
            let me = self.clone();
            tokio::spawn(async move {
                tokio::time::sleep(me.max_age).await;
                me.flush(Some(generation));
            });
        }
        Box::pin(async move { answer.await.unwrap_or_else(|_| Err(RequestError::Retryable("the batch was dropped".into()))) })
    }

    /// Flushes what is pending, if it is still the batch of `generation` (or any batch when `None`).
    fn flush(&self, generation: Option<u64>) {
        let (batch, waiters) = {
            let mut p = self.pending.lock().unwrap();
            if p.waiters.is_empty() || generation.is_some_and(|g| g != p.generation) {
                return;
            }
            p.generation += 1;
            (std::mem::take(&mut p.batch), std::mem::take(&mut p.waiters))
        };
        let flushed = (self.flush)(batch);
        tokio::spawn(async move {
            let answer = flushed.await;
            for waiter in waiters {
                let _ = waiter.send(answer.clone());
            }
        });
    }
}
