//! One direction of the region: the producer and consumer halves of an SPSC ring (ipc/SPEC.md sections 3 and 5).
//! Each half is owned by exactly one thread of one process; the other half lives in the peer.

use crate::layout::*;
use crate::record::{Bounds, Corruption, Header, check, check_position};
use crate::region::Region;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering, fence};

struct RingRef {
    region: Arc<Region>,
    data: *mut u8,
    capacity: u64,
    ring: usize,
}

// The raw data pointer stays valid as long as `region` is alive; SPSC discipline keeps the halves apart.
unsafe impl Send for RingRef {}

impl RingRef {
    fn new(region: Arc<Region>, ring: usize) -> Self {
        RingRef {
            data: region.ring_base(ring),
            capacity: region.capacity(ring),
            ring,
            region,
        }
    }
    fn tail(&self) -> &AtomicU64 {
        self.region.word64(off_tail(self.ring))
    }
    fn head(&self) -> &AtomicU64 {
        self.region.word64(off_head(self.ring))
    }
    fn consumer_waiting(&self) -> &AtomicU32 {
        self.region.word32(off_consumer_waiting(self.ring))
    }
    fn producer_waiting(&self) -> &AtomicU32 {
        self.region.word32(off_producer_waiting(self.ring))
    }
    fn epoch_tag(&self) -> u32 {
        self.region.epoch() as u32
    }
}

/// Space reserved by [`Producer::claim`]; its payload area is `length` bytes.
#[derive(Debug, Clone, Copy)]
pub struct Claim {
    index: u64,
    start: u64,
    length: u32,
}

/// The writing half of a ring.
pub struct Producer {
    r: RingRef,
    tail: u64,
    cached_head: u64,
    published: u64,
}

impl Producer {
    pub fn new(region: Arc<Region>, ring: usize) -> Self {
        let r = RingRef::new(region, ring);
        // Relaxed: nobody else writes this ring's tail; the head is re-read with acquire before any reuse.
        let tail = r.tail().load(Ordering::Relaxed);
        let cached_head = r.head().load(Ordering::Acquire);
        Producer {
            r,
            tail,
            cached_head,
            published: tail,
        }
    }

    pub fn capacity(&self) -> u64 {
        self.r.capacity
    }

    /// Reserves room for a record of `length` payload bytes (section 3.4), or `None` when the ring is full.
    pub fn claim(&mut self, length: u32) -> Option<Claim> {
        let cap = self.r.capacity;
        let size = record_size(u64::from(length));
        let index = self.tail & (cap - 1);
        let to_end = cap - index;
        let need = if size <= to_end { size } else { to_end + size };
        if cap - (self.tail - self.cached_head) < need {
            // Acquire: the consumer released this space after copying its records out.
            self.cached_head = self.r.head().load(Ordering::Acquire);
            if cap - (self.tail - self.cached_head) < need {
                return None;
            }
        }
        if size > to_end {
            let padding = Header {
                length: (to_end - RECORD_HEADER as u64) as u32,
                kind: TYPE_PADDING,
                code: 0,
                correlation_id: 0,
                route: 0,
            };
            self.write(index, &padding.encode(self.r.epoch_tag()));
            self.tail += to_end;
            return Some(Claim {
                index: 0,
                start: self.tail,
                length,
            });
        }
        Some(Claim {
            index,
            start: self.tail,
            length,
        })
    }

    /// The claimed payload area, to be filled in place.
    pub fn payload(&mut self, claim: &Claim) -> &mut [u8] {
        let at = claim.index as usize + RECORD_HEADER;
        unsafe { std::slice::from_raw_parts_mut(self.r.data.add(at), claim.length as usize) }
    }

    /// Writes the header of a claimed record whose payload holds `header.length <= claim.length` bytes. The record
    /// becomes visible to the consumer at the next [`Producer::publish`].
    pub fn commit(&mut self, claim: Claim, header: Header) {
        debug_assert!(header.length <= claim.length);
        self.write(claim.index, &header.encode(self.r.epoch_tag()));
        self.tail = claim.start + record_size(u64::from(header.length));
    }

    /// Claims, copies `payload` in and commits: the common case.
    pub fn push(&mut self, header: Header, payload: &[u8]) -> bool {
        let Some(claim) = self.claim(payload.len() as u32) else {
            return false;
        };
        self.payload(&claim).copy_from_slice(payload);
        self.commit(
            claim,
            Header {
                length: payload.len() as u32,
                ..header
            },
        );
        true
    }

    /// Publishes every committed record with one tail store. Returns true when the consumer sleeps and must be woken
    /// with a doorbell byte (section 5).
    pub fn publish(&mut self) -> bool {
        if self.tail == self.published {
            return false;
        }
        self.published = self.tail;
        // Release: the records and headers written above become visible before the new tail.
        self.r.tail().store(self.tail, Ordering::Release);
        // SeqCst fence: orders the tail store before the waiting-flag load (Dekker with the consumer's sleep).
        fence(Ordering::SeqCst);
        // Relaxed load then swap: the swap makes at most one wake-up per sleep.
        self.r.consumer_waiting().load(Ordering::Relaxed) == 1
            && self.r.consumer_waiting().swap(0, Ordering::AcqRel) == 1
    }

