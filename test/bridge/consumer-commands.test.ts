// Consumer commands (bridge-mqtt/README.md, Commands; Fides scenario 2): against a real node
// process, a consumer service logged in with its account key publishes to
// sensorchain/v1/commands/<device>. Before it is entitled (and for an unknown device, an oversized or
// empty command, too many commands) it gets a PUBACK and a coded answer on its own errors topic and
// the actuator gets nothing; once it holds an open escrow for the actuator, the actuator receives
// {"from", "payload", "ts_ms"}. Publishing anywhere else disconnects it; another account's errors
// topic cannot be subscribed to.
import { randomBytes } from "node:crypto";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import mqtt, { type MqttClient } from "mqtt";
import {
  CONSUMER_COMMAND_BURST,
  consumerCommandTopic,
  consumerErrorsTopic,
  MAX_CONSUMER_COMMAND_BYTES,
} from "../../bridge-mqtt/commands/consumer-commands.ts";
import { accountOf, consumerPassword } from "../../bridge-mqtt/consumers/login.ts";
import { commandsTopic } from "../../bridge-mqtt/topics.ts";
import { createRegistry, EscrowMode, MSG_OPEN_ESCROW } from "../../client/index.ts";
import {
  CHAIN_ID,
  createTestHome,
  DENOM,
  faucetWallet,
  type NodeProcess,
  rpc,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import {
  type Actuator,
  type CommandMessage,
  connectActuator,
  registerSharedDevice,
} from "./command-helpers.ts";
import { ed25519Key } from "./device-keys.ts";

const ACTUATOR_B = "D035_0502";
const key = ed25519Key();
const servicePrivateKey = new Uint8Array(randomBytes(32));
const service = accountOf(servicePrivateKey).address;

let home: TestHome | undefined;
let node: NodeProcess | undefined;
const clients: MqttClient[] = [];

test.after.always(async () => {
  for (const client of clients) await client.endAsync(true).catch(() => {});
  await node?.stop();
  await home?.remove();
});

/** The SUBACK code of one subscription (mqtt.js rejects a refused one, 0x80). */
async function grantedQos(client: MqttClient, topic: string): Promise<number> {
  try {
    const [granted] = await client.subscribeAsync(topic, { qos: 1 });
    return granted!.qos;
  } catch (error) {
    const packet = (error as { packet?: { granted?: number[] } }).packet;
    if (packet?.granted?.[0] === undefined) throw error;
    return packet.granted[0];
  }
}

interface Answer {
  code: string;
  message: string;
  device_id: string;
}

/** The consumer service logged in over MQTT and subscribed to its errors topic; answers in order. */
async function consumerService(url: string) {
  const client = await mqtt.connectAsync(url, {
    clientId: `${service}/commands`,
    username: service,
    password: consumerPassword(CHAIN_ID, servicePrivateKey, Date.now()),
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  clients.push(client);
  const answers: Answer[] = [];
  const waiting: ((answer: Answer) => void)[] = [];
  client.on("message", (_topic, payload) => {
    const answer = JSON.parse(payload.toString()) as Answer;
    const waiter = waiting.shift();
    if (waiter === undefined) answers.push(answer);
    else waiter(answer);
  });
  return {
    client,
    granted: await grantedQos(client, consumerErrorsTopic(service)),
    send: (deviceId: string, payload: Uint8Array | string) =>
      client.publishAsync(consumerCommandTopic(deviceId), Buffer.from(payload), { qos: 1 }),
    nextAnswer: () =>
      new Promise<Answer>((resolve) => {
        const answer = answers.shift();
        if (answer === undefined) waiting.push(resolve);
        else resolve(answer);
      }),
  };
}

test("consumer commands: refused with a code until entitled, then forwarded to the actuator", async (t) => {
  t.timeout(120_000);
  home = await createTestHome([{ address: service, coins: `1000000000${DENOM}` }]);
  node = await startNodeProcess(home.home);
  const options = {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  };
  const { wallet: faucet, address: owner } = await faucetWallet();
  const ownerClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, faucet, options);
  t.teardown(() => ownerClient.disconnect());
  await registerSharedDevice(ownerClient, owner, ACTUATOR_B, key);

  const actuator: Actuator = await connectActuator(node.mqttUrl, ACTUATOR_B, key);
  clients.push(actuator.client);
  const consumer = await consumerService(node.mqttUrl);
  t.is(consumer.granted, 1, "its own errors topic");

  // Not entitled yet; unknown device; bad sizes: each acknowledged and answered with its code.
  await consumer.send(ACTUATOR_B, "open-valve");
  t.like(await consumer.nextAnswer(), { code: "not_entitled", device_id: ACTUATOR_B });
  await consumer.send("D035_0999", "open-valve");
  t.like(await consumer.nextAnswer(), { code: "unknown_device", device_id: "D035_0999" });
  await consumer.send(ACTUATOR_B, new Uint8Array(MAX_CONSUMER_COMMAND_BYTES + 1).fill(65));
  t.like(await consumer.nextAnswer(), { code: "oversized" });
  await consumer.send(ACTUATOR_B, "");
  t.like(await consumer.nextAnswer(), { code: "malformed" });
  await consumer.send("not-a-device", "x");
  t.like(await consumer.nextAnswer(), { code: "malformed" });

  // The service's account opens an escrow for B: it is entitled, and its command reaches B.
  const wallet = await DirectSecp256k1Wallet.fromKey(servicePrivateKey, "sensor");
  const serviceClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, wallet, options);
  t.teardown(() => serviceClient.disconnect());
  const status = await rpc(node.rpcUrl, "status");
  const blockSeconds = BigInt(Math.floor(Date.parse(status.result.sync_info.latest_block_time) / 1000));
  assertIsDeliverTxSuccess(
    await serviceClient.signAndBroadcast(
      service,
      [
        {
          typeUrl: MSG_OPEN_ESCROW,
          value: {
            consumer: service,
            deviceId: ACTUATOR_B,
            releaseAuthority: service,
            mode: EscrowMode.ESCROW_MODE_MANUAL,
            deposit: { denom: DENOM, amount: "10000" },
            price: { denom: DENOM, amount: "0" },
            expiryTime: blockSeconds + 3_600n,
          },
        },
      ],
      "auto",
    ),
  );
  await consumer.send(ACTUATOR_B, "open-valve");
  const forwarded: CommandMessage = await actuator.next();
  t.like(forwarded, {
    from: service,
    payload: Buffer.from("open-valve").toString("base64"),
    retained: false,
  });
  t.true(Number.isSafeInteger(forwarded.ts_ms));

  // A burst far above the rate: some are forwarded, the rest answered rate_limited; none is lost.
  const burst = 6 * CONSUMER_COMMAND_BURST;
  const atDevice: string[] = [];
  const limited: Answer[] = [];
  const allSeen = new Promise<void>((resolve) => {
    const check = () => {
      if (atDevice.length + limited.length === burst) resolve();
    };
    actuator.client.on("message", (_topic, payload) => {
      atDevice.push(Buffer.from(JSON.parse(payload.toString()).payload, "base64").toString());
      check();
    });
    consumer.client.on("message", (_topic, payload) => {
      limited.push(JSON.parse(payload.toString()) as Answer);
      check();
    });
  });
  for (let i = 0; i < burst; i++) await consumer.send(ACTUATOR_B, `step-${i}`);
  await allSeen;
  t.true(limited.length > 0, "the rate limit refused some");
  t.true(atDevice.length > 0, "the rest of the burst allowance passed");
  t.true(limited.every((answer) => answer.code === "rate_limited"));
  const order = atDevice.map((text) => Number(text.slice("step-".length)));
  t.deepEqual(
    order,
    [...order].sort((x, y) => x - y),
    "forwarded in the order sent",
  );

  // Another account's errors topic: SUBACK 0x80. Publishing to a device topic: disconnected.
  t.is(await grantedQos(consumer.client, consumerErrorsTopic(owner)), 128);
  const closed = new Promise<void>((resolve) => consumer.client.once("close", () => resolve()));
  consumer.client.publish(commandsTopic(ACTUATOR_B), "direct", { qos: 1 });
  await closed;
  t.pass("disconnected");
});
