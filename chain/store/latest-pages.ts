// The latest committed version's SMT pages below the decoded top of a tree, as raw bytes in memory, by
// position: a block walks and rewrites the pages on its paths without reading LevelDB (each getSync cost the
// main thread ~10-16 µs and LevelDB's compaction thread ~19 µs more through seek-triggered compactions,
// docs/PERFORMANCE.md, Store). LevelDB is read only for past versions (proofs, a position not held).
//
// The bytes live in a few large chunks, appended to and never rewritten (a view handed out stays valid), so a
// held page costs its bytes plus ~30 bytes of typed-array table, not an ArrayBuffer or an object of its own. A
// page replaced at commit leaves garbage in its chunk; when garbage passes a quarter of the held bytes, the chunks
// with the least live bytes are copied out (live pages re-appended) and dropped.
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

/** First capacity of a tree's position table, slots (a power of two; it doubles as the tree grows). */
const TABLE_INITIAL_SLOTS = 1024;
/** Most entries per slot before the table doubles: linear probing stays short below ~3/4. */
const TABLE_MAX_LOAD = 0.75;

/** Position id → where its held page is: open addressing with linear probing in typed arrays, so that ~300,000
 * held pages cost ~20 bytes of table each and no object (a Map entry and a view each were ~40 MB of old-space
 * objects at 10^6 keys, marked by every full GC and rewritten by every compaction). */
class PositionTable {
  /** Position id + 1 (ids are >= 0 here; tests use 0); 0 marks a free slot. */
  keys = new Float64Array(TABLE_INITIAL_SLOTS);
  /** Chunk index, byte offset in it and length of the held [u64 version ‖ page]. */
  chunkOf = new Int32Array(TABLE_INITIAL_SLOTS);
  offsetOf = new Int32Array(TABLE_INITIAL_SLOTS);
  lengthOf = new Int32Array(TABLE_INITIAL_SLOTS);
  size = 0;
  #shift = 32 - Math.log2(TABLE_INITIAL_SLOTS);

  #home(key: number): number {
    const low = key >>> 0;
    const high = Math.floor(key / 0x1_0000_0000) | 0;
    return Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> this.#shift;
  }

  /** Slot of `position`, or -1. */
  find(position: number): number {
    const keys = this.keys;
    const mask = keys.length - 1;
    const key = position + 1;
    for (let slot = this.#home(key); ; slot = (slot + 1) & mask) {
      const at = keys[slot]!;
      if (at === key) return slot;
      if (at === 0) return -1;
    }
  }

  /** Sets `position` (not in the table) to the given place. */
  insert(position: number, chunk: number, offset: number, length: number): void {
    if ((this.size + 1) / this.keys.length > TABLE_MAX_LOAD) this.#grow();
    this.#place(position + 1, chunk, offset, length);
  }

  #place(key: number, chunk: number, offset: number, length: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let slot = this.#home(key);
    while (keys[slot] !== 0) slot = (slot + 1) & mask;
    keys[slot] = key;
    this.chunkOf[slot] = chunk;
    this.offsetOf[slot] = offset;
    this.lengthOf[slot] = length;
    this.size++;
  }

  /** Empties `slot`, moving later entries of its probe run back (no tombstones). */
  remove(slot: number): void {
    const keys = this.keys;
    const mask = keys.length - 1;
    let hole = slot;
    for (let next = (hole + 1) & mask; keys[next] !== 0; next = (next + 1) & mask) {
      const home = this.#home(keys[next]!);
      // The entry at `next` may fill the hole if its home is not in (hole, next] (cyclically).
      if (hole <= next ? home > hole && home <= next : home > hole || home <= next) continue;
      keys[hole] = keys[next]!;
      this.chunkOf[hole] = this.chunkOf[next]!;
      this.offsetOf[hole] = this.offsetOf[next]!;
      this.lengthOf[hole] = this.lengthOf[next]!;
      hole = next;
    }
    keys[hole] = 0;
    this.size--;
  }

  #grow(): void {
    const { keys, chunkOf, offsetOf, lengthOf } = this;
    const slots = keys.length * 2;
    this.keys = new Float64Array(slots);
    this.chunkOf = new Int32Array(slots);
    this.offsetOf = new Int32Array(slots);
    this.lengthOf = new Int32Array(slots);
    this.#shift = 32 - Math.log2(slots);
    this.size = 0;
    for (let slot = 0; slot < keys.length; slot++)
      if (keys[slot] !== 0) this.#place(keys[slot]!, chunkOf[slot]!, offsetOf[slot]!, lengthOf[slot]!);
  }
}

