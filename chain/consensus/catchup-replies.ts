// Catch-up for a peer that is behind (until the block sync of part 2 takes over): a message from a
// lower height is answered with that height's block and commit (a `commit` message, which the peer's
// machine verifies), at most once per gossip interval per peer and height.
import type { BlockStore } from "../blockstore/types.ts";
import { encodeBlock } from "../types/block-codec.ts";
import { timestampToNanos } from "../types/time.ts";
import type { Clock } from "./engine.ts";
import type { ConsensusTransport, EngineLogger, PeerId } from "./engine-io.ts";

/** Peers remembered for catch-up rate limiting; the oldest is forgotten first. */
const MAX_TRACKED_PEERS = 1_000;

export interface CatchupRepliesOptions {
  blockStore: Pick<BlockStore, "loadBlock" | "loadCommit">;
  transport: ConsensusTransport;
  clock: Clock;
  /** Least time between two replies of one height to one peer, ms (the gossip interval). */
  intervalMs: number;
  logger: EngineLogger;
  /** False once the engine stopped: a reply loaded after that is not sent. */
  running: () => boolean;
}

export class CatchupReplies {
  readonly #o: CatchupRepliesOptions;
  readonly #sent = new Map<PeerId, { height: bigint; atNs: bigint }>();

  constructor(options: CatchupRepliesOptions) {
    this.#o = options;
  }

  /** Sends `peer` the block and commit of `height`, unless it got them within the interval. */
  send(peer: PeerId, height: bigint): void {
    const nowNs = timestampToNanos(this.#o.clock.now());
    const intervalNs = BigInt(this.#o.intervalMs) * 1_000_000n;
    const last = this.#sent.get(peer);
    if (last !== undefined && last.height === height && nowNs - last.atNs < intervalNs) return;
    this.#sent.delete(peer);
    if (this.#sent.size >= MAX_TRACKED_PEERS) this.#sent.delete(this.#sent.keys().next().value!);
    this.#sent.set(peer, { height, atNs: nowNs });
    void (async () => {
      const [block, commit] = await Promise.all([
        this.#o.blockStore.loadBlock(height),
        this.#o.blockStore.loadCommit(height),
      ]);
      if (block === undefined || commit === undefined || !this.#o.running()) return;
      this.#o.transport.sendTo(peer, { kind: "commit", blockBytes: encodeBlock(block), commit });
    })().catch((error: unknown) => this.#o.logger.warn({ err: error }, "catch-up reply failed"));
  }
}
