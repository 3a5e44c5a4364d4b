// The node's implementation of RpcBackend: status from the chain state, txs through the mempool
// lock into checkTx and the mempool, queries to the application, blocks from the block store.
import type { Application, CheckTxResponse } from "../app/abci.ts";
import type { BlockStore } from "../blockstore/types.ts";
import type { ChainState } from "../consensus/chain-state.ts";
import type { Ed25519Signer } from "../crypto/ed25519.ts";
import { sha256 } from "../crypto/hash.ts";
import type { Mempool } from "../mempool/mempool.ts";
import type { NodeStatus, RpcBackend } from "../rpc/backend.ts";
import type { ConsensusParams } from "../types/block.ts";
import type { Mutex } from "../util/mutex.ts";
import type { NodeEvents } from "./events.ts";
import { TxIngress } from "./tx-ingress.ts";
import { txServiceQuery } from "./tx-service.ts";

export interface NodeRpcBackendOptions {
  app: Application;
  blockStore: BlockStore;
  mempool: Mempool;
  mempoolLock: Mutex;
  events: NodeEvents;
  signer: Ed25519Signer;
  chainState: () => ChainState;
  genesis: unknown;
  nodeId: string;
  moniker: string;
  listenAddress: string;
  rpcAddress: () => string;
  /** How broadcast txs enter (pre-verification in the pool, then checkTx); default: without a pool. */
  ingress?: TxIngress;
  /** True while block sync runs (status sync_info.catching_up). */
  catchingUp?: () => boolean;
  /** Connected peers for net_info (libp2p); none when absent. */
  peers?: () => { nodeId: string; remoteIp: string; moniker: string }[];
  p2pMetrics?: () => Record<string, number>;
  /** broadcast_evidence into the evidence pool (verified against the current chain state). */
  submitEvidence?: (evidence: Uint8Array) => Promise<Uint8Array>;
}

export function createRpcBackend(options: NodeRpcBackendOptions): RpcBackend {
  const { app, blockStore, mempool, mempoolLock, events, signer } = options;
  const ingress = options.ingress ?? new TxIngress({ app, mempool, mempoolLock });

  async function status(): Promise<NodeStatus> {
    const state = options.chainState();
    const latest = blockStore.height();
    const base = blockStore.base();
    const latestMeta = latest > 0n ? await blockStore.loadBlockMeta(latest) : undefined;
    const earliestMeta = base > 0n ? await blockStore.loadBlockMeta(base) : undefined;
    const own = state.validators.find((v) => Buffer.compare(v.pubKey, signer.publicKey) === 0);
    return {
      nodeId: options.nodeId,
      listenAddress: options.listenAddress,
      rpcAddress: options.rpcAddress(),
      chainId: state.chainId,
      moniker: options.moniker,
      version: "0.38.17",
      latestBlockHash: latestMeta?.blockId.hash ?? new Uint8Array(),
      latestAppHash: state.appHash,
      latestBlockHeight: latest,
      latestBlockTime: latestMeta?.header.time ?? state.lastBlockTime,
      earliestBlockHash: earliestMeta?.blockId.hash ?? new Uint8Array(),
      earliestAppHash: earliestMeta?.header.appHash ?? state.appHash,
      earliestBlockHeight: base,
      earliestBlockTime: earliestMeta?.header.time ?? state.lastBlockTime,
      catchingUp: options.catchingUp?.() ?? false,
      validator: { address: signer.address, pubKey: signer.publicKey, votingPower: own?.votingPower ?? 0n },
    };
  }

  async function broadcastTx(tx: Uint8Array): Promise<CheckTxResponse> {
    return ingress.submit(tx);
  }

  return {
    status,
    blockStore,
    abciInfo: () => app.info(),
    abciQuery: async (request) => (await txServiceQuery(blockStore, request)) ?? app.query(request),
    ...(options.submitEvidence === undefined ? {} : { broadcastEvidence: options.submitEvidence }),
    broadcastTx,
    waitForTx: (hash, signal) => events.waitForTx(hash, signal),
    genesis: async () => options.genesis,
    consensusParams: async (): Promise<ConsensusParams> => options.chainState().consensusParams,
    validators: (height) => blockStore.loadValidators(height),
    netInfo: async () => ({
      listening: true,
      listeners: [options.listenAddress],
      peers: options.peers?.() ?? [],
      ...(options.p2pMetrics === undefined ? {} : { p2pMetrics: options.p2pMetrics() }),
    }),
    unconfirmedTxs: async (limit) => {
      const pending = mempool.pending(limit);
      return {
        count: pending.length,
        total: mempool.size,
        totalBytes: mempool.totalBytes,
        txs: pending.map((p) => p.tx),
      };
    },
    subscribe: (listener) => events.subscribe(listener),
  };
}

export function txHash(tx: Uint8Array): Uint8Array {
  return sha256(tx);
}