export class LatestPages {
  readonly #maxBytes: number;
  /** Per tree (slot from `addTree`): position id → [u64 version ‖ page] in a chunk. */
  readonly #tables: PositionTable[] = [];
  /** By chunk index (what tables refer to); undefined where a chunk was dropped (its index is reused). */
  readonly #chunks: (Chunk | undefined)[] = [];
  #current = -1;
  #allocated = 0;
  #live = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** A slot for one more tree's pages (the budget is shared). */
  addTree(): number {
    this.#tables.push(new PositionTable());
    return this.#tables.length - 1;
  }

  /** The page at `position` of tree `slot` if the held one was written at `version` (a view of chunk bytes,
   * which are never rewritten: it stays valid after the page is replaced). */
  get(slot: number, position: number, version: number): Uint8Array | undefined {
    const table = this.#tables[slot]!;
    const at = table.find(position);
    if (at < 0) return undefined;
    const bytes = this.#chunks[table.chunkOf[at]!]!.bytes;
    const offset = table.offsetOf[at]!;
    if (readU64(bytes, offset) !== version) return undefined;
    return bytes.subarray(offset + VERSION_BYTES, offset + table.lengthOf[at]!);
  }

  /** Holds `page` (copied) as the page at `position` written at `version`, if the budget has room. */
  set(slot: number, position: number, version: number, page: Uint8Array): void {
    if (position < 0) return;
    const size = VERSION_BYTES + page.length;
    this.delete(slot, position);
    if (this.#live + size > this.#maxBytes || size > CHUNK_BYTES) return;
    const offset = this.#append(size);
    const bytes = this.#chunks[this.#current]!.bytes;
    writeU64(bytes, offset, version);
    bytes.set(page, offset + VERSION_BYTES);
    this.#tables[slot]!.insert(position, this.#current, offset, size);
    this.#live += size;
  }

  delete(slot: number, position: number): void {
    const table = this.#tables[slot]!;
    const at = table.find(position);
    if (at < 0) return;
    const length = table.lengthOf[at]!;
    this.#chunks[table.chunkOf[at]!]!.live -= length;
    this.#live -= length;
    table.remove(at);
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

  /** Room for `size` bytes in the current chunk (a new one if it is full); returns their offset. */
  #append(size: number): number {
    let chunk = this.#chunks[this.#current];
    if (chunk === undefined || chunk.used + size > chunk.bytes.length) {
      // Plain Uint8Arrays (not Buffers): subarrays of a Buffer go through its species constructor, slower.
      chunk = { bytes: new Uint8Array(CHUNK_BYTES), used: 0, live: 0 };
      const free = this.#chunks.indexOf(undefined);
      this.#current = free >= 0 ? free : this.#chunks.length;
      this.#chunks[this.#current] = chunk;
      this.#allocated += CHUNK_BYTES;
    }
    const offset = chunk.used;
    chunk.used += size;
    chunk.live += size;
    return offset;
  }

  /** Call after a commit's pages are set: when garbage (replaced pages, chunk tails) passes a quarter of the
   * held bytes, the emptiest chunks are copied out, in one pass over the tables, until it is an eighth. */
  compact(): void {
    const garbage = this.#allocated - this.#live;
    if (garbage <= Math.max(this.#live / 4, 2 * CHUNK_BYTES)) return;
    const order: number[] = [];
    for (let index = 0; index < this.#chunks.length; index++)
      if (this.#chunks[index] !== undefined && index !== this.#current) order.push(index);
    order.sort((a, b) => this.#chunks[a]!.live - this.#chunks[b]!.live);
    const dropped = new Uint8Array(this.#chunks.length);
    let reclaimed = 0;
    for (const index of order) {
      if (garbage - reclaimed <= this.#live / 8) break;
      const chunk = this.#chunks[index]!;
      dropped[index] = 1;
      this.#allocated -= CHUNK_BYTES;
      reclaimed += CHUNK_BYTES - chunk.live;
    }
    for (const table of this.#tables) {
      const { keys, chunkOf, offsetOf, lengthOf } = table;
      for (let slot = 0; slot < keys.length; slot++) {
        if (keys[slot] === 0 || dropped[chunkOf[slot]!] !== 1) continue;
        const from = this.#chunks[chunkOf[slot]!]!.bytes;
        const length = lengthOf[slot]!;
        const offset = this.#append(length);
        const start = offsetOf[slot]!;
        this.#chunks[this.#current]!.bytes.set(from.subarray(start, start + length), offset);
        chunkOf[slot] = this.#current;
        offsetOf[slot] = offset;
      }
    }
    // Only now: while copying, a new chunk must not take the index of one still being copied from.
    for (let index = 0; index < dropped.length; index++)
      if (dropped[index] === 1) this.#chunks[index] = undefined;
  }
}
