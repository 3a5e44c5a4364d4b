// Replay's signature pre-verification: the tx signatures of the blocks ahead of execution are
// verified in the worker pool, a chunk of txs at a time, while the main thread executes. Only a few
// chunks are in the pool at once, so when execution reaches a block whose verification has barely
// started it does not wait for it: the txs not yet handed to the pool are left to the application,
// which verifies whatever has no verdict (finalizeBlock), and execution waits only for the chunks
// already being verified (a few milliseconds). The sign bytes of a chunk are built when it is handed
// in, against the latest committed state, so no work is spent on txs the pool never gets to.
import type { Application } from "../app/abci.ts";
import { MAX_BATCHES_PER_WORKER } from "../crypto/secp256k1-pool.ts";
import { preverifySignatures, type SignatureVerifier } from "../node/tx-ingress.ts";

/** Txs per chunk handed to the pool: one worker batch (MAX_BATCH_JOBS = 64 signatures for
 * single-signer txs), ~5 ms of libsecp256k1 verification, so waiting for a chunk in flight is short. */
export const PREVERIFY_CHUNK_TXS = 64;

interface QueuedBlock {
  height: bigint;
  txs: readonly Uint8Array[];
  /** Index of the first tx not yet handed to the pool. */
  next: number;
}

export class ReplayPreverifier {
  readonly #app: Application;
  readonly #pool: SignatureVerifier;
  /** Chunks handed to the pool at once: as many as its workers hold (one verifying, the next
   * waiting), so none sits in the pool's own queue where it could no longer be taken back. */
  readonly #maxChunksInFlight: number;
  /** Blocks in height order; bounded by the caller (REPLAY_PREVERIFY_BLOCKS ahead of execution). */
  readonly #queue: QueuedBlock[] = [];
  readonly #inFlight = new Map<bigint, Promise<void>[]>();
  #chunksInFlight = 0;
  #handedTxs = 0;
  #answered = 0;
  /** Highest height execution has reached: a block read late for it is not verified ahead. */
  #taken: bigint | undefined;

  /** `pool`: a Secp256k1VerifyPool (or any verifier with that many workers). */
  constructor(app: Application, pool: SignatureVerifier & { readonly size: number }) {
    this.#app = app;
    this.#pool = pool;
    this.#maxChunksInFlight = pool.size * MAX_BATCHES_PER_WORKER;
  }

  /** Txs whose signatures were handed to the pool (the rest the application verified itself). */
  get preverifiedTxs(): number {
    return this.#handedTxs;
  }

  /** Queues a block's txs for verification ahead of its execution (blocks read concurrently may
   * arrive out of order; the pool takes them lowest height first). */
  add(height: bigint, txs: readonly Uint8Array[]): void {
    if (txs.length === 0 || (this.#taken !== undefined && height <= this.#taken)) return;
    let at = this.#queue.length;
    while (at > 0 && this.#queue[at - 1]!.height > height) at--;
    this.#queue.splice(at, 0, { height, txs, next: 0 });
    this.#pump();
  }

  /** Execution reaches `height`: its txs still queued are left to the application; resolves when
   * the chunks of it already in the pool have their verdicts, or at once while the pool has not
   * answered anything yet (its workers are still starting: the application verifies those too). */
  async take(height: bigint): Promise<void> {
    this.#taken = height;
    while (this.#queue.length > 0 && this.#queue[0]!.height <= height) this.#queue.shift();
    const chunks = this.#inFlight.get(height);
    this.#inFlight.delete(height);
    if (chunks !== undefined && this.#answered > 0) await Promise.all(chunks);
  }

  #pump(): void {
    while (this.#chunksInFlight < this.#maxChunksInFlight && this.#queue.length > 0) {
      const block = this.#queue[0]!;
      const chunk = block.txs.slice(block.next, block.next + PREVERIFY_CHUNK_TXS);
      block.next += chunk.length;
      if (block.next >= block.txs.length) this.#queue.shift();
      this.#handedTxs += chunk.length;
      this.#chunksInFlight++;
      const verified = preverifySignatures(this.#app, this.#pool, chunk)
        // A busy or failed pool leaves the verification to finalizeBlock.
        .catch(() => {})
        .finally(() => {
          this.#answered++;
          this.#chunksInFlight--;
          this.#pump();
        });
      const chunks = this.#inFlight.get(block.height);
      if (chunks === undefined) this.#inFlight.set(block.height, [verified]);
      else chunks.push(verified);
    }
  }
}
