// One module store's compact SMT held in memory (format 5): the latest version and a window of recent ones, in
// typed-array slots (smt-arena.ts). Same hashing and shape as ever (ICS-23 SmtSpec, history independent, README).
// A block's writes are applied in one bottom-up pass over the changes sorted by key hash (as the reference update on
// node objects in test/store/smt-reference.ts does); new nodes go to fresh slots (path copying), so every node reachable from a committed root
// stays as it is. A node replaced at version v is reachable only from versions < v: its slot is freed once no
// retained version is below v.
import { compareBytes } from "./bytes.ts";
import { sha256Of65Into } from "./sha256-node-hash.ts";
import { EMPTY_REF, innerSlot, isLeafRef, leafSlot, NodeArena, SlotList } from "./smt-arena.ts";
import {
  bitAt,
  type Child,
  encodeRef,
  HASH_BYTES,
  KIND_INNER,
  KIND_LEAF,
  MAX_DEPTH,
  type NodeRef,
  type SmtNode,
} from "./smt-node.ts";
import type { NodeLoader } from "./smt-proof.ts";
import { StoreError } from "./types.ts";

/** A change to one key: valueHash null deletes it. */
export interface SmtChange {
  readonly keyHash: Uint8Array;
  readonly key: Uint8Array;
  readonly valueHash: Uint8Array | null;
  /** Set by the update: the version that wrote the key's value before this change, PREVIOUS_ABSENT if there was
   * none, or PREVIOUS_UNCHANGED when the change changes nothing (the same value, or a delete of an absent key).
   * State storage writes its entries from this, so a block needs no state-storage read per write. */
  previous?: number;
}

export const PREVIOUS_ABSENT = -1;
export const PREVIOUS_UNCHANGED = -2;

/** Committed versions whose trees stay in memory for proofs (latest included), by default. Each costs the nodes a
 * block replaced: ~20,000 slots (~1 MB) for a block of 2,000 writes at 10^6 keys. */
export const DEFAULT_RETAINED_VERSIONS = 32;

/** Prepared but not committed updates kept valid at once: a proposer may prepare a block and drop it (another
 * round); the oldest one's slots are freed past this, and committing it then throws. */
const MAX_OUTSTANDING_PREPARES = 4;

const preimage = new Uint8Array(1 + 2 * HASH_BYTES);
const leafHashScratch = new Uint8Array(HASH_BYTES);
/** Key hash of the leaf an update meets (leaves keep none, smt-arena.ts). */
const existingKeyHash = new Uint8Array(HASH_BYTES);
/** First size, in key hashes, of the growable arrays below (they double as needed). */
const KEY_HASHES_INITIAL = 1024;

export interface PreparedTree {
  readonly root: number;
  readonly version: number;
  /** The root record's value (smt-node.ts encodeRef: kind ‖ hash ‖ u64 version). */
  readonly rootRecord: Uint8Array;
  readonly rootHash: Uint8Array;
}

/** A prepared update as the tree keeps it: the slots it made and those it replaced. */
interface PreparedUpdate extends PreparedTree {
  readonly newInner: Int32Array;
  readonly newLeaves: Int32Array;
  readonly replacedInner: Int32Array;
  readonly replacedLeaves: Int32Array;
}

function rootRecord(root: number, hash: Uint8Array, version: number): Uint8Array {
  if (root === EMPTY_REF) return encodeRef(null);
  return encodeRef({ kind: isLeafRef(root) ? KIND_LEAF : KIND_INNER, hash, version, node: undefined });
}

/** A proof walk's view of a slot (smt-proof.ts works on NodeRef objects; a proof makes a few dozen). */
interface ArenaRef extends NodeRef {
  readonly ref: number;
}

export class MemoryTree {
  readonly #arena = new NodeArena();
  readonly #retainedVersions: number;
  #root = EMPTY_REF;
  /** Committed versions in memory (ascending) and their roots. */
  readonly #retained = new Map<number, number>();
  /** Slots replaced at each committed version (ascending), freed once no retained version is below it (~20,000
   * inner slots for a 2,000-write block at 10^6 keys: 80 KB, where a JS array had been a ~180 KB large object). */
  readonly #replaced = new Map<number, { inner: Int32Array; leaves: Int32Array }>();
  readonly #outstanding: PreparedUpdate[] = [];

