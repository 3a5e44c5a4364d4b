// BlockID helpers (types/block.go BlockID): equality, zero test, and the canonical empty value.
import type { BlockID } from "./block.ts";
import { bytesEqual, toHex } from "./bytes.ts";

/** The nil BlockID: what a NIL or ABSENT vote signs and what height 1 has as last_block_id. */
export function emptyBlockId(): BlockID {
  return { hash: new Uint8Array(0), partSetHeader: { total: 0, hash: new Uint8Array(0) } };
}

export function isZeroBlockId(blockId: BlockID): boolean {
  return (
    blockId.hash.length === 0 && blockId.partSetHeader.total === 0 && blockId.partSetHeader.hash.length === 0
  );
}

export function blockIdEquals(a: BlockID, b: BlockID): boolean {
  return (
    bytesEqual(a.hash, b.hash) &&
    a.partSetHeader.total === b.partSetHeader.total &&
    bytesEqual(a.partSetHeader.hash, b.partSetHeader.hash)
  );
}

/** A string usable as a Map key (BlockID.Key in Go). */
export function blockIdKey(blockId: BlockID): string {
  return `${toHex(blockId.hash)}:${blockId.partSetHeader.total}:${toHex(blockId.partSetHeader.hash)}`;
}
