// Accepted readings in the node's LevelDB, first bytes 0x40-0x4f (chain/db-keyspace.ts; README.md,
// Storage). Appends are group-committed: readings appended in one event-loop turn, or while the
// previous batch was being written, share one
// fsynced batch, and each append resolves only once its batch is on disk (the PUBACK waits for it).
// Batches are written one at a time. Readings come from this bridge's devices (`append`, after
// `reserve`) or from other validators by gossip or repair (`appendReplicated`, which skips what is
// stored or queued already: dedup by device and sequence).
//
// Format 2 (README.md, Storage): a device's last accepted sequence is not written with its readings.
// It is the highest of its last reading key (0x40) and its last-sequence record (0x43), which
// retention writes before it deletes readings and a clean stop writes for every device it saw; a
// device's first reading in a process waits for that to be read (`load`, started at login).

import type { BatchOperation } from "../chain/db-keyspace.ts";
import { KEYSPACE } from "../chain/db-keyspace.ts";
import { BINARY, type Database, getAsync, getSync, iterateKeys, writeBatch } from "../chain/store/db.ts";
import { dayOf, encodeReading, type Reading } from "../modules/meter/reading.ts";
import { BridgeUnavailable } from "./errors.ts";

/** 0x40 ‖ len(id) ‖ id ‖ sequence (8, BE) → canonical Reading bytes (signature included). */
export const READING_PREFIX = KEYSPACE.bridgeFirst;
/** 0x41 ‖ len(id) ‖ id ‖ day (4, BE) ‖ sequence (8, BE) → empty: a device's day in sequence order. */
export const DEVICE_DAY_PREFIX = KEYSPACE.bridgeFirst + 1;
/** 0x42 ‖ day (4, BE) ‖ len(id) ‖ id → empty: the devices that sent readings on a day. */
export const DAY_DEVICE_PREFIX = KEYSPACE.bridgeFirst + 2;
/** 0x43 ‖ len(id) ‖ id → a sequence (8, BE) the device's next reading must be above: replay
 * protection across restarts together with its reading keys (format 2: written by retention and at
 * a clean stop, not with every reading). */
export const LAST_SEQUENCE_PREFIX = KEYSPACE.bridgeFirst + 3;
/** 0x4f → the reading store's format (one byte), written with the first batch of a process. */
export const STORE_FORMAT_KEY = Uint8Array.of(KEYSPACE.bridgeFirst + 0x0f);
/** 2: the last-sequence record (0x43) is no longer written with every reading (README.md, Storage).
 * A store of format 2 must not be opened by code of format 1 after a crash: that code reads only
 * the record, which may lag the readings (after a clean stop the records are up to date). */
export const STORE_FORMAT = 2;

/** Most readings in one batch (about 200 KB at 200 bytes each); a full batch is written at once. */
export const MAX_GROUP_COMMIT_READINGS = 1_000;
/** Most readings waiting for disk: 2 s of 10,000 devices at 1 Hz. Past it the bridge stops
 * acknowledging (devices resend) instead of growing memory. */
export const MAX_PENDING_READINGS = 20_000;
/** Readings read per LevelDB range scan when loading a whole day (bounds one getMany). */
export const DAY_READINGS_PAGE = 1_000;
/** Last sequences kept in memory (others are read back by `load`). */
export const MAX_CACHED_SEQUENCES = 200_000;
/** Last-sequence records per batch written at close (10,000 devices' are ~0.4 MB). */
const MAX_CLOSE_BATCH_OPERATIONS = 10_000;

/** `prefix` ‖ len(id) ‖ id ‖ `tail` bytes left for the caller (day, sequence) in one allocation:
 * the group commit builds three keys per reading, and this was a visible share of its cost. */
function deviceKeyWithTail(prefix: number, deviceId: string, tailBytes: number): Buffer {
  const key = Buffer.allocUnsafe(2 + deviceId.length + tailBytes);
  key[0] = prefix;
  key[1] = deviceId.length;
  key.write(deviceId, 2, "latin1");
  return key;
}

