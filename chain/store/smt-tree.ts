// One module store's compact SMT held in memory (format 5): the latest version and a window of recent ones, in
// typed-array slots (smt-arena.ts). Same hashing and shape as ever (ICS-23 SmtSpec, history independent, README).
// A block's writes are applied in one bottom-up pass over the changes sorted by key hash (as smt-update.ts does
// with node objects); new nodes go to fresh slots (path copying), so every node reachable from a committed root
// stays as it is. A node replaced at version v is reachable only from versions < v: its slot is freed once no
// retained version is below v.
import { compareBytes } from "./bytes.ts";
import { sha256Of65Into } from "./sha256-node-hash.ts";
import { EMPTY_REF, innerSlot, isLeafRef, leafSlot, NodeArena } from "./smt-arena.ts";
import {
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
import { PREVIOUS_ABSENT, PREVIOUS_UNCHANGED, type SmtChange } from "./smt-update.ts";
import { StoreError } from "./types.ts";

/** Committed versions whose trees stay in memory for proofs (latest included), by default. Each costs the nodes a
 * block replaced: ~20,000 slots (~1 MB) for a block of 2,000 writes at 10^6 keys. */
export const DEFAULT_RETAINED_VERSIONS = 32;

/** Prepared but not committed updates kept valid at once: a proposer may prepare a block and drop it (another
 * round); the oldest one's slots are freed past this, and committing it then throws. */
const MAX_OUTSTANDING_PREPARES = 4;

const preimage = new Uint8Array(1 + 2 * HASH_BYTES);
const leafHashScratch = new Uint8Array(HASH_BYTES);

export interface PreparedTree {
  readonly root: number;
  readonly version: number;
  /** The root record's value (smt-node.ts encodeRef: kind ‖ hash ‖ u64 version). */
  readonly rootRecord: Uint8Array;
  readonly rootHash: Uint8Array;
}

class PreparedUpdate implements PreparedTree {
  readonly root: number;
  readonly version: number;
  readonly rootRecord: Uint8Array;
  readonly rootHash: Uint8Array;
  readonly newInner: number[];
  readonly newLeaves: number[];
  readonly replacedInner: number[];
  readonly replacedLeaves: number[];
  discarded = false;

  constructor(fields: Omit<PreparedUpdate, "discarded" | "rootRecord" | "rootHash">, arena: NodeArena) {
    this.root = fields.root;
    this.version = fields.version;
    this.newInner = fields.newInner;
    this.newLeaves = fields.newLeaves;
    this.replacedInner = fields.replacedInner;
    this.replacedLeaves = fields.replacedLeaves;
    this.rootHash = arena.hash(fields.root);
    this.rootRecord = rootRecord(fields.root, this.rootHash, fields.version);
  }
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
  /** Slots replaced at each committed version (ascending), freed once no retained version is below it. */
  readonly #replaced = new Map<number, { inner: number[]; leaves: number[] }>();
  readonly #outstanding: PreparedUpdate[] = [];

  // The update in progress.
  #changes: readonly SmtChange[] = [];
  #version = 0;
  #createdInner: number[] = [];
  #createdLeaves: number[] = [];
  #replacedInner: number[] = [];
  #replacedLeaves: number[] = [];

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
    this.#createdInner = [];
    this.#createdLeaves = [];
    this.#replacedInner = [];
    this.#replacedLeaves = [];
    let root: number;
    try {
      root = this.#update(this.#root, 0, 0, changes.length);
    } catch (error) {
      for (const slot of this.#createdInner) this.#arena.freeInner(slot);
      for (const slot of this.#createdLeaves) this.#arena.freeLeaf(slot);
      throw error;
    } finally {
      this.#changes = [];
    }
    const prepared = new PreparedUpdate(
      {
        root,
        version,
        newInner: this.#createdInner,
        newLeaves: this.#createdLeaves,
        replacedInner: this.#replacedInner,
        replacedLeaves: this.#replacedLeaves,
      },
      this.#arena,
    );
    this.#outstanding.push(prepared);
    return prepared;
  }

  /** Whether commit(prepared) would take it: not dropped since (by a later commit or too many prepares). */
  committable(prepared: PreparedTree): prepared is PreparedUpdate {
    return prepared instanceof PreparedUpdate && !prepared.discarded && this.#outstanding.includes(prepared);
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

  /** Sets the latest committed version's tree from `leaves` (leaf slots from addLeaf, any order): at open. */
  commitLoaded(leaves: Int32Array, count: number, version: number): void {
    if (this.#root !== EMPTY_REF || this.#retained.size > 0)
      throw new Error("commitLoaded needs an empty tree");
    const sorted = this.#sortLeaves(leaves, count);
    this.#version = version;
    this.#createdInner = [];
    this.#root = this.#build(0, sorted, 0, sorted.length);
    this.#createdInner = [];
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
  addLeaf(key: Uint8Array, keyHash: Uint8Array, valueHash: Uint8Array, valueVersion: number): number {
    const slot = this.#arena.allocLeaf(valueVersion, key, -1);
    const hashes = this.#arena.leafHashArray(slot);
    const at = this.#arena.leafHashOffset(slot);
    hashes.set(keyHash, at + HASH_BYTES);
    preimage[0] = 0;
    preimage.set(keyHash, 1);
    preimage.set(valueHash, 1 + HASH_BYTES);
    sha256Of65Into(preimage, hashes, at);
    return slot;
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
      const hashes = arena.leafHashArray(slot);
      return {
        kind: KIND_LEAF,
        hash: hashes.slice(at, at + HASH_BYTES),
        keyHash: hashes.slice(at + HASH_BYTES, at + 2 * HASH_BYTES),
        key: arena.key(slot),
        valueVersion: arena.valueVersion(slot),
      };
    }
    const slot = innerSlot(ref);
    return { kind: KIND_INNER, left: this.#refOf(arena.left(slot)), right: this.#refOf(arena.right(slot)) };
  }

  #discard(prepared: PreparedUpdate): void {
    prepared.discarded = true;
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

  // The batched update (the same steps as smt-update.ts, on slots).

  #update(ref: number, depth: number, lo: number, hi: number): number {
    if (lo >= hi) return ref;
    if (ref === EMPTY_REF) return this.#insertAll(depth, lo, hi);
    if (isLeafRef(ref)) return this.#updateLeaf(ref, depth, lo, hi);
    const slot = innerSlot(ref);
    const left = this.#arena.left(slot);
    const right = this.#arena.right(slot);
    const mid = splitChanges(this.#changes, lo, hi, depth);
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
    for (let i = lo; i < hi; i++) {
      const change = this.#changes[i]!;
      if (change.valueHash === null) change.previous = PREVIOUS_UNCHANGED;
      else {
        change.previous = PREVIOUS_ABSENT;
        leaves.push(this.#newLeaf(change, -1));
      }
    }
    return this.#build(depth, leaves, 0, leaves.length);
  }

  #updateLeaf(ref: number, depth: number, lo: number, hi: number): number {
    const arena = this.#arena;
    const existing = leafSlot(ref);
    const hashes = arena.leafHashArray(existing);
    const at = arena.leafHashOffset(existing);
    const leaves: number[] = [];
    let existingPlaced = false;
    let unchanged = true;
    let replaced = false;
    for (let i = lo; i < hi; i++) {
      const change = this.#changes[i]!;
      const order = compareAt(hashes, at + HASH_BYTES, change.keyHash);
      if (!existingPlaced && order < 0) {
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
            leaves.push(ref);
            continue;
          }
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
      leaves.push(this.#newLeaf(change, -1));
      unchanged = false;
    }
    if (!existingPlaced) leaves.push(ref);
    if (unchanged) return ref;
    if (replaced) this.#replacedLeaves.push(existing);
    return this.#build(depth, leaves, 0, leaves.length);
  }

  /** Subtree of leaf refs `leaves[lo..hi)` (sorted, distinct key hashes) rooted at `depth`. */
  #build(depth: number, leaves: readonly number[] | Int32Array, lo: number, hi: number): number {
    if (lo >= hi) return EMPTY_REF;
    if (hi - lo === 1) return leaves[lo]!;
    if (depth >= MAX_DEPTH) throw new Error("SMT: two distinct keys with the same key hash");
    // First leaf whose key hash has bit `depth` set.
    const arena = this.#arena;
    const byte = HASH_BYTES + (depth >>> 3);
    const shift = 7 - (depth & 7);
    let low = lo;
    let high = hi;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const slot = leafSlot(leaves[mid]!);
      if (((arena.leafHashArray(slot)[arena.leafHashOffset(slot) + byte]! >>> shift) & 1) === 0)
        low = mid + 1;
      else high = mid;
    }
    return this.#newInner(this.#build(depth + 1, leaves, lo, low), this.#build(depth + 1, leaves, low, hi));
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
    hashes.set(change.keyHash, at + HASH_BYTES);
    this.#createdLeaves.push(slot);
    return -(slot + 1);
  }

  /** `leaves[0..count)` as leaf refs sorted by key hash: by the first 4 key-hash bytes in one typed-array sort
   * (high word ‖ slot as u64), then runs with equal first words by full comparison. */
  #sortLeaves(leaves: Int32Array, count: number): Int32Array {
    const arena = this.#arena;
    const words = new BigUint64Array(count);
    const halves = new Uint32Array(words.buffer);
    for (let i = 0; i < count; i++) {
      const slot = leaves[i]!;
      const hashes = arena.leafHashArray(slot);
      const at = arena.leafHashOffset(slot) + HASH_BYTES;
      halves[2 * i] = slot;
      halves[2 * i + 1] =
        ((hashes[at]! << 24) | (hashes[at + 1]! << 16) | (hashes[at + 2]! << 8) | hashes[at + 3]!) >>> 0;
    }
    words.sort();
    const sorted = new Int32Array(count);
    for (let i = 0; i < count; i++) sorted[i] = halves[2 * i]!;
    const keyHashOf = (slot: number): Uint8Array => {
      const at = arena.leafHashOffset(slot) + HASH_BYTES;
      return arena.leafHashArray(slot).subarray(at, at + HASH_BYTES);
    };
    for (let start = 0; start < count; ) {
      let end = start + 1;
      while (end < count && halves[2 * end + 1] === halves[2 * start + 1]) end++;
      if (end - start > 1) {
        const run = Array.from(sorted.subarray(start, end)).sort((a, b) =>
          compareBytes(keyHashOf(a), keyHashOf(b)),
        );
        sorted.set(run, start);
      }
      start = end;
    }
    for (let i = 0; i < count; i++) sorted[i] = -(sorted[i]! + 1);
    return sorted;
  }
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

/** First index in [lo, hi) whose key hash has bit `depth` set (the changes are sorted). */
function splitChanges(changes: readonly SmtChange[], lo: number, hi: number, depth: number): number {
  const byte = depth >>> 3;
  const shift = 7 - (depth & 7);
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (((changes[mid]!.keyHash[byte]! >>> shift) & 1) === 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
