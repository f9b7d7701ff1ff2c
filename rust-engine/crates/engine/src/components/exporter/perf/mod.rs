//! `rust_perf`: a sink that acknowledges at once and logs, every `interval`, the requests, items and bytes per second
//! it received of each signal, into the engine's log and so the host's (idle intervals are not logged).

pub mod config;

use crate::components::register::{self, Node};
use crate::components::{ComponentConfig, FACTORIES, Factory, Kind, NodeSpec, Nodes, Placement};
use crate::signal::Signal;
use async_trait::async_trait;
use config::Config;
use linkme::distributed_slice;
use otel_arrow_dfe_engine::context::PipelineContext;
use otel_arrow_dfe_engine::control::{AckMsg, NodeControlMsg};
use otel_arrow_dfe_engine::error::Error;
use otel_arrow_dfe_engine::message::{ExporterInbox, Message};
use otel_arrow_dfe_engine::terminal_state::TerminalState;
use otel_arrow_dfe_engine::{ConsumerEffectHandlerExtension, ExporterFactory, local};
use otel_arrow_dfe_otap::OTAP_EXPORTER_FACTORIES;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Instant;

pub const TYPE: &str = "rust_perf";
pub const URN: &str = "urn:tandem:exporter:perf";

/// The node's config: the component's, and its ID for the reports.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct NodeConfig {
    id: String,
    perf: Config,
}

fn nodes(config: &Value, placement: &Placement) -> Result<Vec<NodeSpec>, String> {
    Ok(vec![NodeSpec { urn: URN, config: json!(NodeConfig { id: placement.id.to_string(), perf: Config::of(config)? }) }])
}

#[distributed_slice(FACTORIES)]
static FACTORY: Factory =
    Factory::new::<Config>(TYPE, Kind::Exporter, "a sink that logs the requests, items and bytes per second it receives", Nodes::Of(nodes));

#[distributed_slice(OTAP_EXPORTER_FACTORIES)]
static EXPORTER: ExporterFactory<OtapPdata> = register::exporter::<Perf>(URN);

pub fn keep_linked() {
    std::hint::black_box((&FACTORY, &EXPORTER));
}

struct Perf {
    config: NodeConfig,
}

impl Node for Perf {
    type Config = NodeConfig;

    fn from_config(config: NodeConfig, _: &PipelineContext) -> Result<Self, String> {
        Ok(Perf { config })
    }
}

#[derive(Default)]
struct Totals {
    requests: u64,
    items: u64,
    bytes: u64,
}

impl Perf {
    fn report(&self, totals: &mut BTreeMap<Signal, Totals>, since: Instant) {
        let seconds = since.elapsed().as_secs_f64();
        for (signal, t) in std::mem::take(totals) {
            let rate = |n: u64| (n as f64 / seconds).round();
            crate::log::info(
                "throughput",
                json!({
                    "component": self.config.id, "signal": signal.name(),
                    "requests": t.requests, "items": t.items, "bytes": t.bytes,
                    "items_per_second": rate(t.items), "bytes_per_second": rate(t.bytes), "seconds": seconds,
                }),
            );
        }
    }
}

#[async_trait(?Send)]
impl local::exporter::Exporter<OtapPdata> for Perf {
    async fn start(
        self: Box<Self>,
        mut inbox: ExporterInbox<OtapPdata>,
        handler: local::exporter::EffectHandler<OtapPdata>,
    ) -> Result<TerminalState, Error> {
        let mut ticks = tokio::time::interval(self.config.perf.interval.duration);
        ticks.tick().await;
        let mut totals: BTreeMap<Signal, Totals> = BTreeMap::new();
        let mut since = Instant::now();
        loop {
            tokio::select! {
                message = inbox.recv() => match message? {
                    Message::PData(mut pdata) => {
                        let t = totals.entry(pdata.signal_type().into()).or_default();
                        t.requests += 1;
                        t.items += pdata.num_items() as u64;
                        t.bytes += pdata.num_bytes().unwrap_or(0) as u64;
                        handler.notify_ack(AckMsg::new(pdata)).await?;
                    }
                    Message::Control(NodeControlMsg::Shutdown { .. }) => return Ok(TerminalState::default()),
                    Message::Control(_) => {}
                },
                _ = ticks.tick() => {
                    self.report(&mut totals, since);
                    since = Instant::now();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: a zero interval. Guarantee: refused naming the setting.
    #[test]
    fn a_zero_interval_is_refused() {
        assert_eq!(Config::effective(&json!({ "interval": "0s" })).unwrap_err(), "'interval' must be more than 0");
    }
}
