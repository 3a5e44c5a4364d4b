// A lean MQTT load generator for the bridge's capacity benchmark (issue 5): devices as raw TCP
// sockets (TCP_NODELAY) speaking just enough MQTT 3.1.1, every reading signed and encoded as a whole
// PUBLISH frame before the run (with its scheduled timestamp), so that sending one costs a socket
// write and a PUBACK a few byte reads: real devices sign on their own hardware, while this generator
// shares the node's cores. `liveSigning` signs and encodes each reading as it is sent instead (the
// node receives the same envelope either way). The parent (`runDeviceLoad`) splits the fleet over several child processes (this file run
// directly), waits until each has signed its frames and logged its devices in, starts them together,
// and merges their figures: PUBACKs, time to PUBACK, anything not acknowledged, and the children's
// own CPU over the window, reported apart from the node's. mqtt.js (scripts/devices/fleet.ts) costs
// ~10× more CPU per reading, too much beside a node on the same 2 cores.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import mqttPacket from "mqtt-packet";
import { authPassword } from "../../bridge-mqtt/auth.ts";
import { errorsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import { encodeReading, type Reading, readingSignBytes } from "../../modules/meter/reading.ts";
import { loadKeysFile, type SimulatedDevice } from "../devices/keys-file.ts";
import { formatLatency, LatencyHistogram } from "../devices/latency.ts";

const NODE_BINARY = process.execPath;
/** Child processes of the generator unless told otherwise. One: 25.8 / 26.9 against 41.1 / 36.2 µs
 * of CPU per reading with two (5,000 devices at 1 Hz to mosquitto, alternated, load 10): the
 * PUBACKs share one event loop (more of them per wake-up) and one set of V8 helper threads. One
 * process needs ~0.3 of a core at 10,000 readings/s; two only sign the frames and log in sooner. */
export const DEFAULT_GENERATOR_PROCESSES = 1;
/** Scheduler period, ms: the readings due are written at most this far apart. */
const TICK_MS = 5;
/** PUBACKs a device may wait for; past it its next reading is skipped (and counted). Below 256 so
 * that send times fit a ring indexed by packet id. */
const MAX_INFLIGHT = 200;
const SEND_TIME_SLOTS = 256;
/** How long to wait for the last PUBACKs after the window, ms. */
const DRAIN_MS = 10_000;
/** Logins in flight at once per child process. */
const CONNECT_CONCURRENCY = 200;
/** Where every socket of a child process reads (connect's onread): 64 KiB, Node's read size. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
/** Readings a timeline records per child process (two Float64 each: 4.8 MB): 300 s of 1,000 devices. */
const MAX_TIMELINE_READINGS = 300_000;
/** Scheduler ticks a timeline records (two Float64 each). */
const MAX_TIMELINE_TICKS = 100_000;
/** Node's stream writes below net.Socket (internal bindings; a bench tool may lean on them, see
 * `sendFrame`). */
const streamWrap = (process as unknown as { binding(name: string): StreamWrapBinding }).binding(
  "stream_wrap",
);
interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
}
interface WriteRequest {
  handle: unknown;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes: number;
  buffer: unknown;
}
interface StreamHandle {
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
}
/** MQTT packet types (fixed header high nibble, MQTT 3.1.1 §2.2.1). */
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;

/** The readings sent during a run's warm-up: acknowledged like the others, measured apart. */
export interface WarmupSummary {
  seconds: number;
  sent: number;
  acked: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Readings sent and not yet PUBACKed when the warm-up ended: the backlog the window starts with. */
  inFlightAtEnd: number;
}

