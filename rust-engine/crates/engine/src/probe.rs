//! `tandem-engine probe`: asks a running engine for its health over its control endpoint, for a liveness or startup
//! probe (Kubernetes `exec`, Compose `healthcheck`) that needs no tool besides the engine's own binary.

use crate::args::Listen;
use crate::control::pb::{self, control_client::ControlClient, health_response::Status};
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// A channel to the engine's control endpoint (a Unix socket or TCP).
pub async fn connect(endpoint: &Listen, timeout: Duration) -> Result<Channel, String> {
    let channel = match endpoint {
        Listen::Unix(path) => {
            let path = path.clone();
            // The URI is required by tonic and unused: every connection goes to the socket.
            Endpoint::from_static("http://engine")
                .connect_timeout(timeout)
                .timeout(timeout)
                .connect_with_connector(tower::service_fn(move |_| {
                    let path = path.clone();
                    async move { Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tokio::net::UnixStream::connect(path).await?)) }
                }))
                .await
        }
        Listen::Tcp(addr) => {
            let endpoint = Endpoint::from_shared(format!("http://{addr}")).map_err(|e| format!("tcp://{addr}: {e}"))?;
            endpoint.connect_timeout(timeout).timeout(timeout).connect().await
        }
    };
    channel.map_err(|e| format!("cannot reach the engine at {}: {}", describe(endpoint), source_chain(&e)))
}

/// The engine's status (ok, starting, stopping, stopped: between two hosts an engine is stopped and alive) when it
/// answers; an error that says why when it does not answer or reports that it failed.
pub async fn probe(endpoint: &Listen, token: Option<&str>, timeout: Duration) -> Result<String, String> {
    let mut client = ControlClient::new(connect(endpoint, timeout).await?);
    let mut request = tonic::Request::new(pb::HealthRequest {});
    if let Some(token) = token {
        let value = format!("Bearer {token}").parse().map_err(|_| "the token is not a valid header value".to_string())?;
        request.metadata_mut().insert("authorization", value);
    }
    let health = client
        .health(request)
        .await
        .map_err(|s| format!("the engine at {} did not answer health: {}", describe(endpoint), s.message()))?
        .into_inner();
    let status = health.status().as_str_name().trim_start_matches("STATUS_").to_lowercase();
    if health.status() == Status::Failed {
        return Err(format!("the engine at {} failed: {}", describe(endpoint), health.message));
    }
    Ok(status)
}

fn describe(endpoint: &Listen) -> String {
    match endpoint {
        Listen::Unix(path) => format!("unix://{}", path.display()),
        Listen::Tcp(addr) => format!("tcp://{addr}"),
    }
}

/// tonic's transport error says only "transport error"; the cause (no such file, connection refused) is below it.
fn source_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