function deviceKey(prefix: number, deviceId: string): Buffer {
  return deviceKeyWithTail(prefix, deviceId, 0);
}

/** Writes `value` as 8 bytes big-endian at `offset`. Sequences are far below 2^53: through numbers,
 * as writeBigUInt64BE makes several BigInts of garbage per call (three calls per stored reading). */
function writeUint64(out: Buffer, value: bigint, offset: number): void {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    out.writeBigUInt64BE(value, offset);
    return;
  }
  const number = Number(value);
  out.writeUInt32BE(Math.floor(number / 2 ** 32), offset);
  out.writeUInt32BE(number >>> 0, offset + 4);
}

/** 8 bytes big-endian, from Node's pool (Buffer.alloc made an ArrayBuffer per call). */
export function uint64(value: bigint): Buffer {
  const out = Buffer.allocUnsafe(8);
  writeUint64(out, value, 0);
  return out;
}

/** The device's last-sequence record key (0x43). */
export const lastSequenceKey = (deviceId: string): Buffer => deviceKey(LAST_SEQUENCE_PREFIX, deviceId);

/** Reads a last-sequence record's value (8 bytes, BE), 0 when absent. */
export function lastSequenceOf(saved: Uint8Array | undefined): bigint {
  return saved === undefined ? 0n : Buffer.from(saved.buffer, saved.byteOffset, 8).readBigUInt64BE();
}

export const readingKey = (deviceId: string, sequence: bigint): Uint8Array => {
  const key = deviceKeyWithTail(READING_PREFIX, deviceId, 8);
  writeUint64(key, sequence, key.length - 8);
  return key;
};

/** 0x41 ‖ len(id) ‖ id ‖ day ‖ sequence. */
function deviceDayKey(deviceId: string, day: number, sequence: bigint): Buffer {
  const key = deviceKeyWithTail(DEVICE_DAY_PREFIX, deviceId, 12);
  key.writeUInt32BE(day, key.length - 12);
  writeUint64(key, sequence, key.length - 8);
  return key;
}

/** 0x41 ‖ len(id) ‖ id ‖ day: where a device's day starts in the device-day index (its sequences follow). */
export function deviceDayPrefix(deviceId: string, day: number | bigint): Buffer {
  const key = deviceKeyWithTail(DEVICE_DAY_PREFIX, deviceId, 4);
  key.writeUInt32BE(Number(day), key.length - 4);
  return key;
}

/** `prefix ‖ day (4, BE) ‖ len(id) ‖ id`: the day-device index (DAY_DEVICE_PREFIX), and the commitment
 * scheduler's per device-day records, which share its shape. */
export function dayDeviceKey(prefix: number, day: number | bigint, deviceId: string): Buffer {
  const key = Buffer.allocUnsafe(6 + deviceId.length);
  key[0] = prefix;
  key.writeUInt32BE(Number(day), 1);
  key[5] = deviceId.length;
  key.write(deviceId, 6, "latin1");
  return key;
}

/** Where a stored reading came from: a device connected to this bridge, or another validator
 * (gossip or repair). Only device readings are gossiped on: the others were gossiped by their author. */
export type ReadingOrigin = "device" | "replicated";

interface Pending {
  reading: Reading;
  bytes: Uint8Array;
  origin: ReadingOrigin;
  /** Its key in #queued (pendingId), kept so the group commit need not build it again. */
  id: string;
  /** Its device's last-sequence entry when in memory (reserve counted the reading in its inFlight):
   * the group commit and the release use it without a map lookup per reading. */
  entry: SequenceEntry | undefined;
  /** Called once its batch is on disk (no error) or failed. */
  done: (error?: Error) => void;
  /** Made only when something waits for this write (storedBytes: a resend or a gossip copy of a
   * queued reading): true once on disk, false if the write failed; never rejects. */
  written: PromiseWithResolvers<boolean> | undefined;
  outcome: boolean | undefined;
}

