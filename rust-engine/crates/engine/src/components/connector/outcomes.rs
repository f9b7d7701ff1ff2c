//! A connector's requests answered from what it sent for them: each part goes on in a context of its own, subscribed
//! to its Ack or Nack, and the request is answered, with its own context and signal, once its last part is. Parts
//! cannot carry the request's context instead: otap-dataflow's receivers find a waiting caller by the answered data's
//! signal, so the counts of a traces request (metrics) would be answered where no caller waits.

use crate::otap::Payload;
use otel_arrow_dfe_engine::control::{AckMsg, CallData, Context8u8, NackMsg, NodeControlMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::{
    ConsumerEffectHandlerExtension, Interests, MessageSourceLocalEffectHandlerExtension, ProducerEffectHandlerExtension, local,
};
use otel_arrow_dfe_otap::pdata::{Context, OtapPdata};
use std::collections::HashMap;

struct Pending {
    left: usize,
    /// The failures so far: whether any was permanent, and their reasons.
    failure: Option<(bool, String)>,
    request: OtapPdata,
}

#[derive(Default)]
pub struct Outcomes {
    pending: HashMap<u64, Pending>,
    last: u64,
}

impl Outcomes {
    /// Sends `parts` (to the named output port, or the default one) for `request`, which is answered when they are.
    pub async fn send(
        &mut self,
        request: OtapPdata,
        parts: Vec<(Option<String>, Payload)>,
        handler: &mut local::processor::EffectHandler<OtapPdata>,
    ) -> Result<(), Error> {
        self.last += 1;
        let id = self.last;
        self.pending.insert(id, Pending { left: parts.len(), failure: None, request });
        for (port, part) in parts {
            let mut pdata = part.into_pdata(Context::with_capacity(1));
            let calldata: CallData = smallvec::smallvec![Context8u8::from(id)];
            handler.subscribe_to(Interests::ACKS | Interests::NACKS, calldata, &mut pdata);
            let sent = match port {
                Some(port) => handler.send_message_with_source_node_to(port, pdata).await,
                None => handler.send_message_with_source_node(pdata).await,
            };
            if let Err(e) = sent {
                self.settle(id, Some((false, e.to_string())), handler).await?;
            }
        }
        Ok(())
    }

    /// Takes the Ack or Nack of a part; other control messages are left to the caller (false).
    pub async fn answer(
        &mut self,
        message: &NodeControlMsg<OtapPdata>,
        handler: &mut local::processor::EffectHandler<OtapPdata>,
    ) -> Result<bool, Error> {
        let (calldata, failure) = match message {
            NodeControlMsg::Ack(ack) => (&ack.unwind.route.calldata, None),
            NodeControlMsg::Nack(nack) => (&nack.unwind.route.calldata, Some((nack.permanent, nack.reason.clone()))),
            _ => return Ok(false),
        };
        if let Some(id) = calldata.first() {
            self.settle(u64::from(*id), failure, handler).await?;
        }
        Ok(true)
    }

    /// One part of request `id` was answered (`failure` None: OK); the request is answered when its last part is.
    async fn settle(
        &mut self,
        id: u64,
        failure: Option<(bool, String)>,
        handler: &mut local::processor::EffectHandler<OtapPdata>,
    ) -> Result<(), Error> {
        let Some(pending) = self.pending.get_mut(&id) else { return Ok(()) };
        pending.left -= 1;
        if let Some((permanent, reason)) = failure {
            pending.failure = Some(match pending.failure.take() {
                None => (permanent, reason),
                Some((was_permanent, reasons)) => (was_permanent || permanent, format!("{reasons}; {reason}")),
            });
        }
        if pending.left > 0 {
            return Ok(());
        }
        let pending = self.pending.remove(&id).expect("present above");
        match pending.failure {
            None => handler.notify_ack(AckMsg::new(pending.request)).await,
            Some((true, reason)) => handler.notify_nack(NackMsg::new_permanent(reason, pending.request)).await,
            Some((false, reason)) => handler.notify_nack(NackMsg::new(reason, pending.request)).await,
        }
    }
}
