//! An OTLP `AnyValue` read where it lies, and written as text the way the Collector's pdata writes it
//! (`Value.AsString`): what the filter's string patterns match a log body or a service name against. Maps and arrays
//! become JSON as Go's `encoding/json` writes them (keys sorted, `<`, `>` and `&` escaped), bytes base64.

use super::wire::{self, Malformed, Value};
use base64::Engine;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// What an `AnyValue` holds: its last value field, as protobuf reads a oneof (1 string, 2 bool, 3 int, 4 double,
/// 5 array, 6 key-value list, 7 bytes); `Empty` when it has none.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Any<'a> {
    Empty,
    Str(&'a [u8]),
    Bool(bool),
    Int(i64),
    Double(f64),
    /// An `ArrayValue`'s bytes: `AnyValue`s in field 1.
    Array(&'a [u8]),
    /// A `KeyValueList`'s bytes: `KeyValue`s (key 1, value 2) in field 1.
    Map(&'a [u8]),
    Bytes(&'a [u8]),
}

pub fn any(any_value: &[u8]) -> Result<Any<'_>, Malformed> {
    let mut found = Any::Empty;
    for f in wire::fields(any_value) {
        let f = f?;
        found = match (f.number, f.value) {
            (1, Value::Bytes(text)) => Any::Str(text),
            (2, Value::Varint(b)) => Any::Bool(b != 0),
            (3, Value::Varint(i)) => Any::Int(i as i64),
            (4, Value::Fixed64(bits)) => Any::Double(f64::from_bits(bits)),
            (5, Value::Bytes(array)) => Any::Array(array),
            (6, Value::Bytes(map)) => Any::Map(map),
            (7, Value::Bytes(bytes)) => Any::Bytes(bytes),
            _ => found,
        };
    }
    Ok(found)
}

/// Go's `Value.AsString()` of an `AnyValue`.
pub fn as_string(any_value: &[u8]) -> Result<Cow<'_, [u8]>, Malformed> {
    Ok(match any(any_value)? {
        Any::Empty => Cow::Borrowed(&[]),
        Any::Str(text) => Cow::Borrowed(text),
        Any::Bool(b) => Cow::Owned(b.to_string().into_bytes()),
        Any::Int(i) => Cow::Owned(i.to_string().into_bytes()),
        Any::Double(d) if !d.is_finite() => Cow::Owned(format!("json: unsupported value: {}", go_float(d)).into_bytes()),
        Any::Double(d) => Cow::Owned(json_number(d).into_bytes()),
        Any::Bytes(bytes) => Cow::Owned(base64::engine::general_purpose::STANDARD.encode(bytes).into_bytes()),
        structured => {
            // Go's Marshal fails on a NaN or an infinity inside, and AsString gives the empty string then.
            let mut out = Vec::new();
            Cow::Owned(if json(&mut out, structured)? { out } else { Vec::new() })
        }
    })
}

/// The text the filter's regexps match an attribute value against (Go's `attributeStringValue`): strings as they
/// are, bools, ints and doubles written out; None for the other kinds, which no regexp matches.
pub fn attribute_text(any_value: &[u8]) -> Result<Option<Cow<'_, [u8]>>, Malformed> {
    Ok(match any(any_value)? {
        Any::Str(text) => Some(Cow::Borrowed(text)),
        Any::Bool(b) => Some(Cow::Owned(b.to_string().into_bytes())),
        Any::Int(i) => Some(Cow::Owned(i.to_string().into_bytes())),
        Any::Double(d) => Some(Cow::Owned(go_float(d).into_bytes())),
        _ => None,
    })
}

/// Go's `strconv.FormatFloat(d, 'f', -1, 64)`: the shortest digits that read back as `d`, without an exponent (as
/// Rust's `Display` writes them), and Go's names for the non-finite values.
fn go_float(d: f64) -> String {
    match d {
        _ if d.is_nan() => "NaN".into(),
        f64::INFINITY => "+Inf".into(),
        f64::NEG_INFINITY => "-Inf".into(),
        _ => d.to_string(),
    }
}

/// A finite double as Go's JSON writes it (ES6's form): without an exponent unless it is below 1e-6 or from 1e21 on,
/// then with one that is not padded and has its sign (`1e-7`, `1e+21`).
fn json_number(d: f64) -> String {
    let magnitude = d.abs();
    if magnitude == 0.0 || (1e-6..1e21).contains(&magnitude) {
        return d.to_string();
    }
    let written = format!("{d:e}");
    match written.split_once('e') {
        Some((mantissa, exponent)) if !exponent.starts_with('-') => format!("{mantissa}e+{exponent}"),
        _ => written,
    }
}

