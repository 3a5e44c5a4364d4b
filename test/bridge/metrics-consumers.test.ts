// GET /metrics of a real node process for what the bridge counts besides readings
// (bridge-mqtt/metrics.ts mirrorConsumers, mirrorCommands; errors.ts oversizedPackets): a raw TCP
// client announcing an oversized MQTT packet, consumer logins (refused, accepted), stream
// subscriptions (refused, granted, cut when the escrow closes), live stream deliveries, consumer
// commands (refused, forwarded; a solo node relays none), a refused consumer publish and a paid command window (on,
// off). Every series is exported at zero before anything happens, typed counter with HELP text, and
// each moves by what the real MQTT clients did.
import { connect } from "node:net";
import { assertIsDeliverTxSuccess, type SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import type { MqttClient } from "mqtt";
import { consumerCommandTopic, consumerErrorsTopic } from "../../bridge-mqtt/commands/consumer-commands.ts";
import { consumerPassword } from "../../bridge-mqtt/consumers/login.ts";
import { readingsTopic, streamTopic } from "../../bridge-mqtt/topics.ts";
import { MSG_CLOSE_ESCROW } from "../../client/index.ts";
import {
  type Exposition,
  fetchMetricsText,
  parsePrometheusText,
  sampleValue,
} from "../../scripts/bench/prometheus-text.ts";
import {
  CHAIN_ID,
  createTestHome,
  DENOM,
  faucetWallet,
  type NodeProcess,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { connectActuator, payCommand, registerSharedDevice } from "./command-helpers.ts";
import { connectConsumer, newAccount, nextMessage, signingClient } from "./consumer-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const DEVICE = "D035_0601";
const key = ed25519Key();
const consumer = newAccount();
const stranger = newAccount();
const M = "sensorchain_mqtt_";
/** How long a counter may take to show what a client saw (answers go out before some counts). */
const SETTLE_MS = 30_000;

let home: TestHome | undefined;
let node: NodeProcess;
let owner: SigningStargateClient;
let ownerAddress: string;
const clients: MqttClient[] = [];

test.before(async () => {
  home = await createTestHome([{ address: consumer.address, coins: `1000000000${DENOM}` }]);
  node = await startNodeProcess(home.home);
  ownerAddress = (await faucetWallet()).address;
  owner = await signingClient(node.rpcUrl);
  await registerSharedDevice(owner, ownerAddress, DEVICE, key);
});

test.after.always(async () => {
  for (const client of clients) await client.endAsync(true).catch(() => {});
  owner?.disconnect();
  await node?.stop();
  await home?.remove();
});

interface Scrape {
  text: string;
  exposition: Exposition;
}

async function scrape(): Promise<Scrape> {
  const text = await fetchMetricsText(node.rpcUrl);
  return { text, exposition: parsePrometheusText(text) };
}

const value = (scraped: Scrape, name: string, labels: Record<string, string> = {}) =>
  sampleValue(scraped.exposition, M + name, labels) ?? Number.NaN;

/** Scrapes until `name{labels}` reaches `atLeast`; returns its value then (or the last one seen). */
async function until(name: string, labels: Record<string, string>, atLeast: number): Promise<number> {
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const seen = value(await scrape(), name, labels);
    if (seen >= atLeast || Date.now() > deadline) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const LABELLED: [string, string, string[]][] = [
  [
    "consumer_logins_refused_total",
    "reason",
    ["malformed", "stale", "bad_signature", "address_mismatch", "busy"],
  ],
  [
    "consumer_streams_refused_total",
    "reason",
    ["not_entitled", "unknown_device", "bad_topic", "too_many_streams", "unavailable"],
  ],
  [
    "consumer_commands_refused_total",
    "reason",
    ["oversized", "malformed", "rate_limited", "unknown_device", "not_entitled", "unavailable"],
  ],
  ["command_relays_total", "outcome", ["sent", "delivered", "rejected", "duplicate"]],
  ["paid_commands_total", "event", ["scheduled", "on", "off", "late", "dropped", "publish_failed"]],
];
const PLAIN = [
  "oversized_packets_total",
  "consumer_logins_accepted_total",
  "consumer_streams_granted_total",
  "consumer_streams_cut_total",
  "consumer_publishes_refused_total",
  "stream_readings_published_total",
  "consumer_commands_forwarded_total",
];

test.serial(
  "every consumer, command and packet counter is exported at zero with its type and HELP",
  async (t) => {
    const scraped = await scrape();
    for (const name of [...PLAIN, ...LABELLED.map(([name]) => name)]) {
      t.is(scraped.exposition.types.get(M + name), "counter", name);
      t.regex(scraped.text, new RegExp(`^# HELP ${M}${name} \\S.{10,}$`, "m"), `${name} has HELP text`);
    }
    for (const name of PLAIN) t.is(value(scraped, name), 0, name);
    for (const [name, label, values] of LABELLED)
      for (const labelValue of values)
        t.is(value(scraped, name, { [label]: labelValue }), 0, `${name}{${labelValue}}`);
  },
);

test.serial("a raw TCP client announcing an oversized MQTT packet is counted", async (t) => {
  const before = value(await scrape(), "oversized_packets_total");
  const socket = connect(Number(new URL(node.mqttUrl).port), "127.0.0.1");
  socket.on("error", () => {}); // a reset while writing is one way of being cut
  const closed = new Promise((resolve) => socket.once("close", resolve));
  // PUBLISH fixed header announcing 200,000,000 bytes, then a little of the body.
  socket.write(Buffer.concat([Buffer.from([0x30, 0x80, 0xb4, 0xae, 0x5f]), Buffer.alloc(64)]));
  await closed;
  t.is(await until("oversized_packets_total", {}, before + 1), before + 1);
});

test.serial("consumer logins, streams, commands and a paid command move their counters", async (t) => {
  t.timeout(180_000);
  const before = await scrape();
  const moved = async (name: string, labels: Record<string, string>, by: number, message: string) =>
    t.is(
      await until(name, labels, value(before, name, labels) + by),
      value(before, name, labels) + by,
      message,
    );

  // Logins: signed for another chain, with another account's key, an hour old; then the right one.
  await t.throwsAsync(connectConsumer(node.mqttUrl, consumer, { chainId: "another-chain-1" }));
  const password = consumerPassword(CHAIN_ID, consumer.privateKey, Date.now());
  await t.throwsAsync(connectConsumer(node.mqttUrl, stranger, { password }));
  await t.throwsAsync(connectConsumer(node.mqttUrl, consumer, { nowMs: Date.now() - 3_600_000 }));
  await moved("consumer_logins_refused_total", { reason: "bad_signature" }, 1, "signed for another chain");
  await moved("consumer_logins_refused_total", { reason: "address_mismatch" }, 1, "another account's key");
  await moved("consumer_logins_refused_total", { reason: "stale" }, 1, "an hour old");
  const client = await connectConsumer(node.mqttUrl, consumer);
  clients.push(client);
  await moved("consumer_logins_accepted_total", {}, 1, "login accepted");
  await client.subscribeAsync(consumerErrorsTopic(consumer.address));

  // Not entitled yet: a stream subscription and a command are refused; a wildcard is a bad topic.
  await t.throwsAsync(client.subscribeAsync(streamTopic(DEVICE)));
  await t.throwsAsync(client.subscribeAsync("sensorchain/v1/streams/#"));
  await moved("consumer_streams_refused_total", { reason: "not_entitled" }, 1, "stream not entitled");
  await moved("consumer_streams_refused_total", { reason: "bad_topic" }, 1, "wildcard stream");
  const answer = nextMessage(client, consumerErrorsTopic(consumer.address));
  await client.publishAsync(consumerCommandTopic(DEVICE), "open", { qos: 1 });
  t.like(JSON.parse((await answer).toString()), { code: "not_entitled" });
  await moved("consumer_commands_refused_total", { reason: "not_entitled" }, 1, "command not entitled");

  // The consumer pays for a 2 s command: the actuator gets on then off; the consumer is entitled.
  const actuator = await connectActuator(node.mqttUrl, DEVICE, key);
  clients.push(actuator.client);
  const consumerClient = await signingClient(node.rpcUrl, consumer.privateKey);
  t.teardown(() => consumerClient.disconnect());
  const escrowId = await payCommand(consumerClient, node.rpcUrl, consumer.address, DEVICE, "pump", 2n);
  t.like(await actuator.next(), { state: "on", escrow_id: escrowId });
  t.like(await actuator.next(), { state: "off", escrow_id: escrowId });
  await moved("paid_commands_total", { event: "scheduled" }, 1, "window scheduled");
  await moved("paid_commands_total", { event: "on" }, 1, "on sent");
  await moved("paid_commands_total", { event: "off" }, 1, "off sent");

  // Entitled: the stream is granted and carries the device's next reading; a command is forwarded.
  await client.subscribeAsync(streamTopic(DEVICE));
  await moved("consumer_streams_granted_total", {}, 1, "stream granted");
  const streamed = nextMessage(client, streamTopic(DEVICE));
  const { payload } = signedReading(key, { deviceId: DEVICE, sequence: 1n });
  await actuator.client.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
  t.true(Buffer.from(payload).equals(await streamed), "the reading as the device signed it");
  await moved("stream_readings_published_total", {}, 1, "reading streamed");
  const forwarded = actuator.next();
  await client.publishAsync(consumerCommandTopic(DEVICE), "open", { qos: 1 });
  t.like(await forwarded, { payload: Buffer.from("open").toString("base64"), from: consumer.address });
  await moved("consumer_commands_forwarded_total", {}, 1, "command forwarded");
  // A solo node runs no p2p network: the relay to other validators' bridges has no one to tell.
  t.is(value(await scrape(), "command_relays_total", { outcome: "sent" }), 0, "solo: nothing relayed");

  // Closing the escrow ends the stream.
  assertIsDeliverTxSuccess(
    await consumerClient.signAndBroadcast(
      consumer.address,
      [{ typeUrl: MSG_CLOSE_ESCROW, value: { consumer: consumer.address, escrowId: Number(escrowId) } }],
      "auto",
    ),
  );
  await moved("consumer_streams_cut_total", {}, 1, "stream cut when the escrow closed");

  // A publish outside the command topics disconnects the consumer.
  const gone = new Promise<void>((resolve) => client.once("close", () => resolve()));
  client.publish(readingsTopic(DEVICE), "x", { qos: 1 });
  await gone;
  await moved("consumer_publishes_refused_total", {}, 1, "publish refused");
  // Nothing else moved.
  const after = await scrape();
  t.is(value(after, "consumer_commands_refused_total", { reason: "oversized" }), 0);
  t.is(value(after, "paid_commands_total", { event: "dropped" }), 0);
});
