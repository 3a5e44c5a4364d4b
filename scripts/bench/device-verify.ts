// Device signature verification: one core (the main thread, cached KeyObjects) beside the bridge's
// worker pool (bridge-mqtt/verify-pool.ts), for ed25519 and P-256 device keys over reading-sized
// messages. The pool is fed as the broker feeds it: a burst of readings per event-loop turn, each
// its own verify() call, with a bounded number outstanding. Ceilings (reference/baselines.md):
// ed25519 8,183/s on one core, 15,954/s in two worker threads; P-256 13,453/s on one core.
// `node scripts/bench/device-verify.ts [--workers N] [--ms M]` (--help lists the flags)
import { generateKeyPairSync, sign } from "node:crypto";
import { verifyDeviceSignature } from "../../bridge-mqtt/device-signature.ts";
import { startDeviceVerifier } from "../../bridge-mqtt/verify-pool.ts";
import type { DevicePublicKey } from "../../modules/device/codec.ts";
import { benchCommand, runBenchMain } from "./args.ts";

interface Job {
  publicKey: DevicePublicKey;
  message: Uint8Array;
  signature: Uint8Array;
}

/** Distinct devices in the run: each worker builds each KeyObject once, as with real devices. */
const DEVICES = 500;
/** Readings handed to the pool per event-loop turn (one socket read's worth across devices). */
const READINGS_PER_TURN = 100;
/** Verifications outstanding at most: below the pool's queue bound, like a loaded bridge. */
const MAX_OUTSTANDING = 4_000;

function jobs(type: "ed25519" | "p256"): Job[] {
  const out: Job[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const { privateKey, publicKey } =
      type === "ed25519"
        ? generateKeyPairSync("ed25519")
        : generateKeyPairSync("ec", { namedCurve: "P-256" });
    const spki = publicKey.export({ format: "der", type: "spki" });
    // ed25519: the last 32 bytes; P-256: compress the 65-byte point at the end of the SPKI.
    let key: Uint8Array;
    if (type === "ed25519") key = spki.subarray(spki.length - 32);
    else {
      const point = spki.subarray(spki.length - 65);
      key = Buffer.concat([Buffer.of(2 + (point[64]! & 1)), point.subarray(1, 33)]);
    }
    const message = Buffer.alloc(140, i & 0xff);
    const signature =
      type === "ed25519"
        ? sign(null, message, privateKey)
        : sign("sha256", message, { key: privateKey, dsaEncoding: "ieee-p1363" });
    out.push({ publicKey: { type, key }, message, signature });
  }
  return out;
}

/** CPU seconds this process (all its threads) used since `since`. */
const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const { user, system } = process.cpuUsage(since);
  return (user + system) / 1e6;
};

/** Per wall-clock second, and per CPU second of the whole process: on a shared, busy machine the
 * second is the steadier figure (what each verification costs, batching and messages included). */
interface Rate {
  wall: number;
  cpu: number;
}

function oneCore(all: Job[], ms: number): Rate {
  for (const job of all)
    if (!verifyDeviceSignature(job.publicKey, job.message, job.signature)) throw new Error("bad");
  let count = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < ms) {
    const job = all[count % all.length]!;
    verifyDeviceSignature(job.publicKey, job.message, job.signature);
    count++;
  }
  return { wall: (count * 1000) / (performance.now() - start), cpu: count / cpuSeconds(cpu) };
}

async function pool(all: Job[], workers: number, ms: number): Promise<{ rate: Rate; batch: number }> {
  const verifier = startDeviceVerifier(workers);
  try {
    // Warm-up: every worker builds its KeyObjects.
    await Promise.all(all.map((job) => verifier.verify(job.publicKey, job.message, job.signature)));
    const before = verifier.stats();
    let outstanding = 0;
    let done = 0;
    let next = 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    await new Promise<void>((resolve) => {
      // A turn submits a burst, then yields to the event loop (the pool's batching point). At
      // MAX_OUTSTANDING it does not spin: completions start the next turn.
      let scheduled = false;
      const schedule = () => {
        if (scheduled) return;
        scheduled = true;
        setImmediate(turn);
      };
      const turn = () => {
        scheduled = false;
        if (performance.now() - start >= ms) {
          if (outstanding === 0) resolve();
          return;
        }
        for (let i = 0; i < READINGS_PER_TURN && outstanding < MAX_OUTSTANDING; i++) {
          const job = all[next++ % all.length]!;
          outstanding++;
          verifier.verify(job.publicKey, job.message, job.signature).then((valid) => {
            if (!valid) throw new Error("a valid signature failed");
            outstanding--;
            done++;
            if (performance.now() - start >= ms) {
              if (outstanding === 0) resolve();
            } else if (outstanding < MAX_OUTSTANDING / 2) schedule();
          });
        }
        if (outstanding < MAX_OUTSTANDING) schedule();
      };
      turn();
    });
    const elapsed = performance.now() - start;
    const cpuUsed = cpuSeconds(cpu);
    const after = verifier.stats();
    return {
      rate: { wall: (done * 1000) / elapsed, cpu: done / cpuUsed },
      batch: (after.verified - before.verified) / Math.max(1, after.batches - before.batches),
    };
  } finally {
    await verifier.close();
  }
}

export async function runDeviceVerifyBench(options: { workers?: number; ms?: number }): Promise<void> {
  const workers = options.workers ?? 2;
  const ms = options.ms ?? 2000;
  const ceilings = { ed25519: 8_183, p256: 13_453 };
  console.log(`device signature verification, ${DEVICES} devices, 140-byte messages, ${ms} ms per figure`);
  for (const type of ["ed25519", "p256"] as const) {
    const all = jobs(type);
    const single = oneCore(all, ms);
    const pooled = await pool(all, workers, ms);
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    console.log(
      `  ${type.padEnd(8)} one core ${fmt(single.wall)}/s (baseline ${fmt(ceilings[type])}/s, ${(single.wall / ceilings[type]).toFixed(2)}x)` +
        ` | pool of ${workers} ${fmt(pooled.rate.wall)}/s = ${(pooled.rate.wall / single.wall).toFixed(2)}x one core,` +
        ` ${pooled.batch.toFixed(1)} signatures per message`,
    );
    console.log(
      `           per CPU second: one core ${fmt(single.cpu)}, pool ${fmt(pooled.rate.cpu)} (all threads;` +
        ` ${((pooled.rate.cpu / single.cpu) * 100).toFixed(0)}% of the main-thread efficiency)`,
    );
  }
}

export const deviceVerifyBenchCommand = benchCommand({
  name: "device-verify",
  summary:
    "Device signature verification (ed25519, P-256) on one core beside the bridge's worker pool,\nfed as the broker feeds it.",
  flags: {
    workers: { type: "integer", default: 2, description: "verification worker threads of the pool" },
    ms: { type: "integer", default: 2000, description: "milliseconds each rate is measured for" },
  },
  run: (flags) => runDeviceVerifyBench({ workers: flags.workers, ms: flags.ms }),
});

if (import.meta.main) await runBenchMain(deviceVerifyBenchCommand);
