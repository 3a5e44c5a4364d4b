// CometBFT's simple Merkle tree (crypto/merkle, RFC 6962 §2.1): leaves are sha256(0x00 ‖ item),
// inner nodes sha256(0x01 ‖ left ‖ right), the split is at the largest power of two below n, and the
// empty tree hashes to sha256(""). Headers, part sets, validator sets and meter days all use it.
import { bytesEqual, concatBytes, sha256 } from "./bytes.ts";

const LEAF_PREFIX = Uint8Array.of(0);
const INNER_PREFIX = Uint8Array.of(1);
/** crypto/merkle MaxAunts: a proof deeper than 100 levels would need 2^100 leaves, so it is forged. */
export const MAX_MERKLE_AUNTS = 100;

export function emptyHash(): Uint8Array {
  return sha256(new Uint8Array(0));
}

/** Preimages up to this many bytes are built in one reused array (sha256 keeps nothing of its input):
 * a tree hashed a fresh 33- and 65-byte array per node (the 65-byte ones outside the V8 heap). */
const SCRATCH_PREIMAGE_BYTES = 1 + 128;
const scratch = new Uint8Array(SCRATCH_PREIMAGE_BYTES);

export function leafHash(item: Uint8Array): Uint8Array {
  if (item.length + 1 > SCRATCH_PREIMAGE_BYTES) return sha256(concatBytes(LEAF_PREFIX, item));
  scratch[0] = 0;
  scratch.set(item, 1);
  return sha256(scratch.subarray(0, 1 + item.length));
}

export function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (1 + left.length + right.length > SCRATCH_PREIMAGE_BYTES)
    return sha256(concatBytes(INNER_PREFIX, left, right));
  scratch[0] = 1;
  scratch.set(left, 1);
  scratch.set(right, 1 + left.length);
  return sha256(scratch.subarray(0, 1 + left.length + right.length));
}

/** Largest power of two strictly less than `length` (length ≥ 2). */
export function splitPoint(length: number): number {
  if (length < 2) throw new RangeError(`merkle split of ${length} items`);
  let k = 1;
  while (k * 2 < length) k *= 2;
  return k;
}

/** merkle.HashFromByteSlices. */
export function hashFromByteSlices(items: readonly Uint8Array[]): Uint8Array {
  return hashRange(items, 0, items.length);
}

function hashRange(items: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 0) return emptyHash();
  if (n === 1) return leafHash(items[start]!);
  const k = splitPoint(n);
  return innerHash(hashRange(items, start, start + k), hashRange(items, start + k, end));
}

/** merkle.Proof: `aunts` run from the leaf's sibling up to the root's child. */
export interface MerkleProof {
  total: number;
  index: number;
  leafHash: Uint8Array;
  aunts: Uint8Array[];
}

/** merkle.ProofsFromByteSlices: the root and one proof per item. */
export function proofsFromByteSlices(items: readonly Uint8Array[]): {
  root: Uint8Array;
  proofs: MerkleProof[];
} {
  if (items.length === 0) return { root: emptyHash(), proofs: [] };
  const leaves = items.map(leafHash);
  const aunts: Uint8Array[][] = items.map(() => []);
  const root = buildTrails(leaves, aunts, 0, leaves.length);
  const proofs = leaves.map((hash, index) => ({
    total: items.length,
    index,
    leafHash: hash,
    aunts: aunts[index]!,
  }));
  return { root, proofs };
}

function buildTrails(leaves: Uint8Array[], aunts: Uint8Array[][], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leaves[start]!;
  const k = splitPoint(n);
  const left = buildTrails(leaves, aunts, start, start + k);
  const right = buildTrails(leaves, aunts, start + k, end);
  for (let i = start; i < start + k; i++) aunts[i]!.push(right);
  for (let i = start + k; i < end; i++) aunts[i]!.push(left);
  return innerHash(left, right);
}

/** The root a proof implies, or undefined when its shape is impossible (computeHashFromAunts). */
export function computeRootFromProof(proof: MerkleProof): Uint8Array | undefined {
  if (proof.aunts.length > MAX_MERKLE_AUNTS) return undefined;
  return rootFromAunts(proof.index, proof.total, proof.leafHash, proof.aunts, proof.aunts.length);
}

function rootFromAunts(
  index: number,
  total: number,
  hash: Uint8Array,
  aunts: readonly Uint8Array[],
  count: number,
): Uint8Array | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(total) || index < 0 || index >= total)
    return undefined;
  if (total === 1) return count === 0 ? hash : undefined;
  if (count === 0) return undefined;
  const k = splitPoint(total);
  const top = aunts[count - 1]!;
  if (index < k) {
    const left = rootFromAunts(index, k, hash, aunts, count - 1);
    return left === undefined ? undefined : innerHash(left, top);
  }
  const right = rootFromAunts(index - k, total - k, hash, aunts, count - 1);
  return right === undefined ? undefined : innerHash(top, right);
}

/** Proof.Verify: `item` is the leaf at proof.index of a tree with root `root`. */
export function verifyMerkleProof(proof: MerkleProof, root: Uint8Array, item: Uint8Array): boolean {
  if (!bytesEqual(leafHash(item), proof.leafHash)) return false;
  const computed = computeRootFromProof(proof);
  return computed !== undefined && bytesEqual(computed, root);
}
