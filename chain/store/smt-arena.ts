// The in-memory compact SMT's storage (format 5): node slots in fixed-size typed-array chunks, no object per node
// (nothing for the GC to mark or move). A child reference is an int32: 0 = empty subtree, i + 1 = inner slot i,
// -(i + 1) = leaf slot i. Slots are immutable once their block is committed (path copying, smt-tree.ts); a freed
// slot goes on its free list and is reused by a later block.
import { sha256Into } from "./sha256-node-hash.ts";
import { HASH_BYTES } from "./smt-node.ts";

/** Slots per chunk (2^16): an inner chunk is 2.5 MB, a leaf chunk 3 MB; chunks avoid copying the whole arena as
 * it grows (and the transient double memory of a grown array). */
const CHUNK_BITS = 16;
const CHUNK_SLOTS = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK_SLOTS - 1;
/** Leaf key reference per slot in an Int32Array chunk: key chunk (-1 for a free slot), offset of the key's
 * length prefix (a varint) in it. A leaf keeps no key hash: it is hashed again from the key when an update meets
 * the leaf with another key or a proof walks to it (32 bytes per leaf, ~32 MB at 10^6 keys). */
const LEAF_META = 2;
const FREE_KEY = -1;
/** Slots of the first chunk at first; it doubles (a copy) up to CHUNK_SLOTS before a second chunk is added. Most
 * module stores hold a few hundred keys: full first chunks cost ~2.6 MB of RSS per store (zeroed by calloc), ~30 MB
 * for a node's dozen stores. */
const FIRST_CHUNK_SLOTS = 1 << 10;
/** Key bytes are appended to chunks of this size at most; a longer key gets a chunk of its own. */
const KEY_CHUNK_BYTES = 1 << 20;
/** The first key chunk's size; each next one is twice the last, up to KEY_CHUNK_BYTES (small stores, as above). */
const FIRST_KEY_CHUNK_BYTES = 1 << 14;
/** Bytes of a key's varint length prefix at most (lengths < 2^28). */
const MAX_LENGTH_PREFIX_BYTES = 4;
/** First capacity of a slot list (slot indices); it doubles as needed. */
const SLOT_LIST_INITIAL = 1024;

export const EMPTY_REF = 0;

export function isLeafRef(ref: number): boolean {
  return ref < 0;
}

export function innerSlot(ref: number): number {
  return ref - 1;
}

export function leafSlot(ref: number): number {
  return -ref - 1;
}

/** A list of slot indices in an Int32Array (a free list, a block's created and replaced slots): a JS array of a
 * block's ~20,000 slots would be a ~180 KB object in V8's large-object space, freed only by a full GC. */
export class SlotList {
  #slots = new Int32Array(SLOT_LIST_INITIAL);
  #length = 0;

  get length(): number {
    return this.#length;
  }

  get(index: number): number {
    return this.#slots[index]!;
  }

