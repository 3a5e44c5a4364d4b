// CometBFT v0.38 block data, as plain TypeScript values. Hashing and encoding live beside this file
// (header.ts, vote.ts, ...); these shapes are shared by consensus, the block store, RPC and the light
// client, so this folder must stay browser-pure (no node: imports).

/** google.protobuf.Timestamp. Block times carry nanoseconds, so a JS Date is not enough. */
export interface Timestamp {
  seconds: bigint;
  nanos: number;
}

export interface PartSetHeader {
  total: number;
  hash: Uint8Array;
}

export interface BlockID {
  hash: Uint8Array;
  partSetHeader: PartSetHeader;
}

export interface Header {
  version: { block: bigint; app: bigint };
  chainId: string;
  height: bigint;
  time: Timestamp;
  lastBlockId: BlockID;
  lastCommitHash: Uint8Array;
  dataHash: Uint8Array;
  validatorsHash: Uint8Array;
  nextValidatorsHash: Uint8Array;
  consensusHash: Uint8Array;
  appHash: Uint8Array;
  lastResultsHash: Uint8Array;
  evidenceHash: Uint8Array;
  proposerAddress: Uint8Array;
}

export const BlockIDFlag = { unknown: 0, absent: 1, commit: 2, nil: 3 } as const;
export type BlockIDFlag = (typeof BlockIDFlag)[keyof typeof BlockIDFlag];

export interface CommitSig {
  blockIdFlag: BlockIDFlag;
  validatorAddress: Uint8Array;
  timestamp: Timestamp;
  signature: Uint8Array;
}

export interface Commit {
  height: bigint;
  round: number;
  blockId: BlockID;
  signatures: CommitSig[];
}

export const SignedMsgType = { unknown: 0, prevote: 1, precommit: 2, proposal: 32 } as const;
export type SignedMsgType = (typeof SignedMsgType)[keyof typeof SignedMsgType];

export interface Vote {
  type: SignedMsgType;
  height: bigint;
  round: number;
  blockId: BlockID;
  timestamp: Timestamp;
  validatorAddress: Uint8Array;
  validatorIndex: number;
  signature: Uint8Array;
}

/** Evidence is raw proto bytes of tendermint.types.Evidence here; the consensus issue types it. */
export interface Block {
  header: Header;
  data: { txs: Uint8Array[] };
  evidence: Uint8Array[];
  lastCommit: Commit;
}

export interface Validator {
  address: Uint8Array;
  /** ed25519 public key, 32 bytes. */
  pubKey: Uint8Array;
  votingPower: bigint;
  proposerPriority: bigint;
}

export interface ConsensusParams {
  block: { maxBytes: bigint; maxGas: bigint };
  evidence: { maxAgeNumBlocks: bigint; maxAgeDurationNs: bigint; maxBytes: bigint };
  validator: { pubKeyTypes: string[] };
  version: { app: bigint };
}
