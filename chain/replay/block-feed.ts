// Blocks for replay, read ahead of execution so reading (disk or network) overlaps executing, and
// handed to the signature pre-verifier a few blocks ahead of execution.
import type { ReplayPreverifier } from "../audit/preverify.ts";
import type { ReplaySource } from "../audit/replay-source.ts";
import type { Block } from "../types/block.ts";
import { ReplayError } from "./report.ts";

/** Blocks fetched ahead of execution, so reading (disk or network) overlaps executing. */
export const REPLAY_PREFETCH_BLOCKS = 32;
/** Blocks whose tx signatures may be verified in the worker pool ahead of execution (ReplayPreverifier
 * hands them in a chunk at a time): enough to keep the workers busy while the main thread executes,
 * few enough that their txs (≤ 1,000 a block at the default block gas) stay well under the app's
 * decoded-tx cache (MAX_DECODED_TXS = 20,000, chain/app/application.ts). A verdict lives on its decoded
 * tx (chain/app/signature-cache.ts): one that comes back for a tx the cache no longer holds is dropped
 * and finalizeBlock verifies that signature itself. */
export const REPLAY_PREVERIFY_BLOCKS = 8;

export class BlockFeed {
  readonly #source: ReplaySource;
  readonly #last: bigint;
  readonly #preverifier: ReplayPreverifier | undefined;
  /** Reads under way: at most REPLAY_PREFETCH_BLOCKS, each taken once by fetch. */
  readonly #prefetched = new Map<bigint, Promise<Block>>();
  #nextToFetch: bigint;
  #nextToPreverify: bigint;

  /** Feeds heights `first` … `last`; without a pre-verifier, finalizeBlock verifies every signature. */
  constructor(source: ReplaySource, first: bigint, last: bigint, preverifier: ReplayPreverifier | undefined) {
    this.#source = source;
    this.#last = last;
    this.#preverifier = preverifier;
    this.#nextToFetch = first;
    this.#nextToPreverify = first;
  }

  /** Block `height` (heights are taken in order), starting reads up to REPLAY_PREFETCH_BLOCKS on. */
  fetch(height: bigint): Promise<Block> {
    while (this.#nextToFetch <= this.#last && this.#nextToFetch < height + BigInt(REPLAY_PREFETCH_BLOCKS)) {
      const h = this.#nextToFetch++;
      const promise = this.#source.block(h).then((block) => {
        if (block === undefined)
          throw new ReplayError("missing_block", `block ${h} is missing from ${this.#source.name}`, h);
        return block;
      });
      // Its failure surfaces when execution reaches it, not as an unhandled rejection before.
      promise.catch(() => {});
      this.#prefetched.set(h, promise);
    }
    const found = this.#prefetched.get(height);
    if (found === undefined)
      throw new ReplayError("missing_block", `block ${height} was not fetched`, height);
    this.#prefetched.delete(height);
    return found;
  }

  /** Hands the txs of `block` (at `height`, about to execute) and of the fetched blocks up to
   * REPLAY_PREVERIFY_BLOCKS on to the pre-verifier, each once. */
  preverifyAhead(height: bigint, block: Block): void {
    const preverifier = this.#preverifier;
    if (preverifier === undefined) return;
    while (
      this.#nextToPreverify <= this.#last &&
      this.#nextToPreverify < height + BigInt(REPLAY_PREVERIFY_BLOCKS)
    ) {
      const h = this.#nextToPreverify++;
      const fetched = h === height ? Promise.resolve(block) : this.#prefetched.get(h);
      if (fetched === undefined) continue; // not fetched yet: finalizeBlock verifies it itself
      fetched.then((ahead) => preverifier.add(h, ahead.data.txs)).catch(() => {});
    }
  }
}
