// Runs simulated devices as real MQTT clients (mqtt.js, MQTT 3.1.1): each logs in as the bridge
// expects (bridge-mqtt/README.md, Authentication), subscribes to its errors topic and publishes
// signed readings at `rate` per second, QoS 1. Sends are spread evenly: one scheduler tick hands out
// the readings due since the last tick round-robin over the devices, so N devices at R/s offer N×R
// readings/s without N timers. Each second: sent, PUBACKed, rejected, skipped, p50/p99 time to PUBACK.
import mqtt, { type MqttClient } from "mqtt";
import { authPassword } from "../../bridge-mqtt/auth.ts";
import { errorsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import { encodeReading, type Reading, readingSignBytes } from "../../modules/meter/reading.ts";
import type { SimulatedDevice } from "./keys-file.ts";
import { LatencyHistogram } from "./latency.ts";

/** Scheduler period, ms: readings due are sent in bursts at most this far apart. */
const TICK_MS = 5;
/** Logins in flight at once: each costs the node a signature check and a registry lookup. */
export const DEFAULT_CONNECT_CONCURRENCY = 100;
/** How long a login may take, ms, and how long to wait for outstanding PUBACKs at the end. */
const CONNECT_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 10_000;
/** Reconnect period after a lost connection, ms (the password is re-signed with a fresh time). */
const RECONNECT_PERIOD_MS = 2_000;
/** Most readings signed ahead of the run with --presign (about 250 bytes each in memory). */
export const MAX_PRESIGNED_READINGS = 1_000_000;
/** Sequences start at the wall clock in ms × this: a rerun starts above the last run's sequences as
 * long as a device sends fewer than this many readings per millisecond. */
const SEQUENCE_PER_MS = 1000n;

export interface FleetOptions {
  mqttUrl: string;
  chainId: string;
  devices: readonly SimulatedDevice[];
  /** Readings per second per device. */
  rate: number;
  durationMs: number;
  /** A device with this many readings not yet PUBACKed skips its next one (counted as skipped). */
  maxInflight: number;
  connectConcurrency?: number;
  /** Sign every reading of the run before it starts (timestamps at their planned send times, so at
   * most the signing time old: the bridge accepts readings up to an hour old). Keeps ed25519 signing
   * off the load generator's CPU while it measures, on a machine the node shares. */
  presign?: boolean;
  /** Called once a second with that second's figures. */
  onSecond?: (second: SecondFigures) => void;
  log?: (line: string) => void;
}

export interface SecondFigures {
  second: number;
  connected: number;
  sent: number;
  acked: number;
  rejected: number;
  skipped: number;
  p50Ms: number;
  p99Ms: number;
}

export interface FleetSummary {
  devices: number;
  connected: number;
  connectFailures: Record<string, number>;
  connectSeconds: number;
  offeredPerSecond: number;
  seconds: number;
  sent: number;
  acked: number;
  rejected: number;
  rejectedByCode: Record<string, number>;
  /** Sends skipped: the device was disconnected or had maxInflight readings waiting. */
  skipped: number;
  /** Published and never PUBACKed (after the drain), and publishes that failed (connection lost). */
  unacked: number;
  failed: number;
  disconnects: number;
  ackedPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

interface DeviceState {
  device: SimulatedDevice;
  next: bigint;
  /** Readings signed ahead (--presign), sent in order, then signed live. */
  presigned: Buffer[];
  used: number;
}

interface Running extends DeviceState {
  client: MqttClient;
  inflight: number;
}

function signedPayload(entry: DeviceState, timestampMs: number): Buffer {
  const unsigned: Reading = {
    deviceId: entry.device.id,
    sequence: entry.next++,
    timestampMs: BigInt(timestampMs),
    values: [{ name: "power", unit: "W", value: String(1000 + Math.floor(Math.random() * 9000)) }],
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(0),
  };
  const reading = { ...unsigned, signature: entry.device.signer.sign(readingSignBytes(unsigned)) };
  return Buffer.from(encodeReading(reading));
}

function connectDevice(options: FleetOptions, device: SimulatedDevice): Promise<MqttClient> {
  const password = () => authPassword(options.chainId, device.id, Date.now(), (m) => device.signer.sign(m));
  const client = mqtt.connect(options.mqttUrl, {
    clientId: device.id,
    username: device.id,
    password: password(),
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: RECONNECT_PERIOD_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
  });
  // A login is valid for 30 s around its time: sign a fresh one for every reconnect.
  client.on("reconnect", () => {
    client.options.password = password();
  });
  return new Promise((resolve, reject) => {
    const onConnect = () => {
      client.off("error", onError);
      resolve(client);
    };
    const onError = (error: Error & { code?: number | string }) => {
      client.off("connect", onConnect);
      client.end(true);
      reject(error);
    };
    client.once("connect", onConnect);
    client.once("error", onError);
  });
}

export async function runFleet(options: FleetOptions): Promise<FleetSummary> {
  const log = options.log ?? (() => {});
  const running: Running[] = [];
  const connectFailures: Record<string, number> = {};
  const sequenceBase = BigInt(Date.now()) * SEQUENCE_PER_MS;
  let rejected = 0;
  const rejectedByCode: Record<string, number> = {};
  let disconnects = 0;
  let ending = false;
  const states: DeviceState[] = options.devices.map((device) => ({
    device,
    next: sequenceBase + 1n,
    presigned: [],
    used: 0,
  }));
  // Before connecting: signing blocks the event loop, and connected clients would miss keepalives.
  if (options.presign === true) presign(states, options, log);
  const connectStarted = performance.now();
  const queue = [...states];
  const worker = async () => {
    for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
      const { device } = state;
      try {
        const client = await connectDevice(options, device);
        client.on("message", (_topic, payload) => {
          rejected++;
          let code = "unparsed";
          try {
            code = String(JSON.parse(payload.toString()).code);
          } catch {}
          rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1;
        });
        client.on("offline", () => {
          if (!ending) disconnects++;
        });
        // After login, errors (a refused reconnect, a reset socket) end in "offline" and a retry;
        // without a listener an "error" event would throw and stop every device.
        client.on("error", () => {});
        client.subscribe(errorsTopic(device.id), { qos: 0 });
        running.push(Object.assign(state, { client, inflight: 0 }));
      } catch (error) {
        const code = String((error as { code?: unknown }).code ?? (error as Error).message);
        connectFailures[code] = (connectFailures[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.min(options.connectConcurrency ?? DEFAULT_CONNECT_CONCURRENCY, queue.length) },
      worker,
    ),
  );
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  log(`${running.length}/${options.devices.length} devices connected in ${connectSeconds.toFixed(1)} s`);

  const total = { sent: 0, acked: 0, failed: 0, skipped: 0 };
  const window = { sent: 0, acked: 0, skipped: 0, rejectedAt: 0 };
  const overall = new LatencyHistogram();
  const perSecond = new LatencyHistogram();
  const publish = (entry: Running) => {
    const payload =
      entry.used < entry.presigned.length ? entry.presigned[entry.used++]! : signedPayload(entry, Date.now());
    const started = performance.now();
    entry.inflight++;
    total.sent++;
    window.sent++;
    entry.client.publish(readingsTopic(entry.device.id), payload, { qos: 1 }, (error) => {
      entry.inflight--;
      if (error) {
        total.failed++;
        return;
      }
      const ms = performance.now() - started;
      total.acked++;
      window.acked++;
      overall.add(ms);
      perSecond.add(ms);
    });
  };

  const offeredPerSecond = running.length * options.rate;
  const started = performance.now();
  let handedOut = 0;
  let second = 0;
  await new Promise<void>((resolve) => {
    if (running.length === 0) return resolve();
    const tick = setInterval(() => {
      const elapsedMs = performance.now() - started;
      const due = Math.floor((Math.min(elapsedMs, options.durationMs) * offeredPerSecond) / 1000);
      for (; handedOut < due; handedOut++) {
        const entry = running[handedOut % running.length]!;
        if (!entry.client.connected || entry.inflight >= options.maxInflight) {
          total.skipped++;
          window.skipped++;
        } else publish(entry);
      }
      if (elapsedMs >= (second + 1) * 1000) {
        second++;
        options.onSecond?.({
          second,
          connected: running.filter((r) => r.client.connected).length,
          sent: window.sent,
          acked: window.acked,
          rejected: rejected - window.rejectedAt,
          skipped: window.skipped,
          p50Ms: perSecond.percentile(0.5),
          p99Ms: perSecond.percentile(0.99),
        });
        Object.assign(window, { sent: 0, acked: 0, skipped: 0, rejectedAt: rejected });
        perSecond.reset();
      }
      if (elapsedMs >= options.durationMs) {
        clearInterval(tick);
        resolve();
      }
    }, TICK_MS);
  });
  const seconds = (performance.now() - started) / 1000;

  const drainDeadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (total.acked + total.failed < total.sent && performance.now() < drainDeadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  ending = true;
  await Promise.all(running.map((entry) => entry.client.endAsync(true).catch(() => {})));
  return {
    devices: options.devices.length,
    connected: running.length,
    connectFailures,
    connectSeconds,
    offeredPerSecond,
    seconds,
    sent: total.sent,
    acked: total.acked,
    rejected,
    rejectedByCode,
    skipped: total.skipped,
    unacked: total.sent - total.acked - total.failed,
    failed: total.failed,
    disconnects,
    ackedPerSecond: total.acked / seconds,
    p50Ms: overall.percentile(0.5),
    p99Ms: overall.percentile(0.99),
    maxMs: overall.maxMs,
  };
}

/** Signs each device's readings of the whole run ahead, timestamped at their planned send times. */
function presign(running: DeviceState[], options: FleetOptions, log: (line: string) => void): void {
  const perDevice = Math.ceil((options.rate * options.durationMs) / 1000) + 1;
  const total = perDevice * running.length;
  if (total > MAX_PRESIGNED_READINGS)
    throw new RangeError(
      `--presign would sign ${total} readings ahead, more than ${MAX_PRESIGNED_READINGS}: shorten --duration or lower --count/--rate`,
    );
  const started = performance.now();
  const planStart = Date.now();
  const perSecond = running.length * options.rate;
  for (const [index, entry] of running.entries())
    for (let send = 0; send < perDevice; send++)
      entry.presigned.push(
        signedPayload(entry, planStart + Math.floor(((send * running.length + index) * 1000) / perSecond)),
      );
  log(`${total} readings signed ahead in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
