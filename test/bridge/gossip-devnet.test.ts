// Reading replication between real validator processes (npm start wiring: node key, poa validator
// peers, the embedded bridge): a 3-validator devnet, a device registered through cosmjs publishes
// over MQTT to validator 0; validators 1 and 2 serve the same bytes from their HTTP history. The
// device then fails over to validator 1: its last reading resent there is acknowledged without an
// error, and its next one reaches validators 0 and 2 by gossip.
import { randomBytes } from "node:crypto";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import type { MqttClient } from "mqtt";
import { accountOf, consumerHttpAuthorization } from "../../bridge-mqtt/consumers/login.ts";
import { errorsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import { createRegistry } from "../../client/index.ts";
import {
  DENOM,
  heightOf,
  mqttUrlOf,
  type RunningDevnetNode,
  startTestDevnet,
  type TestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";
import { connectDevice, registerMeters } from "./device-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const DEVICE = "D035_3001";
const key = ed25519Key();
/** The device's owner: entitled to its history on every node. */
const ownerKey = new Uint8Array(randomBytes(32));
const owner = accountOf(ownerKey).address;
let net: TestDevnet | undefined;

test.after.always(async () => {
  await net?.close();
});

/** The device's readings a node serves from its store (HTTP history, as the owner), base64 bytes. */
async function history(node: RunningDevnetNode, fromMs: number): Promise<string[] | undefined> {
  const query = `device_id=${DEVICE}&from_ms=${fromMs}&to_ms=${Date.now() + 120_000}&limit=100`;
  try {
    const response = await fetch(`${node.rpcUrl}/bridge/v1/readings?${query}`, {
      headers: { authorization: consumerHttpAuthorization(net!.devnet.chainId, ownerKey, Date.now()) },
    });
    if (response.status !== 200) return undefined;
    const body = (await response.json()) as { readings: { bytes: string }[] };
    return body.readings.map((reading) => reading.bytes);
  } catch {
    return undefined;
  }
}

function connect(url: string): Promise<MqttClient> {
  return connectDevice(url, DEVICE, key, { chainId: net!.devnet.chainId });
}

test("validators replicate a device's readings; the device fails over between them", async (t) => {
  t.timeout(240_000);
  net = await startTestDevnet({ validators: 3, senders: 1, timeoutCommit: "300ms" });
  const nodes = net.nodes;
  await waitForHeights(nodes, 2n, 90_000);
  await waitFor(
    "the bridges' addresses",
    async () => nodes.every((n) => mqttUrlOf(n) !== undefined),
    30_000,
    nodes,
  );
  const urls = nodes.map((node) => mqttUrlOf(node)!);

  const sender = net.senders[0]!;
  const gasPrice = GasPrice.fromString(`0.025${DENOM}`);
  const funder = await SigningStargateClient.connectWithSigner(nodes[0]!.rpcUrl, sender.wallet, {
    gasPrice,
    broadcastPollIntervalMs: 200,
  });
  assertIsDeliverTxSuccess(
    await funder.sendTokens(sender.address, owner, [{ denom: DENOM, amount: "100000000" }], "auto"),
  );
  funder.disconnect();
  const client = await SigningStargateClient.connectWithSigner(
    nodes[0]!.rpcUrl,
    await DirectSecp256k1Wallet.fromKey(ownerKey, "sensor"),
    { registry: createRegistry(), gasPrice, broadcastPollIntervalMs: 200 },
  );
  await registerMeters(client, owner, [[DEVICE, key]]);
  client.disconnect();
  // Every validator must know the device before it can check the readings gossiped to it.
  await waitForHeights(nodes, (await heightOf(nodes[0]!)) + 2n, 60_000);

  const fromMs = Date.now() - 60_000;
  const readings = [1n, 2n, 3n, 4n, 5n].map((sequence) => signedReading(key, { deviceId: DEVICE, sequence }));
  const onFirst = await connect(urls[0]!);
  for (const { payload } of readings)
    await onFirst.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
  await onFirst.endAsync();
  const firstFive = readings.map((r) => Buffer.from(r.payload).toString("base64"));
  for (const [i, node] of nodes.entries())
    await waitFor(
      `validator ${i} to serve readings 1-5`,
      async () => JSON.stringify(await history(node, fromMs)) === JSON.stringify(firstFive),
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

  const all = [...firstFive, Buffer.from(next.payload).toString("base64")];
  for (const [i, node] of nodes.entries())
    await waitFor(
      `validator ${i} to serve readings 1-6`,
      async () => JSON.stringify(await history(node, fromMs)) === JSON.stringify(all),
      60_000,
      nodes,
    );
  for (const node of nodes) t.deepEqual(await history(node, fromMs), all);
});
