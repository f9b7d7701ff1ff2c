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
pub mod native;
mod nodes;

use crate::node::{Injected, Next, Node};
pub use native::Native;
use nodes::{EXPORTER_URN, ExporterParts, INGRESS_URN, IngressParts, PROCESSOR_URN, ProcessorParts};
use otel_arrow_dfe_config::DeployedPipelineKey;
use otel_arrow_dfe_config::observed_state::SendPolicy;
use otel_arrow_dfe_config::pipeline::{PipelineConfig, PipelineConfigBuilder, PipelineType};
use otel_arrow_dfe_config::policy::{ChannelCapacityPolicy, TelemetryPolicy};
use otel_arrow_dfe_engine::context::{ControllerContext, PipelineContext};
use otel_arrow_dfe_engine::control::{RuntimeControlMsg, RuntimeCtrlMsgSender, pipeline_completion_msg_channel, runtime_ctrl_msg_channel};
use otel_arrow_dfe_engine::memory_limiter::MemoryPressureChanged;
use otel_arrow_dfe_engine::runtime_pipeline::RuntimePipeline;
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
    /// Set when the component is one of otap-dataflow's own processors.
    pub native: Option<Native>,
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

/// Which Tandem node of a member is being made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Part {
    /// The component itself.
    Whole,
    /// A native member's entry, whose one consumer is its otap-dataflow node.
    Into,
    /// A native member's exit, whose consumers are the member's.
    OutOf,
}

/// Makes a Tandem node of a member, given its consumers (one per target).
pub type Make<'a> = &'a dyn Fn(&Member, Part, Vec<Next>) -> Result<Arc<dyn Node>, String>;

/// A pipeline config being put together, and the parts handed to its nodes.
struct Builder<'a> {
    config: PipelineConfigBuilder,
    handed: &'a mut Vec<serde_json::Value>,
    host_routes: BTreeSet<u32>,
}

impl Builder<'_> {
    fn hand(&mut self, parts: serde_json::Value) -> Option<serde_json::Value> {
        self.handed.push(parts.clone());
        Some(parts)
    }

    /// Adds the Tandem node `id` (a processor, or an exporter when it has no targets and the member is one) with an
    /// output port per target, and the host exporter nodes those targets need.
    fn add_tandem(&mut self, id: &str, member: &Member, targets: &[Target], part: Part, make: Make) -> Result<(), String> {
        let (outputs, outputs_rx) = mpsc::channel(QUEUE);
        let mut next = Vec::new();
        for (index, target) in targets.iter().enumerate() {
            let port: Arc<str> = format!("out{index}").into();
            let to = match target {
                Target::Outside(outside) => {
                    next.push(outside.clone());
                    continue;
                }
                Target::Member(key) => key.clone(),
                Target::Host { route, next } => {
                    let node = format!("host:{route}");
                    if self.host_routes.insert(*route) {
                        let parts = self.hand(handoff::put(ExporterParts { node: Arc::new(next.clone()) }));
                        self.config = std::mem::take(&mut self.config).add_exporter(node.clone(), EXPORTER_URN, parts);
                    }
                    node
                }
            };
            self.config = std::mem::take(&mut self.config).to_output(id.to_string(), port.to_string(), to);
            next.push(Next::Pipeline { requests: outputs.clone(), port });
        }
        let node = make(member, part, next)?;
        let (urn, parts) = match member.exporter && part == Part::Whole {
            true => (EXPORTER_URN, handoff::put(ExporterParts { node })),
            false => (PROCESSOR_URN, handoff::put(ProcessorParts { node, outputs: outputs_rx })),
        };
        let parts = self.hand(parts);
        self.config = std::mem::take(&mut self.config).add_node(id.to_string(), urn, parts);
        Ok(())
    }
}

/// One replica of a pipeline, running on its thread.
pub struct Pipeline {
    requests: mpsc::Sender<Injected>,
    control: RuntimeCtrlMsgSender<OtapPdata>,
    stopped: oneshot::Receiver<()>,
}

