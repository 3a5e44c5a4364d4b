// Committed latest values (state storage, keyspace ssLatest) kept in memory between blocks. A MsgSend
// reads ~12 committed keys (accounts, balances, params, the fee collector), several of them the same
// in every tx and 5 never written at all: each was a LevelDB getSync (~15-25% of checkTx and
// finalizeBlock in the profile of docs/PERFORMANCE.md). Absent keys are cached too. The cache only
// ever holds what LevelDB holds at the latest committed version: entries change after a block's
// batch is written (`applyCommitted`), never before, so readers between prepareCommit and commit
// still see the committed state.
import { latin1String } from "../util/ascii.ts";
import { keyString } from "./bytes.ts";

/** Default budget of the cache, bytes (OpenCommitMultiStoreOptions.latestCacheBytes), as counted by the cache:
 * each entry's key characters and ENTRY_OVERHEAD_BYTES, and each buffer its values are views of, once. A MsgSend's
 * entries (account, balances, params) count ~250 bytes each, so this holds the keys of a few thousand active
 * senders; at 10^6 keys, blocks of 2,000 random writes (scripts/bench/store.ts) fill it with ~16 blocks' entries.
 * An entry bound instead (65,536) held ~17 MB of V8 heap and ~30 MB of RSS there once full (100 blocks). */
export const MAX_LATEST_CACHE_BYTES = 8 * 1024 * 1024;
/** V8 heap per entry besides its key's characters and its value's bytes, bytes: the Map's slots, the key string's
 * header and the value's Uint8Array object (measured: 65,536 entries of 28-character keys and 72-byte values
 * held ~255 bytes each). */
const ENTRY_OVERHEAD_BYTES = 160;
/** A value whose buffer is larger than this share of the budget is cached as a copy: a view would keep the whole
 * buffer (a large block's entries, e.g. a genesis) alive for one small value. */
const MAX_VIEWED_BUFFER_SHARE = 8;
/** Values above this size are not cached (bounded memory; large values are rare and read rarely). */
export const MAX_LATEST_CACHE_VALUE_BYTES = 4_096;

/** Latest keys up to this size are read through the scratch array (store prefix + module key: an
 * account or balance key is ~30 bytes; longer keys take the native slice on their own array). */
const KEY_SCRATCH_BYTES = 256;
/** Allocated with Buffer.alloc's threshold in mind: 256 bytes are off the JS heap from the start. */
const keyScratch = new Uint8Array(new ArrayBuffer(KEY_SCRATCH_BYTES));

/** The stored entry (version u64 ‖ value), or null for a key known to be absent. */
export type LatestEntry = Uint8Array | null;

export class LatestCache {
  readonly #entries = new Map<string, LatestEntry>();
  /** Cached values per buffer they are views of: a buffer counts in #bytes while one of them is cached. */
  readonly #viewsPerBuffer = new Map<ArrayBufferLike, number>();
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxBytes: number = MAX_LATEST_CACHE_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** Bytes held as counted against the budget. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** keyString(latestKey). A latest key is a fresh array made per read (ssLatestKey), small enough
   * that V8 keeps its bytes on the JS heap: Node's native latin1 slice must first move them into an
   * ArrayBuffer of their own (a malloc, a copy and an ArrayBuffer the GC sweeps: ~0.75 µs against
   * ~0.1 µs for an array that has one, ~9 committed reads and ~5 writes per MsgSend). Copied into one
   * reused scratch array instead, whose bytes are already off the heap. */
  static keyOf(latestKey: Uint8Array): string {
    const length = latestKey.length;
    if (length > KEY_SCRATCH_BYTES) return keyString(latestKey);
    keyScratch.set(latestKey);
    return latin1String(keyScratch, 0, length);
  }

  /** The cached entry; undefined when the cache does not know the key. */
  get(cacheKey: string): LatestEntry | undefined {
    return this.#entries.get(cacheKey);
  }

  /** Remembers what LevelDB returned for a key at the latest committed version. */
  remember(cacheKey: string, entry: LatestEntry): void {
    if (this.#maxBytes <= 0) return;
    if (entry !== null && entry.byteLength > MAX_LATEST_CACHE_VALUE_BYTES) return;
    this.#forget(cacheKey);
    let value = entry;
    if (value !== null && value.buffer.byteLength > this.#maxBytes / MAX_VIEWED_BUFFER_SHARE)
      value = value.slice();
    this.#entries.set(cacheKey, value);
    this.#bytes += cacheKey.length + ENTRY_OVERHEAD_BYTES;
    if (value !== null) {
      const views = this.#viewsPerBuffer.get(value.buffer) ?? 0;
      if (views === 0) this.#bytes += value.buffer.byteLength;
      this.#viewsPerBuffer.set(value.buffer, views + 1);
    }
    // Oldest written first (an entry moves to the end when it is written again): cheap, and the keys of a steady
    // workload are re-read into the cache.
    while (this.#bytes > this.#maxBytes) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#forget(oldest);
    }
  }

  #forget(cacheKey: string): void {
    const entry = this.#entries.get(cacheKey);
    if (entry === undefined) return;
    this.#entries.delete(cacheKey);
    this.#bytes -= cacheKey.length + ENTRY_OVERHEAD_BYTES;
    if (entry === null) return;
    const views = this.#viewsPerBuffer.get(entry.buffer) ?? 0;
    if (views > 1) this.#viewsPerBuffer.set(entry.buffer, views - 1);
    else {
      this.#viewsPerBuffer.delete(entry.buffer);
      this.#bytes -= entry.buffer.byteLength;
    }
  }

  /** After a block's batch is on disk: the new entries of the keys it wrote or deleted. */
  applyCommitted(written: ReadonlyMap<string, LatestEntry>): void {
    for (const [cacheKey, entry] of written) {
      if (entry !== null && entry.byteLength > MAX_LATEST_CACHE_VALUE_BYTES) this.#forget(cacheKey);
      else this.remember(cacheKey, entry);
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#viewsPerBuffer.clear();
    this.#bytes = 0;
  }
}
