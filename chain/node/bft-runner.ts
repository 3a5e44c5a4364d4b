// Runs a node of a multi-validator chain (or any full node): block sync until no peer is ahead,
// then the Tendermint engine; back to block sync when the node falls behind its peers (a partition,
// a stall). CometBFT's blocksync reactor `SwitchToConsensus`, with the engine recreated each time
// (its WAL and sign state make that safe). Only one of the two touches the chain state at a time.
import type { BlockStore } from "../blockstore/types.ts";
import type { BlockExecutor } from "../consensus/block-executor.ts";
import type { ChainState } from "../consensus/chain-state.ts";
import type { Clock } from "../consensus/engine.ts";
import type { PrivValidator } from "../consensus/privval.ts";
import type { DuplicateVoteEvidence } from "../consensus/tendermint/evidence.ts";
import { encodeEvidence } from "../consensus/tendermint/evidence.ts";
import type { TimeoutConfig } from "../consensus/tendermint/types.ts";
import { type EngineLogger, realTimers, TendermintEngine } from "../consensus/tendermint-engine.ts";
import type { WalStorage } from "../consensus/wal.ts";
import type { BlockSyncer, PeerStatus } from "../p2p/blocksync.ts";
import type { ConsensusGossip } from "../p2p/consensus-gossip.ts";
import { RESYNC_LAG_BLOCKS, STATUS_POLL_INTERVAL_MS } from "../p2p/limits.ts";
import type { P2PMetrics } from "../p2p/metrics.ts";
import type { Commit } from "../types/block.ts";

/** At start, how long block sync waits for a first peer before consensus starts alone, ms: long
 * enough for persistent peers to be dialed, short enough that a devnet's first node does not stall. */
export const STARTUP_PEER_WAIT_MS = 3_000;
/** Polls of the peers' heights in which we stayed behind without progress before resyncing (a full
 * node that missed a height's votes is exactly one block behind forever otherwise). */
const STALLED_POLLS_BEFORE_RESYNC = 3;
/** Status polls skipped in a row while the engine decides heights: a poll opens a stream to every
 * peer (a blocksync request each side, noise and yamux frames) every STATUS_POLL_INTERVAL_MS, ~1-2% of
 * a loaded validator's main thread, and a node that decides heights keeps up with its peers. Heights
 * decided from catch-up commits also count, so a node that advances but stays far behind is still
 * polled at least every (this + 1) intervals and goes back to block sync then. */
const MAX_SKIPPED_STATUS_POLLS = 4;

export interface BftRunnerOptions {
  executor: BlockExecutor;
  blockStore: Pick<BlockStore, "loadBlock" | "loadCommit">;
  privValidator: PrivValidator | undefined;
  gossip: ConsensusGossip;
  syncer: BlockSyncer;
  walStorage: () => WalStorage;
  timeouts: TimeoutConfig;
  /** consensus.block_interval (TendermintEngineOptions.blockIntervalMs). */
  blockIntervalMs?: number;
  clock: Clock;
  state: ChainState;
  lastCommit: Commit;
  metrics: P2PMetrics;
  logger: EngineLogger;
  onError: (error: unknown) => void;
  onEvidence?: (evidence: DuplicateVoteEvidence) => void;
  /** TendermintEngineOptions.onDecided. */
  onDecided?: (height: bigint) => void;
  /** TendermintEngineOptions.beforeNextHeight. */
  beforeNextHeight?: () => void;
}

export class BftRunner {
  readonly #o: BftRunnerOptions;
  #state: ChainState;
  #lastCommit: Commit;
  #engine: TendermintEngine | undefined;
  #catchingUp = true;
  #stopped = false;
  #failed = false;
  #task: Promise<void> = Promise.resolve();
  readonly #wake = new AbortController();

  constructor(options: BftRunnerOptions) {
    this.#o = options;
    this.#state = options.state;
    this.#lastCommit = options.lastCommit;
  }

  get state(): ChainState {
    return this.#engine?.state ?? this.#state;
  }

  get catchingUp(): boolean {
    return this.#catchingUp;
  }

  /** What the gossip validators judge against: the engine's state, or nothing while syncing. */
  view(): ChainState | undefined {
    return this.#catchingUp ? undefined : this.#engine?.state;
  }

  start(): void {
    this.#task = this.#run().catch((error: unknown) => this.#fail(error));
  }

