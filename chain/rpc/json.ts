// CometBFT 0.38 JSON for chain values, as its RPC prints them (cmtjson): 64-bit integers as decimal
// strings, 32-bit ones as numbers, HexBytes (hashes, addresses) as upper-case hex, []byte as padded
// standard base64, times as RFC 3339 with nanoseconds. cosmjs' comet38 decoders check these types
// strictly (docs: shared/reference/cosmjs-rpc.md §3), so every shape here is tested against them.
import {
  encodeBlockId,
  encodeHeader,
  hexUpper,
  type Json,
  type JsonObject,
} from "../../light-client/json.ts";
import type { CheckTxResponse, Event, ExecTxResult, QueryResponse, ValidatorUpdate } from "../app/abci.ts";
import type { BlockMeta, IndexedTx } from "../blockstore/types.ts";
import { toBase64 } from "../crypto/hash.ts";
import type { ProofOp } from "../store/types.ts";
import type { Block, Commit, CommitSig, ConsensusParams, Validator } from "../types/block.ts";
import { formatTimestamp, GO_ZERO_TIME } from "../types/time.ts";

// The light client prints headers and block ids for its store and proxy in the same cmtjson shapes;
// one encoder (browser-pure, in light-client) serves both.
export { encodeBlockId, encodeHeader, hexUpper, type Json, type JsonObject };

/** Go's zero time.Time as CometBFT prints it for absent commit signatures: 0001-01-01T00:00:00Z. */
const ZERO_TIME_TEXT = formatTimestamp(GO_ZERO_TIME);

/** []byte: padded standard base64; Go prints a nil slice as null, an empty one as "". */
export function base64OrNull(bytes: Uint8Array): string | null {
  return bytes.length === 0 ? null : toBase64(bytes);
}

function encodeCommitSig(sig: CommitSig): JsonObject {
  // An absent vote has no address, zero time and a nil signature (CometBFT CommitSig.Absent).
  const absent = sig.validatorAddress.length === 0;
  return {
    block_id_flag: sig.blockIdFlag,
    validator_address: hexUpper(sig.validatorAddress),
    timestamp: absent ? ZERO_TIME_TEXT : formatTimestamp(sig.timestamp),
    signature: base64OrNull(sig.signature),
  };
}

export function encodeCommit(commit: Commit): JsonObject {
  return {
    height: commit.height.toString(),
    round: commit.round,
    block_id: encodeBlockId(commit.blockId),
    signatures: commit.signatures.map(encodeCommitSig),
  };
}

export function encodeBlock(block: Block): JsonObject {
  return {
    header: encodeHeader(block.header),
    data: { txs: block.data.txs.map((tx) => toBase64(tx)) },
    // Evidence is stored as raw proto bytes; CometBFT would print typed amino JSON. No evidence is
    // produced by this chain yet, so base64 of each item is the honest rendering until it is typed.
    evidence: { evidence: block.evidence.map((item) => toBase64(item)) },
    last_commit: encodeCommit(block.lastCommit),
  };
}

export function encodeBlockMeta(meta: BlockMeta): JsonObject {
  return {
    block_id: encodeBlockId(meta.blockId),
    block_size: meta.blockSize.toString(),
    header: encodeHeader(meta.header),
    num_txs: meta.numTxs.toString(),
  };
}

export function encodeEvents(events: readonly Event[]): JsonObject[] {
  return events.map((event) => ({
    type: event.type,
    attributes: event.attributes.map((attribute) => ({
      key: attribute.key,
      value: attribute.value,
      index: attribute.index,
    })),
  }));
}

/** ExecTxResult and ResponseCheckTx share these fields in 0.38. */
export function encodeTxResult(result: ExecTxResult | CheckTxResponse): JsonObject {
  return {
    code: result.code,
    data: base64OrNull(result.data),
    log: result.log,
    info: result.info,
    gas_wanted: result.gasWanted.toString(),
    gas_used: result.gasUsed.toString(),
    events: encodeEvents(result.events),
    codespace: result.codespace,
  };
}

export function encodeIndexedTx(tx: IndexedTx): JsonObject {
  return {
    hash: hexUpper(tx.hash),
    height: tx.height.toString(),
    index: tx.index,
    tx_result: encodeTxResult(tx.result),
    tx: toBase64(tx.tx),
  };
}

/** Amino JSON public key, as /validators and /status print it. */
export function encodeEd25519PubKey(pubKey: Uint8Array): JsonObject {
  return { type: "tendermint/PubKeyEd25519", value: toBase64(pubKey) };
}

export function encodeValidator(validator: Validator): JsonObject {
  return {
    address: hexUpper(validator.address),
    pub_key: encodeEd25519PubKey(validator.pubKey),
    voting_power: validator.votingPower.toString(),
    proposer_priority: validator.proposerPriority.toString(),
  };
}

/** abci.ValidatorUpdate is a protobuf type, so its key prints as the proto oneof (0.38 behaviour). */
export function encodeValidatorUpdate(update: ValidatorUpdate): JsonObject {
  return {
    pub_key: {
      Sum: { type: "tendermint.crypto.PublicKey_Ed25519", value: { ed25519: toBase64(update.pubKey) } },
    },
    power: update.power.toString(),
  };
}

export function encodeConsensusParams(params: ConsensusParams): JsonObject {
  return {
    block: { max_bytes: params.block.maxBytes.toString(), max_gas: params.block.maxGas.toString() },
    evidence: {
      max_age_num_blocks: params.evidence.maxAgeNumBlocks.toString(),
      max_age_duration: params.evidence.maxAgeDurationNs.toString(),
      max_bytes: params.evidence.maxBytes.toString(),
    },
    validator: { pub_key_types: [...params.validator.pubKeyTypes] },
    version: { app: params.version.app.toString() },
  };
}

export function encodeProofOps(ops: readonly ProofOp[]): JsonObject | null {
  if (ops.length === 0) return null;
  return { ops: ops.map((op) => ({ type: op.type, key: toBase64(op.key), data: toBase64(op.data) })) };
}

export function encodeQueryResponse(response: QueryResponse): JsonObject {
  return {
    code: response.code,
    log: response.log,
    info: response.info,
    index: response.index.toString(),
    key: base64OrNull(response.key),
    value: base64OrNull(response.value),
    proofOps: encodeProofOps(response.proofOps),
    height: response.height.toString(),
    codespace: response.codespace,
  };
}
