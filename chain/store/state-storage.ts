// State storage (ADR-065 "SS"): the raw key/values of every store in ordered LevelDB, for reads and ordered
// iteration at the latest version (latest keyspace) and at past versions (history keyspace).
import type { BatchOperation } from "../db-keyspace.ts";
import { equalBytes } from "./bytes.ts";
import { type Database, getAsync, getSync, iterateRange } from "./db.ts";
import {
  decodeSsHistoryKey,
  PREFIX,
  prefixEnd,
  readU64,
  ssHistoryBound,
  ssHistoryKey,
  ssLatestKey,
  writeU64,
} from "./keys.ts";
import { LatestCache, type LatestEntry } from "./latest-cache.ts";
import { PREVIOUS_UNCHANGED } from "./smt-tree.ts";
import { staleListOperation } from "./stale-list.ts";
import { type IterateRange, StoreError } from "./types.ts";

const TOMBSTONE = Uint8Array.of(0);
const VERSION_BYTES = 8;

/** One key's change in a block (value undefined deletes it) and what the SMT update found for the key. */
export interface SsChange {
  readonly key: Uint8Array;
  readonly value: Uint8Array | undefined;
  /** Version that wrote the value being replaced, or PREVIOUS_ABSENT / PREVIOUS_UNCHANGED (smt-tree.ts). */
  readonly previous: number;
}

/** The latest-keyspace entries a prepared block writes, applied to the read cache once it is on disk. */
export type LatestWrites = Map<string, LatestEntry>;

export class StateStorage {
  readonly #db: Database;
  readonly #cache: LatestCache;

  constructor(db: Database, latestCacheBytes?: number) {
    this.#db = db;
    this.#cache = new LatestCache(latestCacheBytes);
  }

