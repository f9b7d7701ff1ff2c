//! The engine's ends of the ring regions: attached at startup (inherited from the host) or by path over the control
//! channel (attach mode). Requests are answered by the consumers deployed on their route; a route nobody deployed is
//! answered PERMANENT naming the route, as ipc/SPEC.md section 4 requires.

use crate::control::pb;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::Path;
use crate::node::Next;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tandem_ipc::{Region, RequestError, Session, SessionOptions};

/// How long an engine component waits for a host consumer's answer.
const HOST_ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

#[derive(Default)]
pub struct Rings {
    sessions: Mutex<Vec<Arc<Session>>>,
    /// Where each host route (`entry_route` at deployment) leads: its component's entry in each pipeline replica;
    /// ring N feeds replica N.
    entries: Mutex<HashMap<u32, Vec<Next>>>,
}

impl Rings {
    /// Maps an inherited region and doorbell (spawn mode).
    pub fn attach_inherited(self: &Arc<Self>, region_fd: i32, bell_fd: i32) -> std::io::Result<()> {
        // The host spawned this process with these descriptors; nothing else owns them.
        let region = Region::attach_fd(unsafe { OwnedFd::from_raw_fd(region_fd) })?;
        let bell = unsafe { UnixStream::from_raw_fd(bell_fd) };
        self.start(region, bell)
    }

    /// Maps a named region and connects to its doorbell (attach mode, ipc/SPEC.md section 6.2).
    pub fn attach_path(self: &Arc<Self>, path: &Path) -> std::io::Result<()> {
        let region = Region::attach_path(path)?;
        let bell = UnixStream::connect(path.with_extension("bell"))
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot connect to {}: {e}", path.with_extension("bell").display())))?;
        self.start(region, bell)
    }

    fn start(self: &Arc<Self>, region: Region, bell: UnixStream) -> std::io::Result<()> {
        let (session, mut incoming) = Session::start(Arc::new(region), bell, SessionOptions::default())?;
        let session = Arc::new(session);
        let core = {
            let mut sessions = self.sessions.lock().unwrap();
            sessions.push(session.clone());
            sessions.len() - 1
        };
        crate::log::info("ring attached", serde_json::json!({ "core": core, "epoch": format!("{:016x}", session.region().epoch()) }));
        let rings = self.clone();
        tokio::spawn(async move {
            while let Some(request) = incoming.recv().await {
                let entry = rings.entries.lock().unwrap().get(&request.route).map(|replicas| replicas[core % replicas.len()].clone());
                let Some(next) = entry else {
                    let message = format!("route {} has no consumer in the engine (nothing deployed on it)", request.route);
                    request.reply.send(Err(RequestError::Permanent(message)));
                    continue;
                };
                // Each request waits for its answer on its own task, so a slow batch never holds up the ring.
                let answer = next.send(request.code, request.payload.into());
                tokio::spawn(async move { request.reply.send(answer.await) });
            }
            crate::log::info("ring session ended", serde_json::json!({ "core": core, "reason": session.closed_reason() }));
        });
        Ok(())
    }

    /// Requests from the host on `route` go to `replicas` (ring N to replica N modulo their number).
    pub fn set_entry(&self, route: u32, replicas: Vec<Next>) {
        self.entries.lock().unwrap().insert(route, replicas);
    }

    pub fn clear_entries(&self) {
        self.entries.lock().unwrap().clear();
    }

    /// Sends a request to a host consumer and waits for its answer, on the first live ring.
    pub async fn request_host(&self, signal: u16, route: u32, payload: &[u8]) -> tandem_ipc::Answer {
        let session = self.sessions.lock().unwrap().iter().find(|s| s.closed_reason().is_none()).cloned();
        let Some(session) = session else {
            return Err(RequestError::Retryable("no ring to the host is open".into()));
        };
        session.request(signal, route, payload, tokio::time::Instant::now() + HOST_ANSWER_TIMEOUT).await
    }

    /// Why a ring session ended, if one did.
    pub fn failure(&self) -> Option<String> {
        self.sessions.lock().unwrap().iter().find_map(|s| s.closed_reason())
    }

    pub fn counters(&self) -> Vec<pb::RingCounters> {
        let sessions = self.sessions.lock().unwrap();
        sessions
            .iter()
            .enumerate()
            .map(|(core, s)| {
                let stats = s.stats();
                pb::RingCounters {
                    core: core as u32,
                    requests_sent: stats.requests_sent,
                    requests_received: stats.requests_received,
                    ..Default::default()
                }
            })
            .collect()
    }
}