/// Writes `value` as Go's `json.Marshal` writes its `AsRaw()`; false when Go's would fail (a NaN or an infinity).
fn json(out: &mut Vec<u8>, value: Any) -> Result<bool, Malformed> {
    match value {
        Any::Empty => out.extend_from_slice(b"null"),
        Any::Str(text) => json_string(out, text),
        Any::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Any::Int(i) => out.extend_from_slice(i.to_string().as_bytes()),
        Any::Double(d) if !d.is_finite() => return Ok(false),
        Any::Double(d) => out.extend_from_slice(json_number(d).as_bytes()),
        Any::Bytes(bytes) => {
            out.push(b'"');
            out.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(bytes).as_bytes());
            out.push(b'"');
        }
        Any::Array(array) => {
            out.push(b'[');
            let mut first = true;
            for element in wire::fields(array) {
                let element = element?;
                let Some(element) = element.bytes().filter(|_| element.number == 1) else { continue };
                if !std::mem::take(&mut first) {
                    out.push(b',');
                }
                if !json(out, any(element)?)? {
                    return Ok(false);
                }
            }
            out.push(b']');
        }
        Any::Map(map) => {
            // AsRaw keeps the last value of a key; Marshal writes the keys in byte order.
            let mut entries = BTreeMap::new();
            for key_value in wire::fields(map) {
                let key_value = key_value?;
                let Some(key_value) = key_value.bytes().filter(|_| key_value.number == 1) else { continue };
                entries.insert(wire::last_bytes(key_value, 1)?, wire::last_bytes(key_value, 2)?);
            }
            out.push(b'{');
            for (i, (key, value)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                json_string(out, key);
                out.push(b':');
                if !json(out, any(value)?)? {
                    return Ok(false);
                }
            }
            out.push(b'}');
        }
    }
    Ok(true)
}

/// A JSON string as Go writes one: `<`, `>`, `&`, U+2028 and U+2029 escaped, control characters as `\n`, `\r`, `\t`,
/// `\b`, `\f` or `\u00xx`, and each byte that is not UTF-8 as `\ufffd`.
fn json_string(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    for chunk in text.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.extend_from_slice(b"\\\""),
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\r' => out.extend_from_slice(b"\\r"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\u{8}' => out.extend_from_slice(b"\\b"),
                '\u{c}' => out.extend_from_slice(b"\\f"),
                '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1f}' => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
                _ => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
            }
        }
        for _ in chunk.invalid() {
            out.extend_from_slice(b"\\ufffd");
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use otel_arrow_dfe_pdata::proto::opentelemetry::common::v1::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value::Value as V};
    use prost::Message;

    fn text(value: Option<V>) -> String {
        String::from_utf8(as_string(&AnyValue { value }.encode_to_vec()).unwrap().into_owned()).unwrap()
    }

    fn kv(key: &str, value: V) -> KeyValue {
        KeyValue { key: key.into(), value: Some(AnyValue { value: Some(value) }) }
    }

    // Scenario: every kind of body. Guarantee: the text Go's AsString gives (values worked out from pdata's
    // value.go and encoding/json: sorted keys, HTML escapes, ES6 numbers, base64 bytes, "" when Marshal fails).
    #[test]
    fn bodies_read_as_go_writes_them() {
        assert_eq!(text(None), "");
        assert_eq!(text(Some(V::StringValue("a<b".into()))), "a<b");
        assert_eq!(text(Some(V::IntValue(-77))), "-77");
        assert_eq!(text(Some(V::BoolValue(true))), "true");
        assert_eq!(text(Some(V::DoubleValue(2.5))), "2.5");
        assert_eq!(text(Some(V::DoubleValue(1e21))), "1e+21");
        assert_eq!(text(Some(V::DoubleValue(1.5e-7))), "1.5e-7");
        assert_eq!(text(Some(V::DoubleValue(100.0))), "100");
        assert_eq!(text(Some(V::DoubleValue(f64::INFINITY))), "json: unsupported value: +Inf");
        assert_eq!(text(Some(V::BytesValue(b"hello".to_vec()))), "aGVsbG8=");
        let list = ArrayValue {
            values: vec![AnyValue { value: Some(V::IntValue(1)) }, AnyValue { value: Some(V::DoubleValue(2.5)) }, AnyValue { value: None }],
        };
        let map = KeyValueList {
            values: vec![
                kv("msg", V::StringValue("x & \"y\"\n\u{1}".into())),
                kv("list", V::ArrayValue(list)),
                kv("b", V::BytesValue(vec![0, 1])),
                kv("msg", V::StringValue("last <wins>".into())),
            ],
        };
        assert_eq!(text(Some(V::KvlistValue(map))), r#"{"b":"AAE=","list":[1,2.5,null],"msg":"last \u003cwins\u003e"}"#);
        let not_json = KeyValueList { values: vec![kv("n", V::DoubleValue(f64::NAN))] };
        assert_eq!(text(Some(V::KvlistValue(not_json))), "");
    }

    // Scenario: attribute values of each kind under a regexp. Guarantee: Go's attributeStringValue text, none for
    // arrays, maps and bytes.
    #[test]
    fn attribute_values_read_as_go_writes_them() {
        let read =
            |value: V| attribute_text(&AnyValue { value: Some(value) }.encode_to_vec()).unwrap().map(|t| String::from_utf8(t.into_owned()).unwrap());
        assert_eq!(read(V::DoubleValue(1e21)).as_deref(), Some("1000000000000000000000"));
        assert_eq!(read(V::DoubleValue(f64::NEG_INFINITY)).as_deref(), Some("-Inf"));
        assert_eq!(read(V::IntValue(-42)).as_deref(), Some("-42"));
        assert_eq!(read(V::BoolValue(false)).as_deref(), Some("false"));
        assert_eq!(read(V::BytesValue(vec![1])), None);
    }
}
