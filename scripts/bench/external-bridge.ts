// External broker mode end to end: devices publish signed readings (QoS 1) to a real mosquitto, one
// bridge consumes them through the shared subscription (verify in workers, LevelDB group commit,
// PUBACK to the broker after the write). Printed beside a plain mosquitto relay of the same messages
// to one QoS 1 subscriber, measured in the same run (reference/baselines.md: 53,000 msg/s QoS 1).
// `node scripts/bench/external-bridge.ts [--devices D] [--readings N] [--workers W]` (--help lists them)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClassicLevel } from "classic-level";
import mqtt, { type MqttClient } from "mqtt";
import { startBridge } from "../../bridge-mqtt/bridge.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { deviceToProto, pb } from "../../modules/device/codec.ts";
import { ed25519Key, signedReading } from "../../test/bridge/device-keys.ts";
import { BRIDGE_USER, externalConfig, startMosquitto } from "../../test/helpers/mosquitto.ts";
import { benchCommand, runBenchMain } from "./args.ts";

const silent = process.env["BRIDGE_DEBUG"]
  ? { info: console.error, warn: console.error, error: console.error }
  : { info() {}, warn() {}, error() {} };
/** QoS 1 publishes a simulated device keeps unacknowledged at once. */
const PUBLISH_WINDOW = 50;

export async function runExternalBridgeBench(options: {
  devices?: number;
  readings?: number;
  workers?: number;
}) {
  const deviceCount = options.devices ?? 50;
  const total = options.readings ?? 20_000;
  const perDevice = Math.ceil(total / deviceCount);
  const ids = Array.from({ length: deviceCount }, (_, i) => `D035_${String(i + 1).padStart(4, "0")}`);
  const keys = ids.map(() => ed25519Key());
  const now = BigInt(Date.now());
  const payloads = ids.map((deviceId, i) =>
    Array.from({ length: perDevice }, (_, s) =>
      Buffer.from(
        signedReading(keys[i]!, { deviceId, sequence: BigInt(s + 1), timestampMs: now + BigInt(s) }).payload,
      ),
    ),
  );
  const registered = new Map(
    ids.map((id, i) => [
      id,
      pb.QueryDeviceResponse.encode({
        device: deviceToProto({
          id,
          owner: "sensor1bench",
          publicKey: { type: "ed25519", key: keys[i]!.publicKey },
          metadata: { model: "meter", unit: "kWh", locationHint: "" },
          shared: false,
          shareTerms: undefined,
          status: "active",
          registrationHeight: 1n,
          keyRotationHeight: 0n,
        }),
      }).finish(),
    ]),
  );
  const users: Record<string, string> = { [BRIDGE_USER]: "bench", relay: "relay" };
  for (const id of ids) users[id] = "device";
  const broker = await startMosquitto(users);
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-bench-external-"));
  const clients: MqttClient[] = [];
  try {
    const connectDevice = (id: string) =>
      mqtt.connectAsync(broker.url, { clientId: id, username: id, password: "device", protocolVersion: 5 });
    for (const id of ids) clients.push(await connectDevice(id));
    const publishAll = async (topicOf: (id: string) => string) => {
      await Promise.all(
        clients.map(async (client, i) => {
          // Up to PUBLISH_WINDOW unacknowledged per device, as a buffering device would.
          const pending = new Set<Promise<unknown>>();
          for (const payload of payloads[i]!) {
            const sent = client.publishAsync(topicOf(ids[i]!), payload, { qos: 1 });
            pending.add(sent);
            void sent.finally(() => pending.delete(sent));
            if (pending.size >= PUBLISH_WINDOW) await Promise.race(pending);
          }
          await Promise.all(pending);
        }),
      );
    };

    // 1. Plain relay: one QoS 1 subscriber (the bridge's login) receives every message.
    const relay = await mqtt.connectAsync(broker.url, {
      clientId: "relay",
      username: BRIDGE_USER,
      password: "bench",
      protocolVersion: 5,
      properties: { receiveMaximum: 1000 },
    });
    let relayed = 0;
    const relayDone = new Promise<void>((resolve) =>
      relay.on("message", () => {
        if (++relayed === perDevice * deviceCount) resolve();
      }),
    );
    await relay.subscribeAsync("sensorchain/v1/devices/+/readings", { qos: 1 });
    let start = performance.now();
    await publishAll(readingsTopic);
    await relayDone;
    const relayRate = (relayed * 1000) / (performance.now() - start);
    await relay.endAsync();

    // 2. The bridge: a fresh sequence space is needed, so the devices publish the same readings to
    // a bridge started afterwards (its store is empty; nothing is a replay).
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
    await db.open();
    const bridge = await startBridge({
      db,
      home: dir,
      chainId: "bench",
      listen: { host: "127.0.0.1", port: 0 },
      logger: silent,
      query: async (_path, data) => ({
        code: 0,
        value: registered.get(pb.QueryDeviceRequest.decode(data).deviceId)!,
      }),
      config: {
        ...externalConfig({
          url: broker.url,
          username: BRIDGE_USER,
          password: "bench",
          sharedGroup: "bench",
        }),
        verifyWorkers: options.workers ?? 2,
      },
    });
    await bridge.external!.ready();
    let stored = 0;
    const expected = perDevice * deviceCount;
    const storedAll = new Promise<void>((resolve) =>
      bridge.store.onStored((batch) => {
        stored += batch.length;
        if (stored >= expected) resolve();
      }),
    );
    start = performance.now();
    const progress = setInterval(() => {
      const { delivered, acknowledged, maxPending } = bridge.external!.stats;
      console.error(
        `  … ${stored} stored, ${delivered} delivered, ${acknowledged} acknowledged, at most ${maxPending} pending, ${bridge.counters.unavailable} unavailable`,
      );
    }, 5000);
    await publishAll(readingsTopic);
    await storedAll;
    clearInterval(progress);
    const bridgeRate = (stored * 1000) / (performance.now() - start);
    const stats = bridge.verifier.stats();
    await bridge.stop();
    await db.close();
    const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
    console.log(
      `external mode, ${deviceCount} devices x ${perDevice} readings (ed25519), mosquitto, ${options.workers ?? 2} verify workers`,
    );
    console.log(`  plain mosquitto relay (QoS 1, one subscriber): ${fmt(relayRate)} msg/s`);
    console.log(
      `  bridge (verified, stored, acked to the broker): ${fmt(bridgeRate)} readings/s = ${(bridgeRate / relayRate).toFixed(2)}x relay; ` +
        `${(stats.verified / Math.max(1, stats.batches)).toFixed(1)} signatures per worker message`,
    );
  } finally {
    await Promise.all(clients.map((client) => client.endAsync()));
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export const externalBridgeBenchCommand = benchCommand({
  name: "external-bridge",
  summary:
    "External broker mode end to end (devices -> mosquitto -> bridge: verify, store, ack) beside a plain\nmosquitto QoS 1 relay of the same messages.",
  flags: {
    devices: { type: "integer", default: 50, description: "devices publishing signed readings" },
    readings: { type: "integer", default: 20_000, description: "readings in all, split over the devices" },
    workers: { type: "integer", default: 2, description: "the bridge's verification worker threads" },
  },
  run: (flags) =>
    runExternalBridgeBench({ devices: flags.devices, readings: flags.readings, workers: flags.workers }),
});

if (import.meta.main) await runBenchMain(externalBridgeBenchCommand);
