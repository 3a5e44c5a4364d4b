// A bounded pool of worker threads that verify secp256k1 signatures, so a node's ingress (RPC,
// later p2p gossip) and block sync verify on every core while the main thread executes blocks.
// One secp256k1 verify costs ~400-600 µs of one core (docs/PERFORMANCE.md): on the main thread it
// alone capped the node near 1,700 tx/s before anything else ran. Callers hand in jobs; concurrent
// calls are coalesced into batches (one postMessage per batch, bytes packed in one transferable
// buffer) spread over the workers. Verdicts are exactly verifySecp256k1's.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type BatchRequest, type BatchResult, packJobs, type Secp256k1Job } from "./secp256k1-batch.ts";

export type { Secp256k1Job } from "./secp256k1-batch.ts";

/** Jobs per message to a worker: amortizes the ~30 µs postMessage round trip over ~64 × 500 µs of
 * verification while one batch stays ~30 ms of work, so a lone tx never waits long behind one. */
export const MAX_BATCH_JOBS = 64;
/** Batches handed to one worker at a time: one it verifies, one waiting, so it never idles while the
 * main thread is busy executing a block and cannot post the next one. */
export const MAX_BATCHES_PER_WORKER = 2;
/** Jobs waiting for a worker: ~10 s of verification on two cores. Past it verify() refuses
 * (pool_busy) rather than queue without bound; ingress answers "mempool is full". */
export const MAX_QUEUED_JOBS = 20_000;

