// Accepted readings in the node's LevelDB, first bytes 0x40-0x4f (chain/db-keyspace.ts; README.md,
// Storage). Appends are group-committed: readings arriving within GROUP_COMMIT_WINDOW_MS share one
// fsynced batch, and each append resolves only once its batch is on disk (the PUBACK waits for it).
// Batches are written one at a time, so the last-sequence records never go backwards.

import type { BatchOperation } from "../chain/db-keyspace.ts";
import { KEYSPACE } from "../chain/db-keyspace.ts";
import { type Database, getSync, iterateRange, writeBatch } from "../chain/store/db.ts";
import { dayOf, encodeReading, type Reading } from "../modules/meter/reading.ts";
import { BridgeUnavailable } from "./errors.ts";

/** 0x40 ‖ len(id) ‖ id ‖ sequence (8, BE) → canonical Reading bytes (signature included). */
export const READING_PREFIX = KEYSPACE.bridgeFirst;
/** 0x41 ‖ len(id) ‖ id ‖ day (4, BE) ‖ sequence (8, BE) → empty: a device's day in sequence order. */
export const DEVICE_DAY_PREFIX = KEYSPACE.bridgeFirst + 1;
/** 0x42 ‖ day (4, BE) ‖ len(id) ‖ id → empty: the devices that sent readings on a day. */
export const DAY_DEVICE_PREFIX = KEYSPACE.bridgeFirst + 2;
/** 0x43 ‖ len(id) ‖ id → last accepted sequence (8, BE): replay protection across restarts. */
export const LAST_SEQUENCE_PREFIX = KEYSPACE.bridgeFirst + 3;

/** How long the first reading of a batch waits for others, ms: one fsync per window instead of one
 * per reading, at a cost far below the 100 ms p99 PUBACK target. */
export const GROUP_COMMIT_WINDOW_MS = 2;
/** Most readings in one batch (about 200 KB at 200 bytes each); a full batch is written at once. */
export const MAX_GROUP_COMMIT_READINGS = 1_000;
/** Most readings waiting for disk: 2 s of 10,000 devices at 1 Hz. Past it the bridge stops
 * acknowledging (devices resend) instead of growing memory. */
export const MAX_PENDING_READINGS = 20_000;
/** Last sequences kept in memory (others are read back with getSync). */
export const MAX_CACHED_SEQUENCES = 200_000;

const ascii = (text: string) => Buffer.from(text, "latin1");

function deviceKey(prefix: number, deviceId: string): Buffer {
  return Buffer.concat([Buffer.of(prefix, deviceId.length), ascii(deviceId)]);
}

function uint64(value: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(value);
  return out;
}

function uint32(value: bigint): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(Number(value));
  return out;
}

export const readingKey = (deviceId: string, sequence: bigint): Uint8Array =>
  Buffer.concat([deviceKey(READING_PREFIX, deviceId), uint64(sequence)]);

interface Pending {
  reading: Reading;
  bytes: Uint8Array;
  resolve: () => void;
  reject: (error: Error) => void;
}

/** A reading that reached disk: its canonical bytes (the meter leaf item is their sha256). */
export interface StoredReading {
  reading: Reading;
  bytes: Uint8Array;
}

export type StoredListener = (stored: readonly StoredReading[]) => void;

export class ReadingStore {
  readonly #db: Database;
  readonly #listeners = new Set<StoredListener>();
  #queue: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;
  /** Last sequence per device, reserved at admission (so two readings in one batch are ordered). */
  readonly #lastSequence = new Map<string, { sequence: bigint; inFlight: number }>();

  constructor(db: Database) {
    this.#db = db;
  }

