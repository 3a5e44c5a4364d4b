// On-disk grouping of the binary SMT into pages (as JMT groups 4 binary levels into one 16-ary node): a page
// holds the binary subtree under a position at a depth d that is a multiple of PAGE_LEVELS, down to depth
// d + PAGE_LEVELS. Inner nodes at d + PAGE_LEVELS are the roots of their own pages and appear only as a
// reference; leaves are always stored inside the page above them. Hashes are those of the binary tree (nothing
// about hashing or proofs changes); one block then writes ~log16(n) records per key instead of ~log2(n).
//
// Page value, preorder from the page root (relative depth r = 0):
//   empty subtree                      00
//   leaf                               01 ‖ hash(32) ‖ u64 value version ‖ u32 key length ‖ key
//                                      (no key or value hash: the key hash is sha256(key), computed when a walk
//                                      needs it; a write compares leaf hashes, not value hashes)
//   inner node, r < PAGE_LEVELS        02 ‖ hash(32) ‖ left ‖ right
//   inner node, r = PAGE_LEVELS        03 ‖ hash(32) ‖ u64 version that wrote its page
import { readU64, writeU64 } from "./keys.ts";
import { sha256Of } from "./sha256-node-hash.ts";
import {
  type Child,
  HASH_BYTES,
  type InnerNode,
  KIND_INNER,
  KIND_LEAF,
  type LeafNode,
  type NodeRef,
  type SmtNode,
} from "./smt-node.ts";
import { StoreError } from "./types.ts";

/** Binary levels per page: 4 makes a page a 16-ary node, as in JMT. */
export const PAGE_LEVELS = 3;

const TAG_EMPTY = 0;
const TAG_LEAF = 1;
const TAG_INNER = 2;
const TAG_PAGE_REF = 3;

/** Whether the node at (ref, depth) is stored as a page of its own (else it lives inside its parent's page). */
export function isPageRoot(ref: NodeRef, depth: number): boolean {
  return depth === 0 || (depth % PAGE_LEVELS === 0 && ref.kind === KIND_INNER);
}

/** Upper bound of a page's size without its leaves' keys: 2^PAGE_LEVELS leaves or page refs plus the inner
 * nodes above them. */
const PAGE_FIXED_BYTES_MAX = (2 << PAGE_LEVELS) * (1 + HASH_BYTES + 8 + 4);

/** Leaf entry bytes before its key: tag, hash, value version, key length. */
const LEAF_HEADER_BYTES = 1 + HASH_BYTES + 8 + 4;

/** Offsets inside a leaf entry (from its tag). */
const LEAF_HASH_AT = 1;
const LEAF_VALUE_VERSION_AT = 1 + HASH_BYTES;
const LEAF_KEY_LENGTH_AT = 1 + HASH_BYTES + 8;

/** A leaf decoded from a page, read lazily: a write touches one leaf of a page and re-encodes the others as
 * they were, so those are copied as bytes and never split into fields (fewer objects per page read). */
export class StoredLeaf implements LeafNode {
  readonly kind = KIND_LEAF;
  /** The page bytes and the leaf entry's [start, end) in them. */
  readonly #bytes: Uint8Array;
  readonly start: number;
  readonly end: number;
  #keyHash: Uint8Array | undefined;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.start = start;
    this.end = end;
  }

  /** sha256(key), computed once when a walk compares it (the leaf on a write's path, proofs). */
  get keyHash(): Uint8Array {
    this.#keyHash ??= sha256Of(this.key);
    return this.#keyHash;
  }

  get hash(): Uint8Array {
    const at = this.start + LEAF_HASH_AT;
    return this.#bytes.subarray(at, at + HASH_BYTES);
  }

  get valueVersion(): number {
    return readU64(this.#bytes, this.start + LEAF_VALUE_VERSION_AT);
  }

  get key(): Uint8Array {
    return this.#bytes.subarray(this.start + LEAF_HEADER_BYTES, this.end);
  }

  /** Copies the leaf's entry into `out` at `offset`. */
  copyEntry(out: Uint8Array, offset: number): void {
    const bytes = this.#bytes;
    for (let i = this.start, o = offset; i < this.end; i++, o++) out[o] = bytes[i]!;
  }
}

