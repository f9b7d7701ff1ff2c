//! Deployments running on otap-dataflow's runtime with real rings: this test is the host. It creates ring regions as
//! the host does (the engine attaches them as it does inherited ones), deploys the engine's part of the pipelines as
//! the host would, sends requests on entry routes and answers the engine's requests on host routes.

use bytes::Bytes;
use otel_arrow_dfe_pdata::proto::opentelemetry::collector::logs::v1::ExportLogsServiceRequest;
use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{AnyValue, any_value};
use otel_arrow_dfe_pdata::proto::opentelemetry::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use prost::Message;
use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
use std::sync::Arc;
use std::time::Duration;
use tandem_engine::control::pb;
use tandem_engine::deployment::{Deployment, Refused};
use tandem_engine::ring::rings;
use tandem_engine::runtime::telemetry::Telemetry;
use tandem_ipc::{Incoming, RegionOptions, RequestError, Session, SessionOptions, create_inherited, testing};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// The rings are the process's: one test at a time uses them (an async lock: it is held across the test's awaits).
static RINGS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The host's end of one core's ring.
struct Host {
    session: Arc<Session>,
    incoming: UnboundedReceiver<Incoming>,
}

/// Rings for `cores` cores with messages up to `max_message_size`, attached by the engine as inherited ones.
fn attach(cores: usize, max_message_size: u32) -> Vec<Host> {
    (0..cores)
        .map(|_| {
            let (region, ours, theirs) = create_inherited(RegionOptions::symmetric(1 << 20, max_message_size, 64)).unwrap();
            let engine_region = unsafe { OwnedFd::from_raw_fd(libc::dup(region.raw_fd())) };
            rings().attach_inherited(engine_region.into_raw_fd(), theirs.into_raw_fd()).unwrap();
            let (session, incoming) = Session::start(region, ours, SessionOptions::default()).unwrap();
            Host { session: Arc::new(session), incoming }
        })
        .collect()
}

fn soon() -> Instant {
    Instant::now() + Duration::from_secs(20)
}

/// An `ExportLogsServiceRequest` of `n` log records whose bodies are `tag` and their index.
fn logs(tag: &str, n: usize) -> Bytes {
    let record =
        |i: usize| LogRecord { body: Some(AnyValue { value: Some(any_value::Value::StringValue(format!("{tag} {i}"))) }), ..Default::default() };
    let scope = ScopeLogs { log_records: (0..n).map(record).collect(), ..Default::default() };
    Bytes::from(ExportLogsServiceRequest { resource_logs: vec![ResourceLogs { scope_logs: vec![scope], ..Default::default() }] }.encode_to_vec())
}

fn bodies(request: &[u8]) -> Vec<String> {
    let request = ExportLogsServiceRequest::decode(request).unwrap();
    let records = request.resource_logs.into_iter().flat_map(|r| r.scope_logs).flat_map(|s| s.log_records);
    records
        .filter_map(|r| match r.body?.value? {
            any_value::Value::StringValue(s) => Some(s),
            _ => None,
        })
        .collect()
}

const LOGS: i32 = pb::Signal::Logs as i32;

fn node(key: &str, kind: pb::Kind, id: &str, config: serde_json::Value) -> pb::Node {
    pb::Node { key: key.into(), kind: kind as i32, id: id.into(), signals: vec![LOGS], config_json: config.to_string(), ..Default::default() }
}

fn to_host(from: &str, route: u32) -> pb::Edge {
    pb::Edge { from: from.into(), to: Some(pb::edge::To::HostRoute(route)), signal: LOGS, pipeline: String::new() }
}

fn entry(route: u32, node: &str) -> pb::Entry {
    pb::Entry { route, node: node.into(), signal: LOGS }
}

/// A deployment of `rust_batch` with `config`, fed by the host on route 1 and sending to the host on route 9.
fn batch_deployment(config: serde_json::Value) -> pb::DeployRequest {
    pb::DeployRequest {
        nodes: vec![node("batch", pb::Kind::Processor, "rust_batch", config)],
        edges: vec![to_host("batch", 9)],
        entries: vec![entry(1, "batch")],
    }
}

