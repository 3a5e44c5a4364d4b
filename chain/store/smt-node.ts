// Compact sparse Merkle tree nodes (ICS-23 SmtSpec layout, celestiaorg/smt hashing) and their encodings.
//   leaf  = sha256(0x00 ‖ sha256(key) ‖ sha256(value))
//   inner = sha256(0x01 ‖ left ‖ right), an empty subtree hashes to 32 zero bytes.
// A subtree holding one leaf is that leaf (compact), so a leaf sits at the depth where its key hash first
// differs from every other key's.
import { hash } from "node:crypto";
import { readU64, writeU64 } from "./keys.ts";
import { sha256Of65 } from "./sha256-node-hash.ts";
import { StoreError } from "./types.ts";

export const HASH_BYTES = 32;
export const EMPTY_HASH: Uint8Array = new Uint8Array(HASH_BYTES);
/** Path bits come from a 256-bit key hash; a leaf can sit at depth 0..256. */
export const MAX_DEPTH = 256;

export const KIND_LEAF = 1;
export const KIND_INNER = 2;

/** A pointer to a node: its hash, the version that wrote it, and the node itself when it is an object (the
 * in-memory tree's proof view loads a slot's node on demand instead, smt-tree.ts). */
export interface NodeRef {
  readonly kind: typeof KIND_LEAF | typeof KIND_INNER;
  readonly hash: Uint8Array;
  readonly version: number;
  node: SmtNode | undefined;
}

/** null is the empty subtree. */
export type Child = NodeRef | null;

export interface LeafNode {
  readonly kind: typeof KIND_LEAF;
  readonly keyHash: Uint8Array;
  readonly key: Uint8Array;
  /** Version that wrote the key's current value (not part of any hash): a block's write finds the state-storage
   * history entry it supersedes here, in the leaf it walks to anyway, instead of reading state storage. */
  readonly valueVersion: number;
  /** The leaf's hash, sha256(0x00 ‖ keyHash ‖ valueHash): whether a write changes the value is whether it changes
   * this, so pages store no value hash (format 4). */
  readonly hash: Uint8Array;
}

export interface InnerNode {
  readonly kind: typeof KIND_INNER;
  readonly left: Child;
  readonly right: Child;
}

export type SmtNode = LeafNode | InnerNode;

export function sha256(data: Uint8Array): Uint8Array {
  return hash("sha256", data, "buffer");
}

const leafPreimage = new Uint8Array(1 + 2 * HASH_BYTES);
const innerPreimage = new Uint8Array(1 + 2 * HASH_BYTES);
innerPreimage[0] = 1;

// Node hashes use the fixed-size JS SHA-256 (sha256-node-hash.ts): ~2x less CPU than a node:crypto call for
// 65 bytes, and no ArrayBuffer per digest.
export function hashLeaf(keyHash: Uint8Array, valueHash: Uint8Array): Uint8Array {
  leafPreimage.set(keyHash, 1);
  leafPreimage.set(valueHash, 1 + HASH_BYTES);
  return sha256Of65(leafPreimage);
}

export function hashInner(left: Uint8Array, right: Uint8Array): Uint8Array {
  innerPreimage.set(left, 1);
  innerPreimage.set(right, 1 + HASH_BYTES);
  return sha256Of65(innerPreimage);
}

export function childHash(child: Child): Uint8Array {
  return child === null ? EMPTY_HASH : child.hash;
}

/** Bit `depth` of a key hash, most significant bit first; 1 means right. */
export function bitAt(path: Uint8Array, depth: number): number {
  return (path[depth >>> 3]! >>> (7 - (depth & 7))) & 1;
}

const REF_BYTES = 1 + HASH_BYTES + 8;

function writeRef(out: Uint8Array, offset: number, child: Child): void {
  if (child === null) {
    out[offset] = 0;
    return;
  }
  out[offset] = child.kind;
  out.set(child.hash, offset + 1);
  writeU64(out, offset + 1 + HASH_BYTES, child.version);
}

function readRef(bytes: Uint8Array, offset: number): Child {
  const kind = bytes[offset];
  if (kind === 0) return null;
  if (kind !== KIND_LEAF && kind !== KIND_INNER)
    throw new StoreError("corrupt", `bad SMT child kind ${kind}`);
  return {
    kind,
    hash: bytes.subarray(offset + 1, offset + 1 + HASH_BYTES),
    version: readU64(bytes, offset + 1 + HASH_BYTES),
    node: undefined,
  };
}

export function encodeRef(child: Child): Uint8Array {
  const out = new Uint8Array(child === null ? 1 : REF_BYTES);
  writeRef(out, 0, child);
  return out;
}

export function decodeRef(bytes: Uint8Array): Child {
  return readRef(bytes, 0);
}
