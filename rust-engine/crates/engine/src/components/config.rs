//! Decoding component configs: serde types with `deny_unknown_fields`, whose errors are worded as the Collector's
//! (mapstructure's `'' has invalid keys: foo`, every invalid key of the map at once) with the path of the setting.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use std::time::Duration;

/// What mapstructure puts before its decoding errors, as the host's components show it for unknown top-level keys.
const DECODING_FAILED: &str = "decoding failed due to the following error(s):\n\n";

/// Decodes a user config (JSON; null is every default) into `T`.
pub fn decode<T: DeserializeOwned>(config: &Value) -> Result<T, String> {
    let config = if config.is_null() { Value::Object(Default::default()) } else { config.clone() };
    serde_path_to_error::deserialize(&config).map_err(|e| describe(&config, e))
}

/// An error of `decode`, with the setting's path as the Collector writes it (`logs.include.match_type`).
fn describe(config: &Value, error: serde_path_to_error::Error<serde_json::Error>) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<String> = error
        .path()
        .iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    let message = error.inner().to_string();
    if let Some(expected) = message.strip_prefix("unknown field `").and_then(|rest| rest.split_once("`, ")).map(|(_, expected)| expected) {
        // The path ends at the unknown key; its map is the one to report, with all of its invalid keys.
        let map_path = &segments[..segments.len().saturating_sub(1)];
        let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let at =
            map_path.iter().try_fold(config, |value, key| value.get(key.as_str()).or_else(|| key.parse::<usize>().ok().and_then(|i| value.get(i))));
        let mut invalid: Vec<&str> =
            at.and_then(Value::as_object).map(|map| map.keys().map(String::as_str).filter(|k| !known.contains(k)).collect()).unwrap_or_default();
        invalid.sort_unstable();
        // The host's components word a component's own unknown keys as mapstructure does at the top of its config.
        let prefix = if map_path.is_empty() { DECODING_FAILED } else { "" };
        return format!("{prefix}'{}' has invalid keys: {}", path_text(map_path), invalid.join(", "));
    }
    if segments.is_empty() {
        return message;
    }
    format!("'{}' {message}", path_text(&segments))
}

/// `a.b[2].c`, as mapstructure names a setting.
fn path_text(segments: &[String]) -> String {
    let mut text = String::new();
    for segment in segments {
        if segment.parse::<usize>().is_ok() {
            text.push_str(&format!("[{segment}]"));
        } else {
            if !text.is_empty() {
                text.push('.');
            }
            text.push_str(segment);
        }
    }
    text
}

/// The config of a component that has no settings: `{}`, anything else refused.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NoSettings {}

impl super::ComponentConfig for NoSettings {}

/// A Go duration as the Collector's configs write them ("200ms", "1.5s", "1m"), kept as written.
#[derive(Clone, Debug, PartialEq)]
pub struct GoDuration {
    pub duration: Duration,
    text: String,
}

impl GoDuration {
    /// A duration written `text`; for defaults, which are valid by construction.
    pub fn of(text: &str) -> GoDuration {
        GoDuration::parse(text).expect("a valid default duration")
    }

    pub fn parse(text: &str) -> Result<GoDuration, String> {
        if text == "0" {
            return Ok(GoDuration { duration: Duration::ZERO, text: text.to_string() });
        }
        let split = text.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let value: f64 = number.parse().map_err(|_| format!("is not a duration: \"{text}\""))?;
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return Err(format!("has an unknown unit: \"{text}\" (use ns, us, ms, s, m or h)")),
        };
        Ok(GoDuration { duration: Duration::from_secs_f64(value * scale), text: text.to_string() })
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // A number is nanoseconds, as in Go (so a YAML `0` is zero).
        match serde_json::Value::deserialize(deserializer) {
            Ok(serde_json::Value::String(text)) => GoDuration::parse(&text).map_err(serde::de::Error::custom),
            Ok(serde_json::Value::Number(n)) if n.as_u64().is_some() => {
                let nanos = n.as_u64().unwrap_or_default();
                Ok(GoDuration { duration: Duration::from_nanos(nanos), text: format!("{nanos}ns") })
            }
            _ => Err(serde::de::Error::custom("must be a duration such as \"200ms\"")),
        }
    }
}

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

