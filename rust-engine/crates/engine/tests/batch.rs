//! `rust_batch` counts items with otap-dataflow's counter over the OTLP bytes and flushes at `send_batch_size` items,
//! merging requests by concatenation; every caller gets the batch's answer; `send_batch_max_size` splits on OTAP; a batch
//! that gets no new data for `linger` leaves before its `timeout` (on tokio's paused clock).

use bytes::Bytes;
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tandem_engine::batch_processor::{BatchProcessor, Config};
use tandem_engine::node::{Next, Node};
use otel_arrow_dfe_config::SignalType;
use otel_arrow_dfe_pdata::count_otlp_items;
use tandem_ipc::{layout, Answer, RequestError};

/// An `ExportLogsServiceRequest` with one resource, one scope and `n` empty log records, encoded by hand.
fn logs(n: usize) -> Bytes {
    let scope: Vec<u8> = std::iter::repeat([0x12, 0x00]).take(n).flatten().collect(); // ScopeLogs.log_records = 2
    let mut resource = vec![0x12, scope.len() as u8]; // ResourceLogs.scope_logs = 2
    resource.extend(scope);
    let mut request = vec![0x0a, resource.len() as u8]; // ExportLogsServiceRequest.resource_logs = 1
    request.extend(resource);
    Bytes::from(request)
}

/// Records what reaches it and answers as told.
struct Sink {
    got: Mutex<Vec<Bytes>>,
    answer: Answer,
}

impl Node for Sink {
    fn consume(self: Arc<Self>, _signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        self.got.lock().unwrap().push(payload);
        let answer = self.answer.clone();
        Box::pin(async move { answer })
    }
}

fn batch_up_to(sink: &Arc<Sink>, items: usize, max: usize) -> Arc<BatchProcessor> {
    let config = Config { send_batch_size: items, send_batch_max_size: max, send_batch_size_bytes: 1 << 20, timeout: Duration::from_millis(200), linger: Duration::ZERO };
    BatchProcessor::new(config, layout::SIGNAL_LOGS, Next::Component(sink.clone()))
}

fn lingering(sink: &Arc<Sink>, linger_ms: u64, timeout_ms: u64) -> Arc<BatchProcessor> {
    let config = Config {
        send_batch_size: 1000,
        send_batch_max_size: 0,
        send_batch_size_bytes: 1 << 20,
        timeout: Duration::from_millis(timeout_ms),
        linger: Duration::from_millis(linger_ms),
    };
    BatchProcessor::new(config, layout::SIGNAL_LOGS, Next::Component(sink.clone()))
}

fn batch(sink: &Arc<Sink>, items: usize) -> Arc<BatchProcessor> {
    batch_up_to(sink, items, 0)
}

#[tokio::test]
async fn flushes_at_send_batch_size_items_merging_the_requests() {
    let sink = Arc::new(Sink { got: Mutex::default(), answer: Ok(()) });
    let processor = batch(&sink, 4);
    let first = tokio::spawn(processor.clone().consume(layout::SIGNAL_LOGS, logs(2)));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(sink.got.lock().unwrap().is_empty(), "2 of 4 items must wait");
    let second = processor.clone().consume(layout::SIGNAL_LOGS, logs(2)).await;
    assert_eq!(second, Ok(()));
    assert_eq!(first.await.unwrap(), Ok(()));
    let got = sink.got.lock().unwrap().clone();
    assert_eq!(got, vec![Bytes::from([logs(2), logs(2)].concat())]);
}

