//! Protobuf's wire format, field by field, for the components that read or change a few fields of an OTLP message
//! and copy the rest as they are: reading a field costs its tag and length, and nothing is decoded that is not read.

use prost::encoding::{WireType, decode_key, decode_varint, encode_key, encode_varint};

/// What a field holds: a number (varint or fixed width) or the bytes of a length-delimited field (a message, a string,
/// bytes or packed numbers).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// One field of a message as it is on the wire.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
    pub number: u32,
    pub value: Value<'a>,
    /// The field's bytes, tag included: what copying it unchanged writes.
    pub raw: &'a [u8],
}

impl<'a> Field<'a> {
    /// The bytes of a length-delimited field, else None.
    pub fn bytes(&self) -> Option<&'a [u8]> {
        if let Value::Bytes(bytes) = self.value { Some(bytes) } else { None }
    }
}

/// Why bytes are not a message this module reads: a truncated field, a bad varint, or a group (the deprecated wire
/// type, which OTLP does not use).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

impl From<prost::DecodeError> for Malformed {
    fn from(e: prost::DecodeError) -> Malformed {
        Malformed(e.to_string())
    }
}

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The fields of a message in wire order.
pub fn fields(message: &[u8]) -> impl Iterator<Item = Result<Field<'_>, Malformed>> {
    let mut rest = message;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let start = rest;
        let field = read_field(&mut rest).map(|(number, value)| Field { number, value, raw: &start[..start.len() - rest.len()] });
        if field.is_err() {
            rest = &[];
        }
        Some(field)
    })
}

fn read_field<'a>(rest: &mut &'a [u8]) -> Result<(u32, Value<'a>), Malformed> {
    let (number, wire_type) = decode_key(rest)?;
    let value = match wire_type {
        WireType::Varint => Value::Varint(decode_varint(rest)?),
        WireType::SixtyFourBit => Value::Fixed64(u64::from_le_bytes(take(rest, 8)?.try_into().expect("8 bytes"))),
        WireType::ThirtyTwoBit => Value::Fixed32(u32::from_le_bytes(take(rest, 4)?.try_into().expect("4 bytes"))),
        WireType::LengthDelimited => {
            let length = usize::try_from(decode_varint(rest)?).map_err(|_| Malformed("length out of range".into()))?;
            Value::Bytes(take(rest, length)?)
        }
        WireType::StartGroup | WireType::EndGroup => return Err(Malformed("groups are not read here".into())),
    };
    Ok((number, value))
}

fn take<'a>(rest: &mut &'a [u8], length: usize) -> Result<&'a [u8], Malformed> {
    if rest.len() < length {
        return Err(Malformed("field runs past the end of its message".into()));
    }
    let (taken, left) = rest.split_at(length);
    *rest = left;
    Ok(taken)
}

/// The last field `number` of a message holds, as protobuf reads a singular field (the last occurrence wins).
pub fn last(message: &[u8], number: u32) -> Result<Option<Value<'_>>, Malformed> {
    let mut found = None;
    for field in fields(message) {
        let field = field?;
        if field.number == number {
            found = Some(field.value);
        }
    }
    Ok(found)
}

/// The bytes of the last length-delimited field `number` (a string, bytes or a message), empty when there is none:
/// protobuf's default for a singular field that is absent.
pub fn last_bytes(message: &[u8], number: u32) -> Result<&[u8], Malformed> {
    Ok(match last(message, number)? {
        Some(Value::Bytes(bytes)) => bytes,
        _ => &[],
    })
}

/// Appends a length-delimited field.
pub fn put_bytes(out: &mut Vec<u8>, number: u32, bytes: &[u8]) {
    encode_key(number, WireType::LengthDelimited, out);
    encode_varint(bytes.len() as u64, out);
    out.extend_from_slice(bytes);
}

/// Appends a varint field.
pub fn put_varint(out: &mut Vec<u8>, number: u32, value: u64) {
    encode_key(number, WireType::Varint, out);
    encode_varint(value, out);
}

