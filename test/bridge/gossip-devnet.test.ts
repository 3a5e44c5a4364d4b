// Reading replication between real validator processes (npm start wiring: node key, poa validator
// peers, the embedded bridge): a 3-validator devnet, a device registered through cosmjs publishes
// over MQTT to validator 0; validators 1 and 2 store the same bytes. The device then fails over to
// validator 1: its last reading resent there is acknowledged without an error, and its next one
// reaches validators 0 and 2 by gossip. The stored days are read from each stopped node's LevelDB.
import { join } from "node:path";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import { ClassicLevel } from "classic-level";
import mqtt, { type MqttClient } from "mqtt";
import { authPassword } from "../../bridge-mqtt/auth.ts";
import { ReadingStore } from "../../bridge-mqtt/reading-store.ts";
import { errorsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { createRegistry, MSG_REGISTER_DEVICE } from "../../client/index.ts";
import { dayOf } from "../../modules/meter/reading.ts";
import {
  DENOM,
  heightOf,
  type RunningDevnetNode,
  startTestDevnet,
  type TestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const DEVICE = "D035_3001";
const key = ed25519Key();
let net: TestDevnet | undefined;

test.after.always(async () => {
  await net?.close();
});

/** The embedded broker's URL, from the node's "mqtt bridge listening" log line (laddr port 0). */
function mqttUrlOf(node: RunningDevnetNode): string | undefined {
  const line = node.output.split("\n").find((l) => l.includes("mqtt bridge listening"));
  return line === undefined ? undefined : /mqtt:\/\/[0-9.]+:[0-9]+/.exec(line)?.[0];
}

/** How many gossiped batches the node stored (its Prometheus gossip-lag histogram's count). */
async function batchesStored(node: RunningDevnetNode): Promise<number> {
  try {
    const text = await (await fetch(`${node.rpcUrl}/metrics`)).text();
    const match = /^sensorchain_mqtt_gossip_lag_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(text);
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

function connect(url: string): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId: DEVICE,
    username: DEVICE,
    password: authPassword(net!.devnet.chainId, DEVICE, Date.now(), key.sign),
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
}

async function storedDay(node: RunningDevnetNode, day: bigint): Promise<Buffer[]> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(node.spec.home, "data", "chain.db"), DB_OPTIONS);
  await db.open();
  try {
    return (await new ReadingStore(db).dayReadings(DEVICE, day)).map((bytes) => Buffer.from(bytes));
  } finally {
    await db.close();
  }
}

test("validators replicate a device's readings; the device fails over between them", async (t) => {
  t.timeout(240_000);
  net = await startTestDevnet({ validators: 3, senders: 1, timeoutCommit: "300ms" });
  const nodes = net.nodes;
  await waitForHeights(nodes, 2n, 90_000);
  const urls: string[] = [];
  await waitFor(
    "the bridges' addresses",
    async () => nodes.every((n) => mqttUrlOf(n) !== undefined),
    30_000,
    nodes,
  );
  for (const node of nodes) urls.push(mqttUrlOf(node)!);

  const sender = net.senders[0]!;
  const client = await SigningStargateClient.connectWithSigner(nodes[0]!.rpcUrl, sender.wallet, {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  });
  const registration = {
    typeUrl: MSG_REGISTER_DEVICE,
    value: {
      owner: sender.address,
      deviceId: DEVICE,
      publicKey: { type: key.type, key: key.publicKey },
      metadata: { model: "meter", unit: "kWh", locationHint: "" },
    },
  };
  assertIsDeliverTxSuccess(await client.signAndBroadcast(sender.address, [registration], "auto"));
  client.disconnect();
  // Every validator must know the device before it can check the readings gossiped to it.
  await waitForHeights(nodes, (await heightOf(nodes[0]!)) + 2n, 60_000);

  const readings = [1n, 2n, 3n, 4n, 5n].map((sequence) => signedReading(key, { deviceId: DEVICE, sequence }));
  const onFirst = await connect(urls[0]!);
  for (const { payload } of readings)
    await onFirst.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
  await onFirst.endAsync();
  await waitFor(
    "validators 1 and 2 to store a gossiped batch",
    async () => (await batchesStored(nodes[1]!)) > 0 && (await batchesStored(nodes[2]!)) > 0,
    60_000,
    nodes,
  );

  // Failover to validator 1: the last reading again (acknowledged, no error), then the next one.
  const onSecond = await connect(urls[1]!);
  const errors: string[] = [];
  onSecond.on("message", (topic, payload) => {
    if (topic === errorsTopic(DEVICE)) errors.push(JSON.parse(payload.toString()).code);
  });
  await onSecond.subscribeAsync(errorsTopic(DEVICE), { qos: 1 });
  await onSecond.publishAsync(readingsTopic(DEVICE), Buffer.from(readings[4]!.payload), { qos: 1 });
  const next = signedReading(key, { deviceId: DEVICE, sequence: 6n });
  await onSecond.publishAsync(readingsTopic(DEVICE), Buffer.from(next.payload), { qos: 1 });
  // A replay marker: errors come in order, so its answer follows any answer to the two before.
  const marker = signedReading(key, { deviceId: DEVICE, sequence: 2n, value: "0" });
  await onSecond.publishAsync(readingsTopic(DEVICE), Buffer.from(marker.payload), { qos: 1 });
  await waitFor("the marker's answer", async () => errors.length > 0, 30_000, nodes);
  t.deepEqual(errors, ["replay"]);
  await onSecond.endAsync();
  await waitFor(
    "validators 0 and 2 to store validator 1's batch",
    async () => (await batchesStored(nodes[0]!)) > 0 && (await batchesStored(nodes[2]!)) > 1,
    60_000,
    nodes,
  );

  for (const node of nodes) await node.stop();
  // Readings made just before a UTC midnight fall on two days: compare every day they touch.
  const all = [...readings, next];
  const days = [...new Set(all.map((r) => dayOf(r.reading.timestampMs)))].sort();
  const expected = all.map((r) => Buffer.from(r.payload));
  for (const [i, node] of nodes.entries()) {
    const stored: Buffer[] = [];
    for (const day of days) stored.push(...(await storedDay(node, day)));
    t.deepEqual(stored, expected, `validator ${i}`);
  }
});
