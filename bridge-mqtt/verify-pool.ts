// Device signature verification off the main thread (README.md, Verification workers). Signature
// checks dominate the bridge's cost (libsodium's ed25519 ~70 µs of a quiet core, the target is
// 10,000 readings/s per node), so `mqtt.verify_workers` threads verify them while the main thread
// runs the broker, the pipeline and LevelDB. verify_workers = 0 verifies on the main thread (small
// nodes, tests).
//
// The reading path is lean on purpose: a reading's signature, signed bytes and key are written
// straight into the current window's buffer (no job object, no promise per reading: `check` answers a
// callback), a window goes to one idle worker as one transferable buffer, and the worker answers
// its verdicts in the same buffer, which comes back to be reused. Each message to a worker costs a
// thread wake-up on both sides (~100-300 µs of CPU here under load: a worker answering 5 signatures
// a message spent 130 µs per signature against 90 for the same verifications in a loop), so a window
// is not split over the workers: it waits for an idle one, and while both are busy it keeps growing
// (up to MAX_DEVICE_BATCH_JOBS) instead of queueing small messages.
import { Worker } from "node:worker_threads";
import type { DevicePublicKey } from "../modules/device/codec.ts";
import { DEVICE_SIGNATURE_BYTES, verifyDeviceSignature } from "./device-signature.ts";
import { BridgeUnavailable } from "./errors.ts";

/** The scheme byte of a job is the index of its key type here (verify-worker.ts reads it back). */
export const DEVICE_KEY_SCHEMES = [
  "ed25519",
  "p256",
  "secp256k1",
] as const satisfies readonly DevicePublicKey["type"][];

/** Readings per message to a worker: ~128 × 90 µs (ed25519 on a busy machine) = 12 ms of work,
 * small beside the 100 ms PUBACK p99 target, while a message's wake-ups are spread over 128. */
export const MAX_DEVICE_BATCH_JOBS = 128;
/** How long the first reading of a window waits for others before going to an idle worker, ms.
 * Readings arrive a few per event-loop turn at 1 Hz per device; at 10,000 readings/s an 8 ms window
 * carries ~80 signatures (~7 ms of one worker, so the second worker takes what comes meanwhile),
 * small beside the 100 ms PUBACK target; at 4 ms, a microbenchmark at ~4,000 readings/s sent 20 a
 * message against ~40 at 8-10 ms. While every worker is busy the window stays open past this. */
export const DEVICE_BATCH_WINDOW_MS = 8;
/** Readings waiting for a worker: 2 s of the 10,000 readings/s target, about 1.2 s of two cores'
 * ed25519 verification. Past it the reading is not acknowledged (BridgeUnavailable queue_full) and
 * the device resends, rather than the bridge queueing without bound. */
export const MAX_QUEUED_DEVICE_VERIFICATIONS = 20_000;
/** Bytes of one window's buffer: 128 readings of ~300 signed bytes fit; a window whose next job
 * does not fit goes as it is (a job is at most ~12 KB: 7 + 3 × 4,096). */
const WINDOW_BYTES = 64 * 1024;
/** Window buffers kept for reuse once their worker answered (two per worker is all that turns). */
const SPARE_WINDOWS = 4;

/** Buffer layout (verify-worker.ts reads it): u32 job count, then one verdict byte per job slot
 * (MAX_DEVICE_BATCH_JOBS: the worker writes 1 for valid), then the jobs: u8 scheme, u16 signature
 * length, u16 key length, u16 message length (big-endian), then signature, key and message. */
export const WINDOW_VERDICTS_AT = 4;
export const WINDOW_JOBS_AT = WINDOW_VERDICTS_AT + MAX_DEVICE_BATCH_JOBS;
export const WINDOW_JOB_HEADER_BYTES = 7;
const MAX_FIELD_BYTES = 0xffff;

/** A verification's answer: an error (BridgeUnavailable queue_full, stopped, verifier_failed) when it
 * cannot answer now, else whether the signature is valid. */
export type VerifyDone = (error: BridgeUnavailable | undefined, valid: boolean) => void;

export interface DeviceVerifier {
  /** Worker threads (0: the main thread verifies). */
  readonly workers: number;
  /** Whether `signature` is the device key's signature of `message`. Rejects with BridgeUnavailable
   * (queue_full, stopped, verifier_failed) when it cannot answer now; never for a bad signature. */
  verify(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean>;
  /** The same answer through `done` (the reading path: no promise per reading), timed into the
   * `observe` hook of startDeviceVerifier. `done` may be called before check returns. */
  check(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array, done: VerifyDone): void;
  /** Starts the worker threads if they are not running yet: a device logged in and its readings
   * follow. A thread takes ~0.1-0.7 s to start (module loading, libsodium); started by the first
   * reading instead, it held that reading and every one behind it, the worst PUBACKs of a run. */
  warm(): void;
  /** Signatures verified so far, the messages to workers they took (0 on the main thread), the
   * signatures waiting for a worker, and the worker threads started. */
  stats(): { verified: number; batches: number; queued: number; threads: number };
  close(): Promise<void>;
}

export interface DeviceVerifierOptions {
  /** Seconds from each `check` to its answer, waiting for a worker included (verify_seconds). */
  observe?: (seconds: number) => void;
}

export function startDeviceVerifier(workers: number, options: DeviceVerifierOptions = {}): DeviceVerifier {
  return workers === 0 ? new MainThreadVerifier(options) : new PooledDeviceVerifier(workers, options);
}

const stopped = () => new BridgeUnavailable("stopped", "signature verifier is closed");

function promised(check: (done: VerifyDone) => void): Promise<boolean> {
  return new Promise((resolve, reject) => check((error, valid) => (error ? reject(error) : resolve(valid))));
}

class MainThreadVerifier implements DeviceVerifier {
  readonly workers = 0;
  readonly #observe: ((seconds: number) => void) | undefined;
  #verified = 0;
  #closed = false;

