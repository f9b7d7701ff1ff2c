//! Tandem's engine components on otap-dataflow's runtime. What one Start brings up becomes an otap-dataflow pipeline
//! per core (`executor.cores` replicas), each run by the runtime's local executor (`RuntimePipeline::run_forever`: a
//! current-thread tokio runtime and a `LocalSet`) on a thread of its own:
//!
//! ```text
//! ring / engine receivers --> ingress --(port = component key)--> component --(port outN)--> component | host:ROUTE
//! ```
//!
//! Every request is acked or nacked through the runtime (`nodes.rs`), and that is the answer its sender gets.
//! The runtime is used without its controller, which wants to own the process (the whole `OtelDataflowSpec`, signals,
//! admin endpoint): the few channels and reporters a pipeline needs are made here.

pub mod handoff;
mod nodes;

use crate::node::{Injected, Next, Node};
use nodes::{EXPORTER_URN, ExporterParts, INGRESS_URN, IngressParts, PROCESSOR_URN, ProcessorParts};
use otel_arrow_dfe_config::DeployedPipelineKey;
use otel_arrow_dfe_config::observed_state::SendPolicy;
use otel_arrow_dfe_config::pipeline::{PipelineConfigBuilder, PipelineType};
use otel_arrow_dfe_config::policy::{ChannelCapacityPolicy, TelemetryPolicy};
use otel_arrow_dfe_engine::context::ControllerContext;
use otel_arrow_dfe_engine::control::{RuntimeControlMsg, RuntimeCtrlMsgSender, pipeline_completion_msg_channel, runtime_ctrl_msg_channel};
use otel_arrow_dfe_engine::memory_limiter::MemoryPressureChanged;
use otel_arrow_dfe_otap::OTAP_PIPELINE_FACTORY;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_telemetry::event::ObservedEventReporter;
use otel_arrow_dfe_telemetry::registry::TelemetryRegistryHandle;
use otel_arrow_dfe_telemetry::reporter::MetricsReporter;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Requests waiting to enter a pipeline, and requests waiting to leave one of its components: beyond this, senders
/// wait (backpressure) rather than queue without bound.
const QUEUE: usize = 1024;
const INGRESS: &str = "ingress";
const PIPELINE_GROUP: &str = "tandem";

/// A component to run in a pipeline.
pub struct Member {
    pub key: String,
    /// An exporter ends its paths: it has no consumers.
    pub exporter: bool,
    pub targets: Vec<Target>,
}

/// One consumer of a member.
pub enum Target {
    /// Another member of the same pipeline.
    Member(String),
    /// A host consumer over the ring (`next`), on its own exporter node.
    Host { route: u32, next: Next },
    /// A consumer outside this pipeline (a component an earlier Start brought up).
    Outside(Next),
}

/// Makes a member's component, given its consumers (one per target).
pub type Make<'a> = &'a dyn Fn(&Member, Vec<Next>) -> Result<Arc<dyn Node>, String>;

/// One replica of a pipeline, running on its thread.
pub struct Pipeline {
    requests: mpsc::Sender<Injected>,
    control: RuntimeCtrlMsgSender<OtapPdata>,
    stopped: oneshot::Receiver<()>,
}

