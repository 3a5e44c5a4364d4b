// Catch-up for a peer that is behind (until the block sync of part 2 takes over): a message from a
// lower height is answered with that height's block and commit (a `commit` message, which the peer's
// machine verifies).
//
// A reply carries a whole block, and over gossip it goes to every peer. Under load most lower-height
// messages come from a peer that is still executing the block everyone decided (its repeats go on
// meanwhile), and each node answered each forwarder of them: megabytes a second that nobody used. So a
// height is answered at most once per interval whoever asked, and the height this node decided last
// only once the peer had `graceIntervals` intervals to decide it too.
import type { BlockStore } from "../blockstore/types.ts";
import { encodeBlock } from "../types/block-codec.ts";
import { timestampToNanos } from "../types/time.ts";
import type { Clock } from "./engine.ts";
import type { ConsensusTransport, EngineLogger, PeerId } from "./engine-io.ts";

/** Heights remembered for rate limiting; the oldest is forgotten first (peers behind by more than a
 * few heights block-sync instead). */
const MAX_TRACKED_HEIGHTS = 64;
/** Intervals a peer gets to decide the height this node decided last before it is sent the commit:
 * executing a large block on a loaded machine takes seconds. */
export const CATCHUP_GRACE_INTERVALS = 1;

export interface CatchupRepliesOptions {
  blockStore: Pick<BlockStore, "loadBlock" | "loadCommit">;
  transport: ConsensusTransport;
  clock: Clock;
  /** Least time between two replies of one height, ms (the gossip interval). */
  intervalMs: number;
  logger: EngineLogger;
  /** False once the engine stopped: a reply loaded after that is not sent. */
  running: () => boolean;
}

export class CatchupReplies {
  readonly #o: CatchupRepliesOptions;
  /** When each height was last answered, ns. */
  readonly #sent = new Map<bigint, bigint>();
  #lastDecided: { height: bigint; atNs: bigint } | undefined;

  constructor(options: CatchupRepliesOptions) {
    this.#o = options;
  }

  /** This node decided `height` now. */
  decided(height: bigint): void {
    this.#lastDecided = { height, atNs: this.#nowNs() };
  }

  /** Sends `peer` the block and commit of `height`, unless that height was sent within the interval
   * or was decided too recently for the peer to be stuck. */
  send(peer: PeerId, height: bigint): void {
    const nowNs = this.#nowNs();
    const intervalNs = BigInt(this.#o.intervalMs) * 1_000_000n;
    const decided = this.#lastDecided;
    if (
      decided !== undefined &&
      decided.height === height &&
      nowNs - decided.atNs < intervalNs * BigInt(CATCHUP_GRACE_INTERVALS)
    )
      return;
    const last = this.#sent.get(height);
    if (last !== undefined && nowNs - last < intervalNs) return;
    this.#sent.delete(height);
    if (this.#sent.size >= MAX_TRACKED_HEIGHTS) this.#sent.delete(this.#sent.keys().next().value!);
    this.#sent.set(height, nowNs);
    void (async () => {
      const [block, commit] = await Promise.all([
        this.#o.blockStore.loadBlock(height),
        this.#o.blockStore.loadCommit(height),
      ]);
      if (block === undefined || commit === undefined || !this.#o.running()) return;
      this.#o.transport.sendTo(peer, { kind: "commit", blockBytes: encodeBlock(block), commit });
    })().catch((error: unknown) => this.#o.logger.warn({ err: error }, "catch-up reply failed"));
  }

  #nowNs(): bigint {
    return timestampToNanos(this.#o.clock.now());
  }
}
