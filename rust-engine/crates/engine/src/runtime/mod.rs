//! Running a deployment's pipeline on one core: a thread of its own (`tandem-core-N`, optionally pinned to CPU N) on
//! which otap-dataflow's local executor (`RuntimePipeline::run_forever`: a current-thread tokio runtime and a
//! `LocalSet`) runs every node of the pipeline, the core's ring ingress and egress included. The runtime is used
//! without its controller, which wants to own the process (the whole `OtelDataflowSpec`, signals, admin endpoint):
//! the few channels and reporters a pipeline needs are made here.

pub mod telemetry;

use otel_arrow_dfe_config::DeployedPipelineKey;
use otel_arrow_dfe_config::observed_state::SendPolicy;
use otel_arrow_dfe_config::pipeline::PipelineConfig;
use otel_arrow_dfe_config::policy::{ChannelCapacityPolicy, MetricLevel, TelemetryPolicy};
use otel_arrow_dfe_engine::context::{ControllerContext, PipelineContext};
use otel_arrow_dfe_engine::control::{RuntimeControlMsg, RuntimeCtrlMsgSender, pipeline_completion_msg_channel, runtime_ctrl_msg_channel};
use otel_arrow_dfe_engine::memory_limiter::MemoryPressureChanged;
use otel_arrow_dfe_engine::runtime_pipeline::RuntimePipeline;
use otel_arrow_dfe_otap::OTAP_PIPELINE_FACTORY;
use otel_arrow_dfe_otap::pdata::OtapPdata;
use otel_arrow_dfe_telemetry::event::ObservedEventReporter;
use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};
use telemetry::Telemetry;
use tokio::sync::oneshot;

const PIPELINE_GROUP: &str = "tandem";

/// Requests queued between two nodes; beyond this, senders wait (backpressure). It also bounds the OTLP receivers'
/// concurrent requests, which otap-dataflow derives from it.
const PDATA_CHANNEL: usize = 1024;

/// How often nodes report their metrics (Tandem's component counters are read from them).
const METRICS_INTERVAL: Duration = Duration::from_millis(250);

/// The pipeline config of an otap-dataflow pipeline given as JSON (`deployment::graph`).
pub fn config_of(name: &str, json: &serde_json::Value) -> Result<PipelineConfig, String> {
    PipelineConfig::from_json(PIPELINE_GROUP.into(), name.to_string().into(), &json.to_string()).map_err(|e| format!("invalid engine pipeline: {e}"))
}

fn capacity() -> ChannelCapacityPolicy {
    ChannelCapacityPolicy { pdata: PDATA_CHANNEL, ..ChannelCapacityPolicy::default() }
}

fn telemetry_policy() -> TelemetryPolicy {
    // Node metrics only where a node's own policy asks (the components' nodes, `deployment::graph`).
    TelemetryPolicy { runtime_metrics: MetricLevel::Basic, tokio_metrics: false, ..TelemetryPolicy::default() }
}

fn context(telemetry: &Telemetry, name: &str, core: usize, cores: usize) -> PipelineContext {
    let controller = ControllerContext::new(telemetry.registry());
    controller.pipeline_context_with(PIPELINE_GROUP.into(), name.to_string().into(), core, cores, core)
}

/// Registers the pipeline's telemetry entity for this thread, as otap-dataflow's nodes expect.
fn enter(context: &PipelineContext) -> impl Drop + use<> {
    otel_arrow_dfe_engine::entity_context::set_pipeline_entity_key(context.metrics_registry(), context.register_pipeline_entity())
}

fn build(context: &PipelineContext, config: PipelineConfig) -> Result<RuntimePipeline<OtapPdata>, String> {
    crate::keep_linked();
    OTAP_PIPELINE_FACTORY.build(context.clone(), config, capacity(), telemetry_policy(), Default::default(), None, None).map_err(|e| e.to_string())
}

/// Builds, without running, a pipeline of `config`: otap-dataflow creates every node, so the nodes' own configs are
/// checked as they will be at Start.
pub fn check(config: PipelineConfig) -> Result<(), String> {
    let telemetry = Telemetry::default();
    let context = context(&telemetry, "check", 0, 1);
    let _entity = enter(&context);
    build(&context, config).map(drop)
}

/// The CPUs the process may run on (its affinity, which a container's cpuset narrows), in order.
pub fn allowed_cpus() -> Result<Vec<usize>, String> {
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // pid 0: the calling thread, whose set is the process's until it pins itself.
    if unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) } != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok((0..libc::CPU_SETSIZE as usize).filter(|cpu| unsafe { libc::CPU_ISSET(*cpu, &set) }).collect())
}

/// The CPU core `core` is pinned to: the core-th of `allowed`, round again when there are more cores than CPUs.
pub fn cpu_of(core: usize, allowed: &[usize]) -> Option<usize> {
    (!allowed.is_empty()).then(|| allowed[core % allowed.len()])
}

