// Block sync (CometBFT blocksync, simplified to one request in flight): serves blocks with their
// commits by height range, and brings a node that is behind up to its best peer: each fetched block's
// commit is verified against the validator set of its height (from the ChainState being advanced),
// then the block is applied through the BlockExecutor like a decided one.
import type { BlockStore } from "../blockstore/types.ts";
import type { BlockExecutor } from "../consensus/block-executor.ts";
import type { ChainState } from "../consensus/chain-state.ts";
import { verifyEd25519Cached } from "../consensus/signature-cache.ts";
import type { Commit } from "../types/block.ts";
import { decodeBlock, decodeCommit, encodeBlock, encodeCommit } from "../types/block-codec.ts";
import { hashHeader } from "../types/header.ts";
import { makePartSet } from "../types/part-set.ts";
import { ValidatorSet } from "../types/validator-set.ts";
import { verifyCommit } from "../types/verify-commit.ts";
import {
  type BlockSyncResponse,
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
} from "./blocksync-codec.ts";
import type { P2PHost, P2PLogger } from "./host.ts";
import {
  BLOCKSYNC_REQUEST_TIMEOUT_MS,
  MAX_BLOCKS_PER_RESPONSE,
  MAX_BLOCKSYNC_FRAME_BYTES,
  MAX_BLOCKSYNC_INBOUND_STREAMS,
  MAX_BLOCKSYNC_RESPONSE_BYTES,
} from "./limits.ts";
import type { P2PMetrics } from "./metrics.ts";

export class BlockSyncError extends Error {
  readonly code = "blocksync_failed";
}

export async function serveBlockSync(
  host: P2PHost,
  protocol: string,
  blockStore: BlockStore,
  metrics: P2PMetrics,
): Promise<void> {
  await host.handle(protocol, 1024, MAX_BLOCKSYNC_INBOUND_STREAMS, async (bytes) => {
    const request = decodeRequest(bytes);
    metrics.blocksyncRequestsServed++;
    const response: BlockSyncResponse = { base: blockStore.base(), height: blockStore.height(), blocks: [] };
    if (request.kind === "blocks") {
      let bytesSoFar = 0;
      const last = minBigint(
        request.toHeight,
        request.fromHeight + BigInt(MAX_BLOCKS_PER_RESPONSE) - 1n,
        response.height,
      );
      for (let height = request.fromHeight; height <= last; height++) {
        const [block, commit] = await Promise.all([
          blockStore.loadBlock(height),
          blockStore.loadCommit(height),
        ]);
        if (block === undefined || commit === undefined) break;
        const entry = { block: encodeBlock(block), commit: encodeCommit(commit) };
        bytesSoFar += entry.block.length + entry.commit.length;
        if (response.blocks.length > 0 && bytesSoFar > MAX_BLOCKSYNC_RESPONSE_BYTES) break;
        response.blocks.push(entry);
        metrics.blocksyncBlocksServed++;
      }
    }
    return encodeResponse(response);
  });
}

function minBigint(...values: bigint[]): bigint {
  return values.reduce((a, b) => (a < b ? a : b));
}

export interface PeerStatus {
  peer: string;
  base: bigint;
  height: bigint;
}

export interface BlockSyncerOptions {
  host: P2PHost;
  protocol: string;
  executor: BlockExecutor;
  metrics: P2PMetrics;
  logger: P2PLogger;
}

export class BlockSyncer {
  readonly #o: BlockSyncerOptions;

  constructor(options: BlockSyncerOptions) {
    this.#o = options;
  }

  /** Heights of the connected peers that answer (those that do not are left out). */
  async peerStatuses(signal?: AbortSignal): Promise<PeerStatus[]> {
    const peers = this.#o.host.peers();
    const answers = await Promise.all(
      peers.map(async ({ nodeId }) => {
        try {
          const response = await this.#request(nodeId, encodeRequest({ kind: "status" }), signal);
          return { peer: nodeId, base: response.base, height: response.height };
        } catch {
          return undefined;
        }
      }),
    );
    return answers.filter((answer): answer is PeerStatus => answer !== undefined);
  }

  /** Fetches and applies blocks up to `target` from the given peers; returns the state reached and
   * the commit of its last block. Stops early when `shouldStop` says so or no peer can serve. */
  async syncTo(
    state: ChainState,
    lastCommit: Commit,
    target: bigint,
    peers: PeerStatus[],
    shouldStop: () => boolean,
  ): Promise<{ state: ChainState; lastCommit: Commit }> {
    const candidates = [...peers];
    while (state.lastBlockHeight < target && !shouldStop()) {
      const next = state.lastBlockHeight + 1n;
      const serving = candidates.filter((p) => p.height >= next && p.base <= next);
      if (serving.length === 0) break;
      const peer = serving[Number(next % BigInt(serving.length))]!;
      const to = minBigint(target, peer.height, next + BigInt(MAX_BLOCKS_PER_RESPONSE) - 1n);
      try {
        const response = await this.#request(
          peer.peer,
          encodeRequest({ kind: "blocks", fromHeight: next, toHeight: to }),
        );
        if (response.blocks.length === 0) throw new BlockSyncError(`peer served no block from ${next}`);
        for (const entry of response.blocks) {
          if (shouldStop()) break;
          const applied = await this.#verifyAndApply(state, entry.block, entry.commit);
          state = applied.state;
          lastCommit = applied.commit;
          this.#o.metrics.blocksyncBlocksApplied++;
        }
      } catch (error) {
        this.#o.metrics.blocksyncRequestErrors++;
        this.#o.logger.warn(
          { err: error, peer: peer.peer, height: Number(next) },
          "block sync from peer failed; trying another",
        );
        candidates.splice(candidates.indexOf(peer), 1);
      }
    }
    return { state, lastCommit };
  }

  async #verifyAndApply(
    state: ChainState,
    blockBytes: Uint8Array,
    commitBytes: Uint8Array,
  ): Promise<{ state: ChainState; commit: Commit }> {
    const block = decodeBlock(blockBytes);
    const commit = decodeCommit(commitBytes);
    const height = state.lastBlockHeight + 1n;
    if (block.header.height !== height)
      throw new BlockSyncError(`expected block ${height}, got ${block.header.height}`);
    const blockId = { hash: hashHeader(block.header), partSetHeader: makePartSet(blockBytes).header };
    // 2/3+ of the set that signs this height committed exactly this block (CometBFT blocksync
    // VerifyCommitLight; we check every signature, as full nodes do).
    verifyCommit(state.chainId, new ValidatorSet(state.validators), blockId, height, commit, {
      verifySignature: verifyEd25519Cached,
    });
    const next = await this.#o.executor.applyBlock(state, block, blockId, blockBytes.length, commit);
    return { state: next, commit };
  }

  async #request(peer: string, request: Uint8Array, signal?: AbortSignal): Promise<BlockSyncResponse> {
    const timeout = AbortSignal.timeout(BLOCKSYNC_REQUEST_TIMEOUT_MS);
    const combined = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    return decodeResponse(
      await this.#o.host.request(peer, this.#o.protocol, request, MAX_BLOCKSYNC_FRAME_BYTES, combined),
    );
  }
}