/// Appends a 64-bit field.
pub fn put_fixed64(out: &mut Vec<u8>, number: u32, value: u64) {
    encode_key(number, WireType::SixtyFourBit, out);
    out.extend_from_slice(&value.to_le_bytes());
}

/// `message` with each length-delimited field replaced by what `change` makes of its number and bytes (None: kept as
/// it is); None when `change` changed none of them, so that the caller keeps the bytes it has.
pub fn with_fields_changed(
    message: &[u8],
    mut change: impl FnMut(u32, &[u8]) -> Result<Option<Vec<u8>>, Malformed>,
) -> Result<Option<Vec<u8>>, Malformed> {
    let mut out: Option<Vec<u8>> = None;
    let mut copied_up_to = 0;
    for field in fields(message) {
        let field = field?;
        let Some(bytes) = field.bytes() else { continue };
        if let Some(changed) = change(field.number, bytes)? {
            let at = field.raw.as_ptr() as usize - message.as_ptr() as usize;
            let out = out.get_or_insert_with(|| Vec::with_capacity(message.len() + 64));
            out.extend_from_slice(&message[copied_up_to..at]);
            put_bytes(out, field.number, &changed);
            copied_up_to = at + field.raw.len();
        }
    }
    Ok(out.map(|mut out| {
        out.extend_from_slice(&message[copied_up_to..]);
        out
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Scenario: a message with a field of each wire type, and the same message cut short. Guarantee: each field is
    // read with its number, value and bytes; the cut one is an error and ends the fields.
    #[test]
    fn fields_are_read_with_their_bytes() {
        let mut message = Vec::new();
        put_varint(&mut message, 1, 300);
        put_fixed64(&mut message, 2, 7);
        put_bytes(&mut message, 3, b"abc");
        message.extend([0x25, 1, 0, 0, 0]); // field 4, 32-bit
        let read: Vec<Field> = fields(&message).collect::<Result<_, _>>().unwrap();
        let values: Vec<(u32, Value)> = read.iter().map(|f| (f.number, f.value)).collect();
        assert_eq!(values, vec![(1, Value::Varint(300)), (2, Value::Fixed64(7)), (3, Value::Bytes(b"abc")), (4, Value::Fixed32(1))]);
        assert_eq!(read.iter().map(|f| f.raw.len()).sum::<usize>(), message.len());
        let cut: Vec<_> = fields(&message[..message.len() - 2]).collect();
        assert_eq!(cut.len(), 4);
        assert!(cut[3].is_err());
    }

    // Scenario: a singular field written twice. Guarantee: the last one is the field's value, as protobuf reads it.
    #[test]
    fn the_last_occurrence_of_a_field_wins() {
        let mut message = Vec::new();
        put_bytes(&mut message, 5, b"first");
        put_varint(&mut message, 6, 1);
        put_bytes(&mut message, 5, b"second");
        assert_eq!(last(&message, 5).unwrap(), Some(Value::Bytes(b"second")));
        assert_eq!(last(&message, 9).unwrap(), None);
    }

    // Scenario: two length-delimited fields between varints, one of them changed. Guarantee: the changed one is
    // replaced in place with its new length, everything else is copied as it was; no change gives None.
    #[test]
    fn a_changed_field_is_replaced_in_place() {
        let mut message = Vec::new();
        put_varint(&mut message, 1, 1);
        put_bytes(&mut message, 2, b"keep");
        put_bytes(&mut message, 2, b"grow");
        put_varint(&mut message, 3, 3);
        let changed = with_fields_changed(&message, |_, b| Ok((b == b"grow").then(|| b"grown longer".to_vec()))).unwrap().unwrap();
        let mut expected = Vec::new();
        put_varint(&mut expected, 1, 1);
        put_bytes(&mut expected, 2, b"keep");
        put_bytes(&mut expected, 2, b"grown longer");
        put_varint(&mut expected, 3, 3);
        assert_eq!(changed, expected);
        assert_eq!(with_fields_changed(&message, |_, _| Ok(None)).unwrap(), None);
    }
}