/// Pins the calling thread to the CPU of core `core` among `allowed`.
fn pin_to(core: usize, allowed: &[usize]) -> Result<(), String> {
    let cpu = cpu_of(core, allowed).ok_or("the process may run on no CPU")?;
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    unsafe { libc::CPU_SET(cpu, &mut set) };
    // The calling thread only (pid 0), with a set of the right size.
    let done = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if done == 0 { Ok(()) } else { Err(std::io::Error::last_os_error().to_string()) }
}

/// One core's pipeline, running on its thread.
pub struct Core {
    control: RuntimeCtrlMsgSender<OtapPdata>,
    stopped: oneshot::Receiver<()>,
}

impl Core {
    /// Builds the pipeline of `config` as core `core` of `cores` and runs it on a thread of its own; resolves once
    /// its receivers are ready (bound, their ring adopted) or with why it could not start.
    pub async fn start(name: &str, core: usize, cores: usize, pin: bool, config: PipelineConfig, telemetry: &Telemetry) -> Result<Core, String> {
        let context = context(telemetry, name, core, cores);
        let capacity = capacity();
        let (control, control_rx) = runtime_ctrl_msg_channel::<OtapPdata>(capacity.control.pipeline);
        let (completion, completion_rx) = pipeline_completion_msg_channel::<OtapPdata>(capacity.control.completion);
        let key = DeployedPipelineKey {
            pipeline_group_id: PIPELINE_GROUP.into(),
            pipeline_id: name.to_string().into(),
            core_id: core,
            deployment_generation: 0,
        };
        let (started_tx, started) = oneshot::channel::<Result<(), String>>();
        let (stopped_tx, stopped) = oneshot::channel();
        let runtime_control = control.clone();
        let metrics = telemetry.reporter();
        // Read on the calling thread, before a pinned core thread narrows its own set.
        let allowed = if pin { allowed_cpus()? } else { Vec::new() };
        std::thread::Builder::new()
            .name(format!("tandem-core-{core}"))
            .spawn(move || {
                let started_tx = Rc::new(RefCell::new(Some(started_tx)));
                let report_start = |result: Result<(), String>| {
                    if let Some(tx) = started_tx.borrow_mut().take() {
                        let _ = tx.send(result);
                    }
                };
                if pin && let Err(e) = pin_to(core, &allowed) {
                    crate::log::error("cannot pin a pipeline thread", serde_json::json!({ "core": core, "error": e }));
                }
                let _entity = enter(&context);
                let pipeline = match build(&context, config) {
                    Ok(pipeline) => pipeline,
                    Err(e) => return report_start(Err(format!("cannot build the engine pipeline: {e}"))),
                };
                let on_start = started_tx.clone();
                let pipeline = pipeline.with_startup_callback(move || {
                    if let Some(tx) = on_start.borrow_mut().take() {
                        let _ = tx.send(Ok(()));
                    }
                });
                // Nobody watches the runtime's events or memory pressure.
                let (events, _) = flume::bounded(1);
                let (_pressure, pressure) = tokio::sync::watch::channel(MemoryPressureChanged::initial());
                let ran = pipeline.run_forever(
                    key,
                    context,
                    ObservedEventReporter::new(SendPolicy { blocking_timeout: None, console_fallback: false }, events),
                    metrics,
                    METRICS_INTERVAL,
                    pressure,
                    runtime_control,
                    control_rx,
                    completion,
                    completion_rx,
                );
                if let Err(e) = ran {
                    let started = started_tx.borrow().is_none();
                    crate::log::error("engine pipeline failed", serde_json::json!({ "core": core, "started": started, "error": e.to_string() }));
                    if started {
                        // A node failed a running pipeline (a node's error or panic ends the whole pipeline in
                        // otap-dataflow): the core's receivers and ring are gone while the process lives. Ending the
                        // rings makes the host build the engine session again (a new engine in spawn mode; its
                        // deployment again in attach mode), as the Go Collector exits on a component's fatal error
                        // for its supervisor to restart it. Else a port the engine served would stay closed.
                        crate::ring::rings().close_all();
                    }
                    report_start(Err(e.to_string()));
                }
                let _ = stopped_tx.send(());
            })
            .map_err(|e| format!("cannot start a pipeline thread: {e}"))?;
        match started.await {
            Ok(Ok(())) => Ok(Core { control, stopped }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err("the engine pipeline thread ended while starting".into()),
        }
    }

    /// Whether the pipeline has stopped (done, or failed after starting).
    pub fn stopped(&mut self) -> bool {
        !matches!(self.stopped.try_recv(), Err(oneshot::error::TryRecvError::Empty))
    }

    /// Stops the pipeline: receivers admit nothing new and what is in flight has until `deadline` to be answered,
    /// then every node stops.
    pub async fn stop(self, deadline: Instant) {
        let message = RuntimeControlMsg::Shutdown { deadline, reason: "the host shut the deployment down".into() };
        if self.control.try_send(message).is_err() {
            crate::log::error("cannot ask an engine pipeline to stop", serde_json::json!({}));
        }
        // The runtime's control loop ends only when every sender is gone (else it waits for the deadline).
        drop(self.control);
        let grace = deadline.saturating_duration_since(Instant::now()) + Duration::from_secs(1);
        if tokio::time::timeout(grace, self.stopped).await.is_err() {
            crate::log::error("an engine pipeline did not stop in time", serde_json::json!({}));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::config::NoSettings;
    use crate::components::register::{self, Node};
    use async_trait::async_trait;
    use linkme::distributed_slice;
    use otel_arrow_dfe_engine::ProcessorFactory;
    use otel_arrow_dfe_engine::error::Error;
    use otel_arrow_dfe_engine::local::processor::{EffectHandler, Processor};
    use otel_arrow_dfe_engine::message::Message;
    use otel_arrow_dfe_otap::OTAP_PROCESSOR_FACTORIES;
    use std::os::fd::{FromRawFd, IntoRawFd, OwnedFd};
    use tandem_ipc::{RegionOptions, RequestError, Session, SessionOptions, create_inherited};

    /// A node that fails its pipeline on the first request, as a node's error or panic does.
    struct FailsOnData;

    impl Node for FailsOnData {
        type Config = NoSettings;

        fn from_config(_: NoSettings, _: &PipelineContext) -> Result<Self, String> {
            Ok(FailsOnData)
        }
    }

    #[async_trait(?Send)]
    impl Processor<OtapPdata> for FailsOnData {
        async fn process(&mut self, message: Message<OtapPdata>, _: &mut EffectHandler<OtapPdata>) -> Result<(), Error> {
            match message {
                Message::PData(_) => Err(Error::InternalError { message: "a node failed".into() }),
                Message::Control(_) => Ok(()),
            }
        }
    }

    const FAILS_ON_DATA: &str = "urn:tandem:processor:test-fails-on-data";

    #[distributed_slice(OTAP_PROCESSOR_FACTORIES)]
    static FAILS: ProcessorFactory<OtapPdata> = register::processor::<FailsOnData>(FAILS_ON_DATA);

    // Scenario: a host's ring feeds a running pipeline whose node fails on the request. Guarantee: the host's
    // request is answered retryable and its side of the ring sees the session end at once, by the doorbell, so that
    // it builds the engine session again (else only the heartbeat's 5 s silence tells it, while the pipeline's ports
    // are closed).
    #[tokio::test]
    async fn a_pipeline_failing_after_its_start_ends_the_hosts_ring_session() {
        crate::keep_linked();
        let (region, host_bell, engine_bell) = create_inherited(RegionOptions::symmetric(65536, 32736, 8)).unwrap();
        // The engine maps the same memory through its own descriptor, as the spawned engine does.
        let engine_region = unsafe { OwnedFd::from_raw_fd(libc::dup(region.raw_fd())) };
        crate::ring::rings().attach_inherited(engine_region.into_raw_fd(), engine_bell.into_raw_fd()).unwrap();
        let (host, _) = Session::start(region, host_bell, SessionOptions::default()).unwrap();
        let pipeline = serde_json::json!({
            "type": "otap",
            "nodes": {
                "in": { "type": crate::ring::ingress::URN, "config": { "core": 0, "routes": [1] } },
                "fail": { "type": FAILS_ON_DATA, "config": {} },
                "out": { "type": otel_arrow_dfe_core_nodes::exporters::noop_exporter::NOOP_EXPORTER_URN, "config": {} },
            },
            "connections": [{ "from": "in[\"route-1\"]", "to": "fail" }, { "from": "fail", "to": "out" }],
        });
        let telemetry = Telemetry::default();
        let _core = Core::start("fails", 0, 1, false, config_of("fails", &pipeline).unwrap(), &telemetry).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let answer = host.request(crate::signal::Signal::Traces.code(), 1, b"", deadline).await;
        assert!(matches!(answer, Err(RequestError::Retryable(_))), "{answer:?}");
        let ended = tokio::time::timeout(Duration::from_secs(10), host.closed()).await.expect("the host's session ended");
        assert!(ended.contains("closed the doorbell"), "{ended}");
    }

    // Scenario: three cores in a process that may run on CPUs 2 and 3 only (a container's cpuset). Guarantee: core N
    // gets the N-th allowed CPU, round again past the last, never a CPU outside the set; none when none is allowed.
    #[test]
    fn each_core_gets_the_next_allowed_cpu() {
        assert_eq!((0..3).map(|core| cpu_of(core, &[2, 3])).collect::<Vec<_>>(), vec![Some(2), Some(3), Some(2)]);
        assert_eq!(cpu_of(0, &[]), None);
        assert!(!allowed_cpus().unwrap().is_empty());
    }
}