export class VerifyPoolError extends Error {
  /** pool_closed: close() was called; pool_busy: the queue is at MAX_QUEUED_JOBS;
   * worker_failed: the worker verifying the job died (it is replaced). */
  readonly code: "pool_closed" | "pool_busy" | "worker_failed";
  constructor(code: VerifyPoolError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export interface VerifyPoolOptions {
  /** Worker threads; default os.availableParallelism(). */
  size?: number;
}

interface Request {
  verdicts: boolean[];
  remaining: number;
  resolve: (verdicts: boolean[]) => void;
  reject: (error: Error) => void;
  failed: boolean;
}

interface Entry {
  request: Request;
  index: number;
  job: Secp256k1Job;
}

interface PoolWorker {
  worker: Worker;
  inFlight: Map<number, Entry[]>;
}

export class Secp256k1VerifyPool {
  readonly size: number;
  readonly #workers: PoolWorker[] = [];
  #queue: Entry[] = [];
  #queueHead = 0;
  #nextBatchId = 0;
  #flushScheduled = false;
  #closed = false;
  #verified = 0;
  #live = 0;

  constructor(options: VerifyPoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    for (let i = 0; i < this.size; i++) this.#workers.push(this.#spawn());
  }

  /** Signatures verified so far (for metrics and the benchmark). */
  get verified(): number {
    return this.#verified;
  }

  /** Worker threads started and not yet exited (0 once close() has resolved). */
  get liveWorkers(): number {
    return this.#live;
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Verdicts in job order. Rejects with VerifyPoolError (pool_closed, pool_busy, worker_failed). */
  verify(jobs: readonly Secp256k1Job[]): Promise<boolean[]> {
    if (this.#closed)
      return Promise.reject(new VerifyPoolError("pool_closed", "verification pool is closed"));
    if (jobs.length === 0) return Promise.resolve([]);
    if (this.queued + jobs.length > MAX_QUEUED_JOBS)
      return Promise.reject(
        new VerifyPoolError("pool_busy", `verification queue is full (${MAX_QUEUED_JOBS} signatures)`),
      );
    return new Promise<boolean[]>((resolve, reject) => {
      const request: Request = {
        verdicts: new Array<boolean>(jobs.length).fill(false),
        remaining: jobs.length,
        resolve,
        reject,
        failed: false,
      };
      for (const [index, job] of jobs.entries()) this.#queue.push({ request, index, job });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // Calls made in the same tick (a burst of RPC requests, a whole block) share batches.
        queueMicrotask(() => {
          this.#flushScheduled = false;
          this.#flush();
        });
      }
    });
  }

  /** Terminates the workers; pending and later verify() calls reject with pool_closed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new VerifyPoolError("pool_closed", "verification pool is closed");
    for (const entry of this.#queue.slice(this.#queueHead)) fail(entry.request, closed);
    this.#queue = [];
    this.#queueHead = 0;
    const workers = this.#workers.splice(0);
    for (const { inFlight } of workers)
      for (const entries of inFlight.values()) for (const entry of entries) fail(entry.request, closed);
    await Promise.all(workers.map(({ worker }) => worker.terminate()));
  }

  #spawn(): PoolWorker {
    const worker = new Worker(new URL("./secp256k1-worker.ts", import.meta.url));
    this.#live++;
    worker.once("exit", () => this.#live--);
    // Referenced only while it has work: an idle pool never keeps the process alive (a node that
    // failed half-way through starting, a test that forgot close()), a busy one does until it answers.
    worker.unref();
    const poolWorker: PoolWorker = { worker, inFlight: new Map() };
    worker.on("message", (result: BatchResult) => this.#onResult(poolWorker, result));
    worker.on("error", (error) => this.#onWorkerDied(poolWorker, error));
    worker.on("exit", (code) => this.#onWorkerDied(poolWorker, new Error(`worker exited with code ${code}`)));
    return poolWorker;
  }

  #flush(): void {
    while (this.queued > 0) {
      let target: PoolWorker | undefined;
      let freeSlots = 0;
      for (const candidate of this.#workers) {
        const free = MAX_BATCHES_PER_WORKER - candidate.inFlight.size;
        if (free <= 0) continue;
        freeSlots += free;
        if (target === undefined || candidate.inFlight.size < target.inFlight.size) target = candidate;
      }
      if (target === undefined) return;
      // Spread a small queue over every free slot instead of handing it all to one worker.
      const count = Math.min(MAX_BATCH_JOBS, Math.ceil(this.queued / freeSlots));
      const entries = this.#queue.slice(this.#queueHead, this.#queueHead + count);
      this.#queueHead += count;
      if (this.#queueHead === this.#queue.length) {
        this.#queue = [];
        this.#queueHead = 0;
      }
      const id = this.#nextBatchId++;
      if (target.inFlight.size === 0) target.worker.ref();
      target.inFlight.set(id, entries);
      const jobs = packJobs(entries.map((entry) => entry.job));
      const request: BatchRequest = { id, jobs };
      target.worker.postMessage(request, [jobs]);
    }
  }

  #onResult(poolWorker: PoolWorker, result: BatchResult): void {
    const entries = poolWorker.inFlight.get(result.id);
    if (entries === undefined) return;
    poolWorker.inFlight.delete(result.id);
    if (poolWorker.inFlight.size === 0) poolWorker.worker.unref();
    this.#verified += entries.length;
    for (const [i, { request, index }] of entries.entries()) {
      if (request.failed) continue;
      request.verdicts[index] = result.verdicts[i] === 1;
      request.remaining--;
      if (request.remaining === 0) request.resolve(request.verdicts);
    }
    this.#flush();
  }

  #onWorkerDied(poolWorker: PoolWorker, error: Error): void {
    const position = this.#workers.indexOf(poolWorker);
    if (position < 0) return; // already replaced, or the pool is closing
    const failure = new VerifyPoolError("worker_failed", `verification worker failed: ${error.message}`);
    for (const entries of poolWorker.inFlight.values())
      for (const entry of entries) fail(entry.request, failure);
    poolWorker.inFlight.clear();
    void poolWorker.worker.terminate();
    if (this.#closed) return;
    this.#workers[position] = this.#spawn();
    this.#flush();
  }
}

function fail(request: Request, error: Error): void {
  if (request.failed || request.remaining === 0) return;
  request.failed = true;
  request.reject(error);
}