/// A `host:port` endpoint, as the Collector's receivers and exporters take it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Endpoint(pub String);

impl<'de> Deserialize<'de> for Endpoint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer).map_err(|_| serde::de::Error::custom("must be a string such as \"localhost:4317\""))?;
        if !text.contains(':') {
            return Err(serde::de::Error::custom(format!("must be host:port, got \"{text}\"")));
        }
        Ok(Endpoint(text))
    }
}

impl Endpoint {
    /// The socket address it names (a host name is resolved), for a listener.
    pub fn socket_addr(&self) -> Result<std::net::SocketAddr, String> {
        use std::net::ToSocketAddrs;
        let mut addrs = self.0.to_socket_addrs().map_err(|e| format!("'endpoint' {}: {e}", self.0))?;
        addrs.next().ok_or_else(|| format!("'endpoint' {} resolves to no address", self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only decoded: the tests look at the errors, never at the fields
    struct Inner {
        #[serde(default)]
        keep: u32,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)] // only decoded, as above
    struct Outer {
        #[serde(default)]
        timeout: Option<GoDuration>,
        #[serde(default)]
        list: Vec<Inner>,
        #[serde(default)]
        nested: Option<Inner>,
    }

    // Scenario: unknown keys at the top, in a nested map and in a list item. Guarantee: mapstructure's wording, the
    // map's path, and every invalid key of that map at once, sorted.
    #[test]
    fn unknown_keys_are_named_with_their_map_in_mapstructure_wording() {
        let top = decode::<Outer>(&serde_json::json!({ "zeta": 1, "alpha": 2, "timeout": "1s" })).unwrap_err();
        assert_eq!(top, "decoding failed due to the following error(s):\n\n'' has invalid keys: alpha, zeta");
        let nested = decode::<Outer>(&serde_json::json!({ "nested": { "keep": 1, "lose": 2 } })).unwrap_err();
        assert!(nested.ends_with("'nested' has invalid keys: lose"), "{nested}");
        let listed = decode::<Outer>(&serde_json::json!({ "list": [{}, { "bad": 1 }] })).unwrap_err();
        assert!(listed.ends_with("'list[1]' has invalid keys: bad"), "{listed}");
    }

    // Scenario: a duration in words, one with an unknown unit, numbers. Guarantee: each error names the setting; 0
    // and a number of nanoseconds are durations, as in Go.
    #[test]
    fn durations_are_go_durations_and_errors_name_the_setting() {
        assert_eq!(decode::<Outer>(&serde_json::json!({ "timeout": "soon" })).unwrap_err(), "'timeout' is not a duration: \"soon\"");
        assert_eq!(
            decode::<Outer>(&serde_json::json!({ "timeout": "5d" })).unwrap_err(),
            "'timeout' has an unknown unit: \"5d\" (use ns, us, ms, s, m or h)"
        );
        assert!(decode::<Outer>(&serde_json::json!({ "timeout": -5 })).unwrap_err().starts_with("'timeout' must be a duration"));
        assert!(decode::<Outer>(&serde_json::json!({ "timeout": true })).unwrap_err().starts_with("'timeout' must be a duration"));
        // Go's forms of zero and of a bare number (nanoseconds), as a YAML `linger: 0` arrives.
        assert_eq!(decode::<Outer>(&serde_json::json!({ "timeout": 0 })).unwrap().timeout.unwrap().duration, Duration::ZERO);
        assert_eq!(decode::<Outer>(&serde_json::json!({ "timeout": "0" })).unwrap().timeout.unwrap().duration, Duration::ZERO);
        assert_eq!(decode::<Outer>(&serde_json::json!({ "timeout": 1500 })).unwrap().timeout.unwrap().duration, Duration::from_nanos(1500));
        assert_eq!(GoDuration::of("1.5s").duration, Duration::from_millis(1500));
        assert_eq!(serde_json::to_value(GoDuration::of("200ms")).unwrap(), serde_json::json!("200ms"));
        assert_eq!(decode::<Outer>(&Value::Null).unwrap().timeout, None);
    }
}
