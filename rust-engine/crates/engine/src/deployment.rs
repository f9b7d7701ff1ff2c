//! What the host deployed on the engine (proto/control.proto `Deploy`): the components, their configs and where
//! their output goes. Deploy checks and records; Start runs what was recorded since the last Start: the components
//! as an otap-dataflow pipeline per core (`dataflow`), then the receivers not serving yet. Shutdown drains and stops
//! everything and forgets it.

use crate::catalogue::Make;
use crate::control::pb;
use crate::counters::{Counted, Counters, Outgoing};
use crate::dataflow::{self, Member, Part, Pipeline};
use crate::node::{Next, Node};
use crate::otlp_receiver::{self, Targets};
use crate::rings::Rings;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;

/// One component instance: a node of the deployment for one of its signals, with its consumers.
#[derive(Clone)]
pub struct Instance {
    pub key: String,
    pub kind: pb::Kind,
    pub id: String,
    pub signal: pb::Signal,
    pub config_json: String,
    pub next: Vec<Target>,
    /// The ring route the host feeds this instance on (0: not fed by the host).
    pub entry_route: u32,
}

/// A consumer of an instance's output, and for a routing connector the pipeline it starts.
#[derive(Clone)]
pub struct Target {
    pub to: To,
    pub pipeline: String,
}

#[derive(Clone)]
pub enum To {
    Component(String),
    Host(u32),
}

impl Instance {
    /// The signal as the ring's request code: the control API numbers signals the same way.
    pub fn signal_code(&self) -> u16 {
        self.signal as u16
    }

    fn instance_key(node: &str, signal: pb::Signal) -> String {
        format!("{node}#{}", signal as i32)
    }

    /// The instances of a deployment (one per node and signal), downstream first: every instance comes after the
    /// instances it sends to.
    pub fn all_of(request: pb::DeployRequest) -> Result<Vec<Instance>, String> {
        let mut pending = Vec::new();
        for node in &request.nodes {
            for signal in node.signals() {
                let emitted = if node.kind() == pb::Kind::Connector { node.output_signal() } else { signal };
                let next = request.edges.iter().filter(|e| e.from == node.key && e.signal() == emitted);
                let next = next
                    .map(|edge| match &edge.to {
                        Some(pb::edge::To::Node(to)) => Ok(Target { to: To::Component(Self::instance_key(to, emitted)), pipeline: edge.pipeline.clone() }),
                        Some(pb::edge::To::HostRoute(route)) => Ok(Target { to: To::Host(*route), pipeline: edge.pipeline.clone() }),
                        None => Err(format!("an edge from \"{}\" leads nowhere", node.key)),
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                let entry = request.entries.iter().find(|e| e.node == node.key && e.signal() == signal);
                pending.push(Instance {
                    key: Self::instance_key(&node.key, signal),
                    kind: node.kind(),
                    id: node.id.clone(),
                    signal,
                    config_json: node.config_json.clone(),
                    next,
                    entry_route: entry.map_or(0, |e| e.route),
                });
            }
        }
        let mut ordered: Vec<Instance> = Vec::with_capacity(pending.len());
        while !pending.is_empty() {
            let placed = |key: &str| ordered.iter().any(|i| i.key == key);
            let ready = pending.iter().position(|i| i.next.iter().all(|t| matches!(&t.to, To::Component(k) if placed(k)) || matches!(t.to, To::Host(_))));
            let Some(ready) = ready else {
                return Err(format!("\"{}\" sends to a node that is not deployed, or the nodes form a cycle", pending[0].key));
            };
            ordered.push(pending.remove(ready));
        }
        Ok(ordered)
    }
}

/// One `rust_otlp` or `rust_otap` receiver, shared by every pipeline that names its ID, as the Collector shares
/// receivers.
struct Receiver {
    endpoint: String,
    /// Serves the OTel-Arrow streams too (`rust_otap`).
    arrow: bool,
    targets: Targets,
    /// Present while it serves; sending stops it.
    stop: Option<oneshot::Sender<()>>,
}

/// A component deployed but not started yet.
struct Planned {
    component: Instance,
    config: serde_json::Value,
    make: Make,
    counters: Arc<Counters>,
}

#[derive(Default)]
struct State {
    receivers: BTreeMap<String, Receiver>,
    /// Receiver instances whose consumers are wired at the next Start.
    pending_receivers: Vec<Instance>,
    planned: Vec<Planned>,
    /// Where each running component is fed: its entry in each replica of its pipeline.
    entries: HashMap<String, Vec<Next>>,
    pipelines: Vec<Pipeline>,
    /// Every deployed instance and its counters (a receiver's instances share the receiver's).
    counted: Vec<(Instance, Arc<Counters>)>,
}

pub struct Deployment {
    rings: Arc<Rings>,
    cores: usize,
    state: Mutex<State>,
}

fn at(component: &Instance) -> impl Fn(String) -> String + '_ {
    move |e| format!("{}::{}: {e}", component.kind.section(), component.id)
}

impl Deployment {
    pub fn new(rings: Arc<Rings>, cores: usize) -> Self {
        Deployment { rings, cores: cores.max(1), state: Mutex::default() }
    }

