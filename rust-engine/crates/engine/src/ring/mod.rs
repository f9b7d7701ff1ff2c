//! The engine's ends of the ring regions (ipc/SPEC.md), one per core: inherited at startup (spawn mode) or attached by
//! path over the control channel (attach mode). Core N's pipeline reads and answers ring N on its own thread (the
//! `ingress` receiver and `egress` exporters of its pipeline); while no pipeline runs, the control thread drives the
//! ring and answers every request PERMANENT naming its route, as SPEC section 4 requires. The nodes find their ring
//! here by core number: the otap-dataflow factories that make them only get a JSON config.

pub mod egress;
pub mod ingress;

use crate::control::pb;
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use tandem_ipc::{Incoming, Region, RequestError, Session, SessionOptions};
use tokio::sync::mpsc::UnboundedReceiver;

/// How long an engine node waits for a host consumer's answer.
pub const HOST_ANSWER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// One core's ring.
struct Core {
    session: Arc<Session>,
    /// The region file and doorbell socket the host made for it (attach mode): removed when that host is gone.
    files: Option<PathBuf>,
}

impl Core {
    /// Over: ended on this side, or closed by its creator (whose close this side may not have noticed yet).
    fn ended(&self) -> bool {
        self.session.closed_reason().is_some() || self.session.region().state() != tandem_ipc::layout::STATE_READY
    }
}

#[derive(Default)]
pub struct Rings {
    cores: Mutex<Vec<Core>>,
    /// Woken when rings are attached.
    attached: tokio::sync::Notify,
}

/// The rings of this process.
pub fn rings() -> &'static Rings {
    static RINGS: OnceLock<Rings> = OnceLock::new();
    RINGS.get_or_init(Rings::default)
}

/// The answer to a request on a route no node is deployed on.
pub fn no_consumer(route: u32) -> RequestError {
    RequestError::Permanent(format!("route {route} has no consumer in the engine (nothing deployed on it)"))
}

impl Rings {
    /// Maps an inherited region and doorbell (spawn mode) as the next core's ring. Must run on the control runtime.
    pub fn attach_inherited(&self, region_fd: i32, bell_fd: i32) -> std::io::Result<()> {
        // The host spawned this process with these descriptors; nothing else owns them.
        let region = Region::attach_fd(unsafe { OwnedFd::from_raw_fd(region_fd) })?;
        let bell = unsafe { UnixStream::from_raw_fd(bell_fd) };
        self.start(region, bell, None)
    }

    /// Maps the named regions of a host and connects to their doorbells (attach mode, ipc/SPEC.md section 6.2), one
    /// per core. Refused while another host's rings are attached: two hosts' rings are never served together.
    pub fn attach_paths(&self, paths: &[PathBuf]) -> Result<(), String> {
        if let Some(pid) = self.live_host() {
            return Err(format!("the engine already serves a host (pid {pid}); it serves one host at a time"));
        }
        self.detach();
        for path in paths {
            let attached = Region::attach_path(path).and_then(|region| {
                let bell = path.with_extension("bell");
                let stream =
                    UnixStream::connect(&bell).map_err(|e| std::io::Error::new(e.kind(), format!("cannot connect to {}: {e}", bell.display())))?;
                self.start(region, stream, Some(path.clone()))
            });
            if let Err(e) = attached {
                self.detach();
                return Err(e.to_string());
            }
        }
        Ok(())
    }

    fn start(&self, region: Region, bell: UnixStream, files: Option<PathBuf>) -> std::io::Result<()> {
        let (session, incoming) = Session::start(Arc::new(region), bell, SessionOptions::default())?;
        let session = Arc::new(session);
        let core = {
            let mut cores = self.cores.lock().unwrap();
            cores.push(Core { session: session.clone(), files });
            cores.len() - 1
        };
        crate::log::info("ring attached", serde_json::json!({ "core": core, "epoch": format!("{:016x}", session.region().epoch()) }));
        tokio::spawn(answer_idle(incoming));
        self.attached.notify_waiters();
        Ok(())
    }

    /// Core `core`'s session, if it has a ring.
    pub fn session(&self, core: usize) -> Option<Arc<Session>> {
        self.cores.lock().unwrap().get(core).map(|c| c.session.clone())
    }

    /// How many cores have a ring.
    pub fn len(&self) -> usize {
        self.cores.lock().unwrap().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Takes every ring back to the control thread, where requests are answered as nothing is deployed: after a
    /// deployment's pipelines stopped.
    pub async fn take_back(&self) {
        let sessions: Vec<(usize, Arc<Session>)> = self.cores.lock().unwrap().iter().map(|c| c.session.clone()).enumerate().collect();
        for (core, session) in sessions {
            match session.adopt().await {
                Ok(incoming) => drop(tokio::spawn(answer_idle(incoming))),
                Err(e) => crate::log::error("cannot take a ring back", serde_json::json!({ "core": core, "error": e.to_string() })),
            }
        }
    }

    /// The process id of the host whose rings are attached, while one of them has not ended: a live host.
    pub fn live_host(&self) -> Option<u32> {
        let cores = self.cores.lock().unwrap();
        cores.iter().find(|c| !c.ended()).map(|c| c.session.region().creator_pid())
    }

    /// Why a ring session ended, if one did.
    pub fn failure(&self) -> Option<String> {
        self.cores.lock().unwrap().iter().find_map(|c| c.session.closed_reason())
    }

    /// Resolves when a ring's session ends (the host went away, or stopped answering), with the reason; while no
    /// ring is attached, waits for one.
    pub async fn ended(&self) -> String {
        loop {
            let attached = self.attached.notified();
            tokio::pin!(attached);
            attached.as_mut().enable();
            let sessions: Vec<Arc<Session>> = self.cores.lock().unwrap().iter().map(|c| c.session.clone()).collect();
            if sessions.is_empty() {
                attached.await;
                continue;
            }
            let waits = sessions.iter().map(|s| Box::pin(s.closed()));
            return futures::future::select_all(waits).await.0;
        }
    }

    /// Ends every ring's session from this side (the host sees its doorbell hang up); the rings stay until the host's
    /// end is handled as for any host that went away.
    pub fn close_all(&self) {
        for core in self.cores.lock().unwrap().iter() {
            core.session.close();
        }
    }

    /// Drops every ring (their sessions end) and removes the files of a host that attached them: what is left of a
    /// host that is gone.
    pub fn detach(&self) {
        let cores = std::mem::take(&mut *self.cores.lock().unwrap());
        for core in cores {
            core.session.close();
            if let Some(path) = core.files {
                for file in [path.clone(), path.with_extension("bell")] {
                    match std::fs::remove_file(&file) {
                        Ok(()) => crate::log::info("removed a gone host's ring file", serde_json::json!({ "path": file.display().to_string() })),
                        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                        Err(e) => crate::log::error(
                            "cannot remove a ring file",
                            serde_json::json!({ "path": file.display().to_string(), "error": e.to_string() }),
                        ),
                    }
                }
            }
        }
    }

    pub fn counters(&self) -> Vec<pb::RingCounters> {
        let cores = self.cores.lock().unwrap();
        cores
            .iter()
            .enumerate()
            .map(|(core, c)| {
                let stats = c.session.stats();
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

/// Answers a ring's requests while no pipeline serves it: nothing is deployed on any route. Ends when a pipeline's
/// ingress adopts the ring (the channel closes).
async fn answer_idle(mut incoming: UnboundedReceiver<Incoming>) {
    while let Some(request) = incoming.recv().await {
        request.reply.send(Err(no_consumer(request.route)));
    }
}
