//! The engine's part of the pipelines, as one deployment: `Deploy` decodes and checks it and builds its pipeline per
//! core (`graph`); `Start` runs the pipelines, each on its core's thread with its core's ring; `Shutdown` drains and
//! stops them, hands the rings back to the control thread and forgets the deployment.

pub mod graph;
pub mod plan;

use crate::components::Kind;
use crate::control::pb;
use crate::ring::rings;
use crate::runtime::telemetry::{ComponentRole, Telemetry};
use crate::runtime::{self, Core};
use plan::Plan;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A deployed component, for its counters.
struct Component {
    id: String,
    kind: Kind,
    /// The node IDs it is entered at and leaves from.
    first: String,
    last: String,
}

#[derive(Default)]
enum State {
    #[default]
    Empty,
    /// Checked and built, not running: a pipeline config per core.
    Deployed {
        pipelines: Vec<serde_json::Value>,
        components: BTreeMap<String, Component>,
    },
    Running {
        cores: Vec<Core>,
        components: BTreeMap<String, Component>,
    },
}

pub struct Deployment {
    cores: usize,
    pin: bool,
    state: Mutex<State>,
    telemetry: Arc<Telemetry>,
    /// Counts Starts, so that each deployment's pipelines have a name of their own.
    generation: std::sync::atomic::AtomicUsize,
}

/// Why a call failed: the host's request (INVALID_ARGUMENT) or the engine's state (FAILED_PRECONDITION).
pub enum Refused {
    Invalid(String),
    State(String),
}

impl Deployment {
    pub fn new(cores: usize, pin: bool, telemetry: Arc<Telemetry>) -> Self {
        Deployment { cores: cores.max(1), pin, state: Mutex::default(), telemetry, generation: Default::default() }
    }

    pub async fn is_deployed(&self) -> bool {
        !matches!(*self.state.lock().await, State::Empty)
    }

    /// Decodes and checks a deployment and builds its pipeline for every core; nothing runs until `start`.
    pub async fn deploy(&self, request: pb::DeployRequest) -> Result<(), Refused> {
        let mut state = self.state.lock().await;
        if !matches!(*state, State::Empty) {
            return Err(Refused::State("a deployment is already deployed: shut it down first".into()));
        }
        let plan = Plan::of(request).map_err(Refused::Invalid)?;
        let ring_limit = rings().session(0).map(|s| s.region().max_message_size() as usize);
        let mut pipelines = Vec::with_capacity(self.cores);
        let mut counted = BTreeMap::new();
        for core in 0..self.cores {
            let (pipeline, nodes) = graph::pipeline(&plan, core, ring_limit).map_err(Refused::Invalid)?;
            pipelines.push(pipeline);
            counted = nodes;
        }
        // otap-dataflow makes every node of one core's pipeline: their own configs are checked as they will be.
        runtime::check(runtime::config_of("check", &pipelines[0]).map_err(Refused::Invalid)?).map_err(Refused::Invalid)?;
        let components = plan
            .nodes
            .values()
            .map(|node| {
                let mut ids = counted.iter().filter(|(_, key)| **key == node.key).map(|(id, _)| id.clone());
                let first = ids.next().unwrap_or_else(|| node.key.clone());
                let last = ids.next_back().unwrap_or_else(|| first.clone());
                (node.key.clone(), Component { id: node.id.clone(), kind: node.kind, first, last })
            })
            .collect();
        *state = State::Deployed { pipelines, components };
        Ok(())
    }

    /// Starts the deployed pipelines, one per core; resolves once every core's receivers are ready. If one cannot
    /// start, none runs and the deployment stays deployed.
    pub async fn start(&self) -> Result<(), Refused> {
        let mut state = self.state.lock().await;
        let (pipelines, components) = match std::mem::take(&mut *state) {
            State::Deployed { pipelines, components } => (pipelines, components),
            State::Empty => return Err(Refused::State("nothing is deployed".into())),
            running @ State::Running { .. } => {
                *state = running;
                return Ok(());
            }
        };
        let name = format!("deployment-{}", self.generation.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
        let mut cores = Vec::with_capacity(self.cores);
        for (core, pipeline) in pipelines.iter().enumerate() {
            let started = match runtime::config_of(&name, pipeline) {
                Ok(config) => Core::start(&name, core, self.cores, self.pin, config, &self.telemetry).await,
                Err(e) => Err(e),
            };
            match started {
                Ok(running) => cores.push(running),
                Err(e) => {
                    let now = Instant::now();
                    futures::future::join_all(cores.into_iter().map(|c| c.stop(now))).await;
                    rings().take_back().await;
                    *state = State::Deployed { pipelines, components };
                    return Err(Refused::State(e));
                }
            }
        }
        crate::log::info("engine pipelines started", serde_json::json!({ "pipeline": name, "components": components.len(), "cores": self.cores }));
        *state = State::Running { cores, components };
        Ok(())
    }

    /// Stops the pipelines (receivers first; what is in flight has `drain` to be answered), takes the rings back to
    /// the control thread and forgets the deployment.
    pub async fn shutdown(&self, drain: Duration) {
        let state = std::mem::take(&mut *self.state.lock().await);
        if let State::Running { cores, .. } = state {
            let deadline = Instant::now() + drain;
            futures::future::join_all(cores.into_iter().map(|c| c.stop(deadline))).await;
            rings().take_back().await;
        }
    }

    /// The counters of every deployed component.
    pub async fn counters(&self) -> Vec<pb::ComponentCounters> {
        let state = self.state.lock().await;
        let components = match &*state {
            State::Empty => return Vec::new(),
            State::Deployed { components, .. } | State::Running { components, .. } => components,
        };
        let roles = components
            .iter()
            .map(|(key, c)| {
                let role = match c.kind {
                    Kind::Receiver => ComponentRole::Receiver,
                    Kind::Exporter => ComponentRole::Exporter,
                    Kind::Processor | Kind::Connector => ComponentRole::Other,
                };
                (key.clone(), (c.first.clone(), c.last.clone(), role))
            })
            .collect();
        let counts = self.telemetry.counts(&roles);
        components
            .iter()
            .map(|(key, c)| {
                let n = counts.get(key).copied().unwrap_or_default();
                pb::ComponentCounters {
                    key: key.clone(),
                    id: c.id.clone(),
                    kind: crate::control::kind_to_proto(c.kind) as i32,
                    items_in: n.items_in,
                    items_out: n.items_out,
                    requests_ok: n.requests_ok,
                    requests_failed: n.requests_failed,
                }
            })
            .collect()
    }

    /// Whether a running pipeline has stopped on its own (a node failed).
    pub async fn failed(&self) -> bool {
        match &mut *self.state.lock().await {
            State::Running { cores, .. } => cores.iter_mut().any(Core::stopped),
            _ => false,
        }
    }
}
