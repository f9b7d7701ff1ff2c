//! otap-dataflow creates nodes through plain `fn` factories from their JSON config, so the live parts a Tandem node
//! needs (its component, its channels) cannot travel in the config. They wait here, under a number that the node's
//! config carries (`{"handoff": n}`), until the factory takes them.

use std::any::Any;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

static WAITING: Mutex<Option<HashMap<u64, Box<dyn Any + Send>>>> = Mutex::new(None);
static LAST: AtomicU64 = AtomicU64::new(0);

/// Leaves `parts` for a node; returns the config that node must be given.
pub fn put<T: Send + 'static>(parts: T) -> serde_json::Value {
    let id = LAST.fetch_add(1, Ordering::Relaxed) + 1;
    WAITING.lock().unwrap().get_or_insert_with(HashMap::new).insert(id, Box::new(parts));
    serde_json::json!({ "handoff": id })
}

/// Takes the parts left for the node with this config.
pub fn take<T: 'static>(config: &serde_json::Value) -> Result<T, String> {
    let id = config["handoff"].as_u64().ok_or("a Tandem node is made by the engine only")?;
    let parts = WAITING.lock().unwrap().as_mut().and_then(|w| w.remove(&id)).ok_or("a Tandem node's parts were already taken")?;
    parts.downcast::<T>().map(|p| *p).map_err(|_| "a Tandem node was handed the parts of another kind".to_string())
}

/// Forgets parts no node took (a pipeline that failed to build).
pub fn discard(config: &serde_json::Value) {
    if let (Some(id), Some(waiting)) = (config["handoff"].as_u64(), WAITING.lock().unwrap().as_mut()) {
        waiting.remove(&id);
    }
}

/// The node config check otap-dataflow runs before building.
pub fn validate(config: &serde_json::Value) -> Result<(), otel_arrow_dfe_config::error::Error> {
    match config["handoff"].as_u64() {
        Some(_) => Ok(()),
        None => Err(otel_arrow_dfe_config::error::Error::InvalidUserConfig { error: "a Tandem node is made by the engine only".into() }),
    }
}
