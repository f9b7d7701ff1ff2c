//! What the host deployed on the engine (proto/control.proto `Deploy`): the components, their configs and where
//! their output goes. Deploy adds (the host deploys downstream components first, so every engine component a new
//! one sends to exists already), Start starts the receivers not running yet, Shutdown stops and forgets everything.

use crate::catalogue::Make;
use crate::control::pb;
use crate::counters::{Counted, Counters, Outgoing};
use crate::node::{Next, Node};
use crate::otlp_receiver::{self, Targets};
use crate::rings::Rings;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

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

#[derive(Default)]
struct State {
    receivers: BTreeMap<String, Receiver>,
    nodes: HashMap<String, Arc<dyn Node>>,
    /// Every deployed instance and its counters (a receiver's instances share the receiver's).
    counted: Vec<(pb::Component, Arc<Counters>)>,
}

pub struct Deployment {
    rings: Arc<Rings>,
    state: Mutex<State>,
}

impl Deployment {
    pub fn new(rings: Arc<Rings>) -> Self {
        Deployment { rings, state: Mutex::default() }
    }

    /// Adds one component instance, already validated against the catalogue (`config` is its effective config).
    pub fn add(&self, component: &pb::Component, config: &serde_json::Value, make: Make) -> Result<(), String> {
        let mut state = self.state.lock().unwrap();
        let at = |e: String| format!("{}::{}: {e}", component.kind().section(), component.id);
        match make {
            Make::Receiver { arrow } => self.add_receiver(&mut state, component, config, arrow).map_err(at),
            Make::Node(build) => {
                let counters = Arc::new(Counters::default());
                let next = Self::next(&state, &self.rings, component).map_err(at)?;
                let outgoing = |next| Next::Component(Arc::new(Outgoing { next, counters: counters.clone() }));
                let node = build(config, component, next.into_iter().map(outgoing).collect()).map_err(at)?;
                let delivers = component.kind() == pb::Kind::Exporter;
                let node = Arc::new(Counted { inner: Next::Component(node), counters: counters.clone(), delivers });
                self.add_node(&mut state, component, node);
                state.counted.push((component.clone(), counters));
                Ok(())
            }
        }
    }

    /// Registers a component that takes data: other components find it by key, the host by its entry route.
    fn add_node(&self, state: &mut State, component: &pb::Component, node: Arc<dyn Node>) {
        if component.entry_route != 0 {
            self.rings.set_entry(component.entry_route, node.clone());
        }
        state.nodes.insert(component.key.clone(), node);
    }

    /// The consumers a component sends to, one per target: engine components by key, host consumers by route.
    fn next(state: &State, rings: &Arc<Rings>, component: &pb::Component) -> Result<Vec<Next>, String> {
        let target = |target: &pb::Target| match &target.target {
            Some(pb::target::Target::HostRoute(route)) => Ok(Next::Host { rings: rings.clone(), route: *route }),
            Some(pb::target::Target::ComponentKey(key)) => {
                state.nodes.get(key).cloned().map(Next::Component).ok_or_else(|| format!("sends to \"{key}\", which is not deployed"))
            }
            None => Err("a target names neither a component nor a host route".to_string()),
        };
        component.next.iter().map(target).collect()
    }

    fn add_receiver(&self, state: &mut State, component: &pb::Component, config: &serde_json::Value, arrow: bool) -> Result<(), String> {
        let next = Next::all(Self::next(state, &self.rings, component)?)?;
        let endpoint = config["endpoint"].as_str().ok_or("'endpoint' must be a string")?;
        let receiver = state
            .receivers
            .entry(component.id.clone())
            .or_insert_with(|| Receiver { endpoint: endpoint.to_string(), arrow, targets: Targets::default(), stop: None });
        if receiver.endpoint != endpoint {
            return Err(format!("one receiver cannot listen on both {} and {endpoint}", receiver.endpoint));
        }
        // The control API's signal numbers are the ring's request codes.
        receiver.targets.add(component.signal_code(), next);
        let counters = receiver.targets.counters.clone();
        state.counted.push((component.clone(), counters));
        Ok(())
    }

    /// The counters of every deployed instance.
    pub fn counters(&self) -> Vec<pb::ComponentCounters> {
        self.state.lock().unwrap().counted.iter().map(|(component, counters)| counters.snapshot(component)).collect()
    }

    /// Starts every receiver not yet serving; a port that cannot be bound fails the start.
    pub async fn start(&self) -> Result<(), String> {
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

    /// Stops the receivers (they stop admitting; requests in flight finish) and forgets the deployment.
    pub fn shutdown(&self) {
        let state = std::mem::take(&mut *self.state.lock().unwrap());
        for (_, receiver) in state.receivers {
            if let Some(stop) = receiver.stop {
                let _ = stop.send(());
            }
        }
        self.rings.clear_entries();
    }
}
