// A bounded pool of worker threads that verify signatures in batches, used by the node's secp256k1
// tx pool (secp256k1-pool.ts). The MQTT bridge has its own leaner pool (bridge-mqtt/verify-pool.ts:
// one window buffer per message, no job objects), tuned for many small readings per message.
// Callers hand in jobs; calls made close together are coalesced into batches (one postMessage per
// batch, bytes packed in one transferable buffer: verify-batch.ts) spread over the workers. What a
// verdict means is the worker file's: this class only moves jobs and verdicts and bounds the queue.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type BatchRequest, type BatchResult, packJobs, type VerifyJob } from "./verify-batch.ts";

export type { VerifyJob } from "./verify-batch.ts";

export class VerifyPoolError extends Error {
  /** pool_closed: close() was called; pool_busy: the queue is at its bound;
   * worker_failed: the worker verifying the job died (it is replaced). */
  readonly code: "pool_closed" | "pool_busy" | "worker_failed";
  constructor(code: VerifyPoolError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

export interface BatchVerifyPoolOptions {
  /** The worker file (it calls serveVerifyBatches). */
  workerUrl: URL;
  /** Worker threads; default os.availableParallelism(). */
  size?: number;
  /** Jobs per message to a worker. */
  maxBatchJobs: number;
  /** Batches handed to one worker at a time (one it verifies, the next already waiting). */
  maxBatchesPerWorker: number;
  /** Jobs waiting for a worker; past it verify() refuses with pool_busy. */
  maxQueuedJobs: number;
  /** When calls are gathered into batches: "microtask" batches calls of the same tick (a block's
   * txs, a burst of RPC requests); "immediate" also waits for the rest of the event loop's I/O
   * phase, so readings arriving on many sockets at once share a message. */
  coalesce?: "microtask" | "immediate";
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
  job: VerifyJob;
}

interface PoolWorker {
  worker: Worker;
  inFlight: Map<number, Entry[]>;
}

export class BatchVerifyPool {
  readonly size: number;
  readonly #options: BatchVerifyPoolOptions;
  readonly #workers: PoolWorker[] = [];
  #queue: Entry[] = [];
  #queueHead = 0;
  #nextBatchId = 0;
  #flushScheduled = false;
  #closed = false;
  #verified = 0;
  #batches = 0;
  #live = 0;

  constructor(options: BatchVerifyPoolOptions) {
    this.#options = options;
    this.size = Math.max(1, options.size ?? availableParallelism());
  }

  /** Signatures verified so far (for metrics and the benchmark). */
  get verified(): number {
    return this.#verified;
  }

  /** Batches (messages to workers) answered so far: verified / batches is the mean batch size. */
  get batches(): number {
    return this.#batches;
  }

  /** Worker threads started and not yet exited: 0 until the first job, and once close() has resolved. */
  get liveWorkers(): number {
    return this.#live;
  }

  get queued(): number {
    return this.#queue.length - this.#queueHead;
  }

  /** Verdicts in job order. Rejects with VerifyPoolError (pool_closed, pool_busy, worker_failed). */
  verify(jobs: readonly VerifyJob[]): Promise<boolean[]> {
    if (this.#closed)
      return Promise.reject(new VerifyPoolError("pool_closed", "verification pool is closed"));
    if (jobs.length === 0) return Promise.resolve([]);
    const { maxQueuedJobs } = this.#options;
    if (this.queued + jobs.length > maxQueuedJobs)
      return Promise.reject(
        new VerifyPoolError("pool_busy", `verification queue is full (${maxQueuedJobs} signatures)`),
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
        const flush = () => {
          this.#flushScheduled = false;
          this.#flush();
        };
        if (this.#options.coalesce === "immediate") setImmediate(flush);
        else queueMicrotask(flush);
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
    const worker = new Worker(this.#options.workerUrl);
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
    if (this.#closed) return;
    // Threads start with the first job, not with the pool: each costs ~27 MB, and a node that
    // takes no txs (a follower, a tool) never needs them (docs/PERFORMANCE.md, "Devnet").
    while (this.#workers.length < this.size) this.#workers.push(this.#spawn());
    const { maxBatchJobs, maxBatchesPerWorker } = this.#options;
    while (this.queued > 0) {
      let target: PoolWorker | undefined;
      let freeSlots = 0;
      for (const candidate of this.#workers) {
        const free = maxBatchesPerWorker - candidate.inFlight.size;
        if (free <= 0) continue;
        freeSlots += free;
        if (target === undefined || candidate.inFlight.size < target.inFlight.size) target = candidate;
      }
      if (target === undefined) return;
      // Spread a small queue over every free slot instead of handing it all to one worker.
      const count = Math.min(maxBatchJobs, Math.ceil(this.queued / freeSlots));
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
    this.#batches++;
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
