// The ABCI 2.0-like interface consensus drives (CometBFT v0.38 semantics), in TypeScript values.
// Consensus knows the application only through this; the application knows nothing of consensus.
import type { BatchOperation } from "../db-keyspace.ts";
import type { ProofOp } from "../store/types.ts";
import type { ConsensusParams, Timestamp } from "../types/block.ts";

/** CometBFT ≥ 0.37 events: plain string keys and values. */
export interface EventAttribute {
  key: string;
  value: string;
  index: boolean;
}
export interface Event {
  type: string;
  attributes: EventAttribute[];
}

export interface ExecTxResult {
  code: number;
  /** Protobuf TxMsgData on success. */
  data: Uint8Array;
  log: string;
  info: string;
  gasWanted: bigint;
  gasUsed: bigint;
  events: Event[];
  codespace: string;
}

export interface CheckTxResponse {
  code: number;
  data: Uint8Array;
  log: string;
  info: string;
  gasWanted: bigint;
  gasUsed: bigint;
  events: Event[];
  codespace: string;
  /** For the mempool: who sent it and at which sequence, so it can order and evict per sender. */
  sender?: string;
  sequence?: bigint;
  priority?: bigint;
}

export interface ValidatorUpdate {
  /** ed25519 public key. */
  pubKey: Uint8Array;
  /** 0 removes the validator. */
  power: bigint;
}

export interface InitChainRequest {
  time: Timestamp;
  chainId: string;
  consensusParams: ConsensusParams;
  validators: ValidatorUpdate[];
  appStateBytes: Uint8Array;
  initialHeight: bigint;
}
export interface InitChainResponse {
  validators: ValidatorUpdate[];
  appHash: Uint8Array;
}

export interface InfoResponse {
  data: string;
  version: string;
  appVersion: bigint;
  lastBlockHeight: bigint;
  lastBlockAppHash: Uint8Array;
}

export interface VoteInfo {
  validatorAddress: Uint8Array;
  power: bigint;
  blockIdFlag: number;
}
export interface Misbehavior {
  type: "duplicate_vote" | "light_client_attack";
  validatorAddress: Uint8Array;
  validatorPower: bigint;
  height: bigint;
  time: Timestamp;
  totalVotingPower: bigint;
  /** sha256 of the evidence's proto bytes (CometBFT Evidence.Hash()), when consensus has it. */
  evidenceHash?: Uint8Array;
}

export interface BlockRequest {
  txs: Uint8Array[];
  height: bigint;
  time: Timestamp;
  proposerAddress: Uint8Array;
  nextValidatorsHash: Uint8Array;
  /** Header hash of this block; empty in prepareProposal. */
  hash: Uint8Array;
  decidedLastCommit: { round: number; votes: VoteInfo[] };
  misbehavior: Misbehavior[];
}

export interface PrepareProposalRequest extends BlockRequest {
  maxTxBytes: bigint;
}

export interface FinalizeBlockResponse {
  events: Event[];
  txResults: ExecTxResult[];
  validatorUpdates: ValidatorUpdate[];
  consensusParamUpdates?: ConsensusParams;
  appHash: Uint8Array;
}

export interface CommitRequest {
  /** Block, commit, results and index writes that must land in the same atomic batch as the state. */
  extraOperations: readonly BatchOperation[];
}

export interface QueryRequest {
  path: string;
  data: Uint8Array;
  /** 0 = latest committed. */
  height: bigint;
  prove: boolean;
}
export interface QueryResponse {
  code: number;
  log: string;
  info: string;
  index: bigint;
  key: Uint8Array;
  value: Uint8Array;
  proofOps: ProofOp[];
  height: bigint;
  codespace: string;
}

/** One signature of a tx, with the exact bytes it must sign as the application sees them now: what a
 * node verifies off the main thread (its verification pool) before checkTx or finalizeBlock. */
export interface SignatureCheck {
  /** sha256 of the tx bytes; binds body, auth info and the signature itself. */
  txHash: Uint8Array;
  /** Index of the signer (and of the signature in TxRaw.signatures). */
  signerIndex: number;
  /** Sign bytes (SIGN_MODE_DIRECT SignDoc) with this chain id and the signer's account number. */
  signBytes: Uint8Array;
  /** 33-byte compressed secp256k1 key. */
  publicKey: Uint8Array;
  /** 64-byte r‖s. */
  signature: Uint8Array;
}

/** A SignatureCheck with the verifier's answer. The application uses it only when tx hash, signer
 * index, sign bytes, public key and signature all equal what it computes itself; otherwise it verifies. */
export interface SignatureVerdict extends SignatureCheck {
  valid: boolean;
}

export interface Application {
  info(): Promise<InfoResponse>;
  initChain(request: InitChainRequest): Promise<InitChainResponse>;
  checkTx(request: { tx: Uint8Array; type: "new" | "recheck" }): Promise<CheckTxResponse>;
  prepareProposal(request: PrepareProposalRequest): Promise<{ txs: Uint8Array[] }>;
  processProposal(request: BlockRequest): Promise<"accept" | "reject">;
  finalizeBlock(request: BlockRequest): Promise<FinalizeBlockResponse>;
  commit(request: CommitRequest): Promise<{ retainHeight: bigint }>;
  query(request: QueryRequest): Promise<QueryResponse>;
  /** Optional: the signatures of `tx` that have no verdict yet, against the check state (empty when
   * the tx cannot be decoded or a signer is unknown: checkTx will say why). Synchronous, read-only. */
  signatureChecks?(tx: Uint8Array): SignatureCheck[];
  /** Optional: verdicts computed outside the application for checks from signatureChecks. */
  addSignatureVerdicts?(verdicts: readonly SignatureVerdict[]): void;
}