/** A ref decoded from a page: its hash stays in the page bytes until someone asks for it as an array. A write
 * re-encodes the ~15 entries of each page it touches but changes only the nodes on its path: an unchanged entry
 * (a StoredRef is never modified: a change makes a new ref) is copied back as the bytes of its whole subtree,
 * which preorder keeps contiguous, without walking its nodes. */
export class StoredRef implements NodeRef {
  readonly kind: typeof KIND_LEAF | typeof KIND_INNER;
  readonly version: number;
  readonly #bytes: Uint8Array;
  /** The entry's [start, end) in the page bytes: its tag to the end of its subtree. */
  readonly #start: number;
  readonly end: number;
  /** Its depth and its page's bottom depth (for decoding an inner node's children). */
  readonly #at: number;
  readonly #bottom: number;
  #hash: Uint8Array | undefined;
  /** A leaf or inner node of the page is decoded when first asked for; a child page's root stays undefined until
   * loaded (smt.ts sets it). */
  #node: SmtNode | undefined;

  constructor(
    kind: typeof KIND_LEAF | typeof KIND_INNER,
    bytes: Uint8Array,
    start: number,
    end: number,
    version: number,
    at: number,
    bottom: number,
  ) {
    this.kind = kind;
    this.#bytes = bytes;
    this.#start = start;
    this.end = end;
    this.version = version;
    this.#at = at;
    this.#bottom = bottom;
  }

