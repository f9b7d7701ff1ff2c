//! The control channel (proto/control.proto) as the engine serves it: handshake, the factory catalogue, config
//! validation, deployment, lifecycle, health and counters.

use crate::catalogue::Catalogue;
use crate::deployment::{Deployment, Instance};
use crate::rings::Rings;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tonic::{Request, Response, Status};

pub mod pb {
    tonic::include_proto!("tandem.control.v1");

    impl Kind {
        /// The config section components of this kind are declared in, as error paths name it.
        pub fn section(self) -> &'static str {
            match self {
                Kind::Receiver => "receivers",
                Kind::Processor => "processors",
                Kind::Exporter => "exporters",
                Kind::Connector => "connectors",
                _ => "extensions",
            }
        }
    }

}

use pb::health_response::Status as Health;

pub const CONTROL_API_VERSION: u32 = pb::ControlApi::Version as u32;

pub struct ControlService {
    runtime: pb::Runtime,
    catalogue: Catalogue,
    rings: Arc<Rings>,
    deployment: Arc<Deployment>,
    started: Instant,
    status: Mutex<Health>,
}

impl ControlService {
    pub fn new(runtime: pb::Runtime, catalogue: Catalogue, rings: Arc<Rings>, deployment: Arc<Deployment>) -> Self {
        ControlService { runtime, catalogue, rings, deployment, started: Instant::now(), status: Mutex::new(Health::Ok) }
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
        Ok(Response::new(pb::ListFactoriesResponse { factories: self.catalogue.factories().cloned().collect() }))
    }

    async fn validate_config(&self, request: Request<pb::ValidateConfigRequest>) -> Result<Response<pb::ValidateConfigResponse>, Status> {
        let r = request.into_inner();
        Ok(Response::new(match self.catalogue.validate(r.kind(), &r.id, &r.config_json) {
            Ok(effective) => pb::ValidateConfigResponse { error: String::new(), effective_config_json: effective.to_string() },
            Err(error) => pb::ValidateConfigResponse { error, effective_config_json: String::new() },
        }))
    }

    async fn attach_rings(&self, request: Request<pb::AttachRingsRequest>) -> Result<Response<pb::AttachRingsResponse>, Status> {
        for path in request.into_inner().region_paths {
            self.rings.attach_path(path.as_ref()).map_err(|e| Status::failed_precondition(e.to_string()))?;
        }
        Ok(Response::new(pb::AttachRingsResponse {}))
    }

    async fn deploy(&self, request: Request<pb::DeployRequest>) -> Result<Response<pb::DeployResponse>, Status> {
        if self.deployment.is_deployed() {
            return Err(Status::failed_precondition("a deployment is already deployed: shut it down first"));
        }
        for c in Instance::all_of(request.into_inner()).map_err(Status::invalid_argument)? {
            let section = c.kind.section();
            let config = self.catalogue.validate(c.kind, &c.id, &c.config_json).map_err(|e| Status::invalid_argument(format!("{section}::{}: {e}", c.id)))?;
            let make = self.catalogue.make(c.kind, &c.id).map_err(Status::invalid_argument)?;
            self.deployment.add(&c, &config, make).map_err(Status::invalid_argument)?;
        }
        Ok(Response::new(pb::DeployResponse {}))
    }

    async fn start(&self, _: Request<pb::StartRequest>) -> Result<Response<pb::StartResponse>, Status> {
        self.deployment.start().await.map_err(Status::failed_precondition)?;
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
        let status = *self.status.lock().unwrap();
        Ok(Response::new(pb::HealthResponse {
            status: status as i32,
            runtime: Some(self.runtime.clone()),
            message: self.rings.failure().unwrap_or_default(),
            uptime_ms: self.started.elapsed().as_millis() as u64,
        }))
    }

    async fn counters(&self, _: Request<pb::CountersRequest>) -> Result<Response<pb::CountersResponse>, Status> {
        Ok(Response::new(pb::CountersResponse { components: self.deployment.counters(), rings: self.rings.counters() }))
    }
}