/** A reading that reached disk: its canonical bytes (the meter leaf item is their sha256). */
export interface StoredReading {
  reading: Reading;
  bytes: Uint8Array;
  origin: ReadingOrigin;
}

/** A reading another validator stored, checked already (device signature, canonical bytes). */
export interface ReplicatedReading {
  reading: Reading;
  /** Its canonical bytes (encodeReading(reading)). */
  bytes: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Ends a queued write: its append resolves (or rejects with `failure`), and so does anyone waiting
 * in storedBytes. */
function settle(pending: Pending, written: boolean, failure?: Error): void {
  pending.outcome = written;
  pending.written?.resolve(written);
  pending.done(written ? undefined : failure);
}

function writtenOf(pending: Pending): Promise<boolean> {
  if (pending.outcome !== undefined) return Promise.resolve(pending.outcome);
  pending.written ??= Promise.withResolvers<boolean>();
  return pending.written.promise;
}

const pendingId = (deviceId: string, sequence: bigint) => `${deviceId}/${sequence}`;

interface SequenceEntry {
  sequence: bigint;
  /** What the device's last-sequence record (0x43) held when loaded or last written here. */
  recorded: bigint;
  inFlight: number;
  /** The day whose day-device index record (0x42) this process wrote for the device, -1 for none:
   * a device at 1 Hz sends 86,400 readings a day, and the record (an empty value) needs writing once. */
  indexedDay: number;
}

export type StoredListener = (stored: readonly StoredReading[]) => void;

export class ReadingStore {
  readonly #db: Database;
  readonly #listeners = new Set<StoredListener>();
  #queue: Pending[] = [];
  /** The queued readings by device and sequence (as many as #queue: MAX_PENDING_READINGS). */
  readonly #queued = new Map<string, Pending>();
  /** The next batch's write, due at the end of this event-loop turn. */
  #scheduled: NodeJS.Immediate | undefined;
  #writing: Promise<void> | undefined;
  #closed = false;
  /** Last sequence per device, reserved at admission (so two readings in one batch are ordered). */
  readonly #lastSequence = new Map<string, SequenceEntry>();
  /** Devices whose last sequence is being read from disk (load). */
  readonly #loading = new Map<string, Promise<void>>();
  /** Whether this process wrote the format record yet (with its first batch). */
  #formatWritten = false;

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

