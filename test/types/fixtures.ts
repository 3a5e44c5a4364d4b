// biome-ignore-all lint/suspicious/noExplicitAny: JSON vectors are read field by field
// Loads the CometBFT JSON vectors (test/vectors) into chain/types values.
import { readFileSync } from "node:fs";
import type { BlockID, Commit, CommitSig, Header, Validator } from "../../chain/types/block.ts";
import { fromHex } from "../../chain/types/bytes.ts";
import { parseTimestamp } from "../../chain/types/time.ts";

const VECTORS = new URL("../vectors/", import.meta.url);

export function loadJson(name: string): any {
  return JSON.parse(readFileSync(new URL(name, VECTORS), "utf8"));
}

export function blockIdFromJson(json: any): BlockID {
  return {
    hash: fromHex(json.hash),
    partSetHeader: { total: json.parts.total, hash: fromHex(json.parts.hash) },
  };
}

export function headerFromJson(json: any): Header {
  return {
    version: { block: BigInt(json.version.block), app: BigInt(json.version.app ?? 0) },
    chainId: json.chain_id,
    height: BigInt(json.height),
    time: parseTimestamp(json.time),
    lastBlockId: blockIdFromJson(json.last_block_id),
    lastCommitHash: fromHex(json.last_commit_hash),
    dataHash: fromHex(json.data_hash),
    validatorsHash: fromHex(json.validators_hash),
    nextValidatorsHash: fromHex(json.next_validators_hash),
    consensusHash: fromHex(json.consensus_hash),
    appHash: fromHex(json.app_hash),
    lastResultsHash: fromHex(json.last_results_hash),
    evidenceHash: fromHex(json.evidence_hash),
    proposerAddress: fromHex(json.proposer_address),
  };
}

export function commitFromJson(json: any): Commit {
  return {
    height: BigInt(json.height),
    round: json.round,
    blockId: blockIdFromJson(json.block_id),
    signatures: json.signatures.map(
      (sig: any): CommitSig => ({
        blockIdFlag: sig.block_id_flag,
        validatorAddress: fromHex(sig.validator_address ?? ""),
        timestamp: parseTimestamp(sig.timestamp),
        signature: new Uint8Array(Buffer.from(sig.signature ?? "", "base64")),
      }),
    ),
  };
}

export function validatorsFromJson(json: any): Validator[] {
  return json.validators.map((v: any) => ({
    address: fromHex(v.address),
    pubKey: new Uint8Array(Buffer.from(v.pub_key.value, "base64")),
    votingPower: BigInt(v.voting_power),
    proposerPriority: BigInt(v.proposer_priority),
  }));
}

export function realChain() {
  const commitJson = loadJson("cometbft-chain/commit-12.json");
  return {
    header: headerFromJson(commitJson.signed_header.header),
    commit: commitFromJson(commitJson.signed_header.commit),
    validators: validatorsFromJson(loadJson("cometbft-chain/validators-12.json")),
  };
}