  /** Calls `listener` after every group commit with the readings it stored (gossip, streams). A
   * listener that throws is ignored: the readings are durable and acknowledged either way. */
  onStored(listener: StoredListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get pending(): number {
    return this.#queue.length;
  }

  /** Reserves `sequence` when it is above the device's last; false for a replay. Synchronous, so two
   * readings of one device admitted in the same tick see each other. */
  reserve(deviceId: string, sequence: bigint): boolean {
    let entry = this.#lastSequence.get(deviceId);
    if (entry === undefined) {
      const saved = getSync(this.#db, deviceKey(LAST_SEQUENCE_PREFIX, deviceId));
      entry = { sequence: saved === undefined ? 0n : Buffer.from(saved).readBigUInt64BE(), inFlight: 0 };
      this.#evictIfFull();
      this.#lastSequence.set(deviceId, entry);
    }
    if (sequence <= entry.sequence) return false;
    entry.sequence = sequence;
    entry.inFlight++;
    return true;
  }

  #evictIfFull(): void {
    if (this.#lastSequence.size < MAX_CACHED_SEQUENCES) return;
    for (const [id, entry] of this.#lastSequence) {
      if (entry.inFlight > 0) continue;
      this.#lastSequence.delete(id);
      return;
    }
  }

  /** Appends a reading reserved with `reserve`; resolves once it is on disk. */
  append(reading: Reading): Promise<void> {
    if (this.#closed) return Promise.reject(new BridgeUnavailable("stopped", "the bridge is stopping"));
    if (this.#queue.length >= MAX_PENDING_READINGS) {
      this.#release([reading], true);
      return Promise.reject(new BridgeUnavailable("queue_full", "too many readings waiting for disk"));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ reading, bytes: encodeReading(reading), resolve, reject });
      if (this.#queue.length >= MAX_GROUP_COMMIT_READINGS) this.#flushSoon(0);
      else this.#flushSoon(GROUP_COMMIT_WINDOW_MS);
    });
  }

  #flushSoon(delayMs: number): void {
    if (this.#writing !== undefined) return; // the running write flushes again when it ends
    if (this.#timer !== undefined) {
      if (delayMs > 0) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#writing = this.#flush().finally(() => {
        this.#writing = undefined;
        if (this.#queue.length > 0) this.#flushSoon(GROUP_COMMIT_WINDOW_MS);
      });
    }, delayMs);
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_GROUP_COMMIT_READINGS);
    if (batch.length === 0) return;
    const operations: BatchOperation[] = [];
    const last = new Map<string, bigint>();
    for (const { reading, bytes } of batch) {
      const { deviceId, sequence } = reading;
      const day = uint32(dayOf(reading.timestampMs));
      operations.push({ type: "put", key: readingKey(deviceId, sequence), value: bytes });
      operations.push({
        type: "put",
        key: Buffer.concat([deviceKey(DEVICE_DAY_PREFIX, deviceId), day, uint64(sequence)]),
        value: new Uint8Array(0),
      });
      operations.push({
        type: "put",
        key: Buffer.concat([Buffer.of(DAY_DEVICE_PREFIX), day, deviceKey(0, deviceId).subarray(1)]),
        value: new Uint8Array(0),
      });
      const previous = last.get(deviceId);
      if (previous === undefined || sequence > previous) last.set(deviceId, sequence);
    }
    for (const [deviceId, sequence] of last)
      operations.push({
        type: "put",
        key: deviceKey(LAST_SEQUENCE_PREFIX, deviceId),
        value: uint64(sequence),
      });
    try {
      await writeBatch(this.#db, operations, true);
    } catch (error) {
      this.#release(
        batch.map((p) => p.reading),
        true,
      );
      const failure = new BridgeUnavailable(
        "storage_failed",
        `readings not stored: ${(error as Error).message}`,
      );
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.#release(
      batch.map((p) => p.reading),
      false,
    );
    for (const pending of batch) pending.resolve();
    const stored = batch.map(({ reading, bytes }) => ({ reading, bytes }));
    for (const listener of this.#listeners) {
      try {
        listener(stored);
      } catch {
        // a consumer's failure must not turn a durable write into an error
      }
    }
  }

  /** Ends the reservations of these readings; `forget` drops the in-memory last sequence so the next
   * reading of the device reads it back from disk (after a failed write, memory is ahead of disk). */
  #release(readings: readonly Reading[], forget: boolean): void {
    for (const { deviceId } of readings) {
      const entry = this.#lastSequence.get(deviceId);
      if (entry === undefined) continue;
      entry.inFlight--;
      if (forget) this.#lastSequence.delete(deviceId);
    }
  }

  /** The stored canonical bytes of one reading, or undefined. */
  async loadReading(deviceId: string, sequence: bigint): Promise<Uint8Array | undefined> {
    const value = await this.#db.get<Uint8Array, Uint8Array>(readingKey(deviceId, sequence), {
      keyEncoding: "view",
      valueEncoding: "view",
    });
    return value;
  }

  /** Sequences a device sent on a UTC day, in order (for the daily commitment). */
  async daySequences(deviceId: string, day: bigint): Promise<bigint[]> {
    const prefix = Buffer.concat([deviceKey(DEVICE_DAY_PREFIX, deviceId), uint32(day)]);
    const sequences: bigint[] = [];
    for await (const [key] of iterateRange(this.#db, {
      gte: prefix,
      lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff), Buffer.of(0)]),
    }))
      sequences.push(Buffer.from(key).readBigUInt64BE(prefix.length));
    return sequences;
  }

  /** Waits for queued readings to reach disk, then refuses new ones. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#queue.length > 0 || this.#writing !== undefined || this.#timer !== undefined) {
      if (this.#timer !== undefined) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      if (this.#writing !== undefined) await this.#writing;
      else this.#writing = this.#flush().finally(() => (this.#writing = undefined));
    }
  }
}