export interface DeviceLoadSummary {
  devices: number;
  connected: number;
  offeredPerSecond: number;
  seconds: number;
  sent: number;
  acked: number;
  /** Rejections the bridge published on the devices' errors topics. */
  rejected: number;
  /** Not sent: the device was disconnected or had MAX_INFLIGHT readings waiting. */
  skipped: number;
  /** Sent (in the window or the warm-up) and never PUBACKed by the end of the drain. */
  unacked: number;
  disconnects: number;
  ackedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU of all generator processes over the window and drain, s (user + system). */
  generatorCpuSeconds: number;
  generatorProcesses: number;
  /** Whether the readings were signed as they were sent (else before the run). */
  liveSigning: boolean;
  /** Absent without a warm-up. The fields above are the window after it. */
  warmup?: WarmupSummary;
}

interface ChildReport {
  connected: number;
  sent: number;
  acked: number;
  rejected: number;
  skipped: number;
  disconnects: number;
  seconds: number;
  cpuSeconds: number;
  bins: [number, number][];
  maxMs: number;
  warmup: { sent: number; acked: number; bins: [number, number][]; maxMs: number; inFlightAtEnd: number };
}

/** One device: its socket, its pre-encoded frames (none with live signing) and the send times of
 * its readings in flight. */
interface LoadDevice {
  device: SimulatedDevice;
  socket: Socket | undefined;
  frames: Buffer[];
  /** Readings sent, and how many it may send in the run. */
  used: number;
  limit: number;
  inflight: number;
  sentAt: Float64Array;
  /** Bytes of an MQTT packet split across reads. */
  partial: Buffer | undefined;
}

function signedFrame(
  device: SimulatedDevice,
  sequence: bigint,
  timestampMs: number,
  packetId: number,
): Buffer {
  const unsigned: Reading = {
    deviceId: device.id,
    sequence,
    timestampMs: BigInt(timestampMs),
    values: [{ name: "power", unit: "W", value: String(1000 + Math.floor(Math.random() * 9000)) }],
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(0),
  };
  const payload = encodeReading({ ...unsigned, signature: device.signer.sign(readingSignBytes(unsigned)) });
  return mqttPacket.generate({
    cmd: "publish",
    topic: readingsTopic(device.id),
    payload: Buffer.from(payload),
    qos: 1,
    messageId: packetId,
    retain: false,
    dup: false,
  });
}

/** A device's MQTT 3.1.1 CONNECT with its signed password (bridge-mqtt README.md, Authentication);
 * `keepaliveSeconds` 0: no keepalive. */
export function connectFrame(
  chainId: string,
  deviceId: string,
  sign: (message: Uint8Array) => Uint8Array,
  keepaliveSeconds: number,
): Buffer {
  return mqttPacket.generate({
    cmd: "connect",
    protocolId: "MQTT",
    protocolVersion: 4,
    clean: true,
    keepalive: keepaliveSeconds,
    clientId: deviceId,
    username: deviceId,
    password: Buffer.from(authPassword(chainId, deviceId, Date.now(), sign)),
  });
}