#[tokio::test]
async fn a_partial_batch_leaves_at_the_timeout_and_every_caller_gets_its_error() {
    let sink = Arc::new(Sink { got: Mutex::default(), answer: Err(RequestError::Retryable("downstream busy".into())) });
    let processor = batch(&sink, 100);
    let started = std::time::Instant::now();
    let (a, b) = tokio::join!(processor.clone().consume(layout::SIGNAL_LOGS, logs(1)), processor.clone().consume(layout::SIGNAL_LOGS, logs(3)));
    assert!(started.elapsed() >= Duration::from_millis(190));
    assert_eq!(a, Err(RequestError::Retryable("downstream busy".into())));
    assert_eq!(b, a);
    assert_eq!(sink.got.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_batch_over_send_batch_max_size_is_split_at_item_boundaries() {
    let sink = Arc::new(Sink { got: Mutex::default(), answer: Ok(()) });
    let processor = batch_up_to(&sink, 4, 4);
    assert_eq!(processor.consume(layout::SIGNAL_LOGS, logs(10)).await, Ok(()));
    let got = sink.got.lock().unwrap().clone();
    let sizes: Vec<usize> = got.iter().map(|part| count_otlp_items(SignalType::Logs, part)).collect();
    assert_eq!(sizes, vec![4, 4, 2]);
}

#[test]
fn send_batch_max_size_below_send_batch_size_is_refused_in_go_words() {
    let config = serde_json::json!({ "send_batch_size": 100, "send_batch_max_size": 10, "send_batch_size_bytes": 1000, "timeout": "1s" });
    assert_eq!(Config::from_json(&config).err().unwrap(), "send_batch_max_size must be greater or equal to send_batch_size");
}

/// scenario: a request of 3.9 MiB is pending when one of 15 MiB arrives, with a 4 MiB byte bound / guarantee: the
/// pending batch leaves first and the large request travels on its own: no merged batch grows past the bound
/// (a merged 19 MiB one would exceed the ring's max_message_size, a permanent failure for valid data)
#[tokio::test]
async fn a_request_that_would_overflow_the_byte_bound_flushes_the_pending_batch_first() {
    let sink = Arc::new(Sink { got: Mutex::default(), answer: Ok(()) });
    let config = Config { send_batch_size: 1 << 30, send_batch_max_size: 0, send_batch_size_bytes: 4 << 20, timeout: Duration::from_secs(5), linger: Duration::ZERO };
    let processor = BatchProcessor::new(config, layout::SIGNAL_LOGS, Next::Component(sink.clone()));
    let (small, large) = (logs_of_bytes(3_900 << 10), logs_of_bytes(15 << 20));
    let pending = tokio::spawn(processor.clone().consume(layout::SIGNAL_LOGS, small.clone()));
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(processor.consume(layout::SIGNAL_LOGS, large.clone()).await, Ok(()));
    assert_eq!(pending.await.unwrap(), Ok(()));
    assert_eq!(*sink.got.lock().unwrap(), vec![small, large]);
}

/// An `ExportLogsServiceRequest` of about `bytes` bytes: one log record whose body is a long string.
fn logs_of_bytes(bytes: usize) -> Bytes {
    let field = |number: u8, body: &[u8]| {
        let mut out = vec![(number << 3) | 2];
        let mut n = body.len();
        while n >= 0x80 {
            out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
        out.extend_from_slice(body);
        out
    };
    let any_value = field(1, &vec![b'x'; bytes]); // AnyValue.string_value = 1
    let record = field(5, &any_value); // LogRecord.body = 5
    Bytes::from(field(1, &field(2, &field(2, &record)))) // request.resource_logs { scope_logs { log_records } }
}

// scenario: one caller with one request in flight, `timeout` an hour / guarantee: answered after linger, not timeout
#[tokio::test]
async fn a_lone_request_is_answered_without_waiting_for_the_timeout() {
    let sink = Arc::new(Sink { got: Mutex::default(), answer: Ok(()) });
    let processor = lingering(&sink, 5, 3_600_000);
    let answer = tokio::time::timeout(Duration::from_secs(30), processor.consume(layout::SIGNAL_LOGS, logs(1))).await;
    assert_eq!(answer, Ok(Ok(())), "the batch waited for its timeout");
    assert_eq!(sink.got.lock().unwrap().len(), 1);
}

// scenario: several callers at once, linger on / guarantee: their requests still go out as one batch
#[tokio::test]
async fn requests_arriving_together_still_merge() {
    let sink = Arc::new(Sink { got: Mutex::default(), answer: Ok(()) });
    let processor = lingering(&sink, 5, 3_600_000);
    let answers = futures::future::join_all((0..5).map(|_| processor.clone().consume(layout::SIGNAL_LOGS, logs(1)))).await;
    assert!(answers.iter().all(|answer| answer.is_ok()));
    assert_eq!(sink.got.lock().unwrap().clone(), vec![Bytes::from([logs(1), logs(1), logs(1), logs(1), logs(1)].concat())]);
}

#[test]
fn linger_defaults_to_1ms_and_0_turns_it_off() {
    let mut config = tandem_engine::batch_processor::default_config();
    assert_eq!(Config::from_json(&config).unwrap().linger, Duration::from_millis(1));
    config["linger"] = serde_json::json!(0);
    assert_eq!(Config::from_json(&config).unwrap().linger, Duration::ZERO);
}

/// Records what reaches it and answers each request only once a permit is added.
struct HeldSink {
    got: Mutex<Vec<Bytes>>,
    permits: tokio::sync::Semaphore,
}

impl Node for HeldSink {
    fn consume(self: Arc<Self>, _signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        self.got.lock().unwrap().push(payload);
        Box::pin(async move {
            self.permits.acquire().await.expect("open").forget();
            Ok(())
        })
    }
}

// scenario: a batch lingers while the previous flush is still in flight (a closed loop of waiting callers) /
// guarantee: it waits for that flush to end and leaves with what arrived meanwhile, instead of half full
#[tokio::test]
async fn a_lingered_batch_waits_for_the_flush_in_flight() {
    let sink = Arc::new(HeldSink { got: Mutex::default(), permits: tokio::sync::Semaphore::new(0) });
    let config = Config { send_batch_size: 1000, send_batch_max_size: 0, send_batch_size_bytes: 1 << 20, timeout: Duration::from_secs(3600), linger: Duration::from_millis(5) };
    let processor = BatchProcessor::new(config, layout::SIGNAL_LOGS, Next::Component(sink.clone()));
    let first = tokio::spawn(processor.clone().consume(layout::SIGNAL_LOGS, logs(1)));
    while sink.got.lock().unwrap().is_empty() {
        tokio::task::yield_now().await; // nothing in flight: the lone request leaves after linger
    }
    let second = tokio::spawn(processor.clone().consume(layout::SIGNAL_LOGS, logs(1)));
    tokio::time::sleep(Duration::from_millis(30)).await; // a gap of six lingers: the second batch has lingered
    let third = tokio::spawn(processor.clone().consume(layout::SIGNAL_LOGS, logs(2)));
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(sink.got.lock().unwrap().len(), 1, "a lingered batch left while a flush was in flight");
    sink.permits.add_permits(3);
    assert_eq!(first.await.unwrap(), Ok(()));
    assert_eq!((second.await.unwrap(), third.await.unwrap()), (Ok(()), Ok(())));
    assert_eq!(sink.got.lock().unwrap().clone(), vec![logs(1), Bytes::from([logs(1), logs(2)].concat())]);
}
