//! The control channel (proto/control.proto) as the engine serves it: handshake, the factory catalogue, config
//! validation, rings, the deployment's lifecycle, health and counters.

use crate::components::{self, Kind};
use crate::deployment::plan::{checked_config, kind_of};
use crate::deployment::{Deployment, Refused};
use crate::ring::rings;
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Instant;
use tonic::{Request, Response, Status};

pub mod pb {
    tonic::include_proto!("tandem.control.v1");
}

use pb::health_response::Status as Health;

pub const CONTROL_API_VERSION: u32 = pb::ControlApi::Version as u32;

pub fn kind_to_proto(kind: Kind) -> pb::Kind {
    match kind {
        Kind::Receiver => pb::Kind::Receiver,
        Kind::Processor => pb::Kind::Processor,
        Kind::Exporter => pb::Kind::Exporter,
        Kind::Connector => pb::Kind::Connector,
    }
}

pub struct ControlService {
    runtime: pb::Runtime,
    deployment: Arc<Deployment>,
    started: Instant,
    status: Mutex<Health>,
}

impl ControlService {
    pub fn new(runtime: pb::Runtime, deployment: Arc<Deployment>) -> Self {
        ControlService { runtime, deployment, started: Instant::now(), status: Mutex::new(Health::Ok) }
    }

    fn set_status(&self, status: Health) {
        *self.status.lock().unwrap() = status;
    }
}

/// Which side must be upgraded when the two speak different versions.
fn mismatch(what: &str, host: u32, engine: u32) -> Status {
    let upgrade = if host > engine { "upgrade the engine (tandem-engine)" } else { "upgrade the host (tandem)" };
    Status::failed_precondition(format!("{what} mismatch: the host speaks {host}, the engine speaks {engine}: {upgrade}"))
}

fn status_of(refused: Refused) -> Status {
    match refused {
        Refused::Invalid(e) => Status::invalid_argument(e),
        Refused::State(e) => Status::failed_precondition(e),
    }
}

/// A factory as `ListFactories` reports it.
fn factory_of(factory: &components::Factory) -> pb::Factory {
    let stability = pb::Stability::Development as i32;
    pb::Factory {
        r#type: factory.ty.into(),
        kind: kind_to_proto(factory.kind) as i32,
        signals: factory.signals().into_iter().map(|signal| pb::SignalStability { signal: signal.proto(), stability }).collect(),
        pairs: factory.pairs.iter().map(|(from, to)| pb::ConnectorPair { from: from.proto(), to: to.proto(), stability }).collect(),
        default_config_json: (factory.default_config)().to_string(),
        description: factory.description.into(),
        routes: factory.outputs == components::Outputs::ByPipeline,
    }
}

#[tonic::async_trait]
impl pb::control_server::Control for ControlService {
    async fn handshake(&self, request: Request<pb::HandshakeRequest>) -> Result<Response<pb::HandshakeResponse>, Status> {
        let host = request.into_inner();
        if host.control_api_version != CONTROL_API_VERSION {
            return Err(mismatch("control API version", host.control_api_version, CONTROL_API_VERSION));
        }
        let layout = tandem_ipc::layout::LAYOUT_VERSION;
        if host.ring_layout_version != layout {
            return Err(mismatch("ring layout version", host.ring_layout_version, layout));
        }
        crate::log::info("host connected", serde_json::json!({ "host_version": host.host_version }));
        Ok(Response::new(pb::HandshakeResponse {
            control_api_version: CONTROL_API_VERSION,
            ring_layout_version: layout,
            engine_version: env!("CARGO_PKG_VERSION").into(),
            runtime: Some(self.runtime.clone()),
        }))
    }

    async fn list_factories(&self, _: Request<pb::ListFactoriesRequest>) -> Result<Response<pb::ListFactoriesResponse>, Status> {
        Ok(Response::new(pb::ListFactoriesResponse { factories: components::all().into_iter().map(factory_of).collect() }))
    }

    async fn validate_config(&self, request: Request<pb::ValidateConfigRequest>) -> Result<Response<pb::ValidateConfigResponse>, Status> {
        let r = request.into_inner();
        let checked = kind_of(r.kind()).and_then(|kind| checked_config(kind, &r.r#type, &r.id, &r.config_json));
        Ok(Response::new(match checked {
            Ok((_, effective)) => pb::ValidateConfigResponse { error: String::new(), effective_config_json: effective.to_string() },
            Err(error) => pb::ValidateConfigResponse { error, effective_config_json: String::new() },
        }))
    }

    async fn attach_rings(&self, request: Request<pb::AttachRingsRequest>) -> Result<Response<pb::AttachRingsResponse>, Status> {
        let paths: Vec<std::path::PathBuf> = request.into_inner().region_paths.into_iter().map(Into::into).collect();
        // A new host: whatever the previous one left (rings, deployment) goes first; a live one is refused.
        if let Some(pid) = rings().live_host() {
            return Err(Status::failed_precondition(format!("the engine already serves a host (pid {pid}); it serves one host at a time")));
        }
        if !rings().is_empty() {
            self.deployment.shutdown(std::time::Duration::ZERO).await;
            rings().detach();
            crate::log::info("the previous host's rings and deployment were dropped", serde_json::json!({}));
        }
        rings().attach_paths(&paths).map_err(Status::failed_precondition)?;
        Ok(Response::new(pb::AttachRingsResponse {}))
    }

    async fn deploy(&self, request: Request<pb::DeployRequest>) -> Result<Response<pb::DeployResponse>, Status> {
        self.deployment.deploy(request.into_inner()).await.map_err(status_of)?;
        Ok(Response::new(pb::DeployResponse {}))
    }

    async fn start(&self, _: Request<pb::StartRequest>) -> Result<Response<pb::StartResponse>, Status> {
        self.deployment.start().await.map_err(status_of)?;
        self.set_status(Health::Ok);
        Ok(Response::new(pb::StartResponse {}))
    }

    async fn shutdown(&self, request: Request<pb::ShutdownRequest>) -> Result<Response<pb::ShutdownResponse>, Status> {
        let drain = std::time::Duration::from_millis(request.into_inner().drain_timeout_ms.into());
        self.deployment.shutdown(drain).await;
        self.set_status(Health::Stopped);
        crate::log::info("deployment shut down", serde_json::json!({}));
        Ok(Response::new(pb::ShutdownResponse {}))
    }

    async fn health(&self, _: Request<pb::HealthRequest>) -> Result<Response<pb::HealthResponse>, Status> {
        let mut status = *self.status.lock().unwrap();
        let mut message = rings().failure().unwrap_or_default();
        if self.deployment.failed().await {
            status = Health::Failed;
            message = "an engine pipeline stopped on its own (see the engine's log)".into();
        }
        Ok(Response::new(pb::HealthResponse {
            status: status as i32,
            runtime: Some(self.runtime.clone()),
            message,
            uptime_ms: self.started.elapsed().as_millis() as u64,
        }))
    }

    async fn counters(&self, _: Request<pb::CountersRequest>) -> Result<Response<pb::CountersResponse>, Status> {
        Ok(Response::new(pb::CountersResponse { components: self.deployment.counters().await, rings: rings().counters() }))
    }
}
