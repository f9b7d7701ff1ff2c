// What a storage extension offers the components that keep data on it (the role of Go's extension/xextension/storage):
// each component asks for a durable record log of its own, named by its kind, ID and a name of its choosing.
import type { Component, ID, Kind } from '../../component';

/** A record as the log keeps it: what a reader needs to read it back and to release it. */
export interface StoredRecord {
  /** Increasing in append order; never reused within a log. */
  readonly id: number;
  /** Items (spans, data points, log records) in the payload, kept beside it so counting needs no decoding. */
  readonly items: number;
  /** Payload bytes. */
  readonly size: number;
}

/**
 * An append-only log of records. Appends are durable when their promise resolves; a released record is gone after
 * a restart; everything appended and not released is handed back, oldest first, when the log is opened again.
 */
export interface RecordLog {
  /** What was appended before (by an earlier run) and not released, oldest first. */
  readonly recovered: readonly StoredRecord[];
  append(payload: Uint8Array, items: number): Promise<StoredRecord>;
  /** The payload of a record that has not been released, checked against its checksum. */
  read(record: StoredRecord): Promise<Buffer>;
  release(record: StoredRecord): void;
  /** Waits for pending writes and closes the log; no call is valid after. */
  close(): Promise<void>;
}

export interface StorageExtension extends Component {
  /** The log of component `id` of `kind` for `name` (an exporter's queue names its signal), opened for one user. */
  openLog(kind: Kind, id: ID, name: string): Promise<RecordLog>;
}

export function isStorageExtension(component: Component): component is StorageExtension {
  return typeof (component as Partial<StorageExtension>).openLog === 'function';
}
