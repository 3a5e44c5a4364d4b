// Committed latest values (state storage, keyspace ssLatest) kept in memory between blocks. A MsgSend
// reads ~12 committed keys (accounts, balances, params, the fee collector), several of them the same
// in every tx and 5 never written at all: each was a LevelDB getSync (~15-25% of checkTx and
// finalizeBlock in the profile of docs/PERFORMANCE.md). Absent keys are cached too. The cache only
// ever holds what LevelDB holds at the latest committed version: entries change after a block's
// batch is written (`applyCommitted`), never before, so readers between prepareCommit and commit
// still see the committed state.
import { latin1String } from "../util/ascii.ts";
import { keyString } from "./bytes.ts";

/** Default most entries kept (OpenCommitMultiStoreOptions.latestCacheEntries): ~64k × (≈60-byte key string +
 * value ≤ a few hundred bytes) stays near 20 MB, which holds every account and balance touched by a few thousand
 * active senders. */
export const MAX_LATEST_CACHE_ENTRIES = 65_536;
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
  readonly #maxEntries: number;

  constructor(maxEntries: number = MAX_LATEST_CACHE_ENTRIES) {
    this.#maxEntries = maxEntries;
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
    if (this.#maxEntries <= 0) return;
    if (entry !== null && entry.byteLength > MAX_LATEST_CACHE_VALUE_BYTES) return;
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(cacheKey)) {
      // Oldest inserted first: cheap, and the keys of a steady workload are re-read into the cache.
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
    this.#entries.set(cacheKey, entry);
  }

  /** After a block's batch is on disk: the new entries of the keys it wrote or deleted. */
  applyCommitted(written: ReadonlyMap<string, LatestEntry>): void {
    for (const [cacheKey, entry] of written) {
      if (entry !== null && entry.byteLength > MAX_LATEST_CACHE_VALUE_BYTES) this.#entries.delete(cacheKey);
      else this.remember(cacheKey, entry);
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
