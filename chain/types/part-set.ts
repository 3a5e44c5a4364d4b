// Part sets (types/part_set.go): the proto-encoded block cut into 64 KiB parts whose merkle root is
// the BlockID's part_set_header hash. Each part carries its proof so peers can check it on arrival.
import { Part as ProtoPart } from "cosmjs-types/tendermint/types/types";
import type { Block, BlockID, PartSetHeader } from "./block.ts";
import { encodeBlock } from "./block-codec.ts";
import { bytesEqual } from "./bytes.ts";
import { DecodeError, PartSetError } from "./errors.ts";
import { headerHash } from "./header.ts";
import { computeRootFromProof, leafHash, type MerkleProof, proofsFromByteSlices } from "./merkle.ts";

/** types.BlockPartSizeBytes. */
export const BLOCK_PART_SIZE_BYTES = 65_536;
/** types.MaxBlockPartsCount: (MaxBlockSizeBytes 100 MiB / part size) + 1. */
export const MAX_BLOCK_PARTS = 1601;

export interface Part {
  index: number;
  bytes: Uint8Array;
  proof: MerkleProof;
}

export interface PartSet {
  header: PartSetHeader;
  parts: Part[];
}

/** NewPartSetFromData. */
export function makePartSet(data: Uint8Array, partSize = BLOCK_PART_SIZE_BYTES): PartSet {
  const chunks: Uint8Array[] = [];
  for (let offset = 0; offset < data.length; offset += partSize)
    chunks.push(data.subarray(offset, Math.min(offset + partSize, data.length)));
  const { root, proofs } = proofsFromByteSlices(chunks);
  return {
    header: { total: chunks.length, hash: root },
    parts: chunks.map((bytes, index) => ({ index, bytes, proof: proofs[index]! })),
  };
}

/** PartSet.AddPart's checks: index in range, proof total matches, proof leads to the header hash. */
export function verifyPart(header: PartSetHeader, part: Part): void {
  if (part.index < 0 || part.index >= header.total)
    throw new PartSetError(`part index ${part.index} out of range`);
  if (part.proof.index !== part.index || part.proof.total !== header.total)
    throw new PartSetError(`part ${part.index}: proof index/total mismatch`);
  if (part.bytes.length > BLOCK_PART_SIZE_BYTES) throw new PartSetError(`part ${part.index} too large`);
  if (!bytesEqual(leafHash(part.bytes), part.proof.leafHash))
    throw new PartSetError(`part ${part.index}: leaf hash mismatch`);
  const root = computeRootFromProof(part.proof);
  if (root === undefined || !bytesEqual(root, header.hash))
    throw new PartSetError(`part ${part.index}: proof does not match part set hash`);
}

/** Joins a complete, ordered list of parts back into the block bytes. */
export function joinParts(parts: readonly Part[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.bytes.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part.bytes, offset);
    offset += part.bytes.length;
  }
  return out;
}

export function encodePart(part: Part): Uint8Array {
  return ProtoPart.encode({
    index: part.index,
    bytes: part.bytes,
    proof: {
      total: BigInt(part.proof.total),
      index: BigInt(part.proof.index),
      leafHash: part.proof.leafHash,
      aunts: part.proof.aunts,
    },
  }).finish();
}

export function decodePart(bytes: Uint8Array): Part {
  let decoded: ReturnType<typeof ProtoPart.decode>;
  try {
    decoded = ProtoPart.decode(bytes);
  } catch (error) {
    throw new DecodeError(`malformed part: ${(error as Error).message}`);
  }
  const proof = decoded.proof;
  if (
    proof.total < 0n ||
    proof.total > BigInt(MAX_BLOCK_PARTS) ||
    proof.index < 0n ||
    proof.index >= proof.total
  )
    throw new DecodeError("part: proof total/index out of range");
  return {
    index: decoded.index,
    bytes: decoded.bytes,
    proof: {
      total: Number(proof.total),
      index: Number(proof.index),
      leafHash: proof.leafHash,
      aunts: proof.aunts,
    },
  };
}

/** The block's proto bytes, its part set and its BlockID (header hash + part set header). */
export function makeBlockId(block: Block): { bytes: Uint8Array; partSet: PartSet; blockId: BlockID } {
  const bytes = encodeBlock(block);
  const partSet = makePartSet(bytes);
  return { bytes, partSet, blockId: { hash: headerHash(block.header), partSetHeader: partSet.header } };
}
