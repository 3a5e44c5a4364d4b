// How the light client talks to a full node. One interface, implemented over CometBFT JSON-RPC
// (rpc-transport.ts) and by test doubles; everything it returns is untrusted until verified.
import type { LightClientAttackEvidence } from "cosmjs-types/tendermint/types/evidence";
import type { Commit, Validator } from "../chain/types/block.ts";
import type { ChainedProofOp } from "./ics23/index.ts";
import type { SignedHeader } from "./types.ts";

export interface AbciQueryRequest {
  path: string;
  data: Uint8Array;
  /** 0 = latest. */
  height: bigint;
  prove: boolean;
}

export interface AbciQueryResult {
  code: number;
  codespace: string;
  log: string;
  key: Uint8Array;
  value: Uint8Array;
  proofOps: ChainedProofOp[];
  height: bigint;
}

export interface BlockBody {
  txs: Uint8Array[];
  lastCommit: Commit;
  evidenceCount: number;
}

export interface NodeStatus {
  chainId: string;
  latestHeight: bigint;
}

export interface LightTransport {
  /** A name for reports (usually the URL). */
  readonly name: string;
  /** The signed header at `height`, or the latest when omitted. */
  signedHeader(height?: bigint): Promise<SignedHeader>;
  /** The whole validator set that signs `height`, in set order. */
  validators(height: bigint): Promise<Validator[]>;
  abciQuery(request: AbciQueryRequest): Promise<AbciQueryResult>;
  status(): Promise<NodeStatus>;
  /** A block's body (unverified), for checks against a verified header's data and commit hashes. */
  blockBody?(height: bigint): Promise<BlockBody>;
  /** Submits light client attack evidence; resolves when the node accepted it. */
  broadcastEvidence(evidence: LightClientAttackEvidence): Promise<void>;
}