impl Pipeline {
    /// Builds the pipeline of `members` (replica `core` of `cores`) and starts it; errors name what is wrong.
    pub fn start(name: &str, core: usize, cores: usize, members: &[Member], make: Make) -> Result<Pipeline, String> {
        nodes::keep_linked();
        let (requests, ingress_requests) = mpsc::channel(QUEUE);
        let mut handed = vec![handoff::put(IngressParts { requests: ingress_requests })];
        let built = Self::config(members, make, &mut handed).and_then(|config| {
            config.build(PipelineType::Otap, PIPELINE_GROUP, name.to_string()).map_err(|e| format!("invalid engine pipeline: {e}"))
        });
        let config = match built {
            Ok(config) => config,
            Err(e) => {
                handed.iter().for_each(handoff::discard);
                return Err(e);
            }
        };
        let context = ControllerContext::new(TelemetryRegistryHandle::new()).pipeline_context_with(
            PIPELINE_GROUP.into(),
            name.to_string().into(),
            core,
            cores,
            core,
        );
        let capacity = ChannelCapacityPolicy::default();
        let (control, control_rx) = runtime_ctrl_msg_channel::<OtapPdata>(capacity.control.pipeline);
        let (completion, completion_rx) = pipeline_completion_msg_channel::<OtapPdata>(capacity.control.completion);
        let key = DeployedPipelineKey {
            pipeline_group_id: PIPELINE_GROUP.into(),
            pipeline_id: name.to_string().into(),
            core_id: core,
            deployment_generation: 0,
        };
        let (built_tx, built_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let (stopped_tx, stopped) = oneshot::channel();
        let runtime_control = control.clone();
        std::thread::Builder::new()
            .name(format!("tandem-core-{core}"))
            .spawn(move || {
                let _entity = otel_arrow_dfe_engine::entity_context::set_pipeline_entity_key(
                    context.metrics_registry(),
                    context.register_pipeline_entity(),
                );
                let pipeline = OTAP_PIPELINE_FACTORY.build(context.clone(), config, capacity, TelemetryPolicy::default(), Default::default(), None, None);
                let pipeline = match pipeline {
                    Ok(pipeline) => pipeline,
                    Err(e) => {
                        handed.iter().for_each(handoff::discard);
                        let _ = built_tx.send(Err(format!("cannot build the engine pipeline: {e}")));
                        return;
                    }
                };
                let _ = built_tx.send(Ok(()));
                // Nobody watches the runtime's events, metrics or memory pressure: the host reads Tandem's counters.
                let (events, _) = flume::bounded(1);
                let (_metrics, metrics) = MetricsReporter::create_new_and_receiver(1);
                let (_pressure, pressure) = tokio::sync::watch::channel(MemoryPressureChanged::initial());
                let ran = pipeline.run_forever(
                    key,
                    context,
                    ObservedEventReporter::new(SendPolicy { blocking_timeout: None, console_fallback: false }, events),
                    metrics,
                    Duration::from_secs(60),
                    pressure,
                    runtime_control,
                    control_rx,
                    completion,
                    completion_rx,
                );
                if let Err(e) = ran {
                    crate::log::error("engine pipeline failed", serde_json::json!({ "core": core, "error": e.to_string() }));
                }
                let _ = stopped_tx.send(());
            })
            .map_err(|e| format!("cannot start a pipeline thread: {e}"))?;
        built_rx.recv().map_err(|_| "the engine pipeline thread died while building".to_string())??;
        Ok(Pipeline { requests, control, stopped })
    }

    /// The pipeline's config: the ingress, one node per member, one per host consumer. Hands each node its parts.
    fn config(members: &[Member], make: Make, handed: &mut Vec<serde_json::Value>) -> Result<PipelineConfigBuilder, String> {
        let mut config = PipelineConfigBuilder::new().add_receiver(INGRESS, INGRESS_URN, Some(handed[0].clone()));
        let mut host_routes = BTreeSet::new();
        for member in members {
            let (outputs, outputs_rx) = mpsc::channel(QUEUE);
            let mut next = Vec::new();
            for (index, target) in member.targets.iter().enumerate() {
                let port: Arc<str> = format!("out{index}").into();
                let to = match target {
                    Target::Outside(outside) => {
                        next.push(outside.clone());
                        continue;
                    }
                    Target::Member(key) => key.clone(),
                    Target::Host { route, next } => {
                        let node = format!("host:{route}");
                        if host_routes.insert(*route) {
                            let parts = handoff::put(ExporterParts { node: Arc::new(next.clone()) });
                            handed.push(parts.clone());
                            config = config.add_exporter(node.clone(), EXPORTER_URN, Some(parts));
                        }
                        node
                    }
                };
                config = config.to_output(member.key.clone(), port.to_string(), to);
                next.push(Next::Pipeline { requests: outputs.clone(), port });
            }
            let node = make(member, next)?;
            let parts = match member.exporter {
                true => handoff::put(ExporterParts { node }),
                false => handoff::put(ProcessorParts { node, outputs: outputs_rx }),
            };
            handed.push(parts.clone());
            let urn = if member.exporter { EXPORTER_URN } else { PROCESSOR_URN };
            config = config.add_node(member.key.clone(), urn, Some(parts)).to_output(INGRESS, member.key.clone(), member.key.clone());
        }
        Ok(config)
    }

    /// Where outside requests for a member enter this pipeline.
    pub fn entry(&self, key: &str) -> Next {
        Next::Pipeline { requests: self.requests.clone(), port: key.into() }
    }

    /// Stops the pipeline: the ingress admits nothing new and waits until `deadline` for what is in flight to be
    /// answered, then every node stops.
    pub async fn stop(self, deadline: Instant) {
        let message = RuntimeControlMsg::Shutdown { deadline, reason: "the host shut the deployment down".into() };
        if self.control.try_send(message).is_err() {
            crate::log::error("cannot ask an engine pipeline to stop", serde_json::json!({}));
        }
        // The runtime's control loop ends only when every sender is gone (else it waits for the deadline).
        drop(self.control);
        drop(self.requests);
        let grace = deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(1);
        if tokio::time::timeout(grace, self.stopped).await.is_err() {
            crate::log::error("an engine pipeline did not stop in time", serde_json::json!({}));
        }
    }
}