async fn started(cores: usize, request: pb::DeployRequest) -> Arc<Deployment> {
    started_pinned(cores, false, request).await
}

async fn started_pinned(cores: usize, pin: bool, request: pb::DeployRequest) -> Arc<Deployment> {
    let telemetry = Arc::new(Telemetry::default());
    let collecting = telemetry.clone();
    tokio::spawn(async move { collecting.collect().await });
    let deployment = Arc::new(Deployment::new(cores, pin, telemetry));
    if let Err(Refused::Invalid(e) | Refused::State(e)) = deployment.deploy(request).await {
        panic!("deploy: {e}");
    }
    if let Err(Refused::Invalid(e) | Refused::State(e)) = deployment.start().await {
        panic!("start: {e}");
    }
    deployment
}

async fn stop(deployment: Arc<Deployment>) {
    deployment.shutdown(Duration::from_secs(1)).await;
    rings().detach();
}

/// Answers the next request the engine sends the host OK, and returns its route and payload.
async fn answer_next(host: &mut Host) -> (u32, Vec<u8>) {
    let request =
        tokio::time::timeout(Duration::from_secs(20), host.incoming.recv()).await.expect("a request from the engine").expect("the ring is open");
    let got = (request.route, request.payload.clone());
    request.reply.send(Ok(()));
    got
}

// Scenario: two requests of two log records into rust_batch with send_batch_size 4 (and linger at the timeout, so by
// size or timeout only, as Go). Guarantee: one request of four
// records reaches the host consumer, both callers are answered only once it is answered, and the component's
// counters (otap-dataflow's node metrics) say 4 items in and out, 2 requests OK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_fill_by_items_and_callers_wait_for_the_export() {
    let _one_at_a_time = RINGS.lock().await;
    let mut hosts = attach(1, 1 << 16);
    let deployment = started(1, batch_deployment(serde_json::json!({ "send_batch_size": 4, "timeout": "60s", "linger": "60s" }))).await;
    let session = hosts[0].session.clone();
    let first = tokio::spawn({
        let session = session.clone();
        async move { session.request(pb::Signal::Logs as u16, 1, &logs("a", 2), soon()).await }
    });
    let second = tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &logs("b", 2), soon()).await });
    let (route, batch) = answer_next(&mut hosts[0]).await;
    let mut got = bodies(&batch);
    got.sort();
    assert_eq!((route, got), (9, vec!["a 0".to_string(), "a 1".into(), "b 0".into(), "b 1".into()]));
    assert_eq!((first.await.unwrap(), second.await.unwrap()), (Ok(()), Ok(())));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let counters = deployment.counters().await;
        let c = &counters[0];
        if (c.items_in, c.items_out, c.requests_ok) == (4, 4, 2) || Instant::now() > deadline {
            assert_eq!((c.key.as_str(), c.items_in, c.items_out, c.requests_ok, c.requests_failed), ("batch", 4, 4, 2, 0));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop(deployment).await;
}

// Scenario: one request into rust_batch with a 60 s timeout and a 20 ms linger. Guarantee: it is exported and
// answered once nothing more arrived for the linger, not at the timeout (the test waits 20 s at most).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lone_request_leaves_after_the_linger() {
    let _one_at_a_time = RINGS.lock().await;
    let mut hosts = attach(1, 1 << 16);
    let deployment = started(1, batch_deployment(serde_json::json!({ "send_batch_size": 1000, "timeout": "60s", "linger": "20ms" }))).await;
    let session = hosts[0].session.clone();
    let sent = tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &logs("alone", 3), soon()).await });
    let (_, batch) = answer_next(&mut hosts[0]).await;
    assert_eq!(bodies(&batch).len(), 3);
    assert_eq!(sent.await.unwrap(), Ok(()));
    stop(deployment).await;
}

