//! Where data leaves core N's pipeline for a host consumer: an otap-dataflow exporter node per host route that sends
//! each request over ring N, on the core's own thread, as OTLP (translated once here when it is OTAP). The host's
//! answer becomes the Ack or Nack. A request larger than the ring takes is sent as several, split between its
//! resources, and answered with the worst of their answers.

use super::{HOST_ANSWER_TIMEOUT, rings};
use crate::components::register::{self, Node};
use crate::otap::{Payload, answer_upstream};
use crate::otlp::RawRequest;
use async_trait::async_trait;
use bytes::Bytes;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::NodeControlMsg;
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::{ExporterInbox, Message};
use otel_arrow_dfe_engine::terminal_state::TerminalState;
use otel_arrow_dfe_engine::{ExporterFactory, local};
use otel_arrow_dfe_otap::OTAP_EXPORTER_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use prost::Message as _;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tandem_ipc::{Answer, RequestError, Session};

pub const URN: &str = "urn:tandem:exporter:ring";

/// The ring of core `core`, and the host route of the consumer.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub core: usize,
    pub route: u32,
}

#[distributed_slice(OTAP_EXPORTER_FACTORIES)]
static RING_EGRESS: ExporterFactory<OtapPdata> = register::exporter::<Egress>(URN);

/// The linker keeps a factory only when its object file is linked.
pub fn keep_linked() {
    std::hint::black_box(&RING_EGRESS);
}

struct Egress {
    config: Config,
}

impl Node for Egress {
    type Config = Config;

    fn from_config(config: Config, _: &PipelineContext) -> Result<Self, String> {
        Ok(Egress { config })
    }
}

/// Combines answers: any permanent failure makes the whole permanent, else any failure makes it retryable.
pub fn worst(answers: impl IntoIterator<Item = Answer>) -> Answer {
    let failures: Vec<RequestError> = answers.into_iter().filter_map(Result::err).collect();
    if failures.is_empty() {
        return Ok(());
    }
    let permanent = failures.iter().any(|e| matches!(e, RequestError::Permanent(_)));
    let message = failures.into_iter().map(|e| match e {
        RequestError::Retryable(m) | RequestError::Permanent(m) => m,
    });
    let message = message.collect::<Vec<_>>().join("; ");
    if permanent { Err(RequestError::Permanent(message)) } else { Err(RequestError::Retryable(message)) }
}

/// `request` as requests of at most `limit` bytes, cut between resources (one that is larger alone stays whole, and
/// the ring refuses it naming the limit).
pub fn split_by_resources(request: Bytes, limit: usize) -> Result<Vec<Bytes>, String> {
    if request.len() <= limit {
        return Ok(vec![request]);
    }
    let resources = RawRequest::decode(request).map_err(|e| format!("malformed OTLP: {e}"))?.resources;
    let mut parts = Vec::new();
    let (mut part, mut part_len) = (RawRequest::default(), 0);
    for resource in resources {
        // Field 1 of the request, as a length-delimited record.
        let resource_len = prost::encoding::bytes::encoded_len(1, &resource);
        if !part.resources.is_empty() && part_len + resource_len > limit {
            parts.push(Bytes::from(std::mem::take(&mut part).encode_to_vec()));
            part_len = 0;
        }
        part.resources.push(resource);
        part_len += resource_len;
    }
    parts.push(Bytes::from(part.encode_to_vec()));
    Ok(parts)
}

async fn send(session: Arc<Session>, route: u32, payload: Payload) -> Answer {
    let signal = payload.signal();
    let request = payload.into_otlp().map_err(RequestError::Permanent)?;
    let limit = session.region().max_message_size() as usize;
    let parts = split_by_resources(request, limit).map_err(RequestError::Permanent)?;
    let deadline = tokio::time::Instant::now() + HOST_ANSWER_TIMEOUT;
    let sends = parts.iter().map(|part| session.request(signal.code(), route, part, deadline));
    worst(futures::future::join_all(sends).await)
}

#[async_trait(?Send)]
impl local::exporter::Exporter<OtapPdata> for Egress {
    async fn start(
        self: Box<Self>,
        mut inbox: ExporterInbox<OtapPdata>,
        handler: local::exporter::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        let (core, route) = (self.config.core, self.config.route);
        let session = rings().session(core).ok_or_else(|| Error::InternalError { message: format!("core {core} has no ring") })?;
        loop {
            match inbox.recv().await? {
                Message::PData(pdata) => {
                    let (context, payload) = pdata.into_parts();
                    let answer_to = OtapPdata::new(context.clone(), payload.clone());
                    let (session, handler) = (session.clone(), handler.clone());
                    // Each request waits for the host on a task of its own, so that one slow answer holds up no other.
                    tokio::task::spawn_local(async move {
                        let answer = match Payload::of(payload) {
                            Ok(payload) => send(session, route, payload).await,
                            Err(e) => Err(RequestError::Permanent(e)),
                        };
                        answer_upstream(&handler, answer_to, answer).await;
                    });
                }
                Message::Control(NodeControlMsg::Shutdown { .. }) => return Ok(TerminalState::default()),
                Message::Control(_) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: answers of the parts of a split request. Guarantee: OK only when all are; permanent wins.
    #[test]
    fn the_worst_answer_wins() {
        assert_eq!(worst([Ok(()), Ok(())]), Ok(()));
        assert_eq!(worst([Ok(()), Err(RequestError::Retryable("a".into()))]), Err(RequestError::Retryable("a".into())));
        assert_eq!(
            worst([Err(RequestError::Retryable("a".into())), Err(RequestError::Permanent("b".into()))]),
            Err(RequestError::Permanent("a; b".into()))
        );
    }

    // Scenario: a request of three resources of 40 bytes each against limits of 100 and 1000 bytes. Guarantee: cut
    // between resources into parts within the limit, all resources kept in order; within the limit it is one part.
    #[test]
    fn a_request_over_the_limit_is_split_between_resources() {
        let resource = |fill: u8| Bytes::from(vec![fill; 38]);
        let request = Bytes::from(RawRequest { resources: vec![resource(1), resource(2), resource(3)] }.encode_to_vec());
        let parts = split_by_resources(request.clone(), 100).unwrap();
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|p| p.len() <= 100));
        let rejoined: Vec<Bytes> = parts.iter().flat_map(|p| RawRequest::decode(p.clone()).unwrap().resources).collect();
        assert_eq!(rejoined, vec![resource(1), resource(2), resource(3)]);
        assert_eq!(split_by_resources(request.clone(), 1000).unwrap(), vec![request]);
    }
}
