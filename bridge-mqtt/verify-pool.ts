// Device signature verification off the main thread (README.md, Verification workers). Signature
// checks dominate the bridge's cost (ed25519 ~8,000/s of one core with node:crypto, the target is
// 10,000 readings/s per node), so `mqtt.verify_workers` threads verify them with cached KeyObjects
// while the main thread runs the broker, the pipeline and LevelDB. Readings arriving within
// DEVICE_BATCH_WINDOW_MS share one request to the pool (chain/crypto/verify-pool.ts sends it to the
// workers in as few messages as their free slots allow and bounds the queue).
// verify_workers = 0 verifies on the main thread (small nodes, tests).
import type { VerifyJob } from "../chain/crypto/verify-batch.ts";
import { BatchVerifyPool, VerifyPoolError } from "../chain/crypto/verify-pool.ts";
import type { DevicePublicKey } from "../modules/device/codec.ts";
import { verifyDeviceSignature } from "./device-signature.ts";
import { BridgeUnavailable } from "./errors.ts";

/** The scheme byte of a job is the index of its key type here (verify-worker.ts reads it back). */
export const DEVICE_KEY_SCHEMES = [
  "ed25519",
  "p256",
  "secp256k1",
] as const satisfies readonly DevicePublicKey["type"][];

/** Readings per message to a worker: ~128 × 125 µs (ed25519) = 16 ms of work, small beside the
 * 100 ms PUBACK p99 target, while the ~30 µs postMessage round trip is spread over 128 readings. */
export const MAX_DEVICE_BATCH_JOBS = 128;
/** Batches handed to one worker at a time. The pool spreads a request over every free slot, so with
 * 2 per worker a window's readings went out in 4 messages (postMessage, the worker's wake-up and its
 * answer were 10% of the main thread at 3,000 readings/s); with 1, in 2. What queues while a worker
 * is busy goes in one message when it answers. At 10,000 readings/s the two workers are busy ~35% of
 * the time, so the round trip they wait for costs no throughput the target needs. */
export const MAX_DEVICE_BATCHES_PER_WORKER = 1;
/** How long the first reading of a batch waits for others before going to the pool, ms. Readings
 * arrive a few per event-loop turn at 1 Hz per device, and each postMessage (with the worker's
 * wake-up and answer) cost ~100 µs of main-thread CPU on the shared machine: 2.9 signatures per
 * message at 2,000 readings/s made it the second item of the profile. 2 ms is small beside the
 * group commit window and the 100 ms PUBACK target. */
export const DEVICE_BATCH_WINDOW_MS = 4;
/** Readings waiting for a worker: 2 s of the 10,000 readings/s target, about 1.2 s of two cores'
 * ed25519 verification. Past it the reading is not acknowledged (BridgeUnavailable queue_full) and
 * the device resends, rather than the bridge queueing without bound. */
export const MAX_QUEUED_DEVICE_VERIFICATIONS = 20_000;

export interface DeviceVerifier {
  /** Worker threads (0: the main thread verifies). */
  readonly workers: number;
  /** Whether `signature` is the device key's signature of `message`. Throws BridgeUnavailable
   * (queue_full, stopped, verifier_failed) when it cannot answer now; never for a bad signature. */
  verify(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** Signatures verified so far, and the messages to workers they took (0 on the main thread). */
  stats(): { verified: number; batches: number; queued: number };
  close(): Promise<void>;
}

export function startDeviceVerifier(workers: number): DeviceVerifier {
  return workers === 0 ? mainThreadVerifier() : new PooledDeviceVerifier(workers);
}

function mainThreadVerifier(): DeviceVerifier {
  let verified = 0;
  let closed = false;
  return {
    workers: 0,
    verify(publicKey, message, signature) {
      if (closed) return Promise.reject(new BridgeUnavailable("stopped", "signature verifier is closed"));
      verified++;
      return Promise.resolve(verifyDeviceSignature(publicKey, message, signature));
    },
    stats: () => ({ verified, batches: 0, queued: 0 }),
    async close() {
      closed = true;
    },
  };
}

interface WaitingJob {
  job: VerifyJob;
  resolve: (valid: boolean) => void;
  reject: (error: Error) => void;
}

class PooledDeviceVerifier implements DeviceVerifier {
  readonly workers: number;
  readonly #pool: BatchVerifyPool;
  /** Readings of the current window (at most MAX_DEVICE_BATCH_JOBS: a full window goes at once). */
  #window: WaitingJob[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(workers: number) {
    this.workers = workers;
    this.#pool = new BatchVerifyPool({
      workerUrl: new URL("./verify-worker.ts", import.meta.url),
      size: workers,
      maxBatchJobs: MAX_DEVICE_BATCH_JOBS,
      maxBatchesPerWorker: MAX_DEVICE_BATCHES_PER_WORKER,
      maxQueuedJobs: MAX_QUEUED_DEVICE_VERIFICATIONS,
      // Readings arrive one socket read at a time: wait for the rest of the I/O phase so that the
      // readings of many devices go to a worker in one message.
      coalesce: "immediate",
    });
  }

  verify(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const scheme = DEVICE_KEY_SCHEMES.indexOf(publicKey.type);
    // The bound counts the window too, so the reading past it is refused at once, as before.
    if (this.#pool.queued + this.#window.length >= MAX_QUEUED_DEVICE_VERIFICATIONS)
      return Promise.reject(
        new BridgeUnavailable(
          "queue_full",
          `verification queue is full (${MAX_QUEUED_DEVICE_VERIFICATIONS} signatures)`,
        ),
      );
    return new Promise((resolve, reject) => {
      this.#window.push({ job: { scheme, signature, message, publicKey: publicKey.key }, resolve, reject });
      if (this.#window.length >= MAX_DEVICE_BATCH_JOBS) this.#send();
      else this.#timer ??= setTimeout(() => this.#send(), DEVICE_BATCH_WINDOW_MS);
    });
  }

  /** Hands the window's readings to the pool as one request. */
  #send(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const waiting = this.#window;
    this.#window = [];
    this.#pool.verify(waiting.map(({ job }) => job)).then(
      (verdicts) => {
        for (const [i, { resolve }] of waiting.entries()) resolve(verdicts[i] === true);
      },
      (error: unknown) => {
        const failure =
          error instanceof VerifyPoolError
            ? new BridgeUnavailable(
                error.code === "pool_busy"
                  ? "queue_full"
                  : error.code === "pool_closed"
                    ? "stopped"
                    : "verifier_failed",
                error.message,
              )
            : (error as Error);
        for (const { reject } of waiting) reject(failure);
      },
    );
  }

  stats() {
    return { verified: this.#pool.verified, batches: this.#pool.batches, queued: this.#pool.queued };
  }

  close(): Promise<void> {
    if (this.#window.length > 0) this.#send(); // answered by the closing pool: stopped
    return this.#pool.close();
  }
}