// Scenario (issue 11.2): a request of about 70% of the ring's max_message_size, then another one, within the batch's
// timeout. Guarantee: the batch never merges past what the ring takes: the host gets two requests, each within the
// limit, and both callers get OK (before, the merged batch was refused for good, naming the limit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_never_merges_past_what_the_ring_takes() {
    let _one_at_a_time = RINGS.lock().await;
    let limit = 1 << 16;
    let mut hosts = attach(1, limit);
    let deployment = started(
        1,
        batch_deployment(serde_json::json!({ "send_batch_size": 1_000_000, "send_batch_size_bytes": 0, "timeout": "60s", "linger": "50ms" })),
    )
    .await;
    let big = logs(&"x".repeat(4000), 11);
    assert!(big.len() as u32 > limit * 2 / 3 && (big.len() as u32) < limit, "{} bytes", big.len());
    let session = hosts[0].session.clone();
    let sends: Vec<_> = (0..2)
        .map(|_| {
            let (session, big) = (session.clone(), big.clone());
            tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &big, soon()).await })
        })
        .collect();
    let mut sizes = Vec::new();
    for _ in 0..2 {
        sizes.push(answer_next(&mut hosts[0]).await.1.len());
    }
    for sent in sends {
        assert_eq!(sent.await.unwrap(), Ok(()));
    }
    assert!(sizes.iter().all(|s| *s as u32 <= limit), "{sizes:?}");
    stop(deployment).await;
}

// Scenario (issue 11.2, from main's rust_batch): two requests of about 2 KB into rust_batch with
// send_batch_size_bytes 3000, linger at the timeout (by size or timeout only). Guarantee: the pending batch is sent before the second would take it past
// its byte bound: the host gets two requests each within it (the second at the 1 s timeout), not one of 4 KB.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_would_pass_the_byte_bound_sends_the_pending_batch_first() {
    let _one_at_a_time = RINGS.lock().await;
    let mut hosts = attach(1, 1 << 16);
    let deployment = started(1, batch_deployment(serde_json::json!({ "send_batch_size_bytes": 3000, "timeout": "1s", "linger": "1s" }))).await;
    let request = logs(&"y".repeat(190), 10);
    assert!((1500..3000).contains(&request.len()), "{} bytes", request.len());
    let session = hosts[0].session.clone();
    let sends: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|_| {
            let (session, request) = (session.clone(), request.clone());
            tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &request, soon()).await })
        })
        .collect();
    let sizes = [answer_next(&mut hosts[0]).await.1.len(), answer_next(&mut hosts[0]).await.1.len()];
    for sent in sends {
        assert_eq!(sent.await.unwrap(), Ok(()));
    }
    assert!(sizes.iter().all(|s| *s <= 3000), "{sizes:?}");
    stop(deployment).await;
}

/// Sends one request into rust_batch (`config`) and holds the host's answer to the batch it makes, then sends two more:
/// asserts that the first batch left alone, that nothing more reaches the host for 200 ms once the engine has the two,
/// and that they leave together once the first batch is answered, every caller then answered OK.
async fn the_next_batch_waits_for_the_one_awaiting_its_answer(config: serde_json::Value) {
    let _one_at_a_time = RINGS.lock().await;
    let mut hosts = attach(1, 1 << 16);
    let deployment = started(1, batch_deployment(config)).await;
    let session = hosts[0].session.clone();
    let send = |tag: &'static str| {
        let session = session.clone();
        tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &logs(tag, 1), soon()).await })
    };
    let first = send("a");
    let held = tokio::time::timeout(Duration::from_secs(20), hosts[0].incoming.recv()).await.expect("the first batch").expect("the ring is open");
    assert_eq!(bodies(&held.payload), vec!["a 0".to_string()]);
    let (second, third) = (send("b"), send("c"));
    // Wait until the engine has read both off the ring (its read position at the write position; the counters would
    // not do: a node counts a message once it is answered), then see that they stay in the engine.
    let (region, ring) = (session.region().clone(), session.region().role().outgoing_ring());
    let read = || session.stats().requests_sent == 3 && testing::head(&region, ring) == testing::tail(&region, ring);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !read() {
        assert!(Instant::now() < deadline, "the engine did not read the two requests off the ring");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let early = tokio::time::timeout(Duration::from_millis(200), hosts[0].incoming.recv()).await;
    assert!(early.is_err(), "a batch left while the first awaited its answer");
    held.reply.send(Ok(()));
    assert_eq!(first.await.unwrap(), Ok(()));
    let (_, together) = answer_next(&mut hosts[0]).await;
    let mut got = bodies(&together);
    got.sort();
    assert_eq!(got, vec!["b 0".to_string(), "c 0".into()]);
    assert_eq!((second.await.unwrap(), third.await.unwrap()), (Ok(()), Ok(())));
    stop(deployment).await;
}