  // The update in progress.
  #changes: readonly SmtChange[] = [];
  #version = 0;
  /** Slots this update created and replaced (reused between updates; a prepared update keeps copies). */
  #createdInner = new SlotList();
  readonly #createdLeaves = new SlotList();
  readonly #replacedInner = new SlotList();
  readonly #replacedLeaves = new SlotList();
  /** Key hashes of the leaves a #build call takes (32 bytes per leaf, in their order): reused. */
  #buildHashes = new Uint8Array(KEY_HASHES_INITIAL * HASH_BYTES);
  /** Leaves added by addLeaf for commitLoaded, and their key hashes. */
  #loadSlots = new Int32Array(KEY_HASHES_INITIAL);
  #loadHashes = new Uint8Array(KEY_HASHES_INITIAL * HASH_BYTES);
  #loadCount = 0;

  constructor(retainedVersions: number = DEFAULT_RETAINED_VERSIONS) {
    if (!Number.isSafeInteger(retainedVersions) || retainedVersions < 1)
      throw new TypeError("retainedVersions must be a positive integer");
    this.#retainedVersions = retainedVersions;
  }

  /** Root of the latest committed version (EMPTY_REF before the first). */
  get root(): number {
    return this.#root;
  }

  /** Root of committed `version` if it is still in memory. */
  rootAt(version: number): number | undefined {
    return this.#retained.get(version);
  }

  get leafCount(): number {
    return this.#arena.leafCount;
  }

  get innerCount(): number {
    return this.#arena.innerCount;
  }

  /** Bytes of typed arrays the tree holds. */
  get bytes(): number {
    return this.#arena.bytes;
  }

  hashOf(ref: number): Uint8Array {
    return this.#arena.hash(ref);
  }

