// The bridge alone under device load, for profiling (`node --cpu-prof scripts/bench/bridge-load.ts
// --devices 3000 --seconds 15`): the bridge in this process as a node runs it (aedes, pipeline,
// verify workers, LevelDB group commit with fsync) with the registry answered from memory instead of
// a chain, and the lean load generator (device-load.ts) in child processes. Prints this process's
// CPU per accepted reading (all threads: main, verify workers, LevelDB), the main thread's alone,
// the generator's CPU apart, PUBACK p50/p99, RSS, and anything not acknowledged. The full benchmark
// with a real node, registration by txs and the same-run ceilings is scripts/bench/bridge.ts.
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ClassicLevel } from "classic-level";
import { startBridge } from "../../bridge-mqtt/bridge.ts";
import type { HomePaths } from "../../chain/config/home.ts";
import { defaultConfigDocument, parseConfigDocument } from "../../chain/config/schema.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { pb } from "../../modules/device/codec.ts";
import { generateDevices, saveKeysFile } from "../devices/keys-file.ts";
import { formatLatency } from "../devices/latency.ts";
import { recordReadingStages, type StageRecorder } from "./bridge-stages.ts";
import { type GeneratorTimeline, recordNodeEvents, timelineReport } from "./bridge-timeline.ts";
import {
  DEFAULT_GENERATOR_PROCESSES,
  formatWarmup,
  processCount,
  runDeviceLoad,
  signingMode,
} from "./device-load.ts";

const CHAIN_ID = "bench-bridge-load";
const silent = { info() {}, warn() {}, error() {} };