  constructor(options: DeviceVerifierOptions) {
    this.#observe = options.observe;
  }

  verify(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (this.#closed) return Promise.reject(stopped());
    this.#verified++;
    return Promise.resolve(verifyDeviceSignature(publicKey, message, signature));
  }

  check(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array, done: VerifyDone): void {
    if (this.#closed) {
      done(stopped(), false);
      return;
    }
    this.#verified++;
    const started = this.#observe === undefined ? 0 : performance.now();
    const valid = verifyDeviceSignature(publicKey, message, signature);
    this.#observe?.((performance.now() - started) / 1000);
    done(undefined, valid);
  }

  warm(): void {}

  stats() {
    return { verified: this.#verified, batches: 0, queued: 0, threads: 0 };
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** Signatures written into one buffer for one worker message. */
class Window {
  readonly buffer: ArrayBuffer;
  readonly bytes: Uint8Array;
  count = 0;
  offset = WINDOW_JOBS_AT;
  readonly answers: VerifyDone[] = [];
  /** performance.now() at each timed job's check, NaN for untimed ones (verify). */
  readonly started: number[] = [];

  constructor(buffer: ArrayBuffer) {
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
  }

  fits(bytes: number): boolean {
    return this.count < MAX_DEVICE_BATCH_JOBS && this.offset + bytes <= WINDOW_BYTES;
  }

  add(scheme: number, signature: Uint8Array, key: Uint8Array, message: Uint8Array): void {
    const start = this.offset;
    this.bytes[start] = scheme;
    const at = this.#put(signature, start + 1, start + WINDOW_JOB_HEADER_BYTES);
    this.offset = this.#put(message, start + 5, this.#put(key, start + 3, at));
    this.count++;
  }

  /** Writes `field`'s length (u16, big-endian) at `lengthAt` and its bytes at `at`; returns their end. */
  #put(field: Uint8Array, lengthAt: number, at: number): number {
    this.bytes[lengthAt] = field.length >>> 8;
    this.bytes[lengthAt + 1] = field.length & 0xff;
    this.bytes.set(field, at);
    return at + field.length;
  }
}

interface PoolWorker {
  worker: Worker;
  /** The window it is verifying (one at a time). */
  window: Window | undefined;
}

class PooledDeviceVerifier implements DeviceVerifier {
  readonly workers: number;
  readonly #observe: ((seconds: number) => void) | undefined;
  readonly #threads: PoolWorker[] = [];
  /** The window readings are written into now. */
  #open: Window | undefined;
  /** Full windows waiting for a worker, oldest first. */
  readonly #full: Window[] = [];
  /** The open window's wait is over: it goes to the next idle worker. */
  #due = false;
  #timer: NodeJS.Timeout | undefined;
  readonly #spare: ArrayBuffer[] = [];
  /** Readings in the open and full windows, and in the windows the workers verify. */
  #waiting = 0;
  #inFlight = 0;
  #verified = 0;
  #batches = 0;
  #closed = false;

  constructor(workers: number, options: DeviceVerifierOptions) {
    this.workers = workers;
    this.#observe = options.observe;
  }

  verify(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    return promised((done) => this.#enqueue(publicKey, message, signature, done, false));
  }

  check(publicKey: DevicePublicKey, message: Uint8Array, signature: Uint8Array, done: VerifyDone): void {
    this.#enqueue(publicKey, message, signature, done, this.#observe !== undefined);
  }

  #enqueue(
    publicKey: DevicePublicKey,
    message: Uint8Array,
    signature: Uint8Array,
    done: VerifyDone,
    timed: boolean,
  ): void {
    if (this.#closed) {
      done(stopped(), false);
      return;
    }
    // The bound counts every reading not yet answered, so the one past it is refused at once.
    if (this.#waiting + this.#inFlight >= MAX_QUEUED_DEVICE_VERIFICATIONS) {
      const message = `verification queue is full (${MAX_QUEUED_DEVICE_VERIFICATIONS} signatures)`;
      done(new BridgeUnavailable("queue_full", message), false);
      return;
    }
    const key = publicKey.key;
    // What a worker would refuse anyway (a signature of another length), or cannot be framed
    // (fields over 64 KiB: no reading has them), is answered here with the same verdict.
    if (
      signature.length !== DEVICE_SIGNATURE_BYTES ||
      key.length > MAX_FIELD_BYTES ||
      message.length > MAX_FIELD_BYTES
    ) {
      this.#verified++;
      done(undefined, verifyDeviceSignature(publicKey, message, signature));
      return;
    }
    const size = WINDOW_JOB_HEADER_BYTES + signature.length + key.length + message.length;
    if (this.#open !== undefined && !this.#open.fits(size)) this.#seal();
    const window = (this.#open ??= new Window(this.#spare.pop() ?? new ArrayBuffer(WINDOW_BYTES)));
    window.add(DEVICE_KEY_SCHEMES.indexOf(publicKey.type), signature, key, message);
    window.answers.push(done);
    window.started.push(timed ? performance.now() : Number.NaN);
    this.#waiting++;
    if (!window.fits(0)) this.#seal();
    if (this.#full.length > 0) this.#dispatch();
    if (this.#open !== undefined && !this.#due)
      this.#timer ??= setTimeout(this.#onWindowEnd, DEVICE_BATCH_WINDOW_MS);
  }

  /** The open window is full: it queues for a worker, and the next reading opens a window of its own. */
  #seal(): void {
    this.#full.push(this.#open!);
    this.#open = undefined;
    this.#due = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #onWindowEnd = (): void => {
    this.#timer = undefined;
    this.#due = true;
    this.#dispatch();
  };

  /** Threads start with the first device login (warm) or reading, not with the bridge: each costs
   * ~27 MB, and a validator without devices never needs them (docs/PERFORMANCE.md, "Devnet"). */
  warm(): void {
    if (this.#closed) return;
    while (this.#threads.length < this.workers) this.#threads.push(this.#spawn());
  }

  /** Hands full windows, then the open one once due, to idle workers. */
  #dispatch(): void {
    if (this.#closed) return;
    this.warm();
    for (const thread of this.#threads) {
      if (thread.window !== undefined) continue;
      let window = this.#full.shift();
      if (window === undefined && this.#due && this.#open !== undefined) {
        window = this.#open;
        this.#open = undefined;
        this.#due = false;
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      if (window === undefined) return;
      this.#waiting -= window.count;
      this.#inFlight += window.count;
      thread.window = window;
      thread.worker.ref();
      new DataView(window.buffer).setUint32(0, window.count);
      thread.worker.postMessage(window.buffer, [window.buffer]);
    }
  }

  #spawn(): PoolWorker {
    const worker = new Worker(new URL("./verify-worker.ts", import.meta.url));
    // Referenced only while it verifies: an idle pool never keeps the process alive.
    worker.unref();
    const thread: PoolWorker = { worker, window: undefined };
    worker.on("message", (buffer: ArrayBuffer) => this.#onAnswer(thread, buffer));
    worker.on("error", (error) => this.#onWorkerDied(thread, error));
    worker.on("exit", (code) => this.#onWorkerDied(thread, new Error(`worker exited with code ${code}`)));
    return thread;
  }

  #onAnswer(thread: PoolWorker, buffer: ArrayBuffer): void {
    const window = thread.window;
    if (window === undefined) return;
    thread.window = undefined;
    thread.worker.unref();
    this.#inFlight -= window.count;
    this.#verified += window.count;
    this.#batches++;
    // Keep the workers busy before answering the readings.
    this.#dispatch();
    const verdicts = new Uint8Array(buffer, WINDOW_VERDICTS_AT, window.count);
    const now = this.#observe === undefined ? 0 : performance.now();
    const { answers, started } = window;
    for (let i = 0; i < window.count; i++) {
      const at = started[i]!;
      if (!Number.isNaN(at)) this.#observe!((now - at) / 1000);
      answers[i]!(undefined, verdicts[i] === 1);
    }
    if (this.#spare.length < SPARE_WINDOWS) this.#spare.push(buffer);
  }

  #onWorkerDied(thread: PoolWorker, error: Error): void {
    const position = this.#threads.indexOf(thread);
    if (position < 0) return; // already replaced, or the pool is closing
    const window = thread.window;
    thread.window = undefined;
    if (window !== undefined) this.#inFlight -= window.count;
    void thread.worker.terminate();
    if (!this.#closed) {
      this.#threads[position] = this.#spawn();
      this.#dispatch();
    }
    if (window === undefined) return;
    const failure = new BridgeUnavailable("verifier_failed", `verification worker failed: ${error.message}`);
    for (const answer of window.answers) answer(failure, false);
  }

  stats() {
    return {
      verified: this.#verified,
      batches: this.#batches,
      queued: this.#waiting,
      threads: this.#threads.length,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const windows = [...this.#full.splice(0)];
    if (this.#open !== undefined) windows.push(this.#open);
    this.#open = undefined;
    this.#waiting = 0;
    this.#inFlight = 0;
    const threads = this.#threads.splice(0);
    for (const thread of threads) {
      if (thread.window !== undefined) windows.push(thread.window);
      thread.window = undefined;
    }
    const failure = stopped();
    for (const window of windows) for (const answer of window.answers) answer(failure, false);
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
  }
}
