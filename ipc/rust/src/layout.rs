//! Constants of ring layout version 1: the numbers of ipc/SPEC.md sections 2 and 3, named once.

pub const MAGIC: u64 = 0x474E_4952_4D44_4E54; // "TNDMRING" read as a little-endian u64
pub const LAYOUT_VERSION: u32 = 1;
pub const HEADER_SIZE: usize = 4096;
pub const MIN_CAPACITY: u64 = 65536;

// Identity block (section 2.1).
pub const OFF_MAGIC: usize = 0;
pub const OFF_LAYOUT_VERSION: usize = 8;
pub const OFF_HEADER_SIZE: usize = 12;
pub const OFF_EPOCH: usize = 16;
pub const OFF_REGION_SIZE: usize = 24;
pub const OFF_RING0_OFFSET: usize = 32;
pub const OFF_RING0_CAPACITY: usize = 40;
pub const OFF_RING1_OFFSET: usize = 48;
pub const OFF_RING1_CAPACITY: usize = 56;
pub const OFF_MAX_MESSAGE_SIZE: usize = 64;
pub const OFF_QUEUE_SIZE: usize = 68;
pub const OFF_CREATOR_PID: usize = 72;
pub const OFF_FEATURES: usize = 76;

// Shared words (section 2.2), each in its own 128-byte slot.
pub const OFF_STATE: usize = 128;
pub const OFF_ATTACHER_PID: usize = 256;
pub const OFF_CREATOR_HEARTBEAT: usize = 384;
pub const OFF_ATTACHER_HEARTBEAT: usize = 512;
pub const fn off_tail(ring: usize) -> usize {
    1024 + 512 * ring
}
pub const fn off_head(ring: usize) -> usize {
    1152 + 512 * ring
}
pub const fn off_consumer_waiting(ring: usize) -> usize {
    1280 + 512 * ring
}
pub const fn off_producer_waiting(ring: usize) -> usize {
    1408 + 512 * ring
}

pub const STATE_INIT: u32 = 0;
pub const STATE_READY: u32 = 1;
pub const STATE_CLOSED: u32 = 2;
pub const STATE_FAILED: u32 = 3;

// Records (section 3.1).
pub const RECORD_HEADER: usize = 32;
pub const TYPE_PADDING: u16 = 1;
pub const TYPE_REQUEST: u16 = 2;
pub const TYPE_RESPONSE: u16 = 3;
pub const STATUS_OK: u16 = 0;
pub const STATUS_RETRYABLE: u16 = 1;
pub const STATUS_PERMANENT: u16 = 2;
/// REQUEST codes: the OTLP signal of the payload.
pub const SIGNAL_TRACES: u16 = 1;
pub const SIGNAL_METRICS: u16 = 2;
pub const SIGNAL_LOGS: u16 = 3;
pub const SIGNAL_PROFILES: u16 = 4;

// Doorbell bytes (section 5).
pub const BELL_RECORDS: u8 = 0x01;
pub const BELL_SPACE: u8 = 0x02;

pub const fn align32(n: u64) -> u64 {
    (n + 31) & !31
}

/// Bytes a record of `length` payload bytes occupies in the ring.
pub const fn record_size(length: u64) -> u64 {
    align32(RECORD_HEADER as u64 + length)
}
