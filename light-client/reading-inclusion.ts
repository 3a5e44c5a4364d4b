// Proof that one device-signed reading belongs to a committed day (modules/meter/README.md, Reading
// leaf and tree). Pure and browser-safe: the light client, auditors and the meter module share it.
//
//   leaf item  = sha256(canonical bytes of sensorchain.meter.v1.Reading, signature included)
//   leaf node  = sha256(0x00 ‖ leaf item), inner node = sha256(0x01 ‖ left ‖ right)
//   tree       = CometBFT's simple Merkle tree (RFC 6962 §2.1) over the day's leaf items in sequence order
import { sha256 } from "../chain/types/bytes.ts";
import {
  hashFromByteSlices,
  leafHash,
  type MerkleProof,
  proofsFromByteSlices,
  verifyMerkleProof,
} from "../chain/types/merkle.ts";

/** Path of one reading in its day's tree: CometBFT's merkle.Proof without the leaf hash. */
export interface ReadingInclusionProof {
  /** Position of the reading in sequence order, from 0. */
  index: number;
  /** Readings in the day (the commitment's count). */
  total: number;
  /** Sibling hashes from the leaf's sibling up to the root's child. */
  aunts: Uint8Array[];
}

/** The 32-byte item a reading contributes to its day's tree. */
export function readingLeafItem(readingBytes: Uint8Array): Uint8Array {
  return sha256(readingBytes);
}

/** Root of a day's readings (canonical bytes, in sequence order); sha256("") when there are none. */
export function readingsRoot(readings: readonly Uint8Array[]): Uint8Array {
  return hashFromByteSlices(readings.map(readingLeafItem));
}

/** The root and one inclusion proof per reading (canonical bytes, in sequence order). */
export function readingProofs(readings: readonly Uint8Array[]): {
  root: Uint8Array;
  proofs: ReadingInclusionProof[];
} {
  const { root, proofs } = proofsFromByteSlices(readings.map(readingLeafItem));
  return { root, proofs: proofs.map(({ index, total, aunts }) => ({ index, total, aunts })) };
}

/** The parts of a final commitment (sensorchain.meter.v1.CommitmentBody) a proof is checked against. */
export interface CommittedDay {
  root: Uint8Array;
  /** Readings in the day: the proof's total must equal it, since RFC 6962 paths of the left part of
   * a tree are the same for several totals. */
  count: bigint | number;
}

/** True when `readingBytes` (canonical Reading bytes) is the leaf at proof.index of the committed
 * day's tree. Any change to the reading, the path, the index or the total makes it false. */
export function verifyReadingInclusion(
  readingBytes: Uint8Array,
  proof: ReadingInclusionProof,
  day: CommittedDay,
): boolean {
  const { root } = day;
  if (root.length !== 32 || BigInt(proof.total) !== BigInt(day.count)) return false;
  const item = readingLeafItem(readingBytes);
  const merkle: MerkleProof = {
    index: proof.index,
    total: proof.total,
    aunts: proof.aunts,
    leafHash: leafHash(item),
  };
  return verifyMerkleProof(merkle, root, item);
}
