// CometBFT 0.38 JSON (cmtjson) ↔ light client values, browser-pure. Decoders are the edge where
// untrusted node output enters: every field is type-checked and any surprise is `malformed_response`.
// Encoders print the same shapes (the store file, the verifying proxy, submitted evidence).
import { base64 } from "@scure/base";
import type { BlockID, Commit, CommitSig, Header, Timestamp, Validator } from "../chain/types/block.ts";
import { BlockIDFlag } from "../chain/types/block.ts";
import { fromHex, toHex } from "../chain/types/bytes.ts";
import { formatTimestamp, GO_ZERO_TIME, parseTimestamp } from "../chain/types/time.ts";
import { ValidatorSet } from "../chain/types/validator-set.ts";
import { LightClientError } from "./errors.ts";
import type { LightBlock, SignedHeader } from "./types.ts";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function malformed(what: string): LightClientError {
  return new LightClientError("malformed_response", `malformed ${what}`);
}

export function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw malformed(what);
  return value as Record<string, unknown>;
}

export function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw malformed(what);
  return value;
}

export function string(value: unknown, what: string): string {
  if (typeof value !== "string") throw malformed(what);
  return value;
}

export function integer(value: unknown, what: string): bigint {
  if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === "string" && /^-?[0-9]{1,20}$/.test(value)) return BigInt(value);
  throw malformed(what);
}

function smallInteger(value: unknown, what: string): number {
  const result = integer(value, what);
  if (result < -(2n ** 31n) || result >= 2n ** 31n) throw malformed(what);
  return Number(result);
}

export function hexBytes(value: unknown, what: string): Uint8Array {
  if (value === null || value === undefined) return new Uint8Array(0);
  try {
    return fromHex(string(value, what));
  } catch {
    throw malformed(what);
  }
}

export function base64Bytes(value: unknown, what: string): Uint8Array {
  if (value === null || value === undefined || value === "") return new Uint8Array(0);
  try {
    return base64.decode(string(value, what));
  } catch {
    throw malformed(what);
  }
}

function time(value: unknown, what: string): Timestamp {
  try {
    return parseTimestamp(string(value, what));
  } catch {
    throw malformed(what);
  }
}

export function hexUpper(bytes: Uint8Array): string {
  return toHex(bytes).toUpperCase();
}

export function toBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

function base64OrNull(bytes: Uint8Array): string | null {
  return bytes.length === 0 ? null : base64.encode(bytes);
}

export function decodeBlockId(value: unknown, what = "block_id"): BlockID {
  const json = object(value, what);
  const parts = object(json["parts"], `${what}.parts`);
  return {
    hash: hexBytes(json["hash"], `${what}.hash`),
    partSetHeader: {
      total: smallInteger(parts["total"], `${what}.parts.total`),
      hash: hexBytes(parts["hash"], `${what}.parts.hash`),
    },
  };
}

export function decodeHeader(value: unknown): Header {
  const json = object(value, "header");
  const version = object(json["version"], "header.version");
  return {
    version: {
      block: integer(version["block"], "version.block"),
      app: integer(version["app"] ?? "0", "version.app"),
    },
    chainId: string(json["chain_id"], "header.chain_id"),
    height: integer(json["height"], "header.height"),
    time: time(json["time"], "header.time"),
    lastBlockId: decodeBlockId(json["last_block_id"], "header.last_block_id"),
    lastCommitHash: hexBytes(json["last_commit_hash"], "last_commit_hash"),
    dataHash: hexBytes(json["data_hash"], "data_hash"),
    validatorsHash: hexBytes(json["validators_hash"], "validators_hash"),
    nextValidatorsHash: hexBytes(json["next_validators_hash"], "next_validators_hash"),
    consensusHash: hexBytes(json["consensus_hash"], "consensus_hash"),
    appHash: hexBytes(json["app_hash"], "app_hash"),
    lastResultsHash: hexBytes(json["last_results_hash"], "last_results_hash"),
    evidenceHash: hexBytes(json["evidence_hash"], "evidence_hash"),
    proposerAddress: hexBytes(json["proposer_address"], "proposer_address"),
  };
}

function decodeCommitSig(value: unknown, index: number): CommitSig {
  const json = object(value, `commit signature ${index}`);
  const flag = smallInteger(json["block_id_flag"], "block_id_flag");
  if (flag !== BlockIDFlag.absent && flag !== BlockIDFlag.commit && flag !== BlockIDFlag.nil)
    throw malformed(`block_id_flag ${flag}`);
  return {
    blockIdFlag: flag,
    validatorAddress: hexBytes(json["validator_address"], "validator_address"),
    timestamp:
      json["timestamp"] === undefined ? GO_ZERO_TIME : time(json["timestamp"], "signature timestamp"),
    signature: base64Bytes(json["signature"], "signature"),
  };
}