    /// Records one component instance, already validated against the catalogue (`config` is its effective config).
    pub fn add(&self, component: &Instance, config: &serde_json::Value, make: Make) -> Result<(), String> {
        let mut state = self.state.lock().unwrap();
        Self::check_targets(&state, component).map_err(at(component))?;
        match make {
            Make::Receiver { arrow } => Self::add_receiver(&mut state, component, config, arrow).map_err(at(component)),
            make => {
                let counters = Arc::new(Counters::default());
                state.counted.push((component.clone(), counters.clone()));
                state.planned.push(Planned { component: component.clone(), config: config.clone(), make, counters });
                Ok(())
            }
        }
    }

    /// Every engine component a component sends to must be deployed before it (the host deploys downstream first).
    fn check_targets(state: &State, component: &Instance) -> Result<(), String> {
        for target in &component.next {
            if let To::Component(key) = &target.to {
                let known = state.entries.contains_key(key) || state.planned.iter().any(|p| &p.component.key == key);
                if !known {
                    return Err(format!("sends to \"{key}\", which is not deployed"));
                }
            }
        }
        Ok(())
    }

    fn add_receiver(state: &mut State, component: &Instance, config: &serde_json::Value, arrow: bool) -> Result<(), String> {
        let endpoint = config["endpoint"].as_str().ok_or("'endpoint' must be a string")?;
        let receiver = state
            .receivers
            .entry(component.id.clone())
            .or_insert_with(|| Receiver { endpoint: endpoint.to_string(), arrow, targets: Targets::default(), stop: None });
        if receiver.endpoint != endpoint {
            return Err(format!("one receiver cannot listen on both {} and {endpoint}", receiver.endpoint));
        }
        let counters = receiver.targets.counters.clone();
        state.counted.push((component.clone(), counters));
        state.pending_receivers.push(component.clone());
        Ok(())
    }

    /// Whether anything is deployed (until Shutdown).
    pub fn is_deployed(&self) -> bool {
        let state = self.state.lock().unwrap();
        !state.counted.is_empty()
    }

    /// The counters of every deployed instance.
    pub fn counters(&self) -> Vec<pb::ComponentCounters> {
        self.state.lock().unwrap().counted.iter().map(|(component, counters)| counters.snapshot(component)).collect()
    }

    /// Starts what was deployed since the last Start: its components as one otap-dataflow pipeline per core, then
    /// every receiver not serving yet. A pipeline that cannot be built or a port that cannot be bound fails the start.
    pub async fn start(&self) -> Result<(), String> {
        self.start_components()?;
        self.wire_receivers();
        self.start_receivers().await
    }

