// Bridge benchmark (`npm run bench -- bridge`; issue 5, Benchmark): signed readings accepted per
// second by one node end to end (publish → verify → durable → PUBACK) and, with 4 validators, stored
// by all 3 peers through gossip; beside this machine's ed25519 verification rate (one core, all
// cores) and a plain mosquitto relay (aedes when mosquitto is absent), measured in the same run. Then
// N simulated devices (10,000) at 1 Hz on one node for a short window: the node's CPU and peak RSS,
// p99 time to PUBACK, and anything dropped. Nodes are real processes (scripts/devnet.ts homes); the
// load generator is scripts/devices.ts in a process of its own, so it shares no event loop with the
// node. CPU and RSS come from /proc (utime + stime; VmHWM).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { freePort } from "../../test/helpers/node-process.ts";
import type { FleetSummary } from "../devices/fleet.ts";
import { generateDevices, saveKeysFile } from "../devices/keys-file.ts";
import { formatLatency } from "../devices/latency.ts";
import { registerDevices } from "../devices/register.ts";
import { createDevnet, type Devnet, startDevnetNode } from "../devnet.ts";
import {
  ED25519_BACKEND,
  ed25519VerifyRate,
  ed25519VerifyRateAllCores,
  measureRelay,
  startRelayBroker,
} from "./bridge-ceilings.ts";
import { formatThreadCpu, procRssMb, tcpSegmentsSent, threadCpuByName } from "./bridge-load.ts";
import { type GeneratorTimeline, timelineReport } from "./bridge-timeline.ts";
import { fmt } from "./crypto.ts";
import {
  DEFAULT_GENERATOR_PROCESSES,
  type DeviceLoadSummary,
  formatWarmup,
  processCount,
  runDeviceLoad,
  signingMode,
} from "./device-load.ts";
import { procCpuSeconds } from "./devnet.ts";
import { type Exposition, sampleValue, scrapeMetrics } from "./prometheus-text.ts";

const REPO_ROOT = join(import.meta.dirname, "../..");
const NODE_BINARY = join(REPO_ROOT, "node_modules/.bin/node");
const SIMULATOR = join(REPO_ROOT, "scripts/devices.ts");
const MOSQUITTO_PATHS = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto", "/usr/local/sbin/mosquitto"];
/** Issue 5's targets for one node. */
const TARGET = { devices: 10_000, p99Ms: 100, rssMb: 1024 } as const;
const M = "sensorchain_mqtt_";
/** How long the capacity run samples the idle node's CPU before any device connects, ms. */
const IDLE_SAMPLE_MS = 3_000;

export interface BridgeBenchOptions {
  /** Devices of the capacity run (1 Hz each) and its length, s. */
  devices?: number;
  seconds?: number;
  /** Seconds of the same load before the capacity run's window, reported apart (default 10). */
  warmup?: number;
  /** Throughput run: devices, readings/s each offered, PUBACKs a device may wait for, length s. */
  throughputDevices?: number;
  throughputRate?: number;
  throughputInflight?: number;
  throughputSeconds?: number;
  /** Validators of the gossip run (0 skips it). */
  gossipValidators?: number;
  relayMessages?: number;
  /** Processes of the lean load generator (device-load.ts) in the capacity runs. */
  generatorProcesses?: number;
  /** 1: print where the capacity run's slow PUBACKs were in time (bridge-timeline.ts; generator side). */
  timeline?: number;
  /** 1: the lean generator signs each reading as it sends it (device-load.ts), instead of before the
   * run: what signing on the node's cores costs the capacity run. */
  liveSigning?: number;
}

interface NodeUsage {
  cpuPercent: number;
  /** Node CPU time (all threads) per reading it accepted, µs: unlike readings/s, barely inflated
   * when other processes take the cores (the figure to compare across runs on a shared machine). */
  cpuMicrosPerReading: number;
  peakRssMb: number;
  /** At the peak sample: anonymous memory (heaps, buffers) and file-backed pages (LevelDB's mmapped
   * table files, which the kernel can reclaim), MB. Undefined where the run does not sample them. */
  peakAnonMb?: number;
  peakFileMb?: number;
  rssMb: number;
}

