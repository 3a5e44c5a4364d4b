// Compact proposals: validators hold nearly every tx of a proposal already (mempool gossip), so a
// proposal travels as the signed proposal, its block without txs, and the txs' hashes (32 bytes
// each, where a MsgSend is ~250). A receiver puts its own copies of the txs back (mempool, txs still
// being checked, recent blocks), encodes the block and accepts it only if that gives exactly the
// signed BlockID (header hash and part set header): the block, its hash and its parts are the
// proposer's, only the way they travel changes. Txs it lacks are fetched from the peer that sent the
// proposal (request/response), which holds them: it proposed the block or accepted it.
//
// Wire: the consensus topic's envelope (chain/consensus/tendermint/messages.ts) with field 11 alone:
//   message CompactProposal { bytes proposal = 1;  // tendermint.types.Proposal, signed
//                             bytes block = 2;     // tendermint.types.Block with no txs in data
//                             bytes tx_hashes = 3; } // sha256 of each tx, in block order, 32 bytes each
// Fetch protocol `/sensorchain/<chain-id>/proposal-txs/1`, one length-prefixed frame each way:
//   message TxsRequest  { bytes tx_hashes = 1; }    // 32 bytes each
//   message TxsResponse { repeated bytes txs = 1; } // in request order; empty where unknown
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { txHashOf } from "../app/tx-hash.ts";
import { decodeProposal, encodeProposal } from "../consensus/tendermint/messages.ts";
import type { Proposal, ProposedBlock } from "../consensus/tendermint/types.ts";
import { bytesEqual, toHex } from "../crypto/hash.ts";
import type { Block } from "../types/block.ts";
import { decodeBlock, encodeBlock } from "../types/block-codec.ts";
import { blockIdEquals } from "../types/block-id.ts";
import { DecodeError } from "../types/errors.ts";
import { hashHeader } from "../types/header.ts";
import { makePartSet } from "../types/part-set.ts";

export const TX_HASH_BYTES = 32;

/** The envelope field of a compact proposal (fields 1-4 are the engine's, 10 a block part). */
export const COMPACT_PROPOSAL_FIELD = 11;

export interface CompactProposal {
  proposal: Proposal;
  /** The block with `data.txs` empty. */
  block: Block;
  /** n × 32 bytes. */
  txHashes: Uint8Array;
}

/** Finds a tx by the hex of its hash in what this node holds (mempool, txs being checked). */
export type TxLookup = (hashHex: string) => Uint8Array | undefined;

/** The envelope of `proposed`'s compact proposal. */
export function encodeCompactProposalFrame(proposal: Proposal, proposed: ProposedBlock): Uint8Array {
  const { txs } = proposed.block.data;
  const hashes = new Uint8Array(txs.length * TX_HASH_BYTES);
  for (const [i, tx] of txs.entries()) hashes.set(txHashOf(tx).hash, i * TX_HASH_BYTES);
  const inner = BinaryWriter.create();
  inner.uint32(10).bytes(encodeProposal(proposal));
  inner.uint32(18).bytes(encodeBlock({ ...proposed.block, data: { txs: [] } }));
  inner.uint32(26).bytes(hashes);
  return BinaryWriter.create()
    .uint32((COMPACT_PROPOSAL_FIELD << 3) | 2)
    .bytes(inner.finish())
    .finish();
}

export function decodeCompactProposal(bytes: Uint8Array): CompactProposal {
  let proposal: Proposal | undefined;
  let block: Block | undefined;
  let txHashes: Uint8Array = new Uint8Array();
  try {
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      if ((tag & 7) !== 2) {
        reader.skipType(tag & 7);
        continue;
      }
      const body = reader.bytes();
      if (field === 1) proposal = decodeProposal(body);
      else if (field === 2) block = decodeBlock(body);
      else if (field === 3) txHashes = body;
    }
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed compact proposal: ${(error as Error).message}`);
  }
  if (proposal === undefined || block === undefined)
    throw new DecodeError("compact proposal: proposal or block missing");
  if (block.data.txs.length !== 0) throw new DecodeError("compact proposal: block carries txs");
  if (txHashes.length % TX_HASH_BYTES !== 0)
    throw new DecodeError("compact proposal: tx hashes not 32 bytes each");
  return { proposal, block, txHashes };
}

/** The i-th tx hash of a compact proposal. */
export function txHashAt(txHashes: Uint8Array, index: number): Uint8Array {
  return txHashes.subarray(index * TX_HASH_BYTES, (index + 1) * TX_HASH_BYTES);
}

/** The txs of a compact proposal found by `lookup` (undefined where not), and the indexes missing. */
export function findTxs(
  compact: CompactProposal,
  lookup: TxLookup,
): { txs: (Uint8Array | undefined)[]; missing: number[] } {
  const count = compact.txHashes.length / TX_HASH_BYTES;
  const txs: (Uint8Array | undefined)[] = new Array(count);
  const missing: number[] = [];
  for (let i = 0; i < count; i++) {
    const tx = lookup(toHex(txHashAt(compact.txHashes, i)));
    txs[i] = tx;
    if (tx === undefined) missing.push(i);
  }
  return { txs, missing };
}

/** The proposed block with `txs` put back, if it is exactly the signed BlockID's block. */
export function rebuildProposedBlock(
  compact: CompactProposal,
  txs: readonly Uint8Array[],
): ProposedBlock | undefined {
  const block: Block = { ...compact.block, data: { txs: [...txs] } };
  const blockBytes = encodeBlock(block);
  const blockId = { hash: hashHeader(block.header), partSetHeader: makePartSet(blockBytes).header };
  if (!blockIdEquals(blockId, compact.proposal.blockId)) return undefined;
  return { block, blockId: compact.proposal.blockId, blockBytes };
}

export function encodeTxsRequest(txHashes: Uint8Array): Uint8Array {
  return BinaryWriter.create().uint32(10).bytes(txHashes).finish();
}

export function decodeTxsRequest(bytes: Uint8Array): Uint8Array {
  const reader = new BinaryReader(bytes);
  let hashes: Uint8Array = new Uint8Array();
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === 10) hashes = reader.bytes();
    else reader.skipType(tag & 7);
  }
  if (hashes.length % TX_HASH_BYTES !== 0) throw new DecodeError("tx hashes not 32 bytes each");
  return hashes;
}

export function encodeTxsResponse(txs: readonly (Uint8Array | undefined)[]): Uint8Array {
  const writer = BinaryWriter.create();
  for (const tx of txs) writer.uint32(10).bytes(tx ?? new Uint8Array());
  return writer.finish();
}

/** The response's txs that hash to the requested hashes, in request order (undefined where not). */
export function decodeTxsResponse(bytes: Uint8Array, txHashes: Uint8Array): (Uint8Array | undefined)[] {
  const count = txHashes.length / TX_HASH_BYTES;
  const out: (Uint8Array | undefined)[] = new Array(count).fill(undefined);
  const reader = new BinaryReader(bytes);
  let index = 0;
  while (reader.pos < reader.len && index < count) {
    const tag = reader.uint32();
    if (tag !== 10) throw new DecodeError(`unexpected tag ${tag}`);
    const tx = reader.bytes();
    if (tx.length > 0 && bytesEqual(txHashOf(tx).hash, txHashAt(txHashes, index))) out[index] = tx;
    index++;
  }
  return out;
}