    /// Before waiting for space: announces the wait and re-checks. Returns false when `length` fits after all.
    pub fn prepare_wait(&mut self, length: u32) -> bool {
        self.r.producer_waiting().store(1, Ordering::Relaxed);
        // SeqCst fence: the flag store is visible before the head re-read (Dekker with the consumer's release).
        fence(Ordering::SeqCst);
        let cap = self.r.capacity;
        let size = record_size(u64::from(length));
        let to_end = cap - (self.tail & (cap - 1));
        let need = if size <= to_end { size } else { to_end + size };
        // Acquire: as in `claim`.
        self.cached_head = self.r.head().load(Ordering::Acquire);
        if cap - (self.tail - self.cached_head) >= need {
            self.r.producer_waiting().store(0, Ordering::Relaxed);
            return false;
        }
        true
    }

    fn write(&mut self, index: u64, bytes: &[u8]) {
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                self.r.data.add(index as usize),
                bytes.len(),
            )
        };
    }
}

/// A record delivered by [`Consumer::poll`]; the payload points into the ring until the poll returns.
pub struct Record<'a> {
    pub header: Header,
    pub position: u64,
    pub payload: &'a [u8],
}

/// The reading half of a ring.
pub struct Consumer {
    r: RingRef,
    head: u64,
    bounds: Bounds,
}

impl Consumer {
    pub fn new(region: Arc<Region>, ring: usize) -> Self {
        let r = RingRef::new(region, ring);
        // Relaxed: this side is the only writer of head.
        let head = r.head().load(Ordering::Relaxed);
        let bounds = Bounds {
            capacity: r.capacity,
            max_message_size: r.region.max_message_size(),
            epoch_tag: r.epoch_tag(),
        };
        Consumer { r, head, bounds }
    }

    /// Delivers every published record in order (section 3.5), then returns their space. `deliver` must copy out
    /// whatever it keeps. Returns the number of records delivered (padding excluded), or the first corruption, in
    /// which case the records before it were delivered and `head` stays at the corrupt record.
    /// The second value is true when the producer waits for space and must be woken.
    pub fn poll(
        &mut self,
        mut deliver: impl FnMut(Record<'_>),
    ) -> (Result<usize, Corruption>, bool) {
        // Acquire: every record below the tail is fully written.
        let tail = self.r.tail().load(Ordering::Acquire);
        let mut position = self.head;
        let mut delivered = 0;
        let mut outcome = Ok(0);
        while position < tail {
            if let Err(c) = check_position(position, tail, &self.bounds) {
                outcome = Err(c);
                break;
            }
            let index = position & (self.r.capacity - 1);
            let raw: &[u8; RECORD_HEADER] = unsafe { &*self.r.data.add(index as usize).cast() };
            let header = match check(raw, position, tail, &self.bounds) {
                Ok(h) => h,
                Err(c) => {
                    outcome = Err(c);
                    break;
                }
            };
            if header.kind == TYPE_PADDING {
                position += self.r.capacity - index;
                continue;
            }
            let payload = unsafe {
                std::slice::from_raw_parts(
                    self.r.data.add(index as usize + RECORD_HEADER),
                    header.length as usize,
                )
            };
            deliver(Record {
                header,
                position,
                payload,
            });
            delivered += 1;
            position += record_size(u64::from(header.length));
        }
        if let Ok(n) = &mut outcome {
            *n = delivered;
        }
        (outcome, self.release(position))
    }

    fn release(&mut self, position: u64) -> bool {
        if position == self.head {
            return false;
        }
        self.head = position;
        // Release: the records were copied out before their space is returned.
        self.r.head().store(position, Ordering::Release);
        // SeqCst fence: orders the head store before the waiting-flag load (Dekker with the producer's wait).
        fence(Ordering::SeqCst);
        self.r.producer_waiting().load(Ordering::Relaxed) == 1
            && self.r.producer_waiting().swap(0, Ordering::AcqRel) == 1
    }

    /// Before sleeping: announces the sleep and re-checks. Returns false when records arrived meanwhile.
    pub fn prepare_sleep(&mut self) -> bool {
        self.r.consumer_waiting().store(1, Ordering::Relaxed);
        // SeqCst fence: the flag store is visible before the tail re-read (Dekker with the producer's publish).
        fence(Ordering::SeqCst);
        // Acquire: as in `poll`.
        if self.r.tail().load(Ordering::Acquire) != self.head {
            self.r.consumer_waiting().store(0, Ordering::Relaxed);
            return false;
        }
        true
    }
}

/// Test support (conformance cases, section 8): the raw bytes of a ring and its positions. Both halves of the ring
/// must be idle while these are used.
#[doc(hidden)]
pub mod testing {
    use super::*;

    pub fn set_positions(region: &Region, ring: usize, head: u64, tail: u64) {
        region.word64(off_head(ring)).store(head, Ordering::Release);
        region.word64(off_tail(ring)).store(tail, Ordering::Release);
    }

    pub fn set_epoch(region: &Region, epoch: u64) {
        region.overwrite_epoch(epoch);
    }

    pub fn tail(region: &Region, ring: usize) -> u64 {
        region.word64(off_tail(ring)).load(Ordering::Acquire)
    }

    /// The consumer's position: at the tail once it has read everything published.
    pub fn head(region: &Region, ring: usize) -> u64 {
        region.word64(off_head(ring)).load(Ordering::Acquire)
    }

    // The bytes live in the shared mapping, not in `Region`; the module's contract (both halves idle) makes this safe.
    #[allow(clippy::mut_from_ref)]
    pub fn data(region: &Region, ring: usize) -> &mut [u8] {
        unsafe {
            std::slice::from_raw_parts_mut(region.ring_base(ring), region.capacity(ring) as usize)
        }
    }
}
