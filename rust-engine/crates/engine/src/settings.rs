//! Reading the settings of engine component configs (effective JSON configs, see `catalogue.rs`).

use std::time::Duration;

/// Go-style durations as the Collector's configs write them: "200ms", "1s", "1m", "0". `key` names the setting in errors.
pub fn parse_duration(key: &str, text: &str) -> Result<Duration, String> {
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: f64 = number.parse().map_err(|_| format!("'{key}' is not a duration: \"{text}\""))?;
    let scale = match unit {
        "ns" => 1e-9,
        "us" | "µs" => 1e-6,
        "ms" => 1e-3,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return Err(format!("'{key}' has an unknown unit: \"{text}\" (use ns, us, ms, s, m or h)")),
    };
    Ok(Duration::from_secs_f64(value * scale))
}

/// The duration setting `key` of a config; `example` shows the expected form in the error. A number is nanoseconds, as
/// in Go (so a YAML `0` is zero).
pub fn duration_setting(config: &serde_json::Value, key: &str, example: &str) -> Result<Duration, String> {
    if let Some(nanos) = config[key].as_u64() {
        return Ok(Duration::from_nanos(nanos));
    }
    let text = config[key].as_str().ok_or_else(|| format!("'{key}' must be a duration such as \"{example}\""))?;
    parse_duration(key, text)
}
