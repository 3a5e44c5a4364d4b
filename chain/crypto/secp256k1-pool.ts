// The node's secp256k1 verification pool, so a node's ingress (RPC, p2p gossip) and block sync
// verify on every core while the main thread executes blocks. One secp256k1 verify costs ~400-600 µs
// of one core (docs/PERFORMANCE.md): on the main thread it alone capped the node near 1,700 tx/s
// before anything else ran. The batching and queue are verify-pool.ts's; verdicts are exactly
// verifySecp256k1's (secp256k1-worker.ts).
import { BatchVerifyPool, type VerifyJob } from "./verify-pool.ts";

export { VerifyPoolError } from "./verify-pool.ts";
/** One signature to check: 64-byte r‖s over sha256(message) by a 33-byte compressed key. */
export type Secp256k1Job = VerifyJob;

/** Jobs per message to a worker: amortizes the ~30 µs postMessage round trip over ~64 × 500 µs of
 * verification while one batch stays ~30 ms of work, so a lone tx never waits long behind one. */
export const MAX_BATCH_JOBS = 64;
/** Batches handed to one worker at a time: one it verifies, one waiting, so it never idles while the
 * main thread is busy executing a block and cannot post the next one. */
export const MAX_BATCHES_PER_WORKER = 2;
/** Jobs waiting for a worker: ~10 s of verification on two cores. Past it verify() refuses
 * (pool_busy) rather than queue without bound; ingress answers "mempool is full". */
export const MAX_QUEUED_JOBS = 20_000;

export interface VerifyPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  size?: number;
}

export class Secp256k1VerifyPool extends BatchVerifyPool {
  constructor(options: VerifyPoolOptions = {}) {
    super({
      workerUrl: new URL("./secp256k1-worker.ts", import.meta.url),
      ...(options.size === undefined ? {} : { size: options.size }),
      maxBatchJobs: MAX_BATCH_JOBS,
      maxBatchesPerWorker: MAX_BATCHES_PER_WORKER,
      maxQueuedJobs: MAX_QUEUED_JOBS,
    });
  }
}
