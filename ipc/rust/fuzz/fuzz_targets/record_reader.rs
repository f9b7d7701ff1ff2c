//! The ring's record reader (ipc/SPEC.md section 3.2) on whatever bytes a peer could leave in the ring: the input's
//! first 16 bytes place head and tail, the rest fills the ring. Every record delivered lies inside the ring and
//! inside the published range, and nothing else happens but a reported corruption: no panic, no read outside.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tandem_ipc::{testing, Consumer, Region, RegionOptions};

/// One region for every run: 64 KiB rings, messages up to 32 KiB.
fn region() -> &'static Arc<Region> {
    static REGION: OnceLock<Arc<Region>> = OnceLock::new();
    REGION.get_or_init(|| Arc::new(Region::create_anonymous(RegionOptions::symmetric(65536, 32736, 16)).unwrap()))
}

fuzz_target!(|input: &[u8]| {
    let region = region();
    let capacity = region.capacity(0);
    let word = |at: usize| input.get(at..at + 8).map_or(0, |b| u64::from_le_bytes(b.try_into().unwrap()));
    // Positions as a peer may publish them: aligned or not, wrapped many times, the tail up to a ring ahead.
    let head = word(0) % (capacity * 1024);
    let tail = head + word(8) % (capacity + 1);
    let data = testing::data(region, 0);
    data.fill(0);
    let contents = input.get(16..).unwrap_or(&[]);
    let n = contents.len().min(data.len());
    // Written where the head points, so that short inputs shape the records the reader meets first.
    let start = (head % capacity) as usize;
    for (i, byte) in contents[..n].iter().enumerate() {
        data[(start + i) % data.len()] = *byte;
    }
    let ring = data.as_ptr_range();
    testing::set_positions(region, 0, head, tail);
    let mut consumer = Consumer::new(region.clone(), 0);
    let (outcome, _) = consumer.poll(|record| {
        let payload = record.payload.as_ptr_range();
        assert!(payload.start >= ring.start && payload.end <= ring.end, "a payload outside the ring");
        assert!(record.position >= head && record.position < tail, "a record outside the published range");
        assert!(record.payload.len() <= region.max_message_size() as usize, "a payload over max_message_size");
    });
    if let Ok(delivered) = outcome {
        assert!(delivered as u64 <= (tail - head) / 32 + 1, "more records than the range can hold");
    }
});