impl Pipeline {
    /// Builds the pipeline of `members` (replica `core` of `cores`) and starts it; errors name what is wrong.
    pub fn start(name: &str, core: usize, cores: usize, members: &[Member], make: Make) -> Result<Pipeline, String> {
        let (requests, config, handed) = Self::config(name, members, make)?;
        let context = Self::context(name, core, cores);
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
                let _entity = Self::enter(&context);
                let pipeline = match Self::build(&context, config, &handed) {
                    Ok(pipeline) => pipeline,
                    Err(e) => return drop(built_tx.send(Err(format!("cannot build the engine pipeline: {e}")))),
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

    /// Builds, without running, the pipeline of `members`: otap-dataflow creates every node, so a native node's config
    /// is checked as it will be at Start.
    pub fn check(members: &[Member], make: Make) -> Result<(), String> {
        let (_requests, config, handed) = Self::config("check", members, make)?;
        let context = Self::context("check", 0, 1);
        let _entity = Self::enter(&context);
        Self::build(&context, config, &handed).map(drop)
    }

    fn context(name: &str, core: usize, cores: usize) -> PipelineContext {
        let controller = ControllerContext::new(TelemetryRegistryHandle::new());
        controller.pipeline_context_with(PIPELINE_GROUP.into(), name.to_string().into(), core, cores, core)
    }

    /// Registers the pipeline's telemetry entity for this thread, as otap-dataflow's nodes expect.
    fn enter(context: &PipelineContext) -> impl Drop + use<> {
        otel_arrow_dfe_engine::entity_context::set_pipeline_entity_key(context.metrics_registry(), context.register_pipeline_entity())
    }

    fn build(context: &PipelineContext, config: PipelineConfig, handed: &[serde_json::Value]) -> Result<RuntimePipeline<OtapPdata>, String> {
        nodes::keep_linked();
        native::keep_linked();
        let pipeline = OTAP_PIPELINE_FACTORY.build(context.clone(), config, ChannelCapacityPolicy::default(), TelemetryPolicy::default(), Default::default(), None, None);
        // Parts no node took (the build failed) are forgotten.
        handed.iter().for_each(handoff::discard);
        pipeline.map_err(|e| e.to_string())
    }

    /// The pipeline's config (the ingress, one node per member, three for a native one, one per host consumer), the
    /// ingress's request sender, and the parts handed to its nodes.
    fn config(name: &str, members: &[Member], make: Make) -> Result<(mpsc::Sender<Injected>, PipelineConfig, Vec<serde_json::Value>), String> {
        let (requests, ingress_requests) = mpsc::channel(QUEUE);
        let mut handed = vec![handoff::put(IngressParts { requests: ingress_requests })];
        let built = Self::nodes(members, make, &mut handed).and_then(|nodes| {
            nodes.build(PipelineType::Otap, PIPELINE_GROUP, name.to_string()).map_err(|e| format!("invalid engine pipeline: {e}"))
        });
        match built {
            Ok(config) => Ok((requests, config, handed)),
            Err(e) => {
                handed.iter().for_each(handoff::discard);
                Err(e)
            }
        }
    }

    fn nodes(members: &[Member], make: Make, handed: &mut Vec<serde_json::Value>) -> Result<PipelineConfigBuilder, String> {
        let config = PipelineConfigBuilder::new().add_receiver(INGRESS, INGRESS_URN, Some(handed[0].clone()));
        let mut builder = Builder { config, handed, host_routes: BTreeSet::new() };
        for member in members {
            match &member.native {
                None => builder.add_tandem(&member.key, member, &member.targets, Part::Whole, make)?,
                Some(native) => {
                    let (inner, out) = (format!("{}/native", member.key), format!("{}/out", member.key));
                    builder.add_tandem(&member.key, member, &[Target::Member(inner.clone())], Part::Into, make)?;
                    builder.config = std::mem::take(&mut builder.config).add_processor(inner.clone(), native.urn, Some(native.config.clone())).to(inner, out.clone());
                    builder.add_tandem(&out, member, &member.targets, Part::OutOf, make)?;
                }
            }
            builder.config = std::mem::take(&mut builder.config).to_output(INGRESS, member.key.clone(), member.key.clone());
        }
        Ok(builder.config)
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