  /** Applies `changes` (sorted by key hash, distinct) to the latest committed version as `version`, recording in
   * each change what it replaces (`previous`). Nothing is visible until commit(). */
  prepare(changes: readonly SmtChange[], version: number): PreparedTree {
    if (this.#outstanding.length >= MAX_OUTSTANDING_PREPARES) this.#discard(this.#outstanding.shift()!);
    this.#changes = changes;
    this.#version = version;
    this.#createdInner.clear();
    this.#createdLeaves.clear();
    this.#replacedInner.clear();
    this.#replacedLeaves.clear();
    let root: number;
    try {
      root = this.#update(this.#root, 0, 0, changes.length);
    } catch (error) {
      for (let i = 0; i < this.#createdInner.length; i++) this.#arena.freeInner(this.#createdInner.get(i));
      for (let i = 0; i < this.#createdLeaves.length; i++) this.#arena.freeLeaf(this.#createdLeaves.get(i));
      throw error;
    } finally {
      this.#changes = [];
    }
    const rootHash = this.#arena.hash(root);
    const prepared: PreparedUpdate = {
      root,
      version,
      rootHash,
      rootRecord: rootRecord(root, rootHash, version),
      newInner: this.#createdInner.copy(),
      newLeaves: this.#createdLeaves.copy(),
      replacedInner: this.#replacedInner.copy(),
      replacedLeaves: this.#replacedLeaves.copy(),
    };
    this.#outstanding.push(prepared);
    return prepared;
  }

  /** Whether commit(prepared) would take it: not dropped since (by a later commit or too many prepares). */
  committable(prepared: PreparedTree): prepared is PreparedUpdate {
    return (this.#outstanding as readonly PreparedTree[]).includes(prepared);
  }

  /** Makes a prepared update the latest committed version (once its batch is durable); other prepared updates
   * are dropped, and versions beyond the retained window leave memory. */
  commit(prepared: PreparedTree): void {
    if (!this.committable(prepared))
      throw new StoreError("unknown_version", `prepared tree of version ${prepared.version} was dropped`);
    for (const other of this.#outstanding) if (other !== prepared) this.#discard(other);
    this.#outstanding.length = 0;
    this.#root = prepared.root;
    this.#retained.set(prepared.version, prepared.root);
    if (prepared.replacedInner.length > 0 || prepared.replacedLeaves.length > 0)
      this.#replaced.set(prepared.version, {
        inner: prepared.replacedInner,
        leaves: prepared.replacedLeaves,
      });
    this.#release();
  }

  /** Sets the latest committed version's tree from the leaves given to addLeaf (any order): at open. */
  commitLoaded(version: number): void {
    if (this.#root !== EMPTY_REF || this.#retained.size > 0)
      throw new Error("commitLoaded needs an empty tree");
    const [sorted, hashes] = this.#sortLoaded();
    this.#loadSlots = new Int32Array(0);
    this.#loadHashes = new Uint8Array(0);
    this.#loadCount = 0;
    this.#version = version;
    this.#createdInner.clear();
    this.#root = this.#build(0, sorted, hashes, 0, sorted.length);
    // The whole tree's inner slots went through the list: let its capacity go.
    this.#createdInner = new SlotList();
    this.#retained.set(version, this.#root);
  }

  /** The slots, for the snapshot codec (smt-snapshot.ts). */
  get arena(): NodeArena {
    return this.#arena;
  }

  /** Sets a tree built in the arena by the snapshot codec as committed `version`. */
  commitRoot(root: number, version: number): void {
    if (this.#root !== EMPTY_REF || this.#retained.size > 0)
      throw new Error("commitRoot needs an empty tree");
    this.#root = root;
    this.#retained.set(version, root);
  }

  /** A leaf for commitLoaded: its key, key hash and value hash, and the version that wrote its value. */
  addLeaf(key: Uint8Array, keyHash: Uint8Array, valueHash: Uint8Array, valueVersion: number): void {
    const slot = this.#arena.allocLeaf(valueVersion, key, -1);
    hashLeafInto(keyHash, valueHash, this.#arena.leafHashArray(slot), this.#arena.leafHashOffset(slot));
    const count = this.#loadCount++;
    if (count === this.#loadSlots.length) {
      const length = Math.max(KEY_HASHES_INITIAL, count * 2);
      this.#loadSlots = grown(this.#loadSlots, length);
      this.#loadHashes = grown(this.#loadHashes, length * HASH_BYTES);
    }
    this.#loadSlots[count] = slot;
    this.#loadHashes.set(keyHash, count * HASH_BYTES);
  }

  /** The proof walk's loader and root for committed `version` (undefined if not in memory). */
  proofView(version: number): { load: NodeLoader; root: Child } | undefined {
    const root = this.#retained.get(version);
    if (root === undefined) return undefined;
    return { load: (ref) => this.#load(ref as ArenaRef), root: this.#refOf(root) };
  }

  #refOf(ref: number): Child {
    if (ref === EMPTY_REF) return null;
    const view: ArenaRef = {
      kind: isLeafRef(ref) ? KIND_LEAF : KIND_INNER,
      hash: this.#arena.hash(ref),
      version: 0,
      node: undefined,
      ref,
    };
    return view;
  }

  #load(view: ArenaRef): SmtNode {
    const arena = this.#arena;
    const ref = view.ref;
    if (isLeafRef(ref)) {
      const slot = leafSlot(ref);
      const at = arena.leafHashOffset(slot);
      const keyHash = new Uint8Array(HASH_BYTES);
      arena.keyHashInto(slot, keyHash, 0);
      return {
        kind: KIND_LEAF,
        hash: arena.leafHashArray(slot).slice(at, at + HASH_BYTES),
        keyHash,
        key: arena.key(slot),
        valueVersion: arena.valueVersion(slot),
      };
    }
    const slot = innerSlot(ref);
    return { kind: KIND_INNER, left: this.#refOf(arena.left(slot)), right: this.#refOf(arena.right(slot)) };
  }

  #discard(prepared: PreparedUpdate): void {
    for (const slot of prepared.newInner) this.#arena.freeInner(slot);
    for (const slot of prepared.newLeaves) this.#arena.freeLeaf(slot);
  }

  #release(): void {
    for (const version of this.#retained.keys()) {
      if (this.#retained.size <= this.#retainedVersions) break;
      this.#retained.delete(version);
    }
    const oldest = this.#retained.keys().next().value ?? Number.POSITIVE_INFINITY;
    for (const [version, slots] of this.#replaced) {
      if (version > oldest) break;
      for (const slot of slots.inner) this.#arena.freeInner(slot);
      for (const slot of slots.leaves) this.#arena.freeLeaf(slot);
      this.#replaced.delete(version);
    }
    this.#arena.compactKeys();
  }

  // The batched update (the steps of test/store/smt-reference.ts, on slots).

  #update(ref: number, depth: number, lo: number, hi: number): number {
    if (lo >= hi) return ref;
    if (ref === EMPTY_REF) return this.#insertAll(depth, lo, hi);
    if (isLeafRef(ref)) return this.#updateLeaf(ref, depth, lo, hi);
    const slot = innerSlot(ref);
    const left = this.#arena.left(slot);
    const right = this.#arena.right(slot);
    const mid = splitIndex(this.#changes, lo, hi, depth);
    const newLeft = this.#update(left, depth + 1, lo, mid);
    const newRight = this.#update(right, depth + 1, mid, hi);
    if (newLeft === left && newRight === right) return ref;
    this.#replacedInner.push(slot);
    return this.#join(newLeft, newRight);
  }

  /** Parent of two updated children: a lone leaf moves up (compact layout; a leaf does not know its depth). */
  #join(left: number, right: number): number {
    if (left === EMPTY_REF && (right === EMPTY_REF || isLeafRef(right))) return right;
    if (right === EMPTY_REF && isLeafRef(left)) return left;
    return this.#newInner(left, right);
  }

  #insertAll(depth: number, lo: number, hi: number): number {
    const leaves: number[] = [];
    const hashes = this.#buildHashesFor(hi - lo);
    for (let i = lo; i < hi; i++) {
      const change = this.#changes[i]!;
      if (change.valueHash === null) change.previous = PREVIOUS_UNCHANGED;
      else {
        change.previous = PREVIOUS_ABSENT;
        hashes.set(change.keyHash, leaves.length * HASH_BYTES);
        leaves.push(this.#newLeaf(change, -1));
      }
    }
    return this.#build(depth, leaves, hashes, 0, leaves.length);
  }

  /** The changes [lo, hi) meet leaf `ref`: its key is compared as bytes with theirs, and hashed (the leaf keeps no
   * key hash) only when another key must be ordered around it. */
  #updateLeaf(ref: number, depth: number, lo: number, hi: number): number {
    const arena = this.#arena;
    const existing = leafSlot(ref);
    const hashes = arena.leafHashArray(existing);
    const at = arena.leafHashOffset(existing);
    const keyHashes = this.#buildHashesFor(hi - lo + 1);
    const leaves: number[] = [];
    let existingHashed = false;
    /** Index of the existing leaf in `leaves` (-1: not placed yet, or replaced). */
    let existingAt = -1;
    let existingPlaced = false;
    let unchanged = true;
    let replaced = false;
    for (let i = lo; i < hi; i++) {
      const change = this.#changes[i]!;
      let order = 0;
      if (!arena.keyEquals(existing, change.key)) {
        if (!existingHashed) {
          arena.keyHashInto(existing, existingKeyHash, 0);
          existingHashed = true;
        }
        order = compareAt(existingKeyHash, 0, change.keyHash);
      }
      if (!existingPlaced && order < 0) {
        existingAt = leaves.length;
        leaves.push(ref);
        existingPlaced = true;
      }
      if (order === 0) {
        existingPlaced = true;
        change.previous = arena.valueVersion(existing);
        if (change.valueHash !== null) {
          // Same key: the value is the same exactly when the leaf hash is.
          hashLeafInto(change.keyHash, change.valueHash, leafHashScratch, 0);
          if (compareAt(hashes, at, leafHashScratch) === 0) {
            change.previous = PREVIOUS_UNCHANGED;
            existingAt = leaves.length;
            leaves.push(ref);
            continue;
          }
          keyHashes.set(change.keyHash, leaves.length * HASH_BYTES);
          leaves.push(this.#newLeaf(change, existing));
        }
        replaced = true;
        unchanged = false;
        continue;
      }
      if (change.valueHash === null) {
        change.previous = PREVIOUS_UNCHANGED;
        continue;
      }
      change.previous = PREVIOUS_ABSENT;
      keyHashes.set(change.keyHash, leaves.length * HASH_BYTES);
      leaves.push(this.#newLeaf(change, -1));
      unchanged = false;
    }
    if (!existingPlaced) {
      existingAt = leaves.length;
      leaves.push(ref);
    }
    if (unchanged) return ref;
    if (replaced) this.#replacedLeaves.push(existing);
    if (leaves.length > 1 && existingAt >= 0) {
      // Another key sits beside it, so it was hashed above.
      keyHashes.set(existingKeyHash, existingAt * HASH_BYTES);
    }
    return this.#build(depth, leaves, keyHashes, 0, leaves.length);
  }

  /** #buildHashes with room for `count` key hashes. */
  #buildHashesFor(count: number): Uint8Array {
    if (this.#buildHashes.length < count * HASH_BYTES)
      this.#buildHashes = new Uint8Array(
        Math.max(count, 2 * (this.#buildHashes.length / HASH_BYTES)) * HASH_BYTES,
      );
    return this.#buildHashes;
  }

  /** Subtree of leaf refs `leaves[lo..hi)` (sorted, distinct key hashes, leaf i's at `keyHashes[32 i..]`) rooted at
   * `depth`. */
  #build(
    depth: number,
    leaves: readonly number[] | Int32Array,
    keyHashes: Uint8Array,
    lo: number,
    hi: number,
  ): number {
    if (lo >= hi) return EMPTY_REF;
    if (hi - lo === 1) return leaves[lo]!;
    if (depth >= MAX_DEPTH) throw new Error("SMT: two distinct keys with the same key hash");
    // First leaf whose key hash has bit `depth` set.
    const byte = depth >>> 3;
    const shift = 7 - (depth & 7);
    let low = lo;
    let high = hi;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (((keyHashes[mid * HASH_BYTES + byte]! >>> shift) & 1) === 0) low = mid + 1;
      else high = mid;
    }
    return this.#newInner(
      this.#build(depth + 1, leaves, keyHashes, lo, low),
      this.#build(depth + 1, leaves, keyHashes, low, hi),
    );
  }

  #newInner(left: number, right: number): number {
    const arena = this.#arena;
    preimage[0] = 1;
    if (left === EMPTY_REF) preimage.fill(0, 1, 1 + HASH_BYTES);
    else arena.copyHash(left, preimage, 1);
    if (right === EMPTY_REF) preimage.fill(0, 1 + HASH_BYTES);
    else arena.copyHash(right, preimage, 1 + HASH_BYTES);
    const slot = arena.allocInner(left, right);
    sha256Of65Into(preimage, arena.innerHashArray(slot), arena.innerHashOffset(slot));
    this.#createdInner.push(slot);
    return slot + 1;
  }

  /** A new leaf for `change` at this update's version; `sameKey` is the leaf slot it replaces (shares its key
   * bytes) or -1. Its hash is leafHashScratch when sameKey is set (computed by the caller). */
  #newLeaf(change: SmtChange, sameKey: number): number {
    const arena = this.#arena;
    const slot = arena.allocLeaf(this.#version, sameKey < 0 ? change.key : undefined, sameKey);
    const hashes = arena.leafHashArray(slot);
    const at = arena.leafHashOffset(slot);
    if (sameKey < 0) hashLeafInto(change.keyHash, change.valueHash!, hashes, at);
    else hashes.set(leafHashScratch, at);
    this.#createdLeaves.push(slot);
    return -(slot + 1);
  }

  /** The loaded leaves as refs sorted by key hash, and their key hashes in that order: by the first 4 key-hash
   * bytes in one typed-array sort (high word ‖ index as u64), then runs with equal first words by full
   * comparison. */
  #sortLoaded(): [Int32Array, Uint8Array] {
    const count = this.#loadCount;
    const loaded = this.#loadHashes;
    const words = new BigUint64Array(count);
    const halves = new Uint32Array(words.buffer);
    for (let i = 0; i < count; i++) {
      const at = i * HASH_BYTES;
      halves[2 * i] = i;
      halves[2 * i + 1] =
        ((loaded[at]! << 24) | (loaded[at + 1]! << 16) | (loaded[at + 2]! << 8) | loaded[at + 3]!) >>> 0;
    }
    words.sort();
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = halves[2 * i]!;
    const keyHashOf = (index: number): Uint8Array =>
      loaded.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES);
    for (let start = 0; start < count; ) {
      let end = start + 1;
      while (end < count && halves[2 * end + 1] === halves[2 * start + 1]) end++;
      if (end - start > 1) {
        const run = Array.from(order.subarray(start, end)).sort((a, b) =>
          compareBytes(keyHashOf(a), keyHashOf(b)),
        );
        order.set(run, start);
      }
      start = end;
    }
    const sorted = new Int32Array(count);
    const hashes = new Uint8Array(count * HASH_BYTES);
    for (let i = 0; i < count; i++) {
      const index = order[i]!;
      sorted[i] = -(this.#loadSlots[index]! + 1);
      hashes.set(keyHashOf(index), i * HASH_BYTES);
    }
    return [sorted, hashes];
  }
}

function grown<T extends Int32Array | Uint8Array>(array: T, length: number): T {
  const out = new (array.constructor as new (length: number) => T)(length);
  out.set(array);
  return out;
}

function hashLeafInto(keyHash: Uint8Array, valueHash: Uint8Array, out: Uint8Array, offset: number): void {
  preimage[0] = 0;
  for (let i = 0; i < HASH_BYTES; i++) preimage[1 + i] = keyHash[i]!;
  for (let i = 0; i < HASH_BYTES; i++) preimage[1 + HASH_BYTES + i] = valueHash[i]!;
  sha256Of65Into(preimage, out, offset);
}

/** Order of the 32 bytes at `bytes[at..]` against `hash`. */
function compareAt(bytes: Uint8Array, at: number, hash: Uint8Array): number {
  for (let i = 0; i < HASH_BYTES; i++) {
    const d = bytes[at + i]! - hash[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** First index in [lo, hi) whose key hash has bit `depth` set (the items are sorted by key hash). */
export function splitIndex(
  items: readonly { keyHash: Uint8Array }[],
  lo: number,
  hi: number,
  depth: number,
): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (bitAt(items[mid]!.keyHash, depth) === 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
