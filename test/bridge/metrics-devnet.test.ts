// GET /metrics across two real validator processes: a device publishes to validator 0; validator 1's
// scrape shows the readings stored by gossip, the gossip lag histogram, its peers and the p2p
// counters; a reading resent to validator 1 after a failover is counted as a device duplicate there.
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import type { MqttClient } from "mqtt";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { createRegistry } from "../../client/index.ts";
import { type Exposition, sampleValue, scrapeMetrics } from "../../scripts/bench/prometheus-text.ts";
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

const DEVICE = "D035_3101";
const READINGS = 5;
const key = ed25519Key();
const M = "sensorchain_mqtt_";
let net: TestDevnet | undefined;

test.after.always(async () => {
  await net?.close();
});

function connect(url: string): Promise<MqttClient> {
  return connectDevice(url, DEVICE, key, { chainId: net!.devnet.chainId });
}

const value = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  sampleValue(exposition, name, labels) ?? Number.NaN;

test("a peer's /metrics show readings stored by gossip, gossip lag, peers and device duplicates", async (t) => {
  t.timeout(180_000);
  net = await startTestDevnet({ validators: 2, senders: 1, timeoutCommit: "300ms" });
  const [first, second] = net.nodes as [RunningDevnetNode, RunningDevnetNode];
  await waitForHeights(net.nodes, 2n, 90_000);
  await waitFor(
    "the bridges' addresses",
    async () => net!.nodes.every((n) => mqttUrlOf(n) !== undefined),
    30_000,
    net.nodes,
  );

  const { wallet, address } = net.senders[0]!;
  const client = await SigningStargateClient.connectWithSigner(first.rpcUrl, wallet, {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  });
  await registerMeters(client, address, [[DEVICE, key]]);
  client.disconnect();
  // Both nodes must know the device before the peer can check the readings' signatures.
  await waitForHeights(net.nodes, (await heightOf(first)) + 1n, 30_000);

  const before = await scrapeMetrics(second.rpcUrl);
  const device = await connect(mqttUrlOf(first)!);
  const payloads: Uint8Array[] = [];
  for (let sequence = 1n; sequence <= BigInt(READINGS); sequence++) {
    const { payload } = signedReading(key, { deviceId: DEVICE, sequence });
    payloads.push(payload);
    await device.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
  }
  await device.endAsync();
  await waitFor(
    "validator 1 to store the readings by gossip",
    async () => value(await scrapeMetrics(second.rpcUrl), `${M}gossip_readings_stored_total`) >= READINGS,
    60_000,
    net.nodes,
  );

  // Failover: the device resends its last reading to validator 1, which has it by gossip already.
  const failover = await connect(mqttUrlOf(second)!);
  await failover.publishAsync(readingsTopic(DEVICE), Buffer.from(payloads.at(-1)!), { qos: 1 });
  await failover.endAsync();

  const after = await scrapeMetrics(second.rpcUrl);
  const moved = (name: string, labels: Record<string, string> = {}) =>
    value(after, name, labels) - value(before, name, labels);
  t.is(moved(`${M}gossip_readings_stored_total`), READINGS);
  t.true(moved(`${M}gossip_batches_accepted_total`) >= 1);
  t.true(moved(`${M}gossip_lag_seconds_count`) >= 1);
  t.is(moved(`${M}gossip_batches_rejected_total`, { reason: "bad_signature" }), 0);
  t.is(moved(`${M}readings_duplicate_total`, { source: "device" }), 1);
  t.is(moved(`${M}readings_accepted_total`), 1); // the duplicate is acknowledged as accepted
  t.true(value(after, "sensorchain_p2p_peers") >= 1);
  t.true(value(after, "sensorchain_p2p_consensus_accepted_total") > 0);
  const publisher = await scrapeMetrics(first.rpcUrl);
  t.true(value(publisher, `${M}gossip_batches_published_total`) >= 1);
  t.is(value(publisher, `${M}gossip_readings_published_total`), READINGS);
});