  /** The stored entry (version ‖ value) of a latest key, through the read cache. */
  #stored(latestKey: Uint8Array, cacheKey: string): Uint8Array | undefined {
    const cached = this.#cache.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    const stored = getSync(this.#db, latestKey);
    this.#cache.remember(cacheKey, stored ?? null);
    return stored;
  }

  /** [version that last wrote it, value] at the latest version. */
  getLatestEntry(storePrefix: Uint8Array, key: Uint8Array): [number, Uint8Array] | undefined {
    const latestKey = ssLatestKey(storePrefix, key);
    const stored = this.#stored(latestKey, LatestCache.keyOf(latestKey));
    if (stored === undefined) return undefined;
    return [readU64(stored, 0), stored.subarray(VERSION_BYTES)];
  }

  getLatest(storePrefix: Uint8Array, key: Uint8Array): Uint8Array | undefined {
    const latestKey = ssLatestKey(storePrefix, key);
    return this.#stored(latestKey, LatestCache.keyOf(latestKey))?.subarray(VERSION_BYTES);
  }

  /** Call once a prepared block's batch is written: the read cache takes the block's latest entries. */
  applyCommitted(writes: LatestWrites): void {
    this.#cache.applyCommitted(writes);
  }

  /** Call when a batch may or may not have reached disk (a failed write): forget every cached entry. */
  forgetCached(): void {
    this.#cache.clear();
  }

  async *iterateLatest(
    storePrefix: Uint8Array,
    range: IterateRange,
  ): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const base = ssLatestKey(storePrefix, new Uint8Array(0));
    const lower = ssLatestKey(storePrefix, range.start ?? new Uint8Array(0));
    const upper = range.end !== undefined ? ssLatestKey(storePrefix, range.end) : prefixEnd(base);
    const options: { gte: Uint8Array; lt?: Uint8Array; reverse: boolean; limit?: number } = {
      gte: lower,
      reverse: range.reverse ?? false,
    };
    if (upper !== undefined) options.lt = upper;
    if (range.limit !== undefined) options.limit = range.limit;
    for await (const [key, stored] of iterateRange(this.#db, options)) {
      yield [key.subarray(base.length), stored.subarray(VERSION_BYTES)];
    }
  }

  /** Value at `version` from the history keyspace. */
  async getAt(storePrefix: Uint8Array, key: Uint8Array, version: number): Promise<Uint8Array | undefined> {
    const options = {
      gte: ssHistoryKey(storePrefix, key, 0),
      lte: ssHistoryKey(storePrefix, key, version),
      reverse: true,
      limit: 1,
    };
    for await (const [, stored] of iterateRange(this.#db, options)) return decodeHistoryValue(stored);
    return undefined;
  }

  /** The value that version `valueVersion` wrote to `key` (a leaf's value version): the latest entry if the read
   * cache holds it at that version, else one point read of the history entry, instead of getAt's reverse
   * iteration, which seeks a table of every level (CPU, and table pages mapped into the process). */
  async getWrittenAt(
    storePrefix: Uint8Array,
    key: Uint8Array,
    valueVersion: number,
  ): Promise<Uint8Array | undefined> {
    const cached = this.#cache.get(LatestCache.keyOf(ssLatestKey(storePrefix, key)));
    // A Buffer view, as LevelDB's reads give (callers decode the value; protobufjs then hands out Buffers too).
    if (cached != null && readU64(cached, 0) === valueVersion)
      return Buffer.from(cached.buffer, cached.byteOffset + VERSION_BYTES, cached.byteLength - VERSION_BYTES);
    const stored = await getAsync(this.#db, ssHistoryKey(storePrefix, key, valueVersion));
    return stored === undefined ? undefined : decodeHistoryValue(stored);
  }

  /** Entries at `version` in raw key order: for each key, its newest history entry at or below the version. */
  async *iterateAt(
    storePrefix: Uint8Array,
    range: IterateRange,
    version: number,
  ): AsyncGenerator<[Uint8Array, Uint8Array]> {
    const keyspace = ssHistoryBound(storePrefix, new Uint8Array(0));
    const lower = ssHistoryBound(storePrefix, range.start ?? new Uint8Array(0));
    const upper = range.end !== undefined ? ssHistoryBound(storePrefix, range.end) : prefixEnd(keyspace);
    const reverse = range.reverse ?? false;
    const options: { gte: Uint8Array; lt?: Uint8Array; reverse: boolean } = { gte: lower, reverse };
    if (upper !== undefined) options.lt = upper;
    let remaining = range.limit ?? Number.POSITIVE_INFINITY;
    if (remaining <= 0) return;
    // Entries of one key are contiguous and ordered by version; pick the newest <= version in each group.
    let groupKey: Uint8Array | undefined;
    let chosen: [Uint8Array, Uint8Array] | undefined;
    let chosenValue: Uint8Array | undefined;
    const flush = (): [Uint8Array, Uint8Array] | undefined => {
      const out =
        chosen !== undefined && chosenValue !== undefined
          ? ([decodeSsHistoryKey(chosen[0], keyspace.length)[0], chosenValue] as [Uint8Array, Uint8Array])
          : undefined;
      chosen = undefined;
      chosenValue = undefined;
      return out;
    };
    for await (const entry of iterateRange(this.#db, options)) {
      const [historyKey, stored] = entry;
      const group = historyKey.subarray(0, historyKey.length - VERSION_BYTES);
      if (groupKey === undefined || !equalBytes(group, groupKey)) {
        const out = flush();
        if (out !== undefined) {
          yield out;
          if (--remaining <= 0) return;
        }
        groupKey = group;
      }
      const entryVersion = readU64(historyKey, historyKey.length - VERSION_BYTES);
      if (entryVersion > version) continue;
      // Forward: later entries of the group are newer. Reverse: the first one <= version is the newest.
      if (reverse && chosen !== undefined) continue;
      chosen = entry;
      chosenValue = decodeHistoryValue(stored);
    }
    const out = flush();
    if (out !== undefined) yield out;
  }

  /** Batch operations writing `changes` of one store at `version`. Each change carries what the SMT update
   * found for its key (`previous`: the version of the value it replaces, PREVIOUS_ABSENT or PREVIOUS_UNCHANGED),
   * so nothing is read here. With `recordStale`, superseded history entries are indexed for pruning. */
  prepareWrites(
    storePrefix: Uint8Array,
    changes: readonly SsChange[],
    version: number,
    recordStale: boolean,
    operations: BatchOperation[],
    latestWrites: LatestWrites,
  ): void {
    const stale: Uint8Array[] = [];
    // The block's latest entries (version ‖ value) in one array: each is both the batch value and what the read
    // cache keeps once the block is committed (views of it, never rewritten), instead of a pooled Buffer and an
    // ArrayBuffer of its own per write (a malloc and an ArrayBuffer that the GC tracks, per entry).
    let entryBytes = 0;
    for (const change of changes)
      if (change.previous !== PREVIOUS_UNCHANGED && change.value !== undefined)
        entryBytes += VERSION_BYTES + change.value.length;
    const entries = new Uint8Array(entryBytes);
    let entryAt = 0;
    for (const change of changes) {
      const previous = change.previous;
      if (previous === PREVIOUS_UNCHANGED) continue;
      const latestKey = ssLatestKey(storePrefix, change.key);
      const cacheKey = LatestCache.keyOf(latestKey);
      const historyKey = ssHistoryKey(storePrefix, change.key, version);
      if (change.value === undefined) {
        if (previous < 0) throw new StoreError("corrupt", "a delete of an absent key reached state storage");
        operations.push({ type: "del", key: latestKey });
        latestWrites.set(cacheKey, null);
        operations.push({ type: "put", key: historyKey, value: TOMBSTONE });
        // Once the previous value is pruned, the tombstone has nothing left to hide.
        if (recordStale) stale.push(ssHistoryKey(storePrefix, change.key, previous), historyKey);
        continue;
      }
      const stored = entries.subarray(entryAt, entryAt + VERSION_BYTES + change.value.length);
      entryAt += stored.length;
      writeU64(stored, 0, version);
      stored.set(change.value, VERSION_BYTES);
      operations.push({ type: "put", key: latestKey, value: stored });
      latestWrites.set(cacheKey, stored);
      // Only lives until the batch is written: a pooled Buffer avoids a fresh ArrayBuffer.
      const history = Buffer.allocUnsafe(1 + change.value.length);
      history[0] = 1;
      history.set(change.value, 1);
      operations.push({ type: "put", key: historyKey, value: history });
      if (recordStale && previous >= 0) stale.push(ssHistoryKey(storePrefix, change.key, previous));
    }
    for (const operation of staleListOperation(PREFIX.ssStale, version, storePrefix, stale))
      operations.push(operation);
  }

  /** Async read of the latest value (for callers outside a block). */
  async getLatestAsync(storePrefix: Uint8Array, key: Uint8Array): Promise<Uint8Array | undefined> {
    const stored = await getAsync(this.#db, ssLatestKey(storePrefix, key));
    return stored?.subarray(VERSION_BYTES);
  }
}

function decodeHistoryValue(stored: Uint8Array): Uint8Array | undefined {
  return stored[0] === 1 ? stored.subarray(1) : undefined;
}
