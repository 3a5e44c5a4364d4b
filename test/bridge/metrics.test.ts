// GET /metrics of a real node process (chain/node/metrics.ts, bridge-mqtt/metrics.ts): a device
// registered through cosmjs logs in to the node's embedded broker and publishes; the scrape, parsed as
// Prometheus text, shows the counters moved (accepted, rejected by reason, refused logins, ACL
// denials), the verify histogram, connections by kind and the node's height.
import test from "ava";
import type { MqttClient } from "mqtt";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { type Exposition, sampleValue, scrapeMetrics } from "../../scripts/bench/prometheus-text.ts";
import {
  createTestHome,
  faucetWallet,
  type NodeProcess,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { signingClient } from "./consumer-helpers.ts";
import { connectDevice, registerMeters } from "./device-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const DEVICE = "D035_0001";
const key = ed25519Key();
const stranger = ed25519Key();
const M = "sensorchain_mqtt_";

let home: TestHome;
let node: NodeProcess;

test.before(async () => {
  home = await createTestHome();
  node = await startNodeProcess(home.home);
  const { address } = await faucetWallet();
  const client = await signingClient(node.rpcUrl);
  await registerMeters(client, address, [[DEVICE, key]]);
  client.disconnect();
});

test.after.always(async () => {
  await node?.stop();
  await home?.remove();
});

function connect(signWith = key): Promise<MqttClient> {
  return connectDevice(node.mqttUrl, DEVICE, signWith);
}

const value = (exposition: Exposition, name: string, labels: Record<string, string> = {}) =>
  sampleValue(exposition, name, labels) ?? Number.NaN;

test.serial("a scrape before any device: node gauges, p2p counters and zeroed bridge counters", async (t) => {
  const exposition = await scrapeMetrics(node.rpcUrl);
  t.true(value(exposition, "sensorchain_consensus_height") >= 1);
  t.is(exposition.types.get("sensorchain_consensus_height"), "gauge");
  t.is(value(exposition, "sensorchain_p2p_peers"), 0);
  t.is(exposition.types.get("sensorchain_p2p_consensus_accepted_total"), "counter");
  t.is(value(exposition, `${M}readings_accepted_total`), 0);
  t.is(value(exposition, `${M}readings_rejected_total`, { reason: "bad_signature" }), 0);
  t.is(exposition.types.get(`${M}verify_seconds`), "histogram");
  t.is(exposition.types.get(`${M}gossip_lag_seconds`), "histogram");
  t.is(value(exposition, `${M}readings_duplicate_total`, { source: "device" }), 0);
  t.is(value(exposition, `${M}readings_duplicate_total`, { source: "gossip" }), 0);
  // A solo node has no peers, but its replication counters are exported all the same.
  t.is(value(exposition, `${M}gossip_batches_published_total`), 0);
  t.is(value(exposition, `${M}gossip_batches_rejected_total`, { reason: "not_validator" }), 0);
});

test.serial("after a device publishes, the counters moved", async (t) => {
  const before = await scrapeMetrics(node.rpcUrl);
  // A login with the wrong key is refused (bad_signature); the right one gets in.
  await t.throwsAsync(connect(stranger));
  const device = await connect();
  t.teardown(() => device.endAsync());
  await device.subscribeAsync(`sensorchain/v1/devices/${DEVICE}/errors`);
  const during = await scrapeMetrics(node.rpcUrl);
  t.is(value(during, `${M}connections`, { kind: "device" }), 1);
  t.is(value(during, `${M}connections`, { kind: "consumer" }), 0);

  for (const sequence of [1n, 2n, 3n]) {
    const { payload } = signedReading(key, { deviceId: DEVICE, sequence });
    await device.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
  }
  const forged = signedReading(stranger, { deviceId: DEVICE, sequence: 4n });
  await device.publishAsync(readingsTopic(DEVICE), Buffer.from(forged.payload), { qos: 1 });
  const replayed = signedReading(key, { deviceId: DEVICE, sequence: 2n });
  await device.publishAsync(readingsTopic(DEVICE), Buffer.from(replayed.payload), { qos: 1 });
  // A subscription outside its own topics: SUBACK 0x80 (mqtt.js rejects), counted as an ACL denial.
  await t.throwsAsync(device.subscribeAsync("sensorchain/v1/devices/D035_0002/errors"));

  const after = await scrapeMetrics(node.rpcUrl);
  const moved = (name: string, labels: Record<string, string> = {}) =>
    value(after, name, labels) - value(before, name, labels);
  t.is(moved(`${M}readings_accepted_total`), 3);
  t.is(moved(`${M}readings_rejected_total`, { reason: "bad_signature" }), 1);
  t.is(moved(`${M}readings_rejected_total`, { reason: "replay" }), 1);
  t.is(moved(`${M}readings_rejected_total`, { reason: "skew" }), 0);
  t.is(moved(`${M}connects_accepted_total`), 1);
  t.is(moved(`${M}connects_refused_total`, { reason: "bad_signature" }), 1);
  t.is(moved(`${M}acl_denied_total`), 1);
  t.is(value(after, `${M}pending_readings`), 0);
  t.is(value(after, `${M}verify_queue`), 0);
  // Every reading whose signature was checked (3 good, 1 forged, 1 replay checked before the
  // sequence) is in the verify histogram; its +Inf bucket equals its count.
  const verified = value(after, `${M}verify_seconds_count`);
  t.true(verified >= 4, `verify_seconds_count ${verified}`);
  t.is(value(after, `${M}verify_seconds_bucket`, { le: "+Inf" }), verified);
  t.true(value(after, "sensorchain_consensus_height") >= value(before, "sensorchain_consensus_height"));
});

test.serial("only GET and HEAD /metrics are served", async (t) => {
  const post = await fetch(`${node.rpcUrl}/metrics`, { method: "POST", body: "{}" });
  t.is(post.status, 405);
  t.is(post.headers.get("allow"), "GET, HEAD");
  const head = await fetch(`${node.rpcUrl}/metrics`, { method: "HEAD" });
  t.is(head.status, 200);
  t.regex(head.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  t.is((await fetch(`${node.rpcUrl}/metricsfoo`)).status, 404);
});
