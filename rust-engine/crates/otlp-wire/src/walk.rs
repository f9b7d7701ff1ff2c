//! The wire walk: reads a request's fields in place against the schema, checking what prost's decode checks (every
//! read within its message, each known field's wire type, packed values whole, strings in UTF-8, prost's recursion
//! limit) without building a message, so validating allocates nothing.

use crate::schema::{Kind, Message, Wire};
use std::fmt;

/// prost's recursion limit: messages, and groups in unknown fields, nest at most this deep below the request.
const RECURSION_LIMIT: u32 = 100;

/// Why a request is not admitted, and where its walk stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Malformed {
    /// The byte offset in the request where the problem was found.
    pub offset: usize,
    pub problem: Problem,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A varint that runs past its message or past 10 bytes, or overflows 64 bits.
    Varint,
    /// A field key larger than 32 bits, of field number 0 or of wire type 6 or 7.
    Key(u64),
    /// A value longer than what is left of its message.
    Truncated {
        needed: u64,
        left: usize,
    },
    WireType {
        message: &'static str,
        field: &'static str,
        found: Wire,
    },
    /// Packed values that are not whole: a fixed width's length not a multiple of it, or a varint cut short.
    Packed {
        message: &'static str,
        field: &'static str,
        length: usize,
    },
    Utf8 {
        message: &'static str,
        field: &'static str,
    },
    /// An end-group key without its start-group key.
    EndGroup,
    TooDeep,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            Problem::Varint => write!(f, "invalid varint"),
            Problem::Key(key) => write!(f, "invalid field key {key}"),
            Problem::Truncated { needed, left } => write!(f, "a value of {needed} bytes where {left} are left"),
            Problem::WireType { message, field, found } => write!(f, "{message}.{field} has wire type {found:?}"),
            Problem::Packed { message, field, length } => write!(f, "{message}.{field} packs {length} bytes, not whole values"),
            Problem::Utf8 { message, field } => write!(f, "{message}.{field}: string field contains invalid UTF-8"),
            Problem::EndGroup => write!(f, "an end-group key without its group"),
            Problem::TooDeep => write!(f, "messages nested deeper than {RECURSION_LIMIT}"),
        }?;
        write!(f, " at byte {}", self.offset)
    }
}

impl std::error::Error for Malformed {}

/// Checks that `bytes` is the message `shape`, as prost's decode would.
pub fn walk(bytes: &[u8], shape: &'static Message) -> Result<(), Malformed> {
    Walker { bytes, pos: 0 }.message(bytes.len(), shape, RECURSION_LIMIT)
}

