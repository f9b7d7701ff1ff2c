//! Structured logs: one JSON object per line on stderr, which the host parses and forwards into its own log.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn log(level: &str, msg: &str, fields: serde_json::Value) {
    let mut line = serde_json::json!({
        "level": level,
        "time": SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0),
        "msg": msg,
    });
    if let (Some(line), serde_json::Value::Object(extra)) = (line.as_object_mut(), fields) {
        line.extend(extra);
    }
    // Not eprintln!, which panics when stderr fails: in spawn mode stderr is a pipe to the host, and an engine whose
    // host was killed still logs its shutdown (and removes its socket folder) after the pipe is broken.
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

pub fn info(msg: &str, fields: serde_json::Value) {
    log("info", msg, fields);
}

pub fn warn(msg: &str, fields: serde_json::Value) {
    log("warn", msg, fields);
}

pub fn error(msg: &str, fields: serde_json::Value) {
    log("error", msg, fields);
}
