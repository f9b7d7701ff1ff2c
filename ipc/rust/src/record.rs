//! Record headers (ipc/SPEC.md section 3.1) and the validity checks every consumer runs (section 3.2).

use crate::layout::*;
use std::fmt;

/// A record as the producer describes it; the payload travels separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub length: u32,
    pub kind: u16,
    pub code: u16,
    pub correlation_id: u64,
    pub route: u32,
}

impl Header {
    pub fn encode(&self, epoch_tag: u32) -> [u8; RECORD_HEADER] {
        let mut b = [0u8; RECORD_HEADER];
        b[0..4].copy_from_slice(&self.length.to_le_bytes());
        b[4..6].copy_from_slice(&self.kind.to_le_bytes());
        b[6..8].copy_from_slice(&self.code.to_le_bytes());
        b[8..16].copy_from_slice(&self.correlation_id.to_le_bytes());
        b[16..20].copy_from_slice(&self.route.to_le_bytes());
        b[20..24].copy_from_slice(&epoch_tag.to_le_bytes());
        b
    }

    fn decode(b: &[u8; RECORD_HEADER]) -> (Header, u32) {
        let u32_at = |o: usize| u32::from_le_bytes(b[o..o + 4].try_into().unwrap());
        let u16_at = |o: usize| u16::from_le_bytes(b[o..o + 2].try_into().unwrap());
        let header = Header {
            length: u32_at(0),
            kind: u16_at(4),
            code: u16_at(6),
            correlation_id: u64::from_le_bytes(b[8..16].try_into().unwrap()),
            route: u32_at(16),
        };
        (header, u32_at(20))
    }
}

/// A header that failed a check of section 3.2: where, which field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Corruption {
    pub position: u64,
    pub field: &'static str,
    pub reason: String,
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "corrupt record at position {}: {}: {}",
            self.position, self.field, self.reason
        )
    }
}

impl std::error::Error for Corruption {}

/// What a consumer needs to know to judge a header.
pub(crate) struct Bounds {
    pub capacity: u64,
    pub max_message_size: u32,
    pub epoch_tag: u32,
}

/// Checks, before any header is read there, that a record can start at `position` (section 3.2, rule 0): the
/// positions are words of shared memory, so a peer could have left anything in them.
pub(crate) fn check_position(position: u64, tail: u64, b: &Bounds) -> Result<(), Corruption> {
    let fail = |field, reason: String| {
        Err(Corruption {
            position,
            field,
            reason,
        })
    };
    if !position.is_multiple_of(RECORD_HEADER as u64) {
        return fail(
            "head",
            format!("position {position} is not a multiple of {RECORD_HEADER}"),
        );
    }
    if tail - position > b.capacity {
        return fail(
            "tail",
            format!(
                "the published tail {tail} is more than a ring ({}) ahead",
                b.capacity
            ),
        );
    }
    Ok(())
}

/// Decodes and checks the header at `position`, in the order of section 3.2. `tail` is the published tail.
pub(crate) fn check(
    raw: &[u8; RECORD_HEADER],
    position: u64,
    tail: u64,
    b: &Bounds,
) -> Result<Header, Corruption> {
    let (h, tag) = Header::decode(raw);
    let fail = |field, reason: String| {
        Err(Corruption {
            position,
            field,
            reason,
        })
    };
    if tag != b.epoch_tag {
        return fail(
            "epoch_tag",
            format!("{tag:#010x} is not this session's {:#010x}", b.epoch_tag),
        );
    }
    let code_ok = match h.kind {
        TYPE_PADDING => h.code == 0,
        TYPE_REQUEST => (SIGNAL_TRACES..=SIGNAL_PROFILES).contains(&h.code),
        TYPE_RESPONSE => h.code <= STATUS_PERMANENT,
        _ => return fail("type", format!("unknown record type {}", h.kind)),
    };
    if !code_ok {
        return fail(
            "code",
            format!("code {} is not valid for record type {}", h.code, h.kind),
        );
    }
    let index = position & (b.capacity - 1);
    if h.kind == TYPE_PADDING {
        let expected = b.capacity - index - RECORD_HEADER as u64;
        if u64::from(h.length) != expected {
            return fail(
                "length",
                format!(
                    "padding of {} bytes does not reach the end of the ring ({expected})",
                    h.length
                ),
            );
        }
        return Ok(h);
    }
    let size = record_size(u64::from(h.length));
    if h.length > b.max_message_size {
        return fail(
            "length",
            format!(
                "{} exceeds max_message_size ({})",
                h.length, b.max_message_size
            ),
        );
    }
    if index + size > b.capacity {
        return fail(
            "length",
            format!("record of {size} bytes at index {index} crosses the end of the ring"),
        );
    }
    if position + size > tail {
        return fail(
            "length",
            format!("record of {size} bytes runs past the published tail {tail}"),
        );
    }
    if h.kind == TYPE_RESPONSE && h.code == STATUS_OK && h.length != 0 {
        return fail(
            "length",
            format!(
                "an OK response carries no payload, found {} bytes",
                h.length
            ),
        );
    }
    Ok(h)
}
