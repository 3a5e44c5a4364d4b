// The header's content hashes (CometBFT v0.38 types/block.go, types/results.go, types/params.go,
// types/evidence.go): data, last results, consensus params, evidence and last commit.
import { BinaryReader, BinaryWriter } from "cosmjs-types/binary";
import { HashedParams } from "cosmjs-types/tendermint/types/params";
import { CommitSig as ProtoCommitSig } from "cosmjs-types/tendermint/types/types";
import type { ExecTxResult } from "../app/abci.ts";
import type { Commit, CommitSig, ConsensusParams } from "./block.ts";
import { sha256 } from "./bytes.ts";
import { DecodeError } from "./errors.ts";
import { hashFromByteSlices } from "./merkle.ts";

/** Tx.Hash: what tx_search, broadcast and the tx index call the hash of a tx. */
export function txHash(tx: Uint8Array): Uint8Array {
  return sha256(tx);
}

/** Data.Hash: merkle root of the txs' sha256 hashes (sha256("") for no txs). `hashOfTx`: txHash, or the
 * node's memo of the same hashes (chain/app/tx-hash.ts). */
export function dataHash(
  txs: readonly Uint8Array[],
  hashOfTx: (tx: Uint8Array) => Uint8Array = txHash,
): Uint8Array {
  return hashFromByteSlices(txs.map((tx) => hashOfTx(tx)));
}

/** deterministicExecTxResult: only code, data, gas_wanted and gas_used enter the results hash. */
export function encodeDeterministicExecTxResult(result: ExecTxResult): Uint8Array {
  const writer = BinaryWriter.create();
  if (result.code !== 0) writer.uint32(8).uint32(result.code);
  if (result.data.length > 0) writer.uint32(18).bytes(result.data);
  if (result.gasWanted !== 0n) writer.uint32(40).int64(result.gasWanted);
  if (result.gasUsed !== 0n) writer.uint32(48).int64(result.gasUsed);
  return writer.finish();
}

/** ABCIResults.Hash: goes into the NEXT block's header as last_results_hash. */
export function lastResultsHash(results: readonly ExecTxResult[]): Uint8Array {
  return hashFromByteSlices(results.map(encodeDeterministicExecTxResult));
}

/** ConsensusParams.Hash: sha256 of HashedParams{block_max_bytes, block_max_gas} (not a merkle root). */
export function consensusHash(params: Pick<ConsensusParams, "block">): Uint8Array {
  return sha256(
    HashedParams.encode({ blockMaxBytes: params.block.maxBytes, blockMaxGas: params.block.maxGas }).finish(),
  );
}

/** The inner evidence message of a tendermint.types.Evidence oneof: Evidence.Bytes() hashes that, not
 * the wrapper. */
export function unwrapEvidence(evidence: Uint8Array): Uint8Array {
  try {
    const reader = new BinaryReader(evidence);
    let inner: Uint8Array | undefined;
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      const field = tag >>> 3;
      if ((field === 1 || field === 2) && (tag & 7) === 2) inner = reader.bytes();
      else reader.skipType(tag & 7);
    }
    if (inner === undefined)
      throw new DecodeError("evidence has neither duplicate_vote nor light_client_attack");
    return inner;
  } catch (error) {
    if (error instanceof DecodeError) throw error;
    throw new DecodeError(`malformed evidence: ${(error as Error).message}`);
  }
}

/** EvidenceList.Hash over raw tendermint.types.Evidence protos. */
export function evidenceHash(evidence: readonly Uint8Array[]): Uint8Array {
  return hashFromByteSlices(evidence.map(unwrapEvidence));
}

export function encodeCommitSig(sig: CommitSig): Uint8Array {
  return ProtoCommitSig.encode(sig as Parameters<typeof ProtoCommitSig.encode>[0]).finish();
}

/** Commit.Hash: the next header's last_commit_hash, a merkle root of the CommitSig protos. */
export function commitHash(commit: Commit): Uint8Array {
  return hashFromByteSlices(commit.signatures.map(encodeCommitSig));
}

// Names the block executor uses for the same functions.
export const hashTxs = dataHash;
export const hashResults = lastResultsHash;
export const hashConsensusParams = consensusHash;
export const hashEvidence = evidenceHash;
export const hashLastCommit = commitHash;