  push(slot: number): void {
    if (this.#length === this.#slots.length) {
      const grown = new Int32Array(this.#slots.length * 2);
      grown.set(this.#slots);
      this.#slots = grown;
    }
    this.#slots[this.#length++] = slot;
  }

  pop(): number {
    return this.#length === 0 ? -1 : this.#slots[--this.#length]!;
  }

  clear(): void {
    this.#length = 0;
  }

  /** The slots as an array of their own, exactly sized. */
  copy(): Int32Array {
    return this.#slots.slice(0, this.#length);
  }
}

/** Slots of the chunk that makes room past `capacity` slots: the first chunk doubles (FIRST_CHUNK_SLOTS at first)
 * up to CHUNK_SLOTS, then full chunks follow. */
function nextChunkSlots(capacity: number): number {
  return capacity < CHUNK_SLOTS ? Math.max(FIRST_CHUNK_SLOTS, capacity * 2) : CHUNK_SLOTS;
}

/** Puts a chunk of nextChunkSlots(capacity) slots into `chunks`: in place of the first, whose slots it takes over,
 * while that one grows; after the others once it is full. */
function placeChunk<T extends Uint8Array | Int32Array | Float64Array>(
  chunks: T[],
  chunk: T,
  capacity: number,
): void {
  if (capacity > 0 && capacity < CHUNK_SLOTS) {
    chunk.set(chunks[0]!);
    chunks[0] = chunk;
  } else chunks.push(chunk);
}

function capacityAfter(capacity: number, slots: number): number {
  return capacity < CHUNK_SLOTS ? slots : capacity + slots;
}

export class NodeArena {
  readonly #innerHashes: Uint8Array[] = [];
  readonly #innerChildren: Int32Array[] = [];
  #innerHigh = 0;
  /** Slots the inner chunks hold. */
  #innerCapacity = 0;
  readonly #innerFree = new SlotList();

  readonly #leafHashes: Uint8Array[] = [];
  readonly #leafVersions: Float64Array[] = [];
  readonly #leafMeta: Int32Array[] = [];
  #leafHigh = 0;
  #leafCapacity = 0;
  readonly #leafFree = new SlotList();

  readonly #keyChunks: Uint8Array[] = [];
  #keyChunk = -1;
  /** Bytes used of the current key chunk (its length: none yet, the next append adds one). */
  #keyUsed = 0;
  #keyChunkBytes = 0;
  /** Key bytes appended since the last key compaction, and live key bytes found by it. */
  #keyAppended = 0;
  #keyLiveAtCompaction = 0;

  /** Live inner and leaf slots. */
  get innerCount(): number {
    return this.#innerHigh - this.#innerFree.length;
  }

  get leafCount(): number {
    return this.#leafHigh - this.#leafFree.length;
  }

  /** Bytes of typed arrays held (chunks, including free slots). */
  get bytes(): number {
    let total = 0;
    for (const chunk of this.#keyChunks) total += chunk.byteLength;
    return (
      total + this.#innerCapacity * (HASH_BYTES + 8) + this.#leafCapacity * (HASH_BYTES + 8 + 4 * LEAF_META)
    );
  }

  // Inner nodes

  /** A new inner slot with children `left`, `right`; its hash is written by the caller (innerHashArray). */
  allocInner(left: number, right: number): number {
    let slot = this.#innerFree.pop();
    if (slot < 0) {
      slot = this.#innerHigh++;
      if (slot === this.#innerCapacity) this.#growInner();
    }
    const children = this.#innerChildren[slot >>> CHUNK_BITS]!;
    const at = (slot & CHUNK_MASK) * 2;
    children[at] = left;
    children[at + 1] = right;
    return slot;
  }

  /** Room for one more inner slot (nextChunkSlots; callers take a chunk only after their allocation, so none
   * writes to a replaced one). */
  #growInner(): void {
    const capacity = this.#innerCapacity;
    const slots = nextChunkSlots(capacity);
    placeChunk(this.#innerHashes, new Uint8Array(slots * HASH_BYTES), capacity);
    placeChunk(this.#innerChildren, new Int32Array(slots * 2), capacity);
    this.#innerCapacity = capacityAfter(capacity, slots);
  }

  freeInner(slot: number): void {
    this.#innerFree.push(slot);
  }

  left(slot: number): number {
    return this.#innerChildren[slot >>> CHUNK_BITS]![(slot & CHUNK_MASK) * 2]!;
  }

  right(slot: number): number {
    return this.#innerChildren[slot >>> CHUNK_BITS]![(slot & CHUNK_MASK) * 2 + 1]!;
  }

  /** The chunk holding inner slot `slot`'s hash, at innerHashOffset(slot). */
  innerHashArray(slot: number): Uint8Array {
    return this.#innerHashes[slot >>> CHUNK_BITS]!;
  }

  innerHashOffset(slot: number): number {
    return (slot & CHUNK_MASK) * HASH_BYTES;
  }

  // Leaves

  /** A new leaf slot: its hash is written by the caller (leafHashArray), its key is `keyFrom`'s (a leaf slot whose
   * key bytes it shares: the same key) or `key` appended. */
  allocLeaf(valueVersion: number, key: Uint8Array | undefined, keyFrom: number): number {
    let slot = this.#leafFree.pop();
    if (slot < 0) {
      slot = this.#leafHigh++;
      if (slot === this.#leafCapacity) this.#growLeaves();
    }
    const chunk = slot >>> CHUNK_BITS;
    const index = slot & CHUNK_MASK;
    this.#leafVersions[chunk]![index] = valueVersion;
    const meta = this.#leafMeta[chunk]!;
    const at = index * LEAF_META;
    if (key === undefined) {
      const from = this.#leafMeta[keyFrom >>> CHUNK_BITS]!;
      const fromAt = (keyFrom & CHUNK_MASK) * LEAF_META;
      meta[at] = from[fromAt]!;
      meta[at + 1] = from[fromAt + 1]!;
    } else this.#appendKey(key, 0, key.length, meta, at);
    return slot;
  }

  /** Room for one more leaf slot, as #growInner. */
  #growLeaves(): void {
    const capacity = this.#leafCapacity;
    const slots = nextChunkSlots(capacity);
    placeChunk(this.#leafHashes, new Uint8Array(slots * HASH_BYTES), capacity);
    placeChunk(this.#leafVersions, new Float64Array(slots), capacity);
    placeChunk(this.#leafMeta, new Int32Array(slots * LEAF_META), capacity);
    this.#leafCapacity = capacityAfter(capacity, slots);
  }

  freeLeaf(slot: number): void {
    this.#leafMeta[slot >>> CHUNK_BITS]![(slot & CHUNK_MASK) * LEAF_META] = FREE_KEY;
    this.#leafFree.push(slot);
  }

  /** Appends `bytes[start..start + length)` as a key (varint length ‖ bytes) and points `meta[at..]` at it. */
  #appendKey(bytes: Uint8Array, start: number, length: number, meta: Int32Array, at: number): void {
    const size = lengthPrefixBytes(length) + length;
    let chunk: Uint8Array;
    let offset: number;
    if (size > KEY_CHUNK_BYTES / 4) {
      // A long key: a chunk of its own, so that chunks stay dense.
      chunk = new Uint8Array(size);
      this.#keyChunks.push(chunk);
      meta[at] = this.#keyChunks.length - 1;
      offset = 0;
    } else {
      if (this.#keyUsed + size > this.#keyChunkBytes) {
        // At least `size` (≤ KEY_CHUNK_BYTES / 4 here): a typed array drops writes past its end without a word.
        this.#keyChunkBytes = Math.min(
          KEY_CHUNK_BYTES,
          Math.max(FIRST_KEY_CHUNK_BYTES, this.#keyChunkBytes * 2, size),
        );
        this.#keyChunks.push(new Uint8Array(this.#keyChunkBytes));
        this.#keyChunk = this.#keyChunks.length - 1;
        this.#keyUsed = 0;
      }
      chunk = this.#keyChunks[this.#keyChunk]!;
      meta[at] = this.#keyChunk;
      offset = this.#keyUsed;
      this.#keyUsed += size;
    }
    meta[at + 1] = offset;
    let rest = length;
    while (rest >= 0x80) {
      chunk[offset++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    chunk[offset++] = rest;
    for (let i = 0; i < length; i++) chunk[offset + i] = bytes[start + i]!;
    this.#keyAppended += size;
  }

  /** Where #findKey found a leaf's key: its chunk, start and length (fields, not an object per lookup). */
  #keyBytes: Uint8Array = new Uint8Array(0);
  #keyStart = 0;
  #keyLength = 0;

  #findKey(slot: number): void {
    this.#findKeyIn(this.#keyChunks, slot);
  }

  #findKeyIn(chunks: readonly Uint8Array[], slot: number): void {
    const meta = this.#leafMeta[slot >>> CHUNK_BITS]!;
    const at = (slot & CHUNK_MASK) * LEAF_META;
    const chunk = chunks[meta[at]!]!;
    let offset = meta[at + 1]!;
    let length = 0;
    for (let shift = 0; shift < 7 * MAX_LENGTH_PREFIX_BYTES; shift += 7) {
      const byte = chunk[offset++]!;
      length |= (byte & 0x7f) << shift;
      if (byte < 0x80) break;
    }
    this.#keyBytes = chunk;
    this.#keyStart = offset;
    this.#keyLength = length;
  }

  /** The chunk holding leaf slot `slot`'s hash, at leafHashOffset(slot). */
  leafHashArray(slot: number): Uint8Array {
    return this.#leafHashes[slot >>> CHUNK_BITS]!;
  }

  leafHashOffset(slot: number): number {
    return (slot & CHUNK_MASK) * HASH_BYTES;
  }

  valueVersion(slot: number): number {
    return this.#leafVersions[slot >>> CHUNK_BITS]![slot & CHUNK_MASK]!;
  }

  keyLength(slot: number): number {
    this.#findKey(slot);
    return this.#keyLength;
  }

  /** Copies the leaf's key into `out` at `offset`. */
  copyKey(slot: number, out: Uint8Array, offset: number): void {
    this.#findKey(slot);
    out.set(this.#keyBytes.subarray(this.#keyStart, this.#keyStart + this.#keyLength), offset);
  }

  /** A copy of the leaf's key. */
  key(slot: number): Uint8Array {
    this.#findKey(slot);
    return this.#keyBytes.slice(this.#keyStart, this.#keyStart + this.#keyLength);
  }

  /** Whether the leaf's key is `key`. */
  keyEquals(slot: number, key: Uint8Array): boolean {
    this.#findKey(slot);
    const bytes = this.#keyBytes;
    const start = this.#keyStart;
    if (this.#keyLength !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (bytes[start + i] !== key[i]) return false;
    return true;
  }

  /** sha256 of the leaf's key (its path) into `out` at `offset`. */
  keyHashInto(slot: number, out: Uint8Array, offset: number): void {
    this.#findKey(slot);
    sha256Into(this.#keyBytes, this.#keyStart, this.#keyLength, out, offset);
  }

  /** Hash of the node `ref` (not empty) copied into `out` at `offset`. */
  copyHash(ref: number, out: Uint8Array, offset: number): void {
    let source: Uint8Array;
    let at: number;
    if (ref < 0) {
      const slot = -ref - 1;
      source = this.#leafHashes[slot >>> CHUNK_BITS]!;
      at = (slot & CHUNK_MASK) * HASH_BYTES;
    } else {
      const slot = ref - 1;
      source = this.#innerHashes[slot >>> CHUNK_BITS]!;
      at = (slot & CHUNK_MASK) * HASH_BYTES;
    }
    for (let i = 0; i < HASH_BYTES; i++) out[offset + i] = source[at + i]!;
  }

  /** A copy of the hash of `ref` (32 zero bytes for the empty subtree). */
  hash(ref: number): Uint8Array {
    const out = new Uint8Array(HASH_BYTES);
    if (ref !== EMPTY_REF) this.copyHash(ref, out, 0);
    return out;
  }

  /** Copies live keys into fresh chunks once the bytes appended since the last compaction pass the live bytes
   * then (a deleted key's bytes are garbage; an update shares its key's bytes, which this copies once per slot:
   * at most the retained versions' replaced leaves more). */
  compactKeys(): void {
    if (this.#keyAppended < Math.max(this.#keyLiveAtCompaction, KEY_CHUNK_BYTES * 8)) return;
    const old = this.#keyChunks.splice(0);
    this.#keyChunk = -1;
    this.#keyUsed = 0;
    this.#keyChunkBytes = 0;
    this.#keyAppended = 0;
    for (let slot = 0; slot < this.#leafHigh; slot++) {
      const meta = this.#leafMeta[slot >>> CHUNK_BITS]!;
      const at = (slot & CHUNK_MASK) * LEAF_META;
      if (meta[at] === FREE_KEY) continue;
      this.#findKeyIn(old, slot);
      this.#appendKey(this.#keyBytes, this.#keyStart, this.#keyLength, meta, at);
    }
    this.#keyLiveAtCompaction = this.#keyAppended;
    this.#keyAppended = 0;
  }
}

function lengthPrefixBytes(length: number): number {
  return length < 0x80 ? 1 : length < 0x4000 ? 2 : length < 0x20_0000 ? 3 : 4;
}
