//! The engine's ends of the ring regions: attached at startup (inherited from the host) or by path over the control
//! channel (attach mode). Requests are answered by the consumers deployed on their route; a route nobody deployed is
//! answered PERMANENT naming the route, as ipc/SPEC.md section 4 requires.
//!
//! The engine serves one host at a time. The rings of a host are numbered with it; when every ring of the current
//! host has ended (the host exited, was killed, or stood still past the heartbeat), `host_gone` fires, and the rings
//! are released: unmapped, and in attach mode their files removed, so that the next host starts from nothing.

use crate::control::pb;
use crate::node::Next;
use std::collections::HashMap;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tandem_ipc::{layout, Region, RequestError, Session, SessionOptions};
use tokio::sync::Notify;

/// How long an engine component waits for a host consumer's answer.
const HOST_ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// A named region file the host created: removed when its host is gone, unless a new file took its name.
struct RingFile {
    path: PathBuf,
    dev: u64,
    ino: u64,
}

impl RingFile {
    fn of(path: &Path) -> std::io::Result<RingFile> {
        let meta = std::fs::metadata(path)?;
        Ok(RingFile { path: path.to_path_buf(), dev: meta.dev(), ino: meta.ino() })
    }

    /// Removes the file if it is still the one that was mapped (a new host may have reused the name).
    fn remove(&self) {
        if std::fs::metadata(&self.path).is_ok_and(|m| m.dev() == self.dev && m.ino() == self.ino) {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

struct Attached {
    session: Arc<Session>,
    host: u64,
    file: Option<RingFile>,
}

impl Attached {
    /// Over: ended on this side, or closed by its creator (whose close this side may not have noticed yet).
    fn ended(&self) -> bool {
        self.session.closed_reason().is_some() || self.session.region().state() != layout::STATE_READY
    }
}

#[derive(Default)]
pub struct Rings {
    attached: Mutex<Vec<Attached>>,
    /// The number of the host whose rings are attached now; every attach of a new host increments it.
    host: Mutex<u64>,
    gone: Notify,
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
        self.start(region, bell, None)
    }

    /// Maps a named region and connects to its doorbell (attach mode, ipc/SPEC.md section 6.2) for the host that
    /// `begin_host` numbered.
    pub fn attach_path(self: &Arc<Self>, path: &Path) -> std::io::Result<()> {
        let file = RingFile::of(path).map_err(|e| std::io::Error::new(e.kind(), format!("cannot open ring region {}: {e}", path.display())))?;
        let region = Region::attach_path(path)?;
        let bell = UnixStream::connect(path.with_extension("bell"))
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot connect to {}: {e}", path.with_extension("bell").display())))?;
        self.start(region, bell, Some(file))
    }

    /// Makes way for a new host: releases the rings of hosts that are gone. Err names the live host still attached.
    /// Returns whether rings were released, in which case their host's deployment must be dropped too.
    pub fn begin_host(&self) -> Result<bool, String> {
        let mut attached = self.attached.lock().unwrap();
        if let Some(live) = attached.iter().find(|a| !a.ended()) {
            let pid = live.session.region().creator_pid();
            return Err(format!("the engine already serves a host (pid {pid}); it serves one host at a time"));
        }
        let released = !attached.is_empty();
        release(attached.drain(..));
        *self.host.lock().unwrap() += 1;
        Ok(released)
    }

    /// Resolves when every ring of the current host has ended.
    pub async fn host_gone(&self) {
        self.gone.notified().await
    }

    /// Releases the current host's rings if they have all ended; returns whether it did (the caller then drops the
    /// deployment). Runs without awaiting, so that no new host can attach in between.
    pub fn release_gone_host(&self) -> bool {
        let mut attached = self.attached.lock().unwrap();
        if attached.is_empty() || attached.iter().any(|a| !a.ended()) {
            return false;
        }
        release(attached.drain(..));
        true
    }

    fn session_ended(&self, host: u64) {
        let attached = self.attached.lock().unwrap();
        let current = *self.host.lock().unwrap();
        if host == current && attached.iter().filter(|a| a.host == host).all(|a| a.ended()) {
            self.gone.notify_one();
        }
    }

    fn start(self: &Arc<Self>, region: Region, bell: UnixStream, file: Option<RingFile>) -> std::io::Result<()> {
        let (session, mut incoming) = Session::start(Arc::new(region), bell, SessionOptions::default())?;
        let session = Arc::new(session);
        let host = *self.host.lock().unwrap();
        let core = {
            let mut attached = self.attached.lock().unwrap();
            attached.push(Attached { session: session.clone(), host, file });
            attached.len() - 1
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
            rings.session_ended(host);
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
        let session = self.attached.lock().unwrap().iter().find(|a| !a.ended()).map(|a| a.session.clone());
        let Some(session) = session else {
            return Err(RequestError::Retryable("no ring to the host is open".into()));
        };
        session.request(signal, route, payload, tokio::time::Instant::now() + HOST_ANSWER_TIMEOUT).await
    }

    /// Why a ring session ended, if one did.
    pub fn failure(&self) -> Option<String> {
        self.attached.lock().unwrap().iter().find_map(|a| a.session.closed_reason())
    }

    pub fn counters(&self) -> Vec<pb::RingCounters> {
        let attached = self.attached.lock().unwrap();
        attached
            .iter()
            .enumerate()
            .map(|(core, a)| {
                let stats = a.session.stats();
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

/// Ends the sessions (what is still in flight fails retryable) and removes the files of named regions. The mappings
/// go once the last request holding a session has been answered.
fn release(rings: impl Iterator<Item = Attached>) {
    for ring in rings {
        ring.session.close();
        if let Some(file) = &ring.file {
            file.remove();
        }
    }
}
