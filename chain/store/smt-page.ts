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
 * re-encodes the ~15 entries of each page it touches but needs the hash arrays of only the siblings on its path,
 * so the others are copied byte for byte (a page read allocates ~15 fewer views). */
export class StoredRef implements NodeRef {
  readonly kind: typeof KIND_LEAF | typeof KIND_INNER;
  readonly version: number;
  node: SmtNode | undefined;
  readonly #bytes: Uint8Array;
  readonly #hashAt: number;
  #hash: Uint8Array | undefined;

  constructor(
    kind: typeof KIND_LEAF | typeof KIND_INNER,
    bytes: Uint8Array,
    hashAt: number,
    version: number,
    node: SmtNode | undefined,
  ) {
    this.kind = kind;
    this.#bytes = bytes;
    this.#hashAt = hashAt;
    this.version = version;
    this.node = node;
  }

  get hash(): Uint8Array {
    this.#hash ??= this.#bytes.subarray(this.#hashAt, this.#hashAt + HASH_BYTES);
    return this.#hash;
  }

  /** Copies the hash into `out` at `offset`. */
  copyHash(out: Uint8Array, offset: number): void {
    const bytes = this.#bytes;
    for (let i = 0, from = this.#hashAt; i < HASH_BYTES; i++) out[offset + i] = bytes[from + i]!;
  }
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
let encodeChildren: ChildPage[] = [];

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
    if (child.version === encodeVersion)
      encodeChildren.push({ ref: child, path: new Uint8Array(encodePath) });
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
  encodeOffset = 0;
  encodeBottom = depth + PAGE_LEVELS;
  encodeVersion = version;
  for (let i = 0; i < HASH_BYTES; i++) encodePath[i] = path[i] ?? 0;
  encodeChildren = children;
  writeEntry(root, depth);
  // Pages are short-lived batch values: a pooled Buffer copy is far cheaper than a fresh ArrayBuffer each.
  const out = Buffer.allocUnsafe(encodeOffset);
  scratch.copy(out, 0, 0, encodeOffset);
  encodeChildren = [];
  return out;
}

/** State of the page being decoded (module-level, as for encoding: no closures per page). */
let decodeBytes: Uint8Array = new Uint8Array(0);
let decodeOffset = 0;
let decodeBottom = 0;
let decodeVersion = 0;

function need(length: number): void {
  if (decodeOffset + length > decodeBytes.length) throw new StoreError("corrupt", "truncated SMT page");
}

function readEntry(at: number): Child {
  const bytes = decodeBytes;
  need(1);
  const tag = bytes[decodeOffset]!;
  if (tag === TAG_EMPTY) {
    decodeOffset++;
    return null;
  }
  need(1 + HASH_BYTES);
  const entryStart = decodeOffset;
  const hashAt = entryStart + 1;
  let offset = hashAt + HASH_BYTES;
  decodeOffset = offset;
  if (tag === TAG_PAGE_REF && at === decodeBottom) {
    need(8);
    decodeOffset = offset + 8;
    return new StoredRef(KIND_INNER, bytes, hashAt, readU64(bytes, offset), undefined);
  }
  if (tag === TAG_LEAF) {
    need(8 + 4);
    offset += 8;
    const keyLength =
      ((bytes[offset]! << 24) |
        (bytes[offset + 1]! << 16) |
        (bytes[offset + 2]! << 8) |
        bytes[offset + 3]!) >>>
      0;
    decodeOffset = offset + 4;
    need(keyLength);
    decodeOffset += keyLength;
    const leaf = new StoredLeaf(bytes, entryStart, decodeOffset);
    return new StoredRef(KIND_LEAF, bytes, hashAt, decodeVersion, leaf);
  }
  if (tag === TAG_INNER && at < decodeBottom) {
    const left = readEntry(at + 1);
    const right = readEntry(at + 1);
    const inner: InnerNode = { kind: KIND_INNER, left, right };
    return new StoredRef(KIND_INNER, bytes, hashAt, decodeVersion, inner);
  }
  throw new StoreError("corrupt", `bad SMT page entry ${tag} at depth ${at}`);
}

/** Decodes a page written at `version` whose root sits at `depth`: the root node, with every node inside the
 * page attached to its ref (so walks inside the page need no reads) and child pages left unloaded. */
export function decodePage(bytes: Uint8Array, version: number, depth: number): SmtNode {
  // A plain Uint8Array view: subarrays of a Buffer are built through its species constructor, several times
  // slower, and a page decodes into ~4 subarrays per leaf.
  decodeBytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  decodeOffset = 0;
  decodeBottom = depth + PAGE_LEVELS;
  decodeVersion = version;
  const root = readEntry(depth);
  const complete = decodeOffset === bytes.length;
  decodeBytes = new Uint8Array(0);
  if (root === null || !complete || root.node === undefined)
    throw new StoreError("corrupt", "malformed SMT page");
  return root.node;
}

/** Visits every page written at `version` under `root` (parents before children) with its encoding. */
export function collectNewPages(
  root: Child,
  version: number,
  visit: (ref: NodeRef, depth: number, path: Uint8Array, page: Uint8Array) => void,
): void {
  if (root === null || root.version !== version) return;
  const pending: { ref: NodeRef; depth: number; path: Uint8Array }[] = [
    { ref: root, depth: 0, path: new Uint8Array(HASH_BYTES) },
  ];
  const children: ChildPage[] = [];
  while (pending.length > 0) {
    const page = pending.pop()!;
    children.length = 0;
    const bytes = encodePage(page.ref, page.depth, page.path, version, children);
    visit(page.ref, page.depth, page.path, bytes);
    for (const child of children)
      pending.push({ ref: child.ref, depth: page.depth + PAGE_LEVELS, path: child.path });
  }
}