export async function runBridgeLoad(options: {
  devices: number;
  seconds: number;
  /** Seconds of the same load before the window, reported apart (device-load.ts). */
  warmup?: number;
  rate: number;
  processes: number;
  verifyWorkers: number;
  /** Record and report where the slow PUBACKs come from (bridge-timeline.ts). */
  timeline?: boolean;
  /** Record and report how each reading's time in the bridge splits by stage (bridge-stages.ts). */
  stages?: boolean;
  /** The generator signs each reading as it sends it instead of before the run (device-load.ts). */
  liveSigning?: boolean;
  /** Called when the devices start sending and when they have stopped (profilers). */
  window?: { opened?: () => void | Promise<void>; closed?: () => void | Promise<void> };
}): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bridge-load-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  try {
    const devices = generateDevices("D035", options.devices);
    const keysFile = join(dir, "keys.json");
    saveKeysFile(keysFile, devices);
    const records = new Map(
      devices.map((device) => [
        device.id,
        pb.QueryDeviceResponse.encode({
          device: {
            id: device.id,
            owner: "sensor1bench",
            publicKey: { type: pb.KeyType.KEY_TYPE_ED25519, key: device.signer.publicKey },
            status: pb.DeviceStatus.DEVICE_STATUS_ACTIVE,
          },
        }).finish(),
      ]),
    );
    const config = {
      ...parseConfigDocument(defaultConfigDocument("bench"), {} as HomePaths).mqtt,
      verifyWorkers: options.verifyWorkers,
    };
    const bridge = await startBridge({
      db,
      config,
      home: dir,
      chainId: CHAIN_ID,
      listen: { host: "127.0.0.1", port: 0 },
      logger: silent,
      query: async (_path, data) => {
        const record = records.get(pb.QueryDeviceRequest.decode(data).deviceId);
        return record === undefined ? { code: 7, value: new Uint8Array() } : { code: 0, value: record };
      },
    });
    const memoryBefore = memorySample();
    let memoryIdle = memoryBefore;
    let cpu = process.cpuUsage();
    let thread = process.threadCpuUsage();
    let threadsBefore = threadCpuByName();
    let kernelBefore = threadCpuByName(process.pid, "kernel");
    let segmentsBefore = tcpSegmentsSent();
    let acceptedBefore = 0;
    let peak = procRssMb();
    let recorder: ReturnType<typeof recordNodeEvents> | undefined;
    let stages: StageRecorder | undefined;
    const sampler = setInterval(() => {
      const sample = procRssMb();
      if (sample.now > peak.now) peak = sample;
    }, 250);
    const load = await runDeviceLoad({
      port: bridge.port,
      chainId: CHAIN_ID,
      keysFile,
      count: options.devices,
      rate: options.rate,
      seconds: options.seconds,
      warmupSeconds: options.warmup ?? 0,
      processes: options.processes,
      liveSigning: options.liveSigning === true,
      ...(options.timeline === true ? { timelinePrefix: join(dir, "timeline") } : {}),
      onStart: () => {
        if (options.timeline === true) recorder = recordNodeEvents(db);
        memoryIdle = memorySample();
      },
      onSteady: () => {
        if (options.stages === true) stages = recordReadingStages(bridge.verifier, bridge.store, db);
        void options.window?.opened?.();
        cpu = process.cpuUsage();
        thread = process.threadCpuUsage();
        threadsBefore = threadCpuByName();
        kernelBefore = threadCpuByName(process.pid, "kernel");
        segmentsBefore = tcpSegmentsSent();
        acceptedBefore = bridge.counters.accepted;
      },
    });
    await options.window?.closed?.();
    recorder?.stop();
    stages?.stop();
    const used = process.cpuUsage(cpu);
    const threads = threadCpuByName();
    const kernel = threadCpuByName(process.pid, "kernel");
    const segments = tcpSegmentsSent() - segmentsBefore;
    const memoryEnd = memorySample();
    const mainThread = process.threadCpuUsage(thread);
    clearInterval(sampler);
    const accepted = bridge.counters.accepted - acceptedBefore;
    const perReading = (micros: number) => (accepted === 0 ? Number.NaN : micros / accepted);
    const stats = bridge.verifier.stats();
    console.log(
      [
        `bridge alone, ${options.devices} devices at ${options.rate}/s, ${options.seconds} s, ${options.verifyWorkers} verify workers, ` +
          `generator ${processCount(load.generatorProcesses)}, ${signingMode(load.liveSigning)}`,
        ...(load.warmup === undefined ? [] : [`  ${formatWarmup(load.warmup)}`]),
        `  PUBACKed ${load.acked} of ${load.sent} sent (${load.ackedPerSecond.toFixed(0)}/s of ${load.offeredPerSecond}/s offered); ` +
          `p50 ${formatLatency(load.p50Ms)} ms, p99 ${formatLatency(load.p99Ms)} ms, max ${load.maxMs.toFixed(1)} ms`,
        `  bridge CPU ${perReading(used.user + used.system).toFixed(0)} µs per reading (all threads), main thread ${perReading(mainThread.user + mainThread.system).toFixed(0)} µs; ` +
          `${(((used.user + used.system) / 1e6 / load.seconds) * 100).toFixed(0)}% of a core; RSS peak ${peak.now.toFixed(0)} MB (anonymous ${peak.anon.toFixed(0)}, file-backed ${peak.file.toFixed(0)})`,
        `  generator CPU ${((load.generatorCpuSeconds * 1e6) / Math.max(1, load.sent)).toFixed(0)} µs per reading sent (${((load.generatorCpuSeconds / load.seconds) * 100).toFixed(0)}% of a core)`,
        `  not acknowledged ${load.unacked}, skipped ${load.skipped}, rejected ${load.rejected}, disconnects ${load.disconnects}, ` +
          `bridge unavailable ${bridge.counters.unavailable}; ${(stats.verified / Math.max(1, stats.batches)).toFixed(1)} signatures per worker message`,
        `  by thread (µs per reading): ${formatThreadCpu(threadsBefore, threads, accepted)}; of which in the kernel: ${formatThreadCpu(kernelBefore, kernel, accepted)}`,
        `  TCP segments per reading: ${(segments / Math.max(1, accepted)).toFixed(2)} (every process's on this network namespace)`,
        `  memory before devices ${formatMemory(memoryBefore)}; ${load.connected} devices logged in, idle ${formatMemory(memoryIdle)} ` +
          `(${perConnectionKb(memoryBefore, memoryIdle, load.connected)} per connection); after the load ${formatMemory(memoryEnd)}`,
      ].join("\n"),
    );
    if (stages !== undefined) console.log(stages.report().join("\n"));
    if (recorder !== undefined) {
      const generators = Array.from(
        { length: load.generatorProcesses },
        (_, i) => JSON.parse(readFileSync(join(dir, `timeline-${i}.json`), "utf8")) as GeneratorTimeline,
      );
      const warmupMs = (options.warmup ?? 0) * 1000;
      console.log(
        timelineReport(generators, recorder.events, warmupMs > 0 ? warmupMs : undefined).join("\n"),
      );
    }
    await bridge.stop();
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** CPU seconds (utime + stime; `kernel`: stime alone) of a process's threads (default this one),
 * summed by thread name: the main thread, the verify workers ("WorkerThread"), V8's GC and compiler
 * threads ("V8Worker"), libuv's pool ("libuv-worker": LevelDB batches and their fsync) and LevelDB's
 * own compaction thread. Threads that end in between are lost. The kernel part of the bridge's main
 * thread is mostly its socket syscalls: on loopback a PUBACK's write also runs the receiving side's
 * TCP processing and its ACK. */
export function threadCpuByName(
  pid: number = process.pid,
  part: "all" | "kernel" = "all",
): Map<string, number> {
  const byName = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const comm =
        tid === String(pid) ? "main" : readFileSync(`/proc/${pid}/task/${tid}/comm`, "latin1").trim();
      const ticks = readFileSync(`/proc/${pid}/task/${tid}/stat`, "latin1").split(") ")[1]!.split(" ");
      const used = (part === "all" ? Number(ticks[11]) : 0) + Number(ticks[12]);
      byName.set(comm, (byName.get(comm) ?? 0) + used / 100);
    } catch {}
  }
  return byName;
}