  /** Reads the device's last sequence from disk into memory (the highest of its last reading key and
   * its last-sequence record); undefined when it is in memory already, so `reserve` may be called.
   * Rejects with BridgeUnavailable storage_failed when LevelDB fails. */
  load(deviceId: string): Promise<void> | undefined {
    if (this.#lastSequence.has(deviceId)) return undefined;
    let loading = this.#loading.get(deviceId);
    if (loading === undefined) {
      loading = this.#read(deviceId).then(
        (entry) => {
          this.#loading.delete(deviceId);
          if (this.#lastSequence.has(deviceId)) return;
          this.#evictIfFull();
          this.#lastSequence.set(deviceId, entry);
        },
        (error: unknown) => {
          this.#loading.delete(deviceId);
          throw new BridgeUnavailable(
            "storage_failed",
            `last sequence not read: ${(error as Error).message}`,
          );
        },
      );
      this.#loading.set(deviceId, loading);
    }
    return loading;
  }

  async #read(deviceId: string): Promise<SequenceEntry> {
    // The reading keys before the record: retention writes the record before it deletes readings,
    // so a reading deleted after this scan has its sequence in the record read next.
    const prefix = deviceKey(READING_PREFIX, deviceId);
    let last = 0n;
    for await (const key of iterateKeys(this.#db, {
      gt: prefix,
      lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff), Buffer.of(0)]),
      reverse: true,
      limit: 1,
    }))
      last = Buffer.from(key.buffer, key.byteOffset, key.byteLength).readBigUInt64BE(prefix.length);
    const recorded = lastSequenceOf(await getAsync(this.#db, lastSequenceKey(deviceId)));
    return { sequence: last > recorded ? last : recorded, recorded, inFlight: 0, indexedDay: -1 };
  }

  /** Reserves `sequence` when it is above the device's last; false for a replay. Synchronous, so two
   * readings of one device admitted in the same tick see each other; the device must be loaded
   * (`load` answered undefined or resolved), else this throws. */
  reserve(deviceId: string, sequence: bigint): boolean {
    const entry = this.#lastSequence.get(deviceId);
    if (entry === undefined) throw new Error(`reserve before load: device ${deviceId}`);
    if (sequence <= entry.sequence) return false;
    entry.sequence = sequence;
    entry.inFlight++;
    return true;
  }

  /** load, then reserve (callers that may wait; the reading path loads at login instead). */
  async reserveWhenLoaded(deviceId: string, sequence: bigint): Promise<boolean> {
    await this.load(deviceId);
    return this.reserve(deviceId, sequence);
  }

  #evictIfFull(): void {
    if (this.#lastSequence.size < MAX_CACHED_SEQUENCES) return;
    for (const [id, entry] of this.#lastSequence) {
      if (entry.inFlight > 0) continue;
      this.#lastSequence.delete(id);
      return;
    }
  }

  /** Appends a reading reserved with `reserve`; resolves once it is on disk. `bytes`: its canonical
   * bytes when the caller has them already. */
  append(reading: Reading, bytes: Uint8Array = encodeReading(reading)): Promise<void> {
    return new Promise((resolve, reject) =>
      this.add(reading, bytes, (error) => (error === undefined ? resolve() : reject(error))),
    );
  }

  /** As append, answering `done` once the reading is on disk (no error) or not stored
   * (BridgeUnavailable: stopped, queue_full, storage_failed): the reading path's form, no promise per
   * reading. `done` may be called before add returns. */
  add(reading: Reading, bytes: Uint8Array, done: (error?: Error) => void): void {
    if (this.#closed) {
      this.#refuse(reading);
      done(new BridgeUnavailable("stopped", "the bridge is stopping"));
      return;
    }
    if (this.#queue.length >= MAX_PENDING_READINGS) {
      this.#refuse(reading);
      done(new BridgeUnavailable("queue_full", "too many readings waiting for disk"));
      return;
    }
    // reserve() counted it in its device's entry, which eviction keeps while readings are in flight.
    this.#enqueue(reading, bytes, "device", this.#lastSequence.get(reading.deviceId), done);
    this.#scheduleFlush();
  }

  /** Stores readings other validators stored (gossip, repair) unless this node has the same device
   * and sequence stored or queued already; raises the devices' last sequences to the highest seen,
   * so a device failing over cannot reuse a sequence. Resolves with how many were new, once they
   * are on disk. Throws BridgeUnavailable (stopped, queue full: nothing queued; storage failed). */
  async appendReplicated(readings: readonly ReplicatedReading[]): Promise<number> {
    if (this.#closed) throw new BridgeUnavailable("stopped", "the bridge is stopping");
    if (this.#queue.length + readings.length > MAX_PENDING_READINGS)
      throw new BridgeUnavailable("queue_full", "too many readings waiting for disk");
    const writes: Promise<void>[] = [];
    // Devices in memory are queued at once (synchronously: a storedBytes right after this call sees
    // them queued); the others once their last sequence is read.
    for (let unqueued = readings; unqueued.length > 0; ) {
      const loads: Promise<void>[] = [];
      for (const { reading } of unqueued) {
        const loading = this.load(reading.deviceId);
        if (loading !== undefined) loads.push(loading);
      }
      if (loads.length > 0) {
        await Promise.all(loads);
        if (this.#closed) throw new BridgeUnavailable("stopped", "the bridge is stopping");
      }
      unqueued = this.#queueReplicated(unqueued, writes);
    }
    if (writes.length > 0) this.#scheduleFlush();
    await Promise.all(writes);
    return writes.length;
  }

  /** appendReplicated's synchronous part, from the checks to the queue, so two copies of one reading
   * (gossip and repair, or two peers) cannot both pass the checks. Returns the readings whose device
   * is not in memory (evicted since it was loaded: rare, past MAX_CACHED_SEQUENCES devices). */
  #queueReplicated(readings: readonly ReplicatedReading[], writes: Promise<void>[]): ReplicatedReading[] {
    const unloaded: ReplicatedReading[] = [];
    for (const replicated of readings) {
      const { reading, bytes } = replicated;
      const { deviceId, sequence } = reading;
      if (this.#queued.has(pendingId(deviceId, sequence))) continue;
      const entry = this.#lastSequence.get(deviceId);
      if (entry === undefined) {
        unloaded.push(replicated);
        continue;
      }
      if (sequence <= entry.sequence && getSync(this.#db, readingKey(deviceId, sequence)) !== undefined)
        continue;
      if (sequence > entry.sequence) entry.sequence = sequence;
      entry.inFlight++;
      writes.push(
        new Promise((resolve, reject) =>
          this.#enqueue(reading, bytes, "replicated", entry, (error) =>
            error === undefined ? resolve() : reject(error),
          ),
        ),
      );
    }
    return unloaded;
  }

  /** The stored bytes of a reading, waiting for its write when it is queued (a device resending what
   * arrived by gossip gets its PUBACK only once that copy is durable). Undefined when not stored. */
  async storedBytes(deviceId: string, sequence: bigint): Promise<Uint8Array | undefined> {
    const pending = this.#queued.get(pendingId(deviceId, sequence));
    if (pending !== undefined) return (await writtenOf(pending)) ? pending.bytes : undefined;
    return this.loadReading(deviceId, sequence);
  }

  /** Whether this exact reading (device, sequence and bytes) is stored or queued. Synchronous. */
  hasReading(deviceId: string, sequence: bigint, bytes: Uint8Array): boolean {
    const stored =
      this.#queued.get(pendingId(deviceId, sequence))?.bytes ??
      getSync(this.#db, readingKey(deviceId, sequence));
    return stored !== undefined && Buffer.from(stored).equals(bytes);
  }

  #enqueue(
    reading: Reading,
    bytes: Uint8Array,
    origin: ReadingOrigin,
    entry: SequenceEntry | undefined,
    done: Pending["done"],
  ): void {
    const id = pendingId(reading.deviceId, reading.sequence);
    const pending: Pending = {
      reading,
      bytes,
      origin,
      id,
      entry,
      done,
      written: undefined,
      outcome: undefined,
    };
    this.#queue.push(pending);
    this.#queued.set(id, pending);
  }

  /** A batch is written at the end of the event-loop turn in which its first reading came (a verify
   * window's verdicts all come in one turn: one batch), or at once when the write before it ends
   * (what came meanwhile has waited for that write already). It used to wait 2 ms for more readings,
   * then again 2 ms after each write: at 1,000 devices the wait for a batch's write was a fifth of a
   * reading's time in the bridge (scripts/bench/bridge-stages.ts) and merged little, as verdicts come
   * a window at a time. Batches are written one at a time, so under load they grow by themselves. */
  #scheduleFlush(): void {
    if (this.#writing !== undefined || this.#scheduled !== undefined) return; // the running write flushes again when it ends
    this.#scheduled = setImmediate(this.#startFlush);
  }

  readonly #startFlush = (): void => {
    this.#scheduled = undefined;
    this.#writing = this.#flush().finally(() => {
      this.#writing = undefined;
      if (this.#queue.length > 0) this.#startFlush(); // nothing is scheduled while a write runs
    });
  };

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, MAX_GROUP_COMMIT_READINGS);
    if (batch.length === 0) return;
    // Indexed loops: for-of over the batch made an iterator result per reading in each loop (garbage
    // per reading).
    const operations: BatchOperation[] = [];
    if (!this.#formatWritten)
      operations.push({ type: "put", key: STORE_FORMAT_KEY, value: Uint8Array.of(STORE_FORMAT) });
    // No last-sequence record per reading (format 2): the reading keys written here are the record.
    for (let i = 0; i < batch.length; i++) {
      const { reading, bytes, entry } = batch[i]!;
      const { deviceId, sequence } = reading;
      const day = Number(dayOf(reading.timestampMs));
      operations.push({ type: "put", key: readingKey(deviceId, sequence), value: bytes });
      operations.push({ type: "put", key: deviceDayKey(deviceId, day, sequence), value: EMPTY });
      // A failed batch resets its entries' day (#release), so the record is written again with the
      // next reading.
      if (entry?.indexedDay !== day) {
        operations.push({ type: "put", key: dayDeviceKey(DAY_DEVICE_PREFIX, day, deviceId), value: EMPTY });
        if (entry !== undefined) entry.indexedDay = day;
      }
    }
    try {
      await writeBatch(this.#db, operations, true);
      this.#formatWritten = true;
    } catch (error) {
      this.#unqueue(batch);
      this.#release(batch, true);
      const failure = new BridgeUnavailable(
        "storage_failed",
        `readings not stored: ${(error as Error).message}`,
      );
      for (let i = 0; i < batch.length; i++) settle(batch[i]!, false, failure);
      return;
    }
    this.#unqueue(batch);
    this.#release(batch, false);
    for (let i = 0; i < batch.length; i++) settle(batch[i]!, true);
    // The queued entries are StoredReadings already (reading, bytes, origin): no copy per reading.
    for (const listener of this.#listeners) {
      try {
        listener(batch);
      } catch {
        // a consumer's failure must not turn a durable write into an error
      }
    }
  }

  #unqueue(batch: readonly Pending[]): void {
    for (let i = 0; i < batch.length; i++) {
      const pending = batch[i]!;
      if (this.#queued.get(pending.id) === pending) this.#queued.delete(pending.id);
    }
  }

  /** Retention deleted the device's day-device record of `day`: a reading of that day stored later
   * (gossip has no age rule) must write it again. */
  forgetIndexedDay(deviceId: string, day: bigint): void {
    const entry = this.#lastSequence.get(deviceId);
    if (entry?.indexedDay === Number(day)) entry.indexedDay = -1;
  }

  /** Ends the reservations of these queued readings; `forget` drops the in-memory last sequence so the
   * next reading of the device reads it back from disk (after a failed write, memory is ahead of
   * disk). A reading holds its device's entry (when it was in memory at add), so that entry is the
   * one whose count it ends; a forgotten entry also forgets its day's index record, for readings
   * still queued with it. */
  #release(batch: readonly Pending[], forget: boolean): void {
    for (let i = 0; i < batch.length; i++) {
      const { entry, reading } = batch[i]!;
      if (entry === undefined) continue;
      entry.inFlight--;
      if (!forget) continue;
      entry.indexedDay = -1;
      if (this.#lastSequence.get(reading.deviceId) === entry) this.#lastSequence.delete(reading.deviceId);
    }
  }

  /** A reading refused before it was queued (stopped, queue full) ends its reservation. */
  #refuse(reading: Reading): void {
    const entry = this.#lastSequence.get(reading.deviceId);
    if (entry === undefined) return;
    entry.inFlight--;
    entry.indexedDay = -1;
    this.#lastSequence.delete(reading.deviceId);
  }

  /** The stored canonical bytes of one reading, or undefined. */
  loadReading(deviceId: string, sequence: bigint): Promise<Uint8Array | undefined> {
    return getAsync(this.#db, readingKey(deviceId, sequence));
  }

  /** Sequences a device sent on a UTC day, in order (for the daily commitment). */
  daySequences(deviceId: string, day: bigint): Promise<bigint[]> {
    // Sequences start at 1 (validateReading): above 0 is all of them.
    return this.#daySequencesAfter(deviceId, day, 0n);
  }

  /** Sequences above `afterSequence` in a device's UTC day, in order, at most `limit` when given. */
  async #daySequencesAfter(
    deviceId: string,
    day: bigint,
    afterSequence: bigint,
    limit?: number,
  ): Promise<bigint[]> {
    const prefix = deviceDayPrefix(deviceId, day);
    const sequences: bigint[] = [];
    for await (const key of iterateKeys(this.#db, {
      gt: Buffer.concat([prefix, uint64(afterSequence)]),
      lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff), Buffer.of(0)]),
      ...(limit === undefined ? {} : { limit }),
    }))
      sequences.push(Buffer.from(key).readBigUInt64BE(prefix.length));
    return sequences;
  }

  /** The canonical bytes of a device's UTC day in sequence order (the meter tree's leaf order). */
  async dayReadings(deviceId: string, day: bigint): Promise<Uint8Array[]> {
    const readings: Uint8Array[] = [];
    let after = 0n;
    for (;;) {
      const page = await this.dayReadingsAfter(deviceId, day, after, DAY_READINGS_PAGE);
      readings.push(...page.readings);
      if (!page.more) return readings;
      after = page.lastSequence;
    }
  }

  /** Up to `limit` readings of a device's UTC day with a sequence above `afterSequence`, in order;
   * `more` when others follow (repair serves pages of this). */
  async dayReadingsAfter(
    deviceId: string,
    day: bigint,
    afterSequence: bigint,
    limit: number,
  ): Promise<{ readings: Uint8Array[]; more: boolean; lastSequence: bigint }> {
    const sequences = await this.#daySequencesAfter(deviceId, day, afterSequence, limit + 1);
    const more = sequences.length > limit;
    if (more) sequences.length = limit;
    const values = await this.#db.getMany<Uint8Array, Uint8Array>(
      sequences.map((sequence) => readingKey(deviceId, sequence)),
      BINARY,
    );
    const readings: Uint8Array[] = [];
    for (const [i, value] of values.entries()) {
      // The index and the reading are written in one batch; a missing value is a broken store.
      if (value === undefined) throw new Error(`reading ${deviceId}/${sequences[i]} is indexed but absent`);
      readings.push(value);
    }
    return { readings, more, lastSequence: sequences.at(-1) ?? afterSequence };
  }

  /** Waits for queued readings to reach disk, then refuses new ones, and writes the last-sequence
   * record of every device whose last sequence went past it: after a clean stop the records alone
   * are up to date (what format 1 reads). */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#queue.length > 0 || this.#writing !== undefined || this.#scheduled !== undefined) {
      if (this.#scheduled !== undefined) {
        clearImmediate(this.#scheduled);
        this.#scheduled = undefined;
      }
      if (this.#writing !== undefined) await this.#writing;
      else this.#startFlush();
    }
    await Promise.allSettled(this.#loading.values());
    const operations: BatchOperation[] = [];
    for (const [deviceId, entry] of this.#lastSequence) {
      if (entry.sequence <= entry.recorded) continue;
      operations.push({ type: "put", key: lastSequenceKey(deviceId), value: uint64(entry.sequence) });
      entry.recorded = entry.sequence;
    }
    for (let at = 0; at < operations.length; at += MAX_CLOSE_BATCH_OPERATIONS)
      await writeBatch(this.#db, operations.slice(at, at + MAX_CLOSE_BATCH_OPERATIONS), true);
  }
}