// Scenario: rust_batch with its default linger (none) and a 60 s timeout; a lone request, then two more while the
// host holds the first batch's answer. Guarantee: the first leaves at once (no linger, no timeout to wait for); the
// next two wait for that answer (Nagle's rule), then leave together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_default_a_batch_leaves_at_once_unless_one_awaits_its_answer() {
    the_next_batch_waits_for_the_one_awaiting_its_answer(serde_json::json!({ "timeout": "60s" })).await;
}

// Scenario: the same with a 20 ms linger. Guarantee: the first leaves after its linger; the next two do not leave on
// theirs (200 ms is ten lingers) while the first awaits its answer, then leave together.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lingered_batch_waits_for_the_batch_awaiting_its_answer() {
    the_next_batch_waits_for_the_one_awaiting_its_answer(serde_json::json!({ "send_batch_size": 1000, "timeout": "60s", "linger": "20ms" })).await;
}

// Scenario: rust_batch feeding two host consumers. Guarantee: both get the batch (an engine fan-out, otap-dataflow's
// fanout processor), and the caller is answered once both answered; a retryable refusal by one is the caller's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fan_out_waits_for_every_consumer() {
    let _one_at_a_time = RINGS.lock().await;
    let mut hosts = attach(1, 1 << 16);
    let mut request = batch_deployment(serde_json::json!({ "send_batch_size": 1, "linger": "0s" }));
    request.edges.push(to_host("batch", 10));
    let deployment = started(1, request).await;
    let session = hosts[0].session.clone();
    let sent = tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &logs("both", 1), soon()).await });
    let mut routes = vec![answer_next(&mut hosts[0]).await.0, answer_next(&mut hosts[0]).await.0];
    routes.sort();
    assert_eq!(routes, vec![9, 10]);
    assert_eq!(sent.await.unwrap(), Ok(()));

    let session = hosts[0].session.clone();
    let refused = tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &logs("one refuses", 1), soon()).await });
    for _ in 0..2 {
        let request = tokio::time::timeout(Duration::from_secs(20), hosts[0].incoming.recv()).await.unwrap().unwrap();
        let answer = if request.route == 10 { Err(RequestError::Retryable("route 10 is busy".into())) } else { Ok(()) };
        request.reply.send(answer);
    }
    assert!(matches!(refused.await.unwrap(), Err(RequestError::Retryable(m)) if m.contains("route 10 is busy")));
    stop(deployment).await;
}

// Scenario: rust_forward between a pipeline fed by the host and one that exports to the host; the host answers the
// forwarded requests OK, retryable and permanent in turn. Guarantee: each request reaches the host unchanged, on the
// next pipeline's route, and its caller gets the host's own answer, reason included (forward adds no answer of its own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forward_connector_hands_on_the_request_and_its_answer() {
    let _one_at_a_time = RINGS.lock().await;
    let mut hosts = attach(1, 1 << 16);
    let mut out = to_host("forward", 9);
    out.pipeline = "logs/out".into();
    let request = pb::DeployRequest {
        nodes: vec![pb::Node { output_signal: LOGS, ..node("forward", pb::Kind::Connector, "rust_forward", serde_json::json!({})) }],
        edges: vec![out],
        entries: vec![entry(1, "forward")],
    };
    let deployment = started(1, request).await;
    let answers = [Ok(()), Err(RequestError::Retryable("the backend is busy".into())), Err(RequestError::Permanent("the backend refuses it".into()))];
    for (i, answer) in answers.into_iter().enumerate() {
        let sent = logs(&format!("request {i}"), 2);
        let session = hosts[0].session.clone();
        let payload = sent.clone();
        let caller = tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &payload, soon()).await });
        let forwarded =
            tokio::time::timeout(Duration::from_secs(20), hosts[0].incoming.recv()).await.expect("the forwarded request").expect("the ring is open");
        assert_eq!((forwarded.route, bodies(&forwarded.payload)), (9, bodies(&sent)));
        forwarded.reply.send(answer.clone());
        assert_eq!(caller.await.unwrap(), answer);
    }
    stop(deployment).await;
}