    fn start_components(&self) -> Result<(), String> {
        let mut state = self.state.lock().unwrap();
        if state.planned.is_empty() {
            return Ok(());
        }
        let planned = std::mem::take(&mut state.planned);
        let name = format!("deployment-{}", state.pipelines.len() / self.cores + 1);
        // Counters: what a component is given and its answers where it is entered; what it hands on where it leaves.
        let make = |member: &Member, part: Part, next: Vec<Next>| -> Result<Arc<dyn Node>, String> {
            let p = planned.iter().find(|p| p.component.key == member.key).expect("members are planned components");
            let counted = |inner, delivers| Arc::new(Counted { inner, counters: p.counters.clone(), delivers }) as Arc<dyn Node>;
            let outgoing = || next.iter().map(|next| Next::Component(Arc::new(Outgoing { next: next.clone(), counters: p.counters.clone() })));
            match (part, p.make) {
                (Part::Whole, Make::Node(build)) => {
                    let node = build(&p.config, &p.component, outgoing().collect()).map_err(at(&p.component))?;
                    Ok(counted(Next::Component(node), p.component.kind == pb::Kind::Exporter))
                }
                (Part::Into, _) => Ok(counted(Next::all(next.clone())?, false)),
                (Part::OutOf, _) => Ok(Arc::new(Next::all(outgoing().collect())?)),
                (part, _) => Err(format!("{part:?} of a component of another make")),
            }
        };
        let mut replicas = Vec::with_capacity(self.cores);
        for core in 0..self.cores {
            let mut members = Vec::with_capacity(planned.len());
            for p in &planned {
                let mut member = self.member(&state, &planned, &p.component, core);
                if let Make::Native(native_of) = p.make {
                    member.native = Some(native_of(&p.config).map_err(at(&p.component))?);
                }
                members.push(member);
            }
            match Pipeline::start(&name, core, self.cores, &members, &make) {
                Ok(pipeline) => replicas.push(pipeline),
                Err(e) => {
                    // Nothing of this Start runs: what started is stopped, what was deployed stays deployed.
                    let deadline = Instant::now();
                    tokio::spawn(futures::future::join_all(replicas.into_iter().map(move |r| r.stop(deadline))));
                    state.planned = planned;
                    return Err(e);
                }
            }
        }
        for p in &planned {
            let entries: Vec<Next> = replicas.iter().map(|r| r.entry(&p.component.key)).collect();
            if p.component.entry_route != 0 {
                self.rings.set_entry(p.component.entry_route, entries.clone());
            }
            state.entries.insert(p.component.key.clone(), entries);
        }
        state.pipelines.extend(replicas);
        crate::log::info("engine pipeline started", serde_json::json!({ "pipeline": name, "components": planned.len(), "cores": self.cores }));
        Ok(())
    }

    /// A planned component as a member of replica `core`'s pipeline.
    fn member(&self, state: &State, planned: &[Planned], component: &Instance, core: usize) -> Member {
        let targets = component.next.iter().map(|target| match &target.to {
            To::Component(key) if planned.iter().any(|p| &p.component.key == key) => dataflow::Target::Member(key.clone()),
            To::Component(key) => {
                let replicas = &state.entries[key];
                dataflow::Target::Outside(replicas[core % replicas.len()].clone())
            }
            To::Host(route) => dataflow::Target::Host { route: *route, next: Next::Host { rings: self.rings.clone(), route: *route } },
        });
        Member { key: component.key.clone(), exporter: component.kind == pb::Kind::Exporter, targets: targets.collect(), native: None }
    }

    /// Gives the receiver instances deployed since the last Start their consumers: running components (in turn over
    /// their replicas) or host consumers.
    fn wire_receivers(&self) {
        let mut state = self.state.lock().unwrap();
        for component in std::mem::take(&mut state.pending_receivers) {
            let next = component.next.iter().map(|target| match &target.to {
                To::Component(key) => Next::spread(state.entries[key].clone()),
                To::Host(route) => Next::Host { rings: self.rings.clone(), route: *route },
            });
            let next = Next::all(next.collect()).expect("a receiver instance has a consumer");
            // The control API's signal numbers are the ring's request codes.
            state.receivers[&component.id].targets.add(component.signal_code(), next);
        }
    }

    async fn start_receivers(&self) -> Result<(), String> {
        let pending: Vec<(String, String, bool)> = {
            let state = self.state.lock().unwrap();
            let pending = state.receivers.iter().filter(|(_, r)| r.stop.is_none());
            pending.map(|(id, r)| (id.clone(), r.endpoint.clone(), r.arrow)).collect()
        };
        for (id, endpoint, arrow) in pending {
            let listener = otlp_receiver::bind(&endpoint).await.map_err(|e| format!("receivers::{id}: {e}"))?;
            let (stop, stopped) = oneshot::channel::<()>();
            let mut state = self.state.lock().unwrap();
            let Some(receiver) = state.receivers.get_mut(&id) else { continue };
            receiver.stop = Some(stop);
            tokio::spawn(otlp_receiver::serve(listener, receiver.targets.clone(), arrow, async {
                let _ = stopped.await;
            }));
            crate::log::info("receiver started", serde_json::json!({ "id": id, "endpoint": endpoint }));
        }
        Ok(())
    }

    /// Stops the receivers (they stop admitting; requests in flight finish), then the pipelines (each drains for up
    /// to `drain`), and forgets the deployment.
    pub async fn shutdown(&self, drain: Duration) {
        let state = std::mem::take(&mut *self.state.lock().unwrap());
        for (_, receiver) in state.receivers {
            if let Some(stop) = receiver.stop {
                let _ = stop.send(());
            }
        }
        self.rings.clear_entries();
        let deadline = Instant::now() + drain;
        futures::future::join_all(state.pipelines.into_iter().map(|p| p.stop(deadline))).await;
    }
}