struct Walker<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Walker<'_> {
    fn fail<T>(&self, problem: Problem) -> Result<T, Malformed> {
        Err(Malformed { offset: self.pos, problem })
    }

    /// The fields of `shape` up to `end`. `budget` is how many levels may still nest below it, counted as prost's
    /// `DecodeContext` counts them: a known message field or any unknown field needs one left.
    fn message(&mut self, end: usize, shape: &'static Message, budget: u32) -> Result<(), Malformed> {
        while self.pos < end {
            let (number, wire) = self.key(end)?;
            let Some(field) = shape.field(number) else {
                self.unknown(number, wire, end, budget)?;
                continue;
            };
            match (field.kind, wire) {
                (Kind::Scalar(expected) | Kind::Packable(expected), _) if wire == expected => self.scalar(wire, end)?,
                (Kind::Packable(scalar), Wire::Len) => {
                    let values = self.delimited(end)?;
                    let whole = match scalar {
                        Wire::Fixed64 => values.len() % 8 == 0,
                        Wire::Fixed32 => values.len() % 4 == 0,
                        _ => self.whole_varints(values.clone()),
                    };
                    if !whole {
                        let problem = Problem::Packed { message: shape.name, field: field.name, length: values.len() };
                        return Err(Malformed { offset: values.start, problem });
                    }
                }
                (Kind::Bytes, Wire::Len) => {
                    self.delimited(end)?;
                }
                (Kind::String, Wire::Len) => {
                    let start = self.pos;
                    let text = self.delimited(end)?;
                    if !self.bytes[text.clone()].is_ascii() && std::str::from_utf8(&self.bytes[text]).is_err() {
                        return Err(Malformed { offset: start, problem: Problem::Utf8 { message: shape.name, field: field.name } });
                    }
                }
                (Kind::Message(inner), Wire::Len) => {
                    if budget == 0 {
                        return self.fail(Problem::TooDeep);
                    }
                    let body = self.delimited(end)?;
                    self.pos = body.start; // back to walk the body's fields
                    self.message(body.end, inner, budget - 1)?;
                }
                _ => return self.fail(Problem::WireType { message: shape.name, field: field.name, found: wire }),
            }
        }
        Ok(())
    }

    /// Skips an unknown field's value, as prost's `skip_field` does (a group's fields one level deeper).
    fn unknown(&mut self, number: u32, wire: Wire, end: usize, budget: u32) -> Result<(), Malformed> {
        if budget == 0 {
            return self.fail(Problem::TooDeep);
        }
        match wire {
            Wire::Len => {
                self.delimited(end)?;
            }
            Wire::StartGroup => loop {
                match self.key(end)? {
                    (inner, Wire::EndGroup) if inner == number => break,
                    (_, Wire::EndGroup) => return self.fail(Problem::EndGroup),
                    (inner, inner_wire) => self.unknown(inner, inner_wire, end, budget - 1)?,
                }
            },
            Wire::EndGroup => return self.fail(Problem::EndGroup),
            Wire::Varint | Wire::Fixed64 | Wire::Fixed32 => self.scalar(wire, end)?,
        }
        Ok(())
    }

    /// Whether `range` holds whole varints up to its end.
    fn whole_varints(&self, range: std::ops::Range<usize>) -> bool {
        let mut values = Walker { bytes: self.bytes, pos: range.start };
        while values.pos < range.end {
            if values.varint(range.end).is_err() {
                return false;
            }
        }
        true
    }

    #[inline(always)]
    fn scalar(&mut self, wire: Wire, end: usize) -> Result<(), Malformed> {
        match wire {
            Wire::Varint => self.varint(end).map(drop),
            Wire::Fixed64 => self.advance(8, end).map(drop),
            Wire::Fixed32 => self.advance(4, end).map(drop),
            _ => unreachable!("{wire:?} is not a scalar's wire type"),
        }
    }

    /// A key: the field number and wire type, as prost's `decode_key` takes them.
    #[inline(always)]
    fn key(&mut self, end: usize) -> Result<(u32, Wire), Malformed> {
        let start = self.pos;
        let key = self.varint(end)?;
        match (u32::try_from(key), Wire::of(key)) {
            (Ok(small), Some(wire)) if small >> 3 != 0 => Ok((small >> 3, wire)),
            _ => Err(Malformed { offset: start, problem: Problem::Key(key) }),
        }
    }

    /// A length-delimited value: its length, then its range, which the walk steps over.
    #[inline(always)]
    fn delimited(&mut self, end: usize) -> Result<std::ops::Range<usize>, Malformed> {
        let length = self.varint(end)?;
        self.advance(length, end)
    }

    #[inline(always)]
    fn advance(&mut self, length: u64, end: usize) -> Result<std::ops::Range<usize>, Malformed> {
        let left = end - self.pos;
        if length > left as u64 {
            return self.fail(Problem::Truncated { needed: length, left });
        }
        let start = self.pos;
        self.pos += length as usize;
        Ok(start..self.pos)
    }

    /// A varint of at most 10 bytes whose tenth, if any, adds no more than the 64th bit (prost's overflow check).
    #[inline(always)]
    fn varint(&mut self, end: usize) -> Result<u64, Malformed> {
        // One byte, the common case for keys and lengths, without the loop.
        if let Some(&byte) = self.bytes[..end].get(self.pos)
            && byte < 0x80
        {
            self.pos += 1;
            return Ok(u64::from(byte));
        }
        let mut value = 0u64;
        for (i, &byte) in self.bytes[self.pos..end].iter().take(10).enumerate() {
            value |= u64::from(byte & 0x7f) << (7 * i);
            if byte < 0x80 {
                if i == 9 && byte > 1 {
                    break;
                }
                self.pos += i + 1;
                return Ok(value);
            }
        }
        self.fail(Problem::Varint)
    }
}
