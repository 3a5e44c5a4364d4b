// Device signature verification off the main thread (README.md, Verification workers). Signature
// checks dominate the bridge's cost (ed25519 ~8,000/s of one core with node:crypto, the target is
// 10,000 readings/s per node), so `mqtt.verify_workers` threads verify them with cached KeyObjects
// while the main thread runs the broker, the pipeline and LevelDB. Readings arriving in the same
// event-loop turn share one postMessage (chain/crypto/verify-pool.ts batches and bounds the queue).
// verify_workers = 0 verifies on the main thread (small nodes, tests).
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
/** Batches handed to one worker at a time: one it verifies, one waiting, so it never idles while the
 * main thread is busy with LevelDB and sockets and cannot post the next one. */
export const MAX_DEVICE_BATCHES_PER_WORKER = 2;
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

class PooledDeviceVerifier implements DeviceVerifier {
  readonly workers: number;
  readonly #pool: BatchVerifyPool;

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

  async verify(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const scheme = DEVICE_KEY_SCHEMES.indexOf(publicKey.type);
    try {
      const [valid] = await this.#pool.verify([{ scheme, signature, message, publicKey: publicKey.key }]);
      return valid === true;
    } catch (error) {
      if (!(error instanceof VerifyPoolError)) throw error;
      throw new BridgeUnavailable(
        error.code === "pool_busy"
          ? "queue_full"
          : error.code === "pool_closed"
            ? "stopped"
            : "verifier_failed",
        error.message,
      );
    }
  }

  stats() {
    return { verified: this.#pool.verified, batches: this.#pool.batches, queued: this.#pool.queued };
  }

  close(): Promise<void> {
    return this.#pool.close();
  }
}
