//! Fuzzed record headers written into a ring: every outcome is a record inside the ring or a reported corruption.

use std::sync::Arc;
use tandem_ipc::{Consumer, Region, RegionOptions, testing};

#[test]
fn fuzzed_headers_are_delivered_inside_the_ring_or_reported() {
    let region =
        Arc::new(Region::create_anonymous(RegionOptions::symmetric(65536, 32736, 16)).unwrap());
    let capacity = region.capacity(0);
    let tag = region.epoch() as u32;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let (mut delivered, mut corrupt) = (0, std::collections::HashMap::new());
    for _ in 0..20_000 {
        let data = testing::data(&region, 0);
        data.fill(0);
        let head = (next() % (capacity / 32)) * 32 + (next() % 1000) * capacity;
        let tail = head + (next() % (capacity / 32 + 1)) * 32;
        for _ in 0..4 {
            let at = (((head + next() % (tail - head).max(1)) % capacity) & !31) as usize;
            let length = if next() % 4 == 0 {
                next() as u32
            } else {
                (next() % 40000) as u32
            };
            data[at..at + 4].copy_from_slice(&length.to_le_bytes());
            data[at + 4..at + 6].copy_from_slice(&((next() % 5) as u16).to_le_bytes());
            data[at + 6..at + 8].copy_from_slice(&((next() % 6) as u16).to_le_bytes());
            data[at + 16..at + 20].copy_from_slice(&((next() % 3) as u32).to_le_bytes());
            let t = if next() % 2 == 0 { tag } else { next() as u32 };
            data[at + 20..at + 24].copy_from_slice(&t.to_le_bytes());
        }
        let range = data.as_ptr_range();
        testing::set_positions(&region, 0, head, tail);
        let mut consumer = Consumer::new(region.clone(), 0);
        let (outcome, _) = consumer.poll(|r| {
            let p = r.payload.as_ptr_range();
            assert!(
                p.start >= range.start && p.end <= range.end,
                "payload outside the ring"
            );
            delivered += 1;
        });
        if let Err(c) = outcome {
            *corrupt.entry(c.field).or_insert(0) += 1;
        }
    }
    assert!(delivered > 0);
    for field in ["epoch_tag", "type", "code", "length"] {
        assert!(
            corrupt.get(field).copied().unwrap_or(0) > 0,
            "no {field} corruption seen: {corrupt:?}"
        );
    }
}

/// scenario: the words that place the records are shared memory too: a head that is not aligned (a record cannot
/// start there) and a tail more than a ring ahead / guarantee: reported as corruption of `head` and `tail` before any
/// header is read there (found by the cargo-fuzz target: an unaligned head near the ring's end read past it)
#[test]
fn positions_a_record_cannot_start_at_are_reported_before_any_header_is_read() {
    let region =
        Arc::new(Region::create_anonymous(RegionOptions::symmetric(65536, 32736, 16)).unwrap());
    let capacity = region.capacity(0);
    for (head, tail, field) in [
        (capacity - 8, capacity + 64, "head"),
        (0, capacity + 32, "tail"),
    ] {
        testing::set_positions(&region, 0, head, tail);
        let (outcome, _) =
            Consumer::new(region.clone(), 0).poll(|_| panic!("nothing can be delivered"));
        assert_eq!(outcome.unwrap_err().field, field);
    }
}
