// The latest committed version's SMT pages below the decoded top of a tree, as raw bytes in memory, by
// position: a block walks and rewrites the pages on its paths without reading LevelDB (each getSync cost the
// main thread ~10-16 µs and LevelDB's compaction thread ~19 µs more through seek-triggered compactions,
// docs/PERFORMANCE.md, Store). LevelDB is read only for past versions (proofs, a position not held).
//
// The bytes live in a few large chunks, appended to and never rewritten (a view handed out stays valid), so a
// held page costs its bytes plus one view and one map entry, not an ArrayBuffer of its own. A page replaced at
// commit leaves garbage in its chunk; when garbage passes a quarter of the held bytes, the chunk with the least
// live bytes is copied out (live pages re-appended) and dropped.
import { readU64, writeU64 } from "./keys.ts";

/** Default budget, bytes of page data held for all stores together (OpenCommitMultiStoreOptions.pageCacheBytes):
 * a 10^6-key tree's pages below depth 15 take ~215 MB of chunks (3-level pages, 21-byte keys); a larger tree keeps what
 * fits and reads the rest from LevelDB. */
export const DEFAULT_LATEST_PAGE_BYTES = 320 * 1024 * 1024;

/** Bytes per chunk: large enough that a chunk is a handful of mmaps, small enough that copying out the emptiest
 * one (compaction) costs a few ms. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Version prefix of each held page, bytes: a position's page is served only for the version that wrote it. */
const VERSION_BYTES = 8;

/** Deepest page root held: position ids (2^depth + path bits) must stay exact doubles. Deeper pages exist only
 * where key hashes share > 45 bits (ground keys) and are read from LevelDB. */
const MAX_HELD_DEPTH = 45;

/** Id of position (depth, first `depth` bits of path): unique over all depths (a heap-style index), or -1. */
export function positionId(depth: number, path: Uint8Array): number {
  if (depth > MAX_HELD_DEPTH) return -1;
  let id = 1;
  const whole = depth >>> 3;
  for (let i = 0; i < whole; i++) id = id * 256 + path[i]!;
  const rest = depth & 7;
  if (rest !== 0) id = id * (1 << rest) + (path[whole]! >>> (8 - rest));
  return id;
}

interface Chunk {
  readonly bytes: Uint8Array;
  used: number;
  /** Bytes of pages in this chunk still held. */
  live: number;
}

export class LatestPages {
  readonly #maxBytes: number;
  /** Per tree (slot from `addTree`): position id → view of [u64 version ‖ page] in a chunk. */
  readonly #indexes: Map<number, Uint8Array>[] = [];
  readonly #chunks = new Map<ArrayBufferLike, Chunk>();
  #current: Chunk | undefined;
  #allocated = 0;
  #live = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** A slot for one more tree's pages (the budget is shared). */
  addTree(): number {
    this.#indexes.push(new Map());
    return this.#indexes.length - 1;
  }

  /** The page at `position` of tree `slot` if the held one was written at `version`. */
  get(slot: number, position: number, version: number): Uint8Array | undefined {
    const held = this.#indexes[slot]!.get(position);
    if (held === undefined || readU64(held, 0) !== version) return undefined;
    return held.subarray(VERSION_BYTES);
  }

  /** Holds `page` (copied) as the page at `position` written at `version`, if the budget has room. */
  set(slot: number, position: number, version: number, page: Uint8Array): void {
    if (position < 0) return;
    const size = VERSION_BYTES + page.length;
    this.delete(slot, position);
    if (this.#live + size > this.#maxBytes || size > CHUNK_BYTES) return;
    const view = this.#append(size);
    writeU64(view, 0, version);
    view.set(page, VERSION_BYTES);
    this.#indexes[slot]!.set(position, view);
    this.#live += size;
  }

  delete(slot: number, position: number): void {
    const index = this.#indexes[slot]!;
    const held = index.get(position);
    if (held === undefined) return;
    index.delete(position);
    this.#live -= held.length;
    this.#chunks.get(held.buffer)!.live -= held.length;
  }

  /** Whether `bytes` more page bytes fit. */
  hasRoomFor(bytes: number): boolean {
    return this.#live + bytes <= this.#maxBytes;
  }

  /** Bytes of pages held, and of chunks allocated for them (held + garbage not yet compacted). */
  get sizeBytes(): number {
    return this.#live;
  }

  get allocatedBytes(): number {
    return this.#allocated;
  }

  #append(size: number): Uint8Array {
    let chunk = this.#current;
    if (chunk === undefined || chunk.used + size > chunk.bytes.length) {
      // Plain Uint8Arrays (not Buffers): subarrays of a Buffer go through its species constructor, slower.
      chunk = { bytes: new Uint8Array(CHUNK_BYTES), used: 0, live: 0 };
      this.#chunks.set(chunk.bytes.buffer, chunk);
      this.#current = chunk;
      this.#allocated += CHUNK_BYTES;
    }
    const view = chunk.bytes.subarray(chunk.used, chunk.used + size);
    chunk.used += size;
    chunk.live += size;
    return view;
  }

  /** Call after a commit's pages are set: when garbage (replaced pages, chunk tails) passes a quarter of the
   * held bytes, the emptiest chunks are copied out, in one pass over the index, until it is an eighth. */
  compact(): void {
    const garbage = this.#allocated - this.#live;
    if (garbage <= Math.max(this.#live / 4, 2 * CHUNK_BYTES)) return;
    const chunks = [...this.#chunks.values()].filter((chunk) => chunk !== this.#current);
    chunks.sort((a, b) => a.live - b.live);
    const dropped = new Set<ArrayBufferLike>();
    let reclaimed = 0;
    for (const chunk of chunks) {
      if (garbage - reclaimed <= this.#live / 8) break;
      dropped.add(chunk.bytes.buffer);
      this.#chunks.delete(chunk.bytes.buffer);
      this.#allocated -= CHUNK_BYTES;
      reclaimed += CHUNK_BYTES - chunk.live;
    }
    for (const index of this.#indexes)
      for (const [position, held] of index) {
        if (!dropped.has(held.buffer)) continue;
        const view = this.#append(held.length);
        view.set(held);
        index.set(position, view);
      }
  }
}
