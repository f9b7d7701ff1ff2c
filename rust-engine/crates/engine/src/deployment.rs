//! What the host deployed on the engine (proto/control.proto `Deploy`): the components, their configs and where
//! their output goes. Deploy adds, Start starts what is not running yet, Shutdown stops everything: the host creates
//! one instance per signal of a shared receiver and starts each, as the Collector's graph does.

use crate::control::pb;
use crate::otlp_receiver::{self, Targets};
use crate::rings::Rings;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// One `rust_otlp` receiver, shared by every pipeline that names its ID.
struct Receiver {
    endpoint: String,
    targets: Targets,
    /// Present while it serves; sending stops it.
    stop: Option<oneshot::Sender<()>>,
}

pub struct Deployment {
    rings: Arc<Rings>,
    receivers: Mutex<BTreeMap<String, Receiver>>,
}

impl Deployment {
    pub fn new(rings: Arc<Rings>) -> Self {
        Deployment { rings, receivers: Mutex::default() }
    }

    /// Adds one component instance, already validated against the catalogue (`config` is its effective config).
    pub fn add(&self, component: &pb::Component, config: &serde_json::Value) -> Result<(), String> {
        let routes: Vec<u32> = component
            .next
            .iter()
            .map(|t| match t.target {
                Some(pb::target::Target::HostRoute(route)) => Ok(route),
                _ => Err(format!("receivers::{}: only host consumers can follow an engine receiver for now", component.id)),
            })
            .collect::<Result<_, _>>()?;
        let endpoint = config["endpoint"].as_str().ok_or_else(|| format!("receivers::{}: 'endpoint' must be a string", component.id))?;
        let mut receivers = self.receivers.lock().unwrap();
        let receiver = receivers
            .entry(component.id.clone())
            .or_insert_with(|| Receiver { endpoint: endpoint.to_string(), targets: Targets::default(), stop: None });
        if receiver.endpoint != endpoint {
            return Err(format!("receivers::{}: one receiver cannot listen on both {} and {endpoint}", component.id, receiver.endpoint));
        }
        // The control API's signal numbers are the ring's request codes.
        receiver.targets.lock().unwrap().entry(component.signal as u16).or_default().extend(routes);
        Ok(())
    }

    /// Starts every receiver not yet serving; a port that cannot be bound fails the start.
    pub async fn start(&self) -> Result<(), String> {
        let pending: Vec<(String, String)> = {
            let receivers = self.receivers.lock().unwrap();
            receivers.iter().filter(|(_, r)| r.stop.is_none()).map(|(id, r)| (id.clone(), r.endpoint.clone())).collect()
        };
        for (id, endpoint) in pending {
            let listener = otlp_receiver::bind(&endpoint).await.map_err(|e| format!("receivers::{id}: {e}"))?;
            let (stop, stopped) = oneshot::channel::<()>();
            let mut receivers = self.receivers.lock().unwrap();
            let Some(receiver) = receivers.get_mut(&id) else { continue };
            receiver.stop = Some(stop);
            tokio::spawn(otlp_receiver::serve(listener, self.rings.clone(), receiver.targets.clone(), async {
                let _ = stopped.await;
            }));
            crate::log::info("receiver started", serde_json::json!({ "id": id, "endpoint": endpoint }));
        }
        Ok(())
    }

    /// Stops the receivers (they stop admitting; requests in flight finish) and forgets the deployment.
    pub fn shutdown(&self) {
        for (_, receiver) in std::mem::take(&mut *self.receivers.lock().unwrap()) {
            if let Some(stop) = receiver.stop {
                let _ = stop.send(());
            }
        }
    }
}