/** Walks whole MQTT packets in `chunk` (after any partial one kept from the last read). */
function onData(entry: LoadDevice, chunk: Buffer, handle: (type: number, body: Buffer) => void): void {
  const data = entry.partial === undefined ? chunk : Buffer.concat([entry.partial, chunk]);
  entry.partial = undefined;
  let offset = 0;
  while (offset < data.length) {
    let length = 0;
    let multiplier = 1;
    let at = offset + 1;
    for (;;) {
      if (at >= data.length) {
        entry.partial = Buffer.from(data.subarray(offset)); // `data` may be the shared read buffer
        return;
      }
      const byte = data[at++]!;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    if (at + length > data.length) {
      entry.partial = Buffer.from(data.subarray(offset));
      return;
    }
    handle(data[offset]! >> 4, data.subarray(at, at + length));
    offset = at + length;
  }
}

function writeRequest(): WriteRequest {
  const request = new streamWrap.WriteWrap();
  request.handle = undefined;
  request.oncomplete = () => {}; // the frame stays referenced by its device: nothing to release
  request.async = false;
  request.bytes = 0;
  request.buffer = null;
  return request;
}

/** The request the next direct write uses: one serves every write that completes at once (its
 * native part is made only for a write that has to wait), a new one after a write that waits. */
let spareRequest = writeRequest();

/** Writes one pre-encoded frame straight to the socket's handle: net.Socket#write's Writable
 * machinery (writeGeneric, a write request per call, onwrite, a nextTick afterWrite) cost ~10% of
 * the generator's CPU per reading beside the write syscall itself, and the generator stands for
 * devices on other machines: its CPU here is taken from the node being measured. libuv keeps a
 * socket's writes in order (a write while one waits queues behind it); anything the Writable holds
 * (only the login's CONNECT and SUBSCRIBE) goes first, as does a socket without a handle. */
function sendFrame(socket: Socket, frame: Buffer): void {
  const handle = (socket as unknown as { _handle: StreamHandle | null })._handle;
  if (handle === null || socket.writableLength > 0) {
    socket.write(frame);
    return;
  }
  const request = spareRequest;
  request.handle = handle;
  if (handle.writeBuffer(request, frame) !== 0) {
    socket.destroy(); // a broken socket: counted as a disconnect, as a failed write was
    return;
  }
  if (streamWrap.streamBaseState[streamWrap.kLastWriteWasAsync] !== 0) spareRequest = writeRequest();
}

/** How the generator's readings were signed, for the benches' lines. */
export const signingMode = (liveSigning: boolean): string =>
  liveSigning ? "readings signed as sent" : "readings pre-signed before the run";

/** "1 process", "2 processes": the generator's processes in the benches' lines. */
export const processCount = (processes: number): string =>
  `${processes} ${processes === 1 ? "process" : "processes"}`;

/** One line on a run's warm-up, printed beside (and apart from) the window's figures. */
export function formatWarmup(w: WarmupSummary): string {
  return (
    `warm-up ${w.seconds} s (left out of the window): PUBACKed ${w.acked} of ${w.sent} sent, p50 ${formatLatency(w.p50Ms)} ms, ` +
    `p99 ${formatLatency(w.p99Ms)} ms, max ${formatLatency(w.maxMs)} ms; ${w.inFlightAtEnd} in flight at its end`
  );
}

/** The child process: signs, logs in, waits for "go" on stdin, sends for the window, reports. */
async function child(): Promise<void> {
  const { values } = parseArgs({
    options: {
      keys: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      port: { type: "string" },
      "chain-id": { type: "string" },
      rate: { type: "string" },
      seconds: { type: "string" },
      warmup: { type: "string" },
      timeline: { type: "string" },
      "live-signing": { type: "boolean", default: false },
    },
  });
  const liveSigning = values["live-signing"] === true;
  const devices = loadKeysFile(values.keys!).slice(Number(values.from), Number(values.to));
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const warmupSeconds = Number(values.warmup ?? 0);
  const port = Number(values.port);
  const chainId = values["chain-id"]!;
  // Rate 0 holds the devices connected and idle (memory per connection): no frames.
  const perDevice = rate === 0 ? 0 : Math.ceil(rate * (warmupSeconds + seconds)) + 1;
  // Sequences above any earlier run's (the bridge refuses replays): wall clock ms × 1,000.
  const sequenceBase = BigInt(Date.now()) * 1000n;
  const planStart = Date.now();
  const entries: LoadDevice[] = devices.map((device, index) => {
    const frames: Buffer[] = [];
    for (let send = 0; send < (liveSigning ? 0 : perDevice); send++)
      frames.push(
        signedFrame(
          device,
          sequenceBase + BigInt(send + 1),
          planStart + Math.floor(((send + index / devices.length) * 1000) / rate),
          (send % 65_535) + 1,
        ),
      );
    return {
      device,
      socket: undefined,
      frames,
      used: 0,
      limit: perDevice,
      inflight: 0,
      sentAt: new Float64Array(SEND_TIME_SLOTS),
      partial: undefined,
    };
  });
  const histogram = new LatencyHistogram();
  const warmupHistogram = new LatencyHistogram();
  /** performance.now() at which the warm-up ends: readings sent before it are the warm-up's. */
  let steadyAt = Number.POSITIVE_INFINITY;
  // --timeline: each PUBACK's send time (epoch ms) and latency, and each tick's time and sends, so
  // that the slow readings can be placed in time (scripts/bench/bridge-timeline.ts).
  const timeline =
    values.timeline === undefined
      ? undefined
      : {
          readings: new Float64Array(2 * MAX_TIMELINE_READINGS),
          ticks: new Float64Array(2 * MAX_TIMELINE_TICKS),
          readingCount: 0,
          tickCount: 0,
        };
  const epoch = performance.timeOrigin;
  const totals = { connected: 0, sent: 0, acked: 0, rejected: 0, skipped: 0, disconnects: 0 };
  const warm = { sent: 0, acked: 0, inFlightAtEnd: 0 };
  let ending = false;

  const login = (device: SimulatedDevice, entry: LoadDevice) =>
    new Promise<void>((resolve) => {
      const handlePacket = (type: number, body: Buffer) => {
        if (type === PUBACK) {
          const id = body.readUInt16BE(0);
          entry.inflight--;
          const sentAt = entry.sentAt[id % SEND_TIME_SLOTS]!;
          const latency = performance.now() - sentAt;
          if (sentAt < steadyAt) {
            warm.acked++;
            warmupHistogram.add(latency);
          } else {
            totals.acked++;
            histogram.add(latency);
          }
          if (timeline !== undefined && timeline.readingCount < MAX_TIMELINE_READINGS) {
            timeline.readings[2 * timeline.readingCount] = epoch + sentAt;
            timeline.readings[2 * timeline.readingCount++ + 1] = latency;
          }
        } else if (type === PUBLISH) totals.rejected++;
        else if (type === CONNACK) {
          if (body[1] !== 0) return socket.destroy();
          entry.socket = socket;
          totals.connected++;
          socket.write(
            mqttPacket.generate({
              cmd: "subscribe",
              messageId: 1,
              subscriptions: [{ topic: errorsTopic(device.id), qos: 0 }],
            }),
          );
          resolve();
        }
      };
      const socket = connect({
        port,
        host: "127.0.0.1",
        noDelay: true,
        // Reads land in one buffer shared by the process's sockets and are parsed at once (what is
        // kept is copied): no Buffer, ArrayBuffer and 64 KiB allocation per PUBACK read.
        onread: {
          buffer: READ_BUFFER,
          callback: (nread: number) => {
            onData(entry, READ_BUFFER.subarray(0, nread), handlePacket);
            return true; // keep reading
          },
        },
      });
      socket.on("error", () => {});
      socket.once("close", () => {
        if (entry.socket === socket && !ending) totals.disconnects++;
        entry.socket = undefined;
        resolve();
      });
      socket.write(connectFrame(chainId, device.id, (m) => device.signer.sign(m), 0));
    });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONNECT_CONCURRENCY, devices.length) }, async () => {
      for (let i = next++; i < devices.length; i = next++) await login(devices[i]!, entries[i]!);
    }),
  );
  process.stdout.write(`${JSON.stringify({ ready: totals.connected })}\n`);
  await new Promise<void>((resolve) =>
    createInterface({ input: process.stdin }).once("line", () => resolve()),
  );

  let cpuStart = process.cpuUsage();
  const started = performance.now();
  const offered = devices.length * rate;
  const warmupMs = warmupSeconds * 1000;
  const durationMs = warmupMs + seconds * 1000;
  steadyAt = warmupMs > 0 ? started + warmupMs : Number.NEGATIVE_INFINITY;
  let steady = warmupMs === 0;
  let handedOut = 0;
  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      if (!steady && performance.now() >= steadyAt) {
        steady = true;
        cpuStart = process.cpuUsage();
        warm.inFlightAtEnd = warm.sent - warm.acked;
      }
      const elapsedMs = Math.min(performance.now() - started, durationMs);
      const due = Math.floor((elapsedMs * offered) / 1000);
      if (timeline !== undefined && timeline.tickCount < MAX_TIMELINE_TICKS) {
        timeline.ticks[2 * timeline.tickCount] = epoch + performance.now();
        timeline.ticks[2 * timeline.tickCount++ + 1] = due - handedOut;
      }
      for (; handedOut < due; handedOut++) {
        const entry = entries[handedOut % entries.length]!;
        if (entry.socket === undefined || entry.inflight >= MAX_INFLIGHT || entry.used >= entry.limit) {
          totals.skipped++;
          continue;
        }
        const send = entry.used++;
        const sentAt = performance.now();
        entry.sentAt[((send % 65_535) + 1) % SEND_TIME_SLOTS] = sentAt;
        entry.inflight++;
        if (sentAt < steadyAt) warm.sent++;
        else totals.sent++;
        sendFrame(
          entry.socket,
          liveSigning
            ? signedFrame(entry.device, sequenceBase + BigInt(send + 1), Date.now(), (send % 65_535) + 1)
            : entry.frames[send]!,
        );
      }
      if (elapsedMs >= durationMs) {
        clearInterval(tick);
        resolve();
      }
    }, TICK_MS);
  });
  const windowSeconds = (performance.now() - Math.max(started, steadyAt)) / 1000;
  const drainUntil = performance.now() + DRAIN_MS;
  while (totals.acked + warm.acked < totals.sent + warm.sent && performance.now() < drainUntil)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const cpu = process.cpuUsage(cpuStart);
  ending = true;
  if (timeline !== undefined)
    writeFileSync(
      values.timeline!,
      JSON.stringify({
        readings: Array.from(timeline.readings.subarray(0, 2 * timeline.readingCount)),
        ticks: Array.from(timeline.ticks.subarray(0, 2 * timeline.tickCount)),
      }),
    );
  for (const entry of entries) entry.socket?.destroy();
  const report: ChildReport = {
    ...totals,
    seconds: windowSeconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    bins: histogram.nonEmptyBins(),
    maxMs: histogram.maxMs,
    warmup: { ...warm, bins: warmupHistogram.nonEmptyBins(), maxMs: warmupHistogram.maxMs },
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

/** Runs `count` devices of `keysFile` (registered already) at `rate` readings/s each against the
 * broker on 127.0.0.1:`port` for `warmupSeconds` and then `seconds`, split over `processes`
 * children. `onStart` is called when every device is logged in and sending begins, `onSteady` when
 * the warm-up is over (at once without one): the node's measurement window opens there. */
export async function runDeviceLoad(options: {
  port: number;
  chainId: string;
  keysFile: string;
  count: number;
  rate: number;
  seconds: number;
  /** Seconds of the same load before the window, reported apart (default 0). */
  warmupSeconds?: number;
  processes: number;
  onStart?: () => void;
  onSteady?: () => void;
  /** Each child writes its timeline (send time and latency of every PUBACK, its ticks) to
   * `<timelinePrefix>-<child>.json`. */
  timelinePrefix?: string;
  /** Sign and encode each reading as it is sent instead of before the run (default false). */
  liveSigning?: boolean;
}): Promise<DeviceLoadSummary> {
  const processes = Math.max(1, Math.min(options.processes, options.count));
  const warmupSeconds = options.warmupSeconds ?? 0;
  const children: ChildProcess[] = [];
  const lines: Promise<string>[][] = [];
  for (let i = 0; i < processes; i++) {
    const from = Math.floor((options.count * i) / processes);
    const to = Math.floor((options.count * (i + 1)) / processes);
    const child = spawn(
      NODE_BINARY,
      [
        import.meta.filename,
        ...["--keys", options.keysFile, "--from", String(from), "--to", String(to)],
        ...["--port", String(options.port), "--chain-id", options.chainId],
        ...["--rate", String(options.rate), "--seconds", String(options.seconds)],
        ...["--warmup", String(warmupSeconds)],
        ...(options.liveSigning === true ? ["--live-signing"] : []),
        ...(options.timelinePrefix === undefined
          ? []
          : ["--timeline", `${options.timelinePrefix}-${i}.json`]),
      ],
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    children.push(child);
    const reader = createInterface({ input: child.stdout! });
    const queue: Promise<string>[] = [];
    const waiting: ((line: string) => void)[] = [];
    const exited = new Promise<string>((resolve) =>
      child.once("exit", (code) => resolve(`{"exit":${code}}`)),
    );
    reader.on("line", (line) => waiting.shift()?.(line));
    for (let n = 0; n < 2; n++)
      queue.push(Promise.race([new Promise<string>((resolve) => waiting.push(resolve)), exited]));
    lines.push(queue);
  }
  const ready = await Promise.all(lines.map((queue) => queue[0]!));
  for (const line of ready)
    if (!("ready" in JSON.parse(line)))
      throw new Error(`a load generator process failed before the run: ${line}`);
  options.onStart?.();
  for (const child of children) child.stdin!.write("go\n");
  let steady: NodeJS.Timeout | undefined;
  if (warmupSeconds === 0) options.onSteady?.();
  else steady = setTimeout(() => options.onSteady?.(), warmupSeconds * 1000);
  const reports = (await Promise.all(lines.map((queue) => queue[1]!))).map((line) => {
    const parsed = JSON.parse(line) as ChildReport | { exit: number };
    if ("exit" in parsed) throw new Error(`a load generator process exited with ${parsed.exit}`);
    return parsed;
  });
  clearTimeout(steady);
  for (const child of children) child.stdin!.end();
  const histogram = new LatencyHistogram();
  const warmupHistogram = new LatencyHistogram();
  const sum = (field: keyof Omit<ChildReport, "bins" | "warmup">) =>
    reports.reduce((total, r) => total + r[field], 0);
  const warmSum = (field: "sent" | "acked" | "inFlightAtEnd") =>
    reports.reduce((total, r) => total + r.warmup[field], 0);
  for (const report of reports) {
    histogram.addBins(report.bins, report.maxMs);
    warmupHistogram.addBins(report.warmup.bins, report.warmup.maxMs);
  }
  const seconds = Math.max(...reports.map((r) => r.seconds));
  const sent = sum("sent");
  const acked = sum("acked");
  return {
    devices: options.count,
    connected: sum("connected"),
    offeredPerSecond: options.count * options.rate,
    seconds,
    sent,
    acked,
    rejected: sum("rejected"),
    skipped: sum("skipped"),
    // The warm-up's readings too: nothing may be left unacknowledged, whenever it was sent.
    unacked: sent - acked + warmSum("sent") - warmSum("acked"),
    disconnects: sum("disconnects"),
    ackedPerSecond: acked / seconds,
    p50Ms: histogram.percentile(0.5),
    p99Ms: histogram.percentile(0.99),
    maxMs: histogram.maxMs,
    generatorCpuSeconds: sum("cpuSeconds"),
    generatorProcesses: processes,
    liveSigning: options.liveSigning === true,
    ...(warmupSeconds === 0
      ? {}
      : {
          warmup: {
            seconds: warmupSeconds,
            sent: warmSum("sent"),
            acked: warmSum("acked"),
            p50Ms: warmupHistogram.percentile(0.5),
            p99Ms: warmupHistogram.percentile(0.99),
            maxMs: warmupHistogram.maxMs,
            inFlightAtEnd: warmSum("inFlightAtEnd"),
          },
        }),
  };
}

if (import.meta.main) await child();
