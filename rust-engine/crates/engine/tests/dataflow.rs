//! Tandem components on otap-dataflow's runtime (`dataflow`): a request entering a pipeline reaches its components
//! through the runtime and its sender gets the runtime's Ack or Nack, with the permanent/retryable distinction kept.

use bytes::Bytes;
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tandem_engine::dataflow::{Member, Part, Pipeline, Target};
use tandem_engine::node::{Next, Node};
use tandem_ipc::{Answer, RequestError, layout};

/// An exporter that keeps what it is given and answers by the payload's first byte: 0 ok, 1 retryable, 2 permanent.
#[derive(Default)]
struct Sink {
    got: Mutex<Vec<(u16, Bytes, String)>>,
}

impl Node for Sink {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let thread = std::thread::current().name().unwrap_or_default().to_string();
        let answer = match payload.first() {
            Some(1) => Err(RequestError::Retryable("try again".into())),
            Some(2) => Err(RequestError::Permanent("never".into())),
            _ => Ok(()),
        };
        self.got.lock().unwrap().push((signal, payload, thread));
        Box::pin(async move { answer })
    }
}

/// A processor that sends each request to all its consumers with a byte appended.
struct Tag {
    next: Next,
}

impl Node for Tag {
    fn consume(self: Arc<Self>, signal: u16, payload: Bytes) -> BoxFuture<'static, Answer> {
        let mut tagged = payload.to_vec();
        tagged.push(b'!');
        self.next.send(signal, tagged.into())
    }
}

fn members() -> Vec<Member> {
    vec![
        Member { key: "tag".into(), exporter: false, targets: vec![Target::Member("left".into()), Target::Member("right".into())], native: None },
        Member { key: "left".into(), exporter: true, targets: vec![], native: None },
        Member { key: "right".into(), exporter: true, targets: vec![], native: None },
    ]
}

fn start(left: &Arc<Sink>, right: &Arc<Sink>) -> Pipeline {
    let (left, right) = (left.clone(), right.clone());
    let make = move |member: &Member, _: Part, next: Vec<Next>| -> Result<Arc<dyn Node>, String> {
        Ok(match member.key.as_str() {
            "tag" => Arc::new(Tag { next: Next::all(next)? }),
            "left" => left.clone(),
            _ => right.clone(),
        })
    };
    Pipeline::start("test", 0, 1, &members(), &make).expect("pipeline starts")
}

#[tokio::test]
async fn requests_cross_the_runtime_and_get_its_ack_or_nack() {
    let (left, right) = (Arc::new(Sink::default()), Arc::new(Sink::default()));
    let pipeline = start(&left, &right);
    let tag = pipeline.entry("tag");

    assert_eq!(tag.send(layout::SIGNAL_LOGS, Bytes::from_static(&[0, 7])).await, Ok(()));
    let got = left.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, layout::SIGNAL_LOGS);
    assert_eq!(&got[0].1[..], &[0, 7, b'!']);
    assert_eq!(got[0].2, "tandem-core-0", "components run on the pipeline's thread");
    assert_eq!(right.got.lock().unwrap().len(), 1);

    // Straight to an exporter, and the two kinds of refusal.
    assert_eq!(pipeline.entry("left").send(layout::SIGNAL_TRACES, Bytes::from_static(&[1])).await, Err(RequestError::Retryable("try again".into())));
    assert_eq!(pipeline.entry("right").send(layout::SIGNAL_METRICS, Bytes::from_static(&[2])).await, Err(RequestError::Permanent("never".into())));
    // Fan-out: one consumer refusing permanently makes the whole permanent.
    let both = tag.send(layout::SIGNAL_LOGS, Bytes::from_static(&[2])).await;
    assert!(matches!(both, Err(RequestError::Permanent(_))), "{both:?}");

    pipeline.stop(Instant::now() + Duration::from_secs(1)).await;
    let after = tag.send(layout::SIGNAL_LOGS, Bytes::from_static(&[0])).await;
    assert!(matches!(after, Err(RequestError::Retryable(_))), "a stopped pipeline refuses retryably: {after:?}");
}

#[tokio::test]
async fn many_requests_in_flight_are_each_answered() {
    let (left, right) = (Arc::new(Sink::default()), Arc::new(Sink::default()));
    let pipeline = start(&left, &right);
    let tag = pipeline.entry("tag");
    let calls = (0..2000u32).map(|i| tag.send(layout::SIGNAL_LOGS, Bytes::from(vec![0, (i % 251) as u8])));
    let answers = futures::future::join_all(calls).await;
    assert!(answers.iter().all(|a| a.is_ok()));
    assert_eq!(left.got.lock().unwrap().len(), 2000);
    assert_eq!(right.got.lock().unwrap().len(), 2000);
    pipeline.stop(Instant::now() + Duration::from_secs(1)).await;
}

#[test]
fn a_member_that_cannot_be_made_fails_the_start() {
    let make = |_: &Member, _: Part, _: Vec<Next>| -> Result<Arc<dyn Node>, String> { Err("exporters::bad: nope".into()) };
    let error = Pipeline::start("test", 0, 1, &members(), &make).err().expect("refused");
    assert_eq!(error, "exporters::bad: nope");
}

/// An exporter that answers OK after a while.
struct Slow;

impl Node for Slow {
    fn consume(self: Arc<Self>, _: u16, _: Bytes) -> BoxFuture<'static, Answer> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(())
        })
    }
}

#[tokio::test]
async fn stopping_drains_what_is_in_flight_until_the_deadline() {
    let members = [Member { key: "slow".into(), exporter: true, targets: vec![], native: None }];
    let make = |_: &Member, _: Part, _: Vec<Next>| -> Result<Arc<dyn Node>, String> { Ok(Arc::new(Slow)) };
    let pipeline = Pipeline::start("test", 0, 1, &members, &make).expect("pipeline starts");
    let slow = pipeline.entry("slow");
    let in_flight = tokio::spawn(slow.send(layout::SIGNAL_LOGS, Bytes::new()));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    pipeline.stop(Instant::now() + Duration::from_secs(5)).await;
    assert_eq!(in_flight.await.unwrap(), Ok(()), "answered before the pipeline stopped");
    assert!(started.elapsed() < Duration::from_secs(2), "stopped once nothing was in flight, not at the deadline");
}

#[tokio::test]
async fn what_is_still_in_flight_at_the_deadline_is_refused_retryably() {
    let members = [Member { key: "slow".into(), exporter: true, targets: vec![], native: None }];
    let make = |_: &Member, _: Part, _: Vec<Next>| -> Result<Arc<dyn Node>, String> { Ok(Arc::new(Slow)) };
    let pipeline = Pipeline::start("test", 0, 1, &members, &make).expect("pipeline starts");
    let in_flight = tokio::spawn(pipeline.entry("slow").send(layout::SIGNAL_LOGS, Bytes::new()));
    tokio::time::sleep(Duration::from_millis(50)).await;
    pipeline.stop(Instant::now() + Duration::from_millis(20)).await;
    let answer = in_flight.await.unwrap();
    assert!(matches!(answer, Err(RequestError::Retryable(_))), "{answer:?}");
}