export function decodeCommit(value: unknown): Commit {
  const json = object(value, "commit");
  return {
    height: integer(json["height"], "commit.height"),
    round: smallInteger(json["round"], "commit.round"),
    blockId: decodeBlockId(json["block_id"], "commit.block_id"),
    signatures: array(json["signatures"], "commit.signatures").map(decodeCommitSig),
  };
}

export function decodeSignedHeader(value: unknown): SignedHeader {
  const json = object(value, "signed_header");
  return { header: decodeHeader(json["header"]), commit: decodeCommit(json["commit"]) };
}

export function decodeValidator(value: unknown): Validator {
  const json = object(value, "validator");
  const pubKey = object(json["pub_key"], "validator.pub_key");
  if (pubKey["type"] !== "tendermint/PubKeyEd25519") throw malformed("validator key type (ed25519 only)");
  return {
    address: hexBytes(json["address"], "validator.address"),
    pubKey: base64Bytes(pubKey["value"], "validator.pub_key.value"),
    votingPower: integer(json["voting_power"], "validator.voting_power"),
    proposerPriority: integer(json["proposer_priority"] ?? "0", "validator.proposer_priority"),
  };
}

/** A validator set from node JSON; ValidatorSet's own checks (addresses, powers) become malformed. */
export function validatorSetFrom(validators: Validator[]): ValidatorSet {
  try {
    return new ValidatorSet(validators);
  } catch (error) {
    throw new LightClientError(
      "malformed_response",
      `invalid validator set: ${(error as Error).message}`,
      {},
      { cause: error },
    );
  }
}

export function encodeBlockId(blockId: BlockID): JsonObject {
  return {
    hash: hexUpper(blockId.hash),
    parts: { total: blockId.partSetHeader.total, hash: hexUpper(blockId.partSetHeader.hash) },
  };
}

export function encodeHeader(header: Header): JsonObject {
  return {
    version: { block: header.version.block.toString(), app: header.version.app.toString() },
    chain_id: header.chainId,
    height: header.height.toString(),
    time: formatTimestamp(header.time),
    last_block_id: encodeBlockId(header.lastBlockId),
    last_commit_hash: hexUpper(header.lastCommitHash),
    data_hash: hexUpper(header.dataHash),
    validators_hash: hexUpper(header.validatorsHash),
    next_validators_hash: hexUpper(header.nextValidatorsHash),
    consensus_hash: hexUpper(header.consensusHash),
    app_hash: hexUpper(header.appHash),
    last_results_hash: hexUpper(header.lastResultsHash),
    evidence_hash: hexUpper(header.evidenceHash),
    proposer_address: hexUpper(header.proposerAddress),
  };
}

export function encodeCommit(commit: Commit): JsonObject {
  return {
    height: commit.height.toString(),
    round: commit.round,
    block_id: encodeBlockId(commit.blockId),
    signatures: commit.signatures.map((sig) => ({
      block_id_flag: sig.blockIdFlag,
      validator_address: hexUpper(sig.validatorAddress),
      timestamp: formatTimestamp(sig.timestamp),
      signature: base64OrNull(sig.signature),
    })),
  };
}

export function encodeSignedHeader(signedHeader: SignedHeader): JsonObject {
  return { header: encodeHeader(signedHeader.header), commit: encodeCommit(signedHeader.commit) };
}

export function encodeValidator(validator: Validator): JsonObject {
  return {
    address: hexUpper(validator.address),
    pub_key: { type: "tendermint/PubKeyEd25519", value: toBase64(validator.pubKey) },
    voting_power: validator.votingPower.toString(),
    proposer_priority: validator.proposerPriority.toString(),
  };
}

export function encodeLightBlock(block: LightBlock): JsonObject {
  return {
    signed_header: encodeSignedHeader(block.signedHeader),
    validator_set: { validators: block.validatorSet.validators.map(encodeValidator) },
  };
}

export function decodeLightBlock(value: unknown): LightBlock {
  const json = object(value, "light block");
  const set = object(json["validator_set"], "validator_set");
  return {
    signedHeader: decodeSignedHeader(json["signed_header"]),
    validatorSet: validatorSetFrom(array(set["validators"], "validators").map(decodeValidator)),
  };
}