/** TCP segments sent on this network namespace so far (/proc/net/snmp OutSegs): per reading, what
 * the loopback costs the kernel (a PUBLISH, a PUBACK, and their ACKs unless one rides on the
 * other). Counts every process's TCP traffic in the namespace, not only the benchmark's. */
export function tcpSegmentsSent(): number {
  const lines = readFileSync("/proc/net/snmp", "latin1").split("\n");
  const header = lines.findIndex((line) => line.startsWith("Tcp:"));
  const names = lines[header]!.trim().split(/\s+/);
  const values = lines[header + 1]!.trim().split(/\s+/);
  return Number(values[names.indexOf("OutSegs")]);
}

/** µs per reading by thread name between two threadCpuByName samples, as "main 60, V8Worker 20, …". */
export function formatThreadCpu(
  before: Map<string, number>,
  after: Map<string, number>,
  readings: number,
): string {
  const parts: string[] = [];
  for (const [name, seconds] of after) {
    const micros = ((seconds - (before.get(name) ?? 0)) * 1e6) / Math.max(1, readings);
    if (micros >= 0.5) parts.push(`${name} ${micros.toFixed(0)}`);
  }
  return parts.join(", ");
}

/** A process's (default this one) RSS now, its peak (VmHWM) and its anonymous and file-backed parts
 * (LevelDB's mmapped table files, which the kernel can reclaim), MB, from /proc/<pid>/status. */
export function procRssMb(pid: number = process.pid): {
  peak: number;
  now: number;
  anon: number;
  file: number;
} {
  const status = readFileSync(`/proc/${pid}/status`, "latin1");
  const mbOf = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024;
  return { peak: mbOf("VmHWM"), now: mbOf("VmRSS"), anon: mbOf("RssAnon"), file: mbOf("RssFile") };
}

interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
}

/** After a full GC when the process runs with --expose-gc (what is live, not garbage not yet taken). */
function memorySample(): MemorySample {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const formatMemory = (m: MemorySample) =>
  `RSS ${mb(m.rss)} (heap used ${mb(m.heapUsed)}, external ${mb(m.external)})`;
const perConnectionKb = (before: MemorySample, after: MemorySample, connections: number) => {
  const kb = (bytes: number) => (bytes / 1024 / Math.max(1, connections)).toFixed(1);
  return `RSS ${kb(after.rss - before.rss)} KB, heap ${kb(after.heapUsed - before.heapUsed)} KB`;
};

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      devices: { type: "string", default: "2000" },
      seconds: { type: "string", default: "15" },
      warmup: { type: "string", default: "0" },
      rate: { type: "string", default: "1" },
      processes: { type: "string", default: String(DEFAULT_GENERATOR_PROCESSES) },
      workers: { type: "string", default: "2" },
      timeline: { type: "boolean", default: false },
      stages: { type: "boolean", default: false },
      "live-signing": { type: "boolean", default: false },
    },
  });
  await runBridgeLoad({
    devices: Number(values.devices),
    seconds: Number(values.seconds),
    warmup: Number(values.warmup),
    rate: Number(values.rate),
    processes: Number(values.processes),
    verifyWorkers: Number(values.workers),
    timeline: values.timeline,
    stages: values.stages,
    liveSigning: values["live-signing"],
  });
}
