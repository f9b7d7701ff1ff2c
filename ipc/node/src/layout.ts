// Constants of ring layout version 1: the numbers of ipc/SPEC.md sections 2 and 3, named once.

export const MAGIC = 0x474e49524d444e54n; // "TNDMRING" read as a little-endian u64
export const LAYOUT_VERSION = 1;
export const HEADER_SIZE = 4096;
export const MIN_CAPACITY = 65536;

// Identity block (section 2.1).
export const OFF_MAGIC = 0;
export const OFF_LAYOUT_VERSION = 8;
export const OFF_HEADER_SIZE = 12;
export const OFF_EPOCH = 16;
export const OFF_REGION_SIZE = 24;
export const OFF_RING0_OFFSET = 32;
export const OFF_RING0_CAPACITY = 40;
export const OFF_RING1_OFFSET = 48;
export const OFF_RING1_CAPACITY = 56;
export const OFF_MAX_MESSAGE_SIZE = 64;
export const OFF_QUEUE_SIZE = 68;
export const OFF_CREATOR_PID = 72;
export const OFF_FEATURES = 76;

// Shared words (section 2.2), each in its own 128-byte slot.
export const OFF_STATE = 128;
export const OFF_ATTACHER_PID = 256;
export const OFF_CREATOR_HEARTBEAT = 384;
export const OFF_ATTACHER_HEARTBEAT = 512;
export const offTail = (ring: number) => 1024 + 512 * ring;
export const offHead = (ring: number) => 1152 + 512 * ring;
export const offConsumerWaiting = (ring: number) => 1280 + 512 * ring;
export const offProducerWaiting = (ring: number) => 1408 + 512 * ring;

export const STATE_INIT = 0;
export const STATE_READY = 1;
export const STATE_CLOSED = 2;
export const STATE_FAILED = 3;

// Records (section 3.1).
export const RECORD_HEADER = 32;
export const TYPE_PADDING = 1;
export const TYPE_REQUEST = 2;
export const TYPE_RESPONSE = 3;
export const STATUS_OK = 0;
export const STATUS_RETRYABLE = 1;
export const STATUS_PERMANENT = 2;
/** REQUEST codes: the OTLP signal of the payload. */
export const SIGNAL_TRACES = 1;
export const SIGNAL_METRICS = 2;
export const SIGNAL_LOGS = 3;
export const SIGNAL_PROFILES = 4;

// Doorbell bytes (section 5).
export const BELL_RECORDS = 0x01;
export const BELL_SPACE = 0x02;

/** Bytes a record of `length` payload bytes occupies in the ring. */
export const recordSize = (length: number) => Math.ceil((RECORD_HEADER + length) / 32) * 32;