  get node(): SmtNode | undefined {
    if (this.#node === undefined) {
      const tag = this.#bytes[this.#start];
      if (tag === TAG_LEAF) this.#node = new StoredLeaf(this.#bytes, this.#start, this.end);
      else if (tag === TAG_INNER)
        this.#node = new StoredInner(
          this.#bytes,
          this.#start + 1 + HASH_BYTES,
          this.#at + 1,
          this.#bottom,
          this.version,
        );
    }
    return this.#node;
  }

  set node(node: SmtNode | undefined) {
    this.#node = node;
  }

  get entryBytes(): number {
    return this.end - this.#start;
  }

  /** Copies the entry with its subtree into `out` at `offset`. */
  copyEntry(out: Uint8Array, offset: number): void {
    copyRange(this.#bytes, this.#start, this.end, out, offset);
  }

  get hash(): Uint8Array {
    const at = this.#start + 1;
    this.#hash ??= this.#bytes.subarray(at, at + HASH_BYTES);
    return this.#hash;
  }

  /** Copies the hash into `out` at `offset`. */
  copyHash(out: Uint8Array, offset: number): void {
    const bytes = this.#bytes;
    for (let i = 0, from = this.#start + 1; i < HASH_BYTES; i++) out[offset + i] = bytes[from + i]!;
  }
}

/** Ranges at least this long are copied with TypedArray#set (a view and a memcpy), shorter ones in a loop. */
const SET_COPY_MIN_BYTES = 96;

function copyRange(from: Uint8Array, start: number, end: number, out: Uint8Array, offset: number): void {
  if (end - start >= SET_COPY_MIN_BYTES) out.set(from.subarray(start, end), offset);
  else for (let i = start, o = offset; i < end; i++, o++) out[o] = from[i]!;
}

/** Encoding scratch, reused for every page (grown if a page holds long keys). */
let scratch = Buffer.allocUnsafe(PAGE_FIXED_BYTES_MAX * 4);

function ensureScratch(bytes: number): void {
  if (bytes > scratch.length) scratch = Buffer.allocUnsafe(Math.max(bytes, scratch.length * 2));
}

/** A page written at `version` that must be collected too (a new child page). */
export interface ChildPage {
  readonly ref: NodeRef;
  /** Its path: the first `depth` bits are its position. */
  readonly path: Uint8Array;
}

/** First capacity of a PageStack's paths, pages (it doubles as needed). */
const PAGE_STACK_INITIAL = 64;

/** New pages still to encode, as a stack in flat arrays: a block writes a few new pages per write, and an object
 * and a path array each were ~1 KB of garbage per write. */
class PageStack {
  readonly refs: NodeRef[] = [];
  readonly depths: number[] = [];
  #paths = new Uint8Array(PAGE_STACK_INITIAL * HASH_BYTES);

  push(ref: NodeRef, depth: number, path: Uint8Array): void {
    const at = this.refs.length * HASH_BYTES;
    if (at + HASH_BYTES > this.#paths.length) {
      const grown = new Uint8Array(this.#paths.length * 2);
      grown.set(this.#paths);
      this.#paths = grown;
    }
    for (let i = 0; i < HASH_BYTES; i++) this.#paths[at + i] = path[i]!;
    this.refs.push(ref);
    this.depths.push(depth);
  }

  /** Path of entry `index`, copied into `out`. */
  pathInto(index: number, out: Uint8Array): void {
    const at = index * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) out[i] = this.#paths[at + i]!;
  }
}

function nodeOf(ref: NodeRef): SmtNode {
  if (ref.node === undefined) throw new Error("SMT page: a node inside a page being written is not loaded");
  return ref.node;
}

/** State of the page being encoded (module-level so that the recursion allocates no closures). */
let encodeOffset = 0;
let encodeBottom = 0;
let encodeVersion = 0;
/** Path bits of the entry being encoded (a copy of the page's path, modified in place; only child pages keep one). */
const encodePath = new Uint8Array(HASH_BYTES);
/** Where new child pages (written at encodeVersion) go. */
let encodeChildren = new PageStack();

function writeHash(hash: Uint8Array, at: number): void {
  // A loop: TypedArray#set costs more than copying 32 bytes (measured in the page encoding's profile).
  for (let i = 0; i < HASH_BYTES; i++) scratch[at + i] = hash[i]!;
}

/** Writes a ref's hash at `at` (from its page bytes when it was decoded from one). */
function writeRefHash(ref: NodeRef, at: number): void {
  if (ref instanceof StoredRef) ref.copyHash(scratch, at);
  else writeHash(ref.hash, at);
}

function writeEntry(child: Child, at: number): void {
  ensureScratch(encodeOffset + PAGE_FIXED_BYTES_MAX);
  if (child === null) {
    scratch[encodeOffset++] = TAG_EMPTY;
    return;
  }
  if (child.kind === KIND_INNER && at === encodeBottom) {
    scratch[encodeOffset] = TAG_PAGE_REF;
    writeRefHash(child, encodeOffset + 1);
    writeU64(scratch, encodeOffset + 1 + HASH_BYTES, child.version);
    encodeOffset += 1 + HASH_BYTES + 8;
    if (child.version === encodeVersion) encodeChildren.push(child, at, encodePath);
    return;
  }
  if (child instanceof StoredRef) {
    ensureScratch(encodeOffset + child.entryBytes);
    child.copyEntry(scratch, encodeOffset);
    encodeOffset += child.entryBytes;
    return;
  }
  const node = nodeOf(child);
  if (node instanceof StoredLeaf) {
    ensureScratch(encodeOffset + node.end - node.start);
    node.copyEntry(scratch, encodeOffset);
    encodeOffset += node.end - node.start;
    return;
  }
  if (node.kind === KIND_LEAF) {
    const start = encodeOffset;
    ensureScratch(start + LEAF_HEADER_BYTES + node.key.length);
    scratch[start] = TAG_LEAF;
    writeRefHash(child, start + LEAF_HASH_AT);
    writeU64(scratch, start + LEAF_VALUE_VERSION_AT, node.valueVersion);
    scratch.writeUInt32BE(node.key.length, start + LEAF_KEY_LENGTH_AT);
    scratch.set(node.key, start + LEAF_HEADER_BYTES);
    encodeOffset = start + LEAF_HEADER_BYTES + node.key.length;
    return;
  }
  scratch[encodeOffset] = TAG_INNER;
  writeRefHash(child, encodeOffset + 1);
  encodeOffset += 1 + HASH_BYTES;
  const byteIndex = at >>> 3;
  const mask = 0x80 >>> (at & 7);
  const saved = encodePath[byteIndex]!;
  encodePath[byteIndex] = saved & ~mask;
  writeEntry(node.left, at + 1);
  encodePath[byteIndex] = saved | mask;
  writeEntry(node.right, at + 1);
  encodePath[byteIndex] = saved;
}

/** Encodes the page rooted at `root` (depth `depth`, position bits in `path`); new child pages (written at
 * `version`) are appended to `children`. Returns a copy of the bytes. */
export function encodePage(
  root: NodeRef,
  depth: number,
  path: Uint8Array,
  version: number,
  children: ChildPage[],
): Uint8Array {
  const stack = new PageStack();
  const bytes = encodeInto(root, depth, path, version, stack);
  for (let i = 0; i < stack.refs.length; i++) {
    const childPath = new Uint8Array(HASH_BYTES);
    stack.pathInto(i, childPath);
    children.push({ ref: stack.refs[i]!, path: childPath });
  }
  return bytes;
}

/** encodePage, pushing the new child pages onto `stack`. */
function encodeInto(
  root: NodeRef,
  depth: number,
  path: Uint8Array,
  version: number,
  stack: PageStack,
): Uint8Array {
  encodeOffset = 0;
  encodeBottom = depth + PAGE_LEVELS;
  encodeVersion = version;
  for (let i = 0; i < HASH_BYTES; i++) encodePath[i] = path[i] ?? 0;
  encodeChildren = stack;
  writeEntry(root, depth);
  // Pages are short-lived batch values: a pooled Buffer copy is far cheaper than a fresh ArrayBuffer each.
  const out = Buffer.allocUnsafe(encodeOffset);
  scratch.copy(out, 0, 0, encodeOffset);
  return out;
}

/** End offset of the entry at `offset` (relative depth given by `at` against the page's `bottom`): the page's
 * structure is checked here, once per page read, without allocating; entries are then decoded where walked. */
function skipEntry(bytes: Uint8Array, offset: number, at: number, bottom: number): number {
  if (offset >= bytes.length) throw new StoreError("corrupt", "truncated SMT page");
  const tag = bytes[offset]!;
  if (tag === TAG_EMPTY) return offset + 1;
  const afterHash = offset + 1 + HASH_BYTES;
  if (afterHash > bytes.length) throw new StoreError("corrupt", "truncated SMT page");
  if (tag === TAG_PAGE_REF && at === bottom) {
    if (afterHash + 8 > bytes.length) throw new StoreError("corrupt", "truncated SMT page");
    return afterHash + 8;
  }
  if (tag === TAG_LEAF) {
    const lengthAt = afterHash + 8;
    if (lengthAt + 4 > bytes.length) throw new StoreError("corrupt", "truncated SMT page");
    const keyLength =
      ((bytes[lengthAt]! << 24) |
        (bytes[lengthAt + 1]! << 16) |
        (bytes[lengthAt + 2]! << 8) |
        bytes[lengthAt + 3]!) >>>
      0;
    const end = lengthAt + 4 + keyLength;
    if (end > bytes.length) throw new StoreError("corrupt", "truncated SMT page");
    return end;
  }
  if (tag === TAG_INNER && at < bottom)
    return skipEntry(bytes, skipEntry(bytes, afterHash, at + 1, bottom), at + 1, bottom);
  throw new StoreError("corrupt", `bad SMT page entry ${tag} at depth ${at}`);
}

/** The entry at `offset` of a checked page (skipEntry) as a ref; its node is decoded when first asked for. */
function entryAt(bytes: Uint8Array, offset: number, at: number, bottom: number, version: number): Child {
  const tag = bytes[offset]!;
  if (tag === TAG_EMPTY) return null;
  const end = skipEntry(bytes, offset, at, bottom);
  if (tag === TAG_PAGE_REF)
    return new StoredRef(KIND_INNER, bytes, offset, end, readU64(bytes, offset + 1 + HASH_BYTES), at, bottom);
  return new StoredRef(tag === TAG_LEAF ? KIND_LEAF : KIND_INNER, bytes, offset, end, version, at, bottom);
}

/** An inner node inside a page, decoded lazily: a write walks one path through a page of up to 15 entries, so
 * only the nodes on it and their siblings' refs become objects; the rest is copied back as bytes (StoredRef). */
class StoredInner implements InnerNode {
  readonly kind = KIND_INNER;
  readonly #bytes: Uint8Array;
  /** Offset of the left child's entry (right after this node's tag and hash), and the children's depth. */
  readonly #childrenAt: number;
  readonly #at: number;
  readonly #bottom: number;
  readonly #version: number;
  /** Decoded children (null is an empty subtree), undefined until asked for. */
  #left: Child | undefined;
  #right: Child | undefined;

  constructor(bytes: Uint8Array, childrenAt: number, at: number, bottom: number, version: number) {
    this.#bytes = bytes;
    this.#childrenAt = childrenAt;
    this.#at = at;
    this.#bottom = bottom;
    this.#version = version;
  }

  get left(): Child {
    if (this.#left === undefined)
      this.#left = entryAt(this.#bytes, this.#childrenAt, this.#at, this.#bottom, this.#version);
    return this.#left;
  }

  get right(): Child {
    if (this.#right === undefined) {
      const left = this.left;
      const rightAt = left === null ? this.#childrenAt + 1 : (left as StoredRef).end;
      this.#right = entryAt(this.#bytes, rightAt, this.#at, this.#bottom, this.#version);
    }
    return this.#right;
  }
}

/** Decodes a page written at `version` whose root sits at `depth`: the root node, whose nodes inside the page
 * decode when walked (so walks inside the page need no reads) and whose child pages are left unloaded. */
export function decodePage(bytes: Uint8Array, version: number, depth: number): SmtNode {
  // A plain Uint8Array view: subarrays of a Buffer are built through its species constructor, several times
  // slower, and hashes and keys are read as subarrays.
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bottom = depth + PAGE_LEVELS;
  if (skipEntry(view, 0, depth, bottom) !== view.length)
    throw new StoreError("corrupt", "malformed SMT page");
  const root = entryAt(view, 0, depth, bottom, version);
  const node = root?.node;
  if (node === undefined) throw new StoreError("corrupt", "malformed SMT page");
  return node;
}

/** Visits every page written at `version` under `root` (parents before children) with its encoding; `path` is
 * reused for the next page once visit returns. */
export function collectNewPages(
  root: Child,
  version: number,
  visit: (ref: NodeRef, depth: number, path: Uint8Array, page: Uint8Array) => void,
): void {
  if (root === null || root.version !== version) return;
  // Popped last first, its children pushed while it is encoded: parents before children, as visit needs.
  const stack = new PageStack();
  const path = new Uint8Array(HASH_BYTES);
  stack.push(root, 0, path);
  while (stack.refs.length > 0) {
    const top = stack.refs.length - 1;
    stack.pathInto(top, path);
    const ref = stack.refs.pop()!;
    const depth = stack.depths.pop()!;
    const bytes = encodeInto(ref, depth, path, version, stack);
    visit(ref, depth, path, bytes);
  }
}