interface LoadRun {
  fleet: FleetSummary;
  registration: { registered: number; txs: number; seconds: number };
  /** The node's CPU and memory from the first reading to the end of the run. */
  node: NodeUsage;
  generatorCpuPercent: number;
  generatorPeakRssMb: number;
  /** Counter deltas over the run from the node's /metrics. */
  accepted: number;
  unavailable: number;
  rejected: number;
  loadAverage: [number, number];
}

/** A capacity run with the lean generator: its figures, and the node's CPU and memory meanwhile. */
interface CapacityRun {
  load: DeviceLoadSummary;
  registration: { registered: number; txs: number; seconds: number };
  node: NodeUsage;
  /** The node's CPU before any device connected, % of a core. */
  idleCpuPercent: number;
  /** Node CPU per reading with the idle node's CPU over the same wall time taken out, µs. */
  netCpuMicrosPerReading: number;
  /** Node CPU per reading by thread name (bridge-load.ts formatThreadCpu), and its kernel part. */
  threads: string;
  kernelThreads: string;
  /** TCP segments sent per accepted reading on the network namespace (every process's). */
  segmentsPerReading: number;
  /** The node's logged memory breakdown at its highest-RSS block of the window, MB. */
  memoryAtPeak: Record<string, number> | undefined;
  accepted: number;
  unavailable: number;
  rejected: number;
  loadAverage: [number, number];
}

