// Everything the CometBFT-compatible RPC server reads from a node. The node implements it; the RPC
// layer only translates to and from CometBFT 0.38 JSON, so it stays testable and transport-only.
import type {
  CheckTxResponse,
  ExecTxResult,
  InfoResponse,
  QueryRequest,
  QueryResponse,
} from "../app/abci.ts";
import type { BlockStore } from "../blockstore/types.ts";
import type { Block, BlockID, ConsensusParams, Validator } from "../types/block.ts";

export interface NodeStatus {
  nodeId: string;
  listenAddress: string;
  rpcAddress: string;
  chainId: string;
  moniker: string;
  version: string;
  latestBlockHash: Uint8Array;
  latestAppHash: Uint8Array;
  latestBlockHeight: bigint;
  latestBlockTime: Block["header"]["time"];
  earliestBlockHash: Uint8Array;
  earliestAppHash: Uint8Array;
  earliestBlockHeight: bigint;
  earliestBlockTime: Block["header"]["time"];
  catchingUp: boolean;
  validator: { address: Uint8Array; pubKey: Uint8Array; votingPower: bigint };
}

/** Pushed to WebSocket subscribers (CometBFT event types NewBlock, NewBlockHeader, Tx). */
export type NodeEvent =
  | {
      type: "NewBlock";
      block: Block;
      blockId: BlockID;
      resultFinalizeBlock: { events: ExecTxResult["events"] };
    }
  | { type: "NewBlockHeader"; header: Block["header"] }
  | { type: "Tx"; height: bigint; index: number; tx: Uint8Array; result: ExecTxResult };

export interface RpcBackend {
  status(): Promise<NodeStatus>;
  blockStore: BlockStore;
  abciInfo(): Promise<InfoResponse>;
  abciQuery(request: QueryRequest): Promise<QueryResponse>;
  /** Runs checkTx and adds the tx to the mempool when it passes. */
  broadcastTx(tx: Uint8Array): Promise<CheckTxResponse>;
  /** Runs checkTx without adding the tx to the mempool (the `check_tx` route); optional. */
  checkTx?(tx: Uint8Array): Promise<CheckTxResponse>;
  /** Resolves when the tx is committed (or rejects on timeout / abort). */
  waitForTx(
    hash: Uint8Array,
    signal: AbortSignal,
  ): Promise<{ height: bigint; index: number; result: ExecTxResult }>;
  genesis(): Promise<unknown>;
  consensusParams(height: bigint): Promise<ConsensusParams>;
  validators(height: bigint): Promise<Validator[] | undefined>;
  netInfo(): Promise<{
    listening: boolean;
    listeners: string[];
    peers: { nodeId: string; remoteIp: string; moniker: string }[];
    /** Counters of the p2p layer (chain/p2p/metrics.ts), served as net_info.p2p_metrics. */
    p2pMetrics?: Record<string, number>;
  }>;
  unconfirmedTxs(
    limit: number,
  ): Promise<{ count: number; total: number; totalBytes: number; txs: Uint8Array[] }>;
  /** broadcast_evidence: verifies tendermint.types.Evidence bytes and adds them to the evidence
   * pool; resolves with the evidence hash, throws (with the reason) when refused. Optional. */
  broadcastEvidence?(evidence: Uint8Array): Promise<Uint8Array>;
  /** Event feed for /websocket; returns an unsubscribe function. */
  subscribe(listener: (event: NodeEvent) => void): () => void;
}
