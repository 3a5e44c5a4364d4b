// Fault: kill -9 a node (and its embedded bridge) while devices publish QoS 1 readings as fast as
// the bridge takes them; restart it from the same home. Every reading whose PUBACK a device received
// must be in the node's LevelDB with the bytes the device sent (a PUBACK goes out only after the
// group commit is fsynced). After the restart a device resending its first unacknowledged reading
// gets a PUBACK and no error: stored already (a duplicate) or stored now.
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import type { MqttClient } from "mqtt";
import { ReadingStore } from "../../bridge-mqtt/reading-store.ts";
import { errorsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import {
  createTestHome,
  faucetWallet,
  type NodeProcess,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { signingClient } from "./consumer-helpers.ts";
import { connectDevice, registerMeters } from "./device-helpers.ts";
import { ed25519Key, signedReading, type TestDeviceKey } from "./device-keys.ts";

/** Devices publishing at once, and QoS 1 publishes each keeps in flight. */
const DEVICES = 16;
const IN_FLIGHT_PER_DEVICE = 8;
/** The node is killed once this many readings are acknowledged (under load: publishing goes on). */
const ACKED_BEFORE_KILL = 1_500;

interface Device {
  id: string;
  key: TestDeviceKey;
  /** Payloads sent and those acknowledged, by sequence. */
  sent: Map<bigint, Uint8Array>;
  acked: Map<bigint, Uint8Array>;
}

const devices: Device[] = Array.from({ length: DEVICES }, (_, i) => ({
  id: `D035_${String(2001 + i)}`,
  key: ed25519Key(),
  sent: new Map(),
  acked: new Map(),
}));

let home: TestHome | undefined;
let node: NodeProcess | undefined;

test.after.always(async () => {
  await node?.stop();
  await home?.remove();
});

function connect(url: string, device: Device): Promise<MqttClient> {
  return connectDevice(url, device.id, device.key);
}

test("kill -9 under load, restart: every acknowledged reading is stored", async (t) => {
  t.timeout(180_000);
  home = await createTestHome();
  node = await startNodeProcess(home.home);
  const { address } = await faucetWallet();
  const client = await signingClient(node.rpcUrl);
  await registerMeters(
    client,
    address,
    devices.map((device) => [device.id, device.key] as const),
  );
  client.disconnect();

  const clients = await Promise.all(devices.map((device) => connect(node!.mqttUrl, device)));
  let running = true;
  let acked = 0;
  let enough: () => void = () => {};
  const enoughAcked = new Promise<void>((resolve) => (enough = resolve));
  const pump = (device: Device, mqttClient: MqttClient, inFlight: { count: number }) => {
    while (running && inFlight.count < IN_FLIGHT_PER_DEVICE) {
      const sequence = BigInt(device.sent.size + 1);
      const { payload } = signedReading(device.key, {
        deviceId: device.id,
        sequence,
        value: String(sequence),
      });
      device.sent.set(sequence, payload);
      inFlight.count++;
      mqttClient.publish(readingsTopic(device.id), Buffer.from(payload), { qos: 1 }, (error) => {
        inFlight.count--;
        if (error !== undefined && error !== null) return; // never acknowledged: the connection died
        device.acked.set(sequence, payload);
        if (++acked >= ACKED_BEFORE_KILL) enough();
        pump(device, mqttClient, inFlight);
      });
    }
  };
  for (const [i, device] of devices.entries()) pump(device, clients[i]!, { count: 0 });
  await enoughAcked;
  await node.kill9();
  running = false;
  for (const mqttClient of clients) mqttClient.end(true);
  // PUBACKs already on the wire when the process died still count: they were sent after the fsync.
  const ackedAtKill = devices.reduce((sum, d) => sum + d.acked.size, 0);
  t.true(ackedAtKill >= ACKED_BEFORE_KILL);
  const unacknowledged = devices.reduce((sum, d) => sum + d.sent.size - d.acked.size, 0);
  t.log(`${ackedAtKill} readings acknowledged, ${unacknowledged} in flight at the kill`);

  // Restart from the same home; a device resends its first unacknowledged reading.
  node = await startNodeProcess(home.home);
  const device = devices.find((d) => d.sent.size > d.acked.size) ?? devices[0]!;
  const resend = [...device.sent.keys()].find((sequence) => !device.acked.has(sequence))!;
  const again = await connect(node.mqttUrl, device);
  const errors: string[] = [];
  again.on("message", (topic, payload) => {
    if (topic === errorsTopic(device.id)) errors.push(JSON.parse(payload.toString()).code);
  });
  await again.subscribeAsync(errorsTopic(device.id), { qos: 1 });
  await again.publishAsync(readingsTopic(device.id), Buffer.from(device.sent.get(resend)!), { qos: 1 });
  // A marker after it: errors come in order, so once the marker's answer is in, the resend's is too.
  const replay = signedReading(device.key, { deviceId: device.id, sequence: 1n, value: "-1" });
  await again.publishAsync(readingsTopic(device.id), Buffer.from(replay.payload), { qos: 1 });
  while (errors.length === 0) await new Promise((resolve) => setTimeout(resolve, 25));
  t.deepEqual(errors, ["replay"], "the resent reading got no error, the marker a replay");
  await again.endAsync();
  t.is(await node.stop(), 0);
  node = undefined;

  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(home.home, "data", "chain.db"), DB_OPTIONS);
  await db.open();
  t.teardown(() => db.close());
  const store = new ReadingStore(db);
  let missing = 0;
  let checked = 0;
  for (const d of devices)
    for (const [sequence, payload] of d.acked) {
      checked++;
      const stored = await store.loadReading(d.id, sequence);
      if (stored === undefined || !Buffer.from(stored).equals(payload)) missing++;
    }
  t.true(checked >= ACKED_BEFORE_KILL);
  t.is(missing, 0, "acknowledged readings lost");
  t.deepEqual(await store.loadReading(device.id, resend), device.sent.get(resend));
});
