// Where a reading's time in the bridge goes (`bridge-load.ts --stages`): for every reading, from the
// pipeline's signature check to its durable write (after which the tap writes its PUBACK in the same
// call), split at the verify window's message to a worker, the worker's answer, the store's append
// and the start of the LevelDB batch write that carried it. Each stage's distribution, and its mean's
// share of the total, tell the waiting (window timer, the end of the event-loop turn, a write in progress,
// the main thread's turn) from the working (verify, write and fsync). Patches the verifier and store
// instances, db.batch and Worker.prototype while it records (bench use only).
import { Worker } from "node:worker_threads";
import type { ReadingStore } from "../../bridge-mqtt/reading-store.ts";
import type { DeviceVerifier } from "../../bridge-mqtt/verify-pool.ts";
import type { Database } from "../../chain/store/db.ts";
import { formatLatency, LatencyHistogram } from "../devices/latency.ts";

/** The stages, in order: each ends where the next begins. */
const STAGES = [
  ["window wait", "check → window sent to a worker (window timer, or no idle worker)"],
  ["verify", "window sent → its answer handled (the worker's verify, messages, the main thread's turn)"],
  ["to store", "verdict → store append (replay check; a first reading waits for its device's load)"],
  ["commit wait", "append → its batch write starts (the end of the event-loop turn, or a write in progress)"],
  ["write", "batch write → durable and acknowledged (LevelDB write + fsync, the main thread's turn)"],
] as const;

interface Stamps {
  checked: number;
  posted: number;
  verdict: number;
}

export interface StageRecorder {
  stop(): void;
  report(): string[];
}

export function recordReadingStages(
  verifier: DeviceVerifier,
  store: ReadingStore,
  db: Database,
): StageRecorder {
  const histograms = STAGES.map(() => new LatencyHistogram());
  const sums = STAGES.map(() => 0);
  const total = new LatencyHistogram();
  let totalSum = 0;
  /** By the reading's signature (the pipeline checks reading.signature and appends the same reading). */
  const stamps = new WeakMap<Uint8Array, Stamps>();
  const posted = new WeakMap<Worker, number>();
  /** When the window whose answers are being handled now was sent. */
  let answering = Number.NaN;
  /** Start of the batch write in progress (the store writes one batch at a time). */
  let writeStarted = Number.NaN;
  let writes = 0;

  const post = Worker.prototype.postMessage;
  const emit = Worker.prototype.emit;
  Worker.prototype.postMessage = function stagedPost(this: Worker, value: unknown, transfer?: unknown) {
    if (value instanceof ArrayBuffer) posted.set(this, performance.now());
    return (post as (v: unknown, t?: unknown) => void).call(this, value, transfer);
  };
  Worker.prototype.emit = function stagedEmit(this: Worker, name: string | symbol, ...args: unknown[]) {
    if (name !== "message") return emit.call(this, name, ...args);
    answering = posted.get(this) ?? Number.NaN;
    try {
      return emit.call(this, name, ...args);
    } finally {
      answering = Number.NaN;
    }
  } as typeof emit;

  const batch = db.batch;
  db.batch = function stagedBatch(this: Database, ...args: unknown[]) {
    const chained = (batch as (...a: unknown[]) => ReturnType<Database["batch"]>).apply(this, args);
    const write = chained.write;
    chained.write = function stagedWrite(this: typeof chained, ...writeArgs: unknown[]) {
      writeStarted = performance.now();
      writes++;
      return (write as (...a: unknown[]) => Promise<void>).apply(this, writeArgs);
    } as typeof write;
    return chained;
  } as typeof db.batch;

  const check = verifier.check;
  verifier.check = (publicKey, message, signature, done) => {
    const entry: Stamps = { checked: performance.now(), posted: Number.NaN, verdict: Number.NaN };
    stamps.set(signature, entry);
    check.call(verifier, publicKey, message, signature, (error, valid) => {
      entry.posted = answering;
      entry.verdict = performance.now();
      done(error, valid);
    });
  };
  const add = store.add;
  store.add = (reading, bytes, done) => {
    const added = performance.now();
    add.call(store, reading, bytes, (error) => {
      const entry = stamps.get(reading.signature);
      if (error === undefined && entry !== undefined && !Number.isNaN(entry.posted)) {
        const end = performance.now();
        const bounds = [entry.checked, entry.posted, entry.verdict, added, writeStarted, end];
        for (let i = 0; i < STAGES.length; i++) {
          const ms = bounds[i + 1]! - bounds[i]!;
          histograms[i]!.add(ms);
          sums[i]! += ms;
        }
        total.add(end - entry.checked);
        totalSum += end - entry.checked;
      }
      done(error);
    });
  };

  return {
    stop() {
      Worker.prototype.postMessage = post;
      Worker.prototype.emit = emit;
      db.batch = batch;
      verifier.check = check;
      store.add = add;
    },
    report() {
      const count = total.count;
      const q = (h: LatencyHistogram) =>
        `p50 ${formatLatency(h.percentile(0.5))}, p90 ${formatLatency(h.percentile(0.9))}, p99 ${formatLatency(h.percentile(0.99))}, max ${h.maxMs.toFixed(1)}`;
      const lines = [
        `reading stages in the bridge, ms (${count} readings verified by workers and stored, ${writes} batch writes: ${(count / Math.max(1, writes)).toFixed(1)} readings each):`,
        `  total check → durable: mean ${(totalSum / Math.max(1, count)).toFixed(1)}, ${q(total)}`,
      ];
      STAGES.forEach(([name, what], i) => {
        const mean = sums[i]! / Math.max(1, count);
        lines.push(
          `  ${name}: mean ${mean.toFixed(1)} (${((100 * sums[i]!) / Math.max(1e-9, totalSum)).toFixed(0)}%), ${q(histograms[i]!)}; ${what}`,
        );
      });
      return lines;
    },
  };
}