// Scenario: two cores, each with its ring; requests sent on both rings. Guarantee: each core's pipeline reads and
// answers its own ring, and sends its batches back on that same ring: every ring carries traffic both ways.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_core_serves_its_own_ring_both_ways() {
    let _one_at_a_time = RINGS.lock().await;
    let mut hosts = attach(2, 1 << 16);
    let deployment = started(2, batch_deployment(serde_json::json!({ "send_batch_size": 1, "linger": "0s" }))).await;
    for (core, host) in hosts.iter_mut().enumerate() {
        let session = host.session.clone();
        let sent = tokio::spawn(async move { session.request(pb::Signal::Logs as u16, 1, &logs("core", 1), soon()).await });
        let (route, _) = answer_next(host).await;
        assert_eq!((core, route, sent.await.unwrap()), (core, 9, Ok(())));
    }
    for host in &hosts {
        let stats = host.session.stats();
        assert_eq!((stats.requests_sent, stats.requests_received), (1, 1));
    }
    stop(deployment).await;
}

// Scenario: a request on a route nothing is deployed on, with a deployment running and after it stopped. Guarantee:
// refused for good naming the route, both by the pipeline and by the control thread that takes the ring back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_without_a_node_is_refused_for_good() {
    let _one_at_a_time = RINGS.lock().await;
    let hosts = attach(1, 1 << 16);
    let deployment = started(1, batch_deployment(serde_json::json!({}))).await;
    let expected = Err(RequestError::Permanent("route 7 has no consumer in the engine (nothing deployed on it)".into()));
    assert_eq!(hosts[0].session.request(pb::Signal::Logs as u16, 7, &logs("x", 1), soon()).await, expected);
    deployment.shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        hosts[0].session.request(pb::Signal::Logs as u16, 1, &logs("x", 1), soon()).await,
        Err(RequestError::Permanent("route 1 has no consumer in the engine (nothing deployed on it)".into()))
    );
    rings().detach();
}

/// The CPUs each live thread named `name` may run on, as the kernel lists them (`Cpus_allowed_list`).
fn cpus_of_threads(name: &str) -> Vec<String> {
    let tasks = std::fs::read_dir("/proc/self/task").unwrap().filter_map(Result::ok);
    tasks
        .filter(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|comm| comm.trim() == name))
        .filter_map(|task| std::fs::read_to_string(task.path().join("status")).ok())
        .filter_map(|status| status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:").map(|cpus| cpus.trim().to_string())))
        .collect()
}

// Scenario: two cores deployed with pinning (`--pin-cores`). Guarantee: each core's pipeline thread may run on one
// CPU only, the core-th the process may use, so core 0 and core 1 run on CPUs of their own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinned_core_threads_run_on_their_own_cpu() {
    let _one_at_a_time = RINGS.lock().await;
    let _hosts = attach(2, 1 << 16);
    let allowed = tandem_engine::runtime::allowed_cpus().unwrap();
    let deployment = started_pinned(2, true, batch_deployment(serde_json::json!({}))).await;
    let expected: Vec<Vec<String>> = (0..2).map(|core| vec![tandem_engine::runtime::cpu_of(core, &allowed).unwrap().to_string()]).collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // A thread of an earlier test's pipeline may still be ending: wait until only the pinned ones are left.
    let seen = loop {
        let seen: Vec<Vec<String>> = (0..2).map(|core| cpus_of_threads(&format!("tandem-core-{core}"))).collect();
        if seen == expected || std::time::Instant::now() > deadline {
            break seen;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(seen, expected, "allowed CPUs {allowed:?}");
    stop(deployment).await;
}