export interface BridgeBenchFigures {
  cores: number;
  ed25519VerifyOneCore: number;
  ed25519VerifyAllCores: number;
  relay: { broker: string; perSecond: number };
  /** The capacity run's load (same generator, devices, rate, window) against the plain broker. */
  generatorAlone: DeviceLoadSummary;
  /** Absent with --throughputSeconds 0 (a capacity-only run). */
  throughput?: LoadRun;
  gossip?: {
    validators: number;
    acceptedPerSecond: number;
    storedOnAllPeersPerSecond: number;
    lagP99Ms: number;
  };
  capacity: CapacityRun;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON-RPC results, read field by field
async function status(url: string): Promise<any> {
  const response = await fetch(`${url}/status`);
  // biome-ignore lint/suspicious/noExplicitAny: JSON-RPC answer
  return ((await response.json()) as any).result;
}

interface BenchNode {
  rpcUrl: string;
  mqttUrl: string;
  child: ChildProcess;
  tail: { text: string };
  /** The node's memory breakdown (chain/node.ts memoryMb, MB) logged with the block at which its RSS
   * was highest so far: where a peak goes (V8 young and old generations, buffers, LevelDB). */
  memoryAtPeak: { fields: Record<string, number> | undefined };
}

async function startNodes(devnet: Devnet, mqttPorts: number[]): Promise<BenchNode[]> {
  const nodes = devnet.nodes.map((spec, i) => {
    // Info, as JSON lines: every committed block's line carries the node's memory breakdown.
    const child = startDevnetNode(spec, [
      "--log_level",
      "info",
      "--log_format",
      "json",
      "--mqtt.laddr",
      `tcp://127.0.0.1:${mqttPorts[i]}`,
    ]);
    const tail = { text: "" };
    const memoryAtPeak: BenchNode["memoryAtPeak"] = { fields: undefined };
    let partialLine = "";
    const keep = (chunk: Buffer) => {
      const text = chunk.toString();
      tail.text = (tail.text + text).slice(-4000);
      const lines = (partialLine + text).split("\n");
      partialLine = lines.pop()!;
      for (const line of lines) {
        if (!line.includes('"committed block"')) continue;
        const fields = JSON.parse(line) as Record<string, number>;
        if ((fields["rssMb"] ?? 0) > (memoryAtPeak.fields?.["rssMb"] ?? -1)) memoryAtPeak.fields = fields;
      }
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    return {
      rpcUrl: `http://127.0.0.1:${spec.rpcPort}`,
      mqttUrl: `mqtt://127.0.0.1:${mqttPorts[i]}`,
      child,
      tail,
      memoryAtPeak,
    };
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const heights = await Promise.all(
      nodes.map((n) =>
        status(n.rpcUrl)
          .then((s) => Number(s.sync_info.latest_block_height))
          .catch(() => 0),
      ),
    );
    if (heights.every((h) => h >= 2)) return nodes;
    for (const n of nodes)
      if (n.child.exitCode !== null) throw new Error(`a bench node exited:\n${n.tail.text}`);
    if (Date.now() > deadline) throw new Error(`bench nodes did not reach height 2:\n${nodes[0]!.tail.text}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function stopNodes(nodes: readonly BenchNode[]): Promise<void> {
  await Promise.all(
    nodes.map(
      (n) =>
        new Promise<void>((resolve) => {
          if (n.child.exitCode !== null || n.child.pid === undefined) return resolve();
          n.child.once("exit", () => resolve());
          process.kill(n.child.pid, "SIGINT");
          setTimeout(() => {
            if (n.child.exitCode === null && n.child.pid !== undefined) process.kill(n.child.pid, "SIGKILL");
          }, 20_000).unref();
        }),
    ),
  );
}

/** Starts a devnet of `validators` nodes (RPC, P2P and MQTT on free loopback ports). */
async function benchDevnet(dir: string, validators: number): Promise<{ devnet: Devnet; nodes: BenchNode[] }> {
  const ports: { rpc: number; p2p: number; mqtt: number }[] = [];
  for (let i = 0; i < validators; i++)
    ports.push({ rpc: await freePort(), p2p: await freePort(), mqtt: await freePort() });
  const devnet = await createDevnet({ dir, validators, ports: (i) => ports[i]!, timeoutCommit: "1s" });
  const nodes = await startNodes(
    devnet,
    ports.map((p) => p.mqtt),
  );
  return { devnet, nodes };
}

const counter = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  sampleValue(exposition, name, labels) ?? 0;

function rejectedTotal(exposition: Exposition): number {
  return exposition.samples
    .filter((s) => s.name === `${M}readings_rejected_total`)
    .reduce((sum, s) => sum + s.value, 0);
}

/** Runs the simulator against `node` in its own process and measures the node meanwhile. */
async function loadRun(
  node: BenchNode,
  devnet: Devnet,
  keysFile: string,
  args: { count: number; rate: number; seconds: number; maxInflight: number; presign: boolean },
): Promise<LoadRun> {
  const before = await scrapeMetrics(node.rpcUrl);
  const loadStart = loadavg()[0]!;
  const generator = spawn(
    NODE_BINARY,
    [
      SIMULATOR,
      ...["--count", String(args.count), "--rate", String(args.rate), "--duration", `${args.seconds}s`],
      ...["--max-inflight", String(args.maxInflight), "--connect-concurrency", "200"],
      ...["--rpc", node.rpcUrl, "--mqtt", node.mqttUrl, "--mnemonic", devnet.faucetMnemonic],
      // At 1 Hz × many devices the readings are signed before the run: the generator shares the
      // node's cores, and its ed25519 signing would otherwise be taken from the node being measured.
      ...["--keys", keysFile, "--json", ...(args.presign ? ["--presign"] : [])],
    ],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const nodePid = node.child.pid!;
  let stdout = "";
  let stderr = "";
  let loadStarted: { cpu: number; at: number; generatorCpu: number } | undefined;
  let peakDuringRun = 0;
  const sampler = setInterval(() => {
    if (loadStarted !== undefined) peakDuringRun = Math.max(peakDuringRun, procRssMb(nodePid).now);
  }, 500);
  generator.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
  generator.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
    process.stderr.write(chunk);
    // The load starts once every device has logged in (after any presigning): measure from there.
    if (loadStarted === undefined && /devices connected in/.test(stderr) && generator.pid !== undefined)
      loadStarted = {
        cpu: procCpuSeconds(nodePid),
        at: performance.now(),
        generatorCpu: procCpuSeconds(generator.pid),
      };
  });
  let generatorCpuEnd = 0;
  let generatorPeakRssMb = 0;
  const code = await new Promise<number | null>((resolve) => {
    // Sample the generator's CPU just before it exits (its /proc entry goes with it).
    const poll = setInterval(() => {
      if (generator.pid !== undefined && generator.exitCode === null)
        try {
          generatorCpuEnd = procCpuSeconds(generator.pid);
          generatorPeakRssMb = Math.max(generatorPeakRssMb, procRssMb(generator.pid).peak);
        } catch {}
    }, 250);
    generator.once("exit", (exitCode) => {
      clearInterval(poll);
      resolve(exitCode);
    });
  });
  clearInterval(sampler);
  const nodeCpuEnd = procCpuSeconds(nodePid);
  const ended = performance.now();
  if (code !== 0) throw new Error(`the device simulator failed (exit ${code}):\n${stderr.slice(-3000)}`);
  const result = JSON.parse(stdout.trim().split("\n").at(-1)!) as {
    fleet: FleetSummary;
    registration: LoadRun["registration"];
  };
  const after = await scrapeMetrics(node.rpcUrl);
  const started = loadStarted ?? { cpu: 0, at: ended, generatorCpu: 0 };
  const wallSeconds = Math.max(0.001, (ended - started.at) / 1000);
  const rss = procRssMb(nodePid);
  const accepted =
    counter(after, `${M}readings_accepted_total`) - counter(before, `${M}readings_accepted_total`);
  return {
    fleet: result.fleet,
    registration: result.registration,
    node: {
      cpuPercent: ((nodeCpuEnd - started.cpu) / wallSeconds) * 100,
      cpuMicrosPerReading: accepted === 0 ? Number.NaN : ((nodeCpuEnd - started.cpu) * 1e6) / accepted,
      peakRssMb: Math.max(peakDuringRun, rss.now),
      rssMb: rss.now,
    },
    generatorCpuPercent: ((generatorCpuEnd - started.generatorCpu) / wallSeconds) * 100,
    generatorPeakRssMb,
    accepted,
    unavailable:
      counter(after, `${M}readings_unavailable_total`) - counter(before, `${M}readings_unavailable_total`),
    rejected: rejectedTotal(after) - rejectedTotal(before),
    loadAverage: [loadStart, loadavg()[0]!],
  };
}

/** N devices registered with real txs, then driven at 1 Hz by the lean generator (device-load.ts,
 * pre-signed frames, several processes); the node's CPU and RSS from /proc over the window. */
async function capacityRun(
  node: BenchNode,
  devnet: Devnet,
  keysFile: string,
  args: {
    count: number;
    seconds: number;
    warmup: number;
    processes: number;
    timeline: boolean;
    liveSigning: boolean;
  },
): Promise<CapacityRun> {
  const devices = generateDevices("D035", args.count);
  saveKeysFile(keysFile, devices);
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(devnet.faucetMnemonic, { prefix: "sensor" });
  const registration = await registerDevices({
    rpcUrl: node.rpcUrl,
    signer: wallet,
    owner: devnet.faucetAddress,
    gasPrice: "0.025usensor",
    devices,
    log: (line) => console.error(line),
  });
  const nodePid = node.child.pid!;
  // The node's CPU with no device connected (consensus, 1 s blocks): subtracted from the run's so
  // that a node starved of CPU (few readings) is not charged its fixed cost per reading.
  const idleStart = { cpu: procCpuSeconds(nodePid), at: performance.now() };
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
  const idleCpuPerSecond =
    (procCpuSeconds(nodePid) - idleStart.cpu) / ((performance.now() - idleStart.at) / 1000);
  let before = await scrapeMetrics(node.rpcUrl);
  let loadStart = loadavg()[0]!;
  let started = { cpu: 0, at: 0 };
  let steadyScrape: Promise<void> | undefined;
  let threadsStart = new Map<string, number>();
  let kernelStart = new Map<string, number>();
  let segmentsStart = 0;
  let peak = { now: 0, anon: 0, file: 0 };
  let sampling = false;
  const sampler = setInterval(() => {
    if (!sampling) return;
    const sample = procRssMb(nodePid);
    if (sample.now > peak.now) peak = sample;
  }, 500);
  const load = await runDeviceLoad({
    port: Number(new URL(node.mqttUrl).port),
    chainId: devnet.chainId,
    keysFile,
    count: args.count,
    rate: 1,
    seconds: args.seconds,
    warmupSeconds: args.warmup,
    processes: args.processes,
    liveSigning: args.liveSigning,
    ...(args.timeline ? { timelinePrefix: `${keysFile}.timeline` } : {}),
    // RSS is sampled from the first reading (the warm-up's peak counts); CPU over the window only.
    onStart: () => {
      sampling = true;
      node.memoryAtPeak.fields = undefined;
    },
    // The window's accepted readings and CPU start together: CPU is read when the counters answer.
    onSteady: () => {
      steadyScrape = scrapeMetrics(node.rpcUrl).then((exposition) => {
        before = exposition;
        started = { cpu: procCpuSeconds(nodePid), at: performance.now() };
        threadsStart = threadCpuByName(nodePid);
        kernelStart = threadCpuByName(nodePid, "kernel");
        segmentsStart = tcpSegmentsSent();
        loadStart = loadavg()[0]!;
      });
    },
  });
  await steadyScrape;
  clearInterval(sampler);
  if (args.timeline) {
    const generators = Array.from(
      { length: load.generatorProcesses },
      (_, i) => JSON.parse(readFileSync(`${keysFile}.timeline-${i}.json`, "utf8")) as GeneratorTimeline,
    );
    // The node is another process: its GC, commits and windows are not recorded here.
    const none = { gc: [], commits: [], windows: [], stalls: [] };
    console.error(timelineReport(generators, none, args.warmup * 1000).join("\n"));
  }
  const cpu = procCpuSeconds(nodePid) - started.cpu;
  const threadsEnd = threadCpuByName(nodePid);
  const kernelEnd = threadCpuByName(nodePid, "kernel");
  const segments = tcpSegmentsSent() - segmentsStart;
  const wallSeconds = Math.max(0.001, (performance.now() - started.at) / 1000);
  const after = await scrapeMetrics(node.rpcUrl);
  const accepted =
    counter(after, `${M}readings_accepted_total`) - counter(before, `${M}readings_accepted_total`);
  const rss = procRssMb(nodePid);
  return {
    load,
    registration,
    node: {
      cpuPercent: (cpu / wallSeconds) * 100,
      cpuMicrosPerReading: accepted === 0 ? Number.NaN : (cpu * 1e6) / accepted,
      ...(rss.now > peak.now
        ? { peakRssMb: rss.now, peakAnonMb: rss.anon, peakFileMb: rss.file }
        : { peakRssMb: peak.now, peakAnonMb: peak.anon, peakFileMb: peak.file }),
      rssMb: rss.now,
    },
    idleCpuPercent: idleCpuPerSecond * 100,
    threads: formatThreadCpu(threadsStart, threadsEnd, accepted),
    kernelThreads: formatThreadCpu(kernelStart, kernelEnd, accepted),
    segmentsPerReading: segments / Math.max(1, accepted),
    memoryAtPeak: node.memoryAtPeak.fields,
    netCpuMicrosPerReading:
      accepted === 0 ? Number.NaN : (Math.max(0, cpu - idleCpuPerSecond * wallSeconds) * 1e6) / accepted,
    accepted,
    unavailable:
      counter(after, `${M}readings_unavailable_total`) - counter(before, `${M}readings_unavailable_total`),
    rejected: rejectedTotal(after) - rejectedTotal(before),
    loadAverage: [loadStart, loadavg()[0]!],
  };
}

/** Readings stored through gossip on every peer of node 0, per second of the load run. */
async function gossipRun(dir: string, validators: number, options: Required<BridgeBenchOptions>) {
  const { devnet, nodes } = await benchDevnet(join(dir, "gossip"), validators);
  try {
    const peers = nodes.slice(1);
    const storedBefore = await Promise.all(peers.map((p) => scrapeMetrics(p.rpcUrl)));
    const run = await loadRun(nodes[0]!, devnet, join(dir, "gossip-keys.json"), {
      count: options.throughputDevices,
      rate: options.throughputRate,
      seconds: options.throughputSeconds,
      maxInflight: options.throughputInflight,
      presign: false,
    });
    // Give the last batches a moment to land, then count what every peer stored by gossip.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const storedAfter = await Promise.all(peers.map((p) => scrapeMetrics(p.rpcUrl)));
    const stored = peers.map(
      (_, i) =>
        counter(storedAfter[i]!, `${M}gossip_readings_stored_total`) -
        counter(storedBefore[i]!, `${M}gossip_readings_stored_total`),
    );
    const lagP99Ms = Math.max(
      ...storedAfter.map((e) => histogramQuantile(e, `${M}gossip_lag_seconds`, 0.99) * 1000),
    );
    return {
      validators,
      acceptedPerSecond: run.fleet.ackedPerSecond,
      storedOnAllPeersPerSecond: Math.min(...stored) / run.fleet.seconds,
      lagP99Ms,
    };
  } finally {
    await stopNodes(nodes);
  }
}

/** The upper bound of the bucket holding quantile `q` of a Prometheus histogram (NaN when empty). */
function histogramQuantile(exposition: Exposition, name: string, q: number): number {
  const buckets = exposition.samples
    .filter((s) => s.name === `${name}_bucket`)
    .map((s) => ({
      le: Number(s.labels["le"] === "+Inf" ? Number.POSITIVE_INFINITY : s.labels["le"]),
      count: s.value,
    }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  if (total === 0) return Number.NaN;
  return buckets.find((b) => b.count >= q * total)?.le ?? Number.NaN;
}

/** The capacity run's load against a plain broker: what the load generator itself can drive here. */
async function generatorAgainstPlainBroker(
  dir: string,
  mosquitto: string | undefined,
  count: number,
  seconds: number,
  warmupSeconds: number,
  processes: number,
  liveSigning: boolean,
): Promise<DeviceLoadSummary> {
  const { port, child } = await startRelayBroker(dir, mosquitto);
  try {
    const keysFile = join(dir, "plain-keys.json");
    saveKeysFile(keysFile, generateDevices("D035", count));
    return await runDeviceLoad({
      port,
      chainId: "none",
      keysFile,
      count,
      rate: 1,
      seconds,
      warmupSeconds,
      processes,
      liveSigning,
    });
  } finally {
    child.kill("SIGTERM");
  }
}

export async function runBridgeBench(options: BridgeBenchOptions = {}): Promise<BridgeBenchFigures> {
  const o: Required<BridgeBenchOptions> = {
    devices: options.devices ?? TARGET.devices,
    seconds: options.seconds ?? 30,
    warmup: options.warmup ?? 10,
    throughputDevices: options.throughputDevices ?? 200,
    throughputRate: options.throughputRate ?? 100,
    throughputInflight: options.throughputInflight ?? 10,
    throughputSeconds: options.throughputSeconds ?? 10,
    gossipValidators: options.gossipValidators ?? 4,
    relayMessages: options.relayMessages ?? 50_000,
    generatorProcesses: options.generatorProcesses ?? DEFAULT_GENERATOR_PROCESSES,
    timeline: options.timeline ?? 0,
    liveSigning: options.liveSigning ?? 0,
  };
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-bridge-"));
  try {
    const ed25519VerifyOneCore = ed25519VerifyRate();
    const all = await ed25519VerifyRateAllCores();
    const mosquitto = MOSQUITTO_PATHS.find((path) => existsSync(path));
    const relay = await measureRelay(dir, mosquitto, o.relayMessages);
    console.error(`bridge bench: the load generator alone, ${o.devices} devices at 1 Hz to ${relay.broker}`);
    const generatorAlone = await generatorAgainstPlainBroker(
      dir,
      mosquitto,
      o.devices,
      o.seconds,
      o.warmup,
      o.generatorProcesses,
      o.liveSigning === 1,
    );
    console.error("bridge bench: ceilings measured; one node, throughput run");
    const single = await benchDevnet(join(dir, "single"), 1);
    let throughput: LoadRun | undefined;
    let capacity: CapacityRun;
    try {
      if (o.throughputSeconds > 0)
        throughput = await loadRun(single.nodes[0]!, single.devnet, join(dir, "throughput-keys.json"), {
          count: o.throughputDevices,
          rate: o.throughputRate,
          seconds: o.throughputSeconds,
          maxInflight: o.throughputInflight,
          presign: false,
        });
      console.error(
        `bridge bench: ${o.devices} devices at 1 Hz, ${o.warmup} s of warm-up, then ${o.seconds} s`,
      );
      capacity = await capacityRun(single.nodes[0]!, single.devnet, join(dir, "capacity-keys.json"), {
        count: o.devices,
        seconds: o.seconds,
        warmup: o.warmup,
        processes: o.generatorProcesses,
        timeline: o.timeline === 1,
        liveSigning: o.liveSigning === 1,
      });
    } finally {
      await stopNodes(single.nodes);
    }
    let gossip: BridgeBenchFigures["gossip"];
    if (o.gossipValidators > 1) {
      console.error(`bridge bench: ${o.gossipValidators} validators, gossip run`);
      gossip = await gossipRun(dir, o.gossipValidators, o);
    }
    const figures: BridgeBenchFigures = {
      cores: all.cores,
      ed25519VerifyOneCore,
      ed25519VerifyAllCores: all.perSecond,
      relay: { broker: relay.broker, perSecond: relay.perSecond },
      generatorAlone,
      ...(throughput === undefined ? {} : { throughput }),
      ...(gossip === undefined ? {} : { gossip }),
      capacity,
    };
    printBridgeFigures(figures, o);
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The node's own memory breakdown (chain/node.ts memoryMb) as "rss 900, heap used 300 of 420 (young
 * 64, old 350), …". */
function formatMemoryAtPeak(fields: Record<string, number> | undefined): string {
  if (fields === undefined) return "not logged";
  const f = (name: string) => fields[name] ?? Number.NaN;
  return (
    `rss ${f("rssMb")}, V8 heap used ${f("heapMb")} of ${f("heapTotalMb")} (young ${f("youngMb")}, old ${f("oldMb")}, large ${f("largeMb")}), ` +
    `external ${f("externalMb")} (array buffers ${f("arrayBuffersMb")}), LevelDB ${f("leveldbMb")}`
  );
}

export function printBridgeFigures(f: BridgeBenchFigures, o: Required<BridgeBenchOptions>): void {
  const t = f.throughput;
  const c = f.capacity;
  const dropped = c.load.unacked + c.load.skipped + c.unavailable;
  const ms = (value: number) => `${formatLatency(value)} ms`;
  const lines = [
    `bridge (${f.cores} cores; 1-min load average ${c.loadAverage[0].toFixed(1)} at the capacity run's start, ${c.loadAverage[1].toFixed(1)} at its end)`,
    `  ceilings, same run: ed25519 verify (${ED25519_BACKEND}, as the node) ${fmt(f.ed25519VerifyOneCore)}/s one core, ${fmt(f.ed25519VerifyAllCores)}/s on ${f.cores} cores; ` +
      `${f.relay.broker} relay QoS 1, 200 B, 1 → 1: ${fmt(f.relay.perSecond)} msg/s`,
  ];
  if (t !== undefined)
    lines.push(
      `  end to end, 1 node (publish → verify → durable → PUBACK), ${o.throughputDevices} devices × ${o.throughputRate}/s offered, ≤ ${o.throughputInflight} in flight each:`,
      `    ${fmt(t.fleet.ackedPerSecond)} readings/s accepted = ${((100 * t.fleet.ackedPerSecond) / f.ed25519VerifyAllCores).toFixed(0)}% of all-core verify, ` +
        `${((100 * t.fleet.ackedPerSecond) / f.relay.perSecond).toFixed(0)}% of the plain relay; PUBACK p50 ${ms(t.fleet.p50Ms)} p99 ${ms(t.fleet.p99Ms)}; ` +
        `node CPU ${t.node.cpuPercent.toFixed(0)}% = ${t.node.cpuMicrosPerReading.toFixed(0)} µs per reading, generator (mqtt.js) CPU ${t.generatorCpuPercent.toFixed(0)}%`,
    );
  if (f.gossip !== undefined)
    lines.push(
      `  ${f.gossip.validators} validators, same load on validator 0: ${fmt(f.gossip.acceptedPerSecond)} readings/s accepted, ` +
        `${fmt(f.gossip.storedOnAllPeersPerSecond)}/s stored by gossip on all ${f.gossip.validators - 1} peers; gossip lag p99 ≤ ${ms(f.gossip.lagP99Ms)} (bucket bound)`,
    );
  const g = f.generatorAlone;
  const generatorMicros = (load: DeviceLoadSummary) =>
    `${((load.generatorCpuSeconds * 1e6) / Math.max(1, load.sent)).toFixed(0)} µs per reading, ${((load.generatorCpuSeconds / load.seconds) * 100).toFixed(0)}% of a core in ${processCount(load.generatorProcesses)}, ${signingMode(load.liveSigning)}`;
  lines.push(
    `  the load generator alone, ${fmt(o.devices)} devices at 1 Hz to plain ${f.relay.broker} (no chain): ${fmt(g.ackedPerSecond)} PUBACKs/s of ${fmt(g.offeredPerSecond)}/s offered, ` +
      `p50 ${ms(g.p50Ms)}, p99 ${ms(g.p99Ms)}, never acknowledged ${g.unacked}; generator CPU ${generatorMicros(g)}: the ceiling of the run below on this machine`,
    `  ${fmt(o.devices)} devices at 1 Hz on one node, ${o.seconds} s after ${o.warmup} s of warm-up (registered ${fmt(c.registration.registered)} in ${c.registration.txs} txs, ${c.registration.seconds.toFixed(1)} s):`,
    `    connected ${fmt(c.load.connected)}/${fmt(c.load.devices)} (target ${fmt(TARGET.devices)}); PUBACKed ${fmt(c.load.ackedPerSecond)}/s of ${fmt(c.load.offeredPerSecond)}/s offered`,
    ...(c.load.warmup === undefined ? [] : [`    ${formatWarmup(c.load.warmup)}`]),
    `    window: PUBACK p50 ${ms(c.load.p50Ms)}, p99 ${ms(c.load.p99Ms)} (target ≤ ${TARGET.p99Ms} ms), max ${ms(c.load.maxMs)}`,
    `    node CPU ${c.node.cpuPercent.toFixed(0)}% (of ${f.cores * 100}%; ${c.node.cpuMicrosPerReading.toFixed(0)} µs per reading, ${c.netCpuMicrosPerReading.toFixed(0)} µs without the idle node's ${c.idleCpuPercent.toFixed(0)}%; 10,000/s beside the generator on ${f.cores} cores needs ≤ ~120), RSS peak ${c.node.peakRssMb.toFixed(0)} MB (anonymous ${c.node.peakAnonMb?.toFixed(0)}, file-backed ${c.node.peakFileMb?.toFixed(0)}), at end ${c.node.rssMb.toFixed(0)} MB (target ≤ ${TARGET.rssMb} MB)`,
    `    node CPU by thread, µs per reading: ${c.threads}; of which in the kernel: ${c.kernelThreads}`,
    `    TCP segments per reading: ${c.segmentsPerReading.toFixed(2)} (at least 3: PUBLISH, PUBACK and its ACK, with the PUBLISH's ACK riding on a prompt PUBACK; every process's on this network namespace)`,
    `    node memory at its highest-RSS block (MB): ${formatMemoryAtPeak(c.memoryAtPeak)}`,
    `    generator CPU ${generatorMicros(c.load)}`,
    `    dropped: ${dropped} (never acknowledged ${c.load.unacked}, skipped ${c.load.skipped}, not acknowledged by the bridge ${c.unavailable}); rejected ${c.rejected}; disconnects ${c.load.disconnects}`,
  );
  console.log(lines.join("\n"));
}

if (import.meta.main) {
  const flag = (name: string) => {
    const index = process.argv.indexOf(`--${name}`);
    return index < 0 ? undefined : Number(process.argv[index + 1]);
  };
  const options: BridgeBenchOptions = {};
  for (const name of [
    "devices",
    "seconds",
    "warmup",
    "throughputDevices",
    "throughputRate",
    "throughputInflight",
    "throughputSeconds",
    "gossipValidators",
    "relayMessages",
    "generatorProcesses",
    "timeline",
    "liveSigning",
  ] as const) {
    const value = flag(name);
    if (value !== undefined) options[name] = value;
  }
  await runBridgeBench(options);
}