  /** Stops block sync or the engine (which finishes the block in progress). */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake.abort();
    await this.#task;
    await this.#engine?.stop();
  }

  #fail(error: unknown): void {
    if (this.#failed) return;
    this.#failed = true;
    this.#stopped = true;
    this.#wake.abort();
    this.#o.onError(error);
  }

  async #run(): Promise<void> {
    let first = true;
    while (!this.#stopped) {
      this.#catchingUp = true;
      await this.#sync(first);
      first = false;
      if (this.#stopped) return;
      const engine = this.#newEngine();
      this.#engine = engine;
      await engine.start();
      this.#catchingUp = false;
      this.#o.logger.info({ height: Number(engine.state.lastBlockHeight + 1n) }, "consensus started");
      await this.#watch(engine);
      if (this.#stopped) return; // stop() stops the engine
      this.#catchingUp = true;
      this.#o.gossip.detach();
      await engine.stop();
      this.#state = engine.state;
      this.#lastCommit =
        (await this.#o.blockStore.loadCommit(this.#state.lastBlockHeight)) ?? this.#lastCommit;
      this.#engine = undefined;
      this.#o.logger.info(
        { height: Number(this.#state.lastBlockHeight) },
        "behind peers: back to block sync",
      );
    }
  }

  #newEngine(): TendermintEngine {
    const o = this.#o;
    return new TendermintEngine({
      executor: o.executor,
      blockStore: o.blockStore,
      ...(o.privValidator === undefined ? {} : { privValidator: o.privValidator }),
      transport: o.gossip,
      walStorage: o.walStorage(),
      clock: o.clock,
      timers: realTimers,
      timeouts: o.timeouts,
      ...(o.blockIntervalMs === undefined ? {} : { blockIntervalMs: o.blockIntervalMs }),
      state: this.#state,
      lastCommit: this.#lastCommit,
      logger: o.logger,
      onError: (error) => this.#fail(error),
      onEvidence: (evidence) => {
        o.gossip.broadcastEvidence(encodeEvidence(evidence));
        o.onEvidence?.(evidence);
      },
      onRejected: (reason) => {
        if (reason === "input queue full") o.metrics.engineInputsDropped++;
        else o.metrics.engineRejected++;
      },
      ...(o.onDecided === undefined ? {} : { onDecided: o.onDecided }),
      ...(o.beforeNextHeight === undefined ? {} : { beforeNextHeight: o.beforeNextHeight }),
    });
  }

  /** Block sync until no answering peer is ahead (at start: after waiting a little for a first peer). */
  async #sync(first: boolean): Promise<void> {
    const deadline = Date.now() + (first ? STARTUP_PEER_WAIT_MS : 0);
    while (!this.#stopped) {
      const statuses = await this.#o.syncer.peerStatuses(this.#wake.signal);
      if (statuses.length === 0) {
        if (Date.now() >= deadline) return;
        await this.#sleep(250);
        continue;
      }
      const best = bestHeight(statuses);
      if (best <= this.#state.lastBlockHeight) return;
      this.#o.logger.info(
        { from: Number(this.#state.lastBlockHeight), to: Number(best), peers: statuses.length },
        "block sync",
      );
      const reached = await this.#o.syncer.syncTo(
        this.#state,
        this.#lastCommit,
        best,
        statuses,
        () => this.#stopped,
      );
      const progressed = reached.state.lastBlockHeight > this.#state.lastBlockHeight;
      this.#state = reached.state;
      this.#lastCommit = reached.lastCommit;
      if (!progressed) await this.#sleep(500);
    }
  }

  /** Returns when the node has fallen behind its peers (or on stop). */
  async #watch(engine: TendermintEngine): Promise<void> {
    let stalledPolls = 0;
    let skippedPolls = 0;
    let lastHeight = engine.state.lastBlockHeight;
    while (!this.#stopped) {
      await this.#sleep(STATUS_POLL_INTERVAL_MS);
      if (this.#stopped) return;
      if (engine.state.lastBlockHeight > lastHeight && skippedPolls < MAX_SKIPPED_STATUS_POLLS) {
        skippedPolls++;
        stalledPolls = 0;
        lastHeight = engine.state.lastBlockHeight;
        continue;
      }
      skippedPolls = 0;
      const statuses = await this.#o.syncer.peerStatuses(this.#wake.signal);
      if (statuses.length === 0) continue;
      const best = bestHeight(statuses);
      const ours = engine.state.lastBlockHeight;
      if (best >= ours + RESYNC_LAG_BLOCKS) return;
      stalledPolls = best > ours && ours === lastHeight ? stalledPolls + 1 : 0;
      lastHeight = ours;
      if (stalledPolls >= STALLED_POLLS_BEFORE_RESYNC) return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.#wake.signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#wake.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      this.#wake.signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function bestHeight(statuses: readonly PeerStatus[]): bigint {
  return statuses.reduce((best, s) => (s.height > best ? s.height : best), 0n);
}
