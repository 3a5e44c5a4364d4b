// Fides, scenarios 1 and 2 (../shared/seeds; DESIGN.md "The seed workflows") across two validator
// processes: the producer registers and shares sensor A and actuator B; A publishes to validator X;
// the consumer opens escrows on validator Y naming its service key as release authority; the
// service logs in to X's broker with that key, streams A's readings, and when its condition holds it
// notifies (scenario 1) or commands actuator B over MQTT (scenario 2; B is connected to Y, so the
// command crosses from X's bridge to Y's), then releases funds; the producer withdraws its 80%.
// Every balance is checked to the unit.
import { randomBytes } from "node:crypto";
import { DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient, StargateClient } from "@cosmjs/stargate";
import test from "ava";
import mqtt, { type MqttClient } from "mqtt";
import { consumerCommandTopic } from "../../bridge-mqtt/commands/consumer-commands.ts";
import { accountOf, consumerPassword } from "../../bridge-mqtt/consumers/login.ts";
import { streamJsonTopic } from "../../bridge-mqtt/consumers/stream-topics.ts";
import { commandsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import {
  createRegistry,
  EscrowMode,
  escrow as escrowPb,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_RELEASE_ESCROW,
  MSG_SHARE_DEVICE,
  MSG_WITHDRAW_EARNINGS,
  PricingUnit,
} from "../../client/index.ts";
import { connectDevice } from "../bridge/device-helpers.ts";
import { ed25519Key, signedReading, type TestDeviceKey } from "../bridge/device-keys.ts";
import {
  DENOM,
  DEVNET_START_TIMEOUT_MS,
  mqttUrlOf,
  type RunningDevnetNode,
  startTestDevnet,
  type TestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";

const SENSOR = "D035_7001";
const ACTUATOR = "D035_7002";
const THRESHOLD = 25;
const DEPOSIT = 10_000n;
const RELEASE = 2_500n;
/** 80% to the owner (escrow params default 8000/1000/1000). */
const OWNER_SHARE = 2_000n;
const gasPrice = GasPrice.fromString(`0.025${DENOM}`);
const sensorKey = ed25519Key();
const actuatorKey = ed25519Key();

let net: TestDevnet | undefined;
test.after.always(async () => {
  await net?.close();
});

function connectConsumer(url: string, chainId: string, privateKey: Uint8Array): Promise<MqttClient> {
  const { address } = accountOf(privateKey);
  return mqtt.connectAsync(url, {
    clientId: `${address}/service`,
    username: address,
    password: consumerPassword(chainId, privateKey, Date.now()),
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
}

interface World {
  x: RunningDevnetNode;
  y: RunningDevnetNode;
  xMqtt: string;
  yMqtt: string;
  chainId: string;
  producer: { address: string; client: SigningStargateClient };
  consumer: { address: string; client: SigningStargateClient };
  service: { address: string; privateKey: Uint8Array; client: SigningStargateClient };
  query: StargateClient;
}

let world: World | undefined;

async function setUp(): Promise<World> {
  if (world !== undefined) return world;
  net = await startTestDevnet({ validators: 2, senders: 2, timeoutCommit: "300ms" });
  const [x, y] = net.nodes as [RunningDevnetNode, RunningDevnetNode];
  await waitForHeights(net.nodes, 2n, DEVNET_START_TIMEOUT_MS);
  let xMqtt = "";
  let yMqtt = "";
  await waitFor(
    "the validators' brokers",
    async () => {
      xMqtt = mqttUrlOf(x) ?? "";
      yMqtt = mqttUrlOf(y) ?? "";
      return xMqtt !== "" && yMqtt !== "";
    },
    90_000,
  );
  const registry = createRegistry();
  const signer = async (wallet: Parameters<typeof SigningStargateClient.connectWithSigner>[1], url: string) =>
    SigningStargateClient.connectWithSigner(url, wallet, { registry, gasPrice });
  const [producerSender, consumerSender] = net.senders as [
    TestDevnet["senders"][number],
    TestDevnet["senders"][number],
  ];
  const servicePrivateKey = new Uint8Array(randomBytes(32));
  const serviceWallet = await DirectSecp256k1Wallet.fromKey(servicePrivateKey, "sensor");
  const serviceAddress = (await serviceWallet.getAccounts())[0]!.address;
  world = {
    x,
    y,
    xMqtt,
    yMqtt,
    chainId: net.devnet.chainId,
    // The producer works through X, the consumer and its service through Y.
    producer: { address: producerSender.address, client: await signer(producerSender.wallet, x.rpcUrl) },
    consumer: { address: consumerSender.address, client: await signer(consumerSender.wallet, y.rpcUrl) },
    service: {
      address: serviceAddress,
      privateKey: servicePrivateKey,
      client: await signer(serviceWallet, y.rpcUrl),
    },
    query: await StargateClient.connect(y.rpcUrl),
  };
  const { producer, consumer, service } = world;

  // The producer registers and shares sensor A and actuator B.
  const register = (deviceId: string, key: TestDeviceKey) => ({
    typeUrl: MSG_REGISTER_DEVICE,
    value: {
      owner: producer.address,
      deviceId,
      publicKey: { type: key.type, key: key.publicKey },
      metadata: { model: deviceId === SENSOR ? "thermometer" : "valve", unit: "C", locationHint: "" },
    },
  });
  const share = (deviceId: string) => ({
    typeUrl: MSG_SHARE_DEVICE,
    value: {
      owner: producer.address,
      deviceId,
      terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1000" } },
    },
  });
  assertIsDeliverTxSuccess(
    await producer.client.signAndBroadcast(
      producer.address,
      [register(SENSOR, sensorKey), register(ACTUATOR, actuatorKey), share(SENSOR), share(ACTUATOR)],
      "auto",
    ),
  );
  // The service key pays its own release fees.
  assertIsDeliverTxSuccess(
    await consumer.client.sendTokens(
      consumer.address,
      service.address,
      [{ denom: DENOM, amount: "5000000" }],
      "auto",
    ),
  );
  return world;
}

/** Opens a manual escrow for `deviceId` on validator Y, released by the service key. */
async function openEscrow(w: World, deviceId: string): Promise<bigint> {
  const expiryTime = BigInt(Math.floor(Date.now() / 1000) + 3_600);
  const opened = await w.consumer.client.signAndBroadcast(
    w.consumer.address,
    [
      {
        typeUrl: MSG_OPEN_ESCROW,
        value: {
          consumer: w.consumer.address,
          deviceId,
          releaseAuthority: w.service.address,
          mode: EscrowMode.ESCROW_MODE_MANUAL,
          deposit: { denom: DENOM, amount: DEPOSIT.toString() },
          price: { denom: DENOM, amount: "1000" },
          periodSeconds: 86_400n,
          expiryTime,
        },
      },
    ],
    "auto",
  );
  assertIsDeliverTxSuccess(opened);
  return BigInt(escrowPb.MsgOpenEscrowResponse.decode(opened.msgResponses[0]!.value).escrowId.toString());
}

/** Sensor A publishes `values` on X, one per 200 ms, from sequence `first`. */
async function publishTemperatures(w: World, first: bigint, values: number[]): Promise<void> {
  const sensor = await connectDevice(w.xMqtt, SENSOR, sensorKey, { chainId: w.chainId });
  try {
    let sequence = first;
    for (const value of values) {
      const { payload } = signedReading(sensorKey, { deviceId: SENSOR, sequence, value: String(value) });
      await sensor.publishAsync(readingsTopic(SENSOR), Buffer.from(payload), { qos: 1 });
      sequence++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await sensor.endAsync();
  }
}

/** The service: streams A's JSON readings on X until one is above THRESHOLD; returns that reading. */
async function awaitCondition(stream: MqttClient): Promise<{ sequence: string; value: string }> {
  return new Promise((resolve) => {
    stream.on("message", (topic, message) => {
      if (topic !== streamJsonTopic(SENSOR)) return;
      const reading = JSON.parse(message.toString()) as {
        device_id: string;
        sequence: string;
        values: { value: string }[];
      };
      const value = reading.values[0]?.value ?? "0";
      if (Number(value) > THRESHOLD) resolve({ sequence: reading.sequence, value });
    });
  });
}

/** The service releases RELEASE from the escrow; the producer withdraws. Balances checked. */
async function releaseAndWithdraw(
  t: import("ava").ExecutionContext,
  w: World,
  escrowId: bigint,
): Promise<void> {
  const released = await w.service.client.signAndBroadcast(
    w.service.address,
    [
      {
        typeUrl: MSG_RELEASE_ESCROW,
        value: { signer: w.service.address, escrowId, amount: { denom: DENOM, amount: RELEASE.toString() } },
      },
    ],
    "auto",
  );
  assertIsDeliverTxSuccess(released);
  const shares = escrowPb.MsgReleaseEscrowResponse.decode(released.msgResponses[0]!.value);
  t.is(shares.owner, w.producer.address);
  t.is(shares.ownerShare?.amount, OWNER_SHARE.toString());

  const before = BigInt((await w.query.getBalance(w.producer.address, DENOM)).amount);
  const withdrawn = await w.producer.client.signAndBroadcast(
    w.producer.address,
    [{ typeUrl: MSG_WITHDRAW_EARNINGS, value: { owner: w.producer.address } }],
    "auto",
  );
  assertIsDeliverTxSuccess(withdrawn);
  const fee = BigInt(Math.ceil(Number(withdrawn.gasWanted) * 0.025));
  const after = BigInt((await w.query.getBalance(w.producer.address, DENOM)).amount);
  // Withdrawn: every earning of the producer so far (one release per scenario, withdrawn each time).
  t.is(after, before + OWNER_SHARE - fee);
}

test.serial(
  "Fides scenario 1: the service streams sensor A from X, notifies on its condition, releases; the producer withdraws",
  async (t) => {
    t.timeout(300_000);
    const w = await setUp();
    const consumerBefore = BigInt((await w.query.getBalance(w.consumer.address, DENOM)).amount);
    const escrowId = await openEscrow(w, SENSOR);
    t.true(
      BigInt((await w.query.getBalance(w.consumer.address, DENOM)).amount) < consumerBefore - DEPOSIT + 1n,
    );

    const service = await connectConsumer(w.xMqtt, w.chainId, w.service.privateKey);
    try {
      const granted = await service.subscribeAsync(streamJsonTopic(SENSOR), { qos: 1 });
      t.is(granted[0]?.qos, 1, "the escrow's release authority is entitled to the stream");
      const condition = awaitCondition(service);
      await publishTemperatures(w, 1n, [21, 23, 24, 26, 22]);
      const trigger = await condition;
      // Scenario 1's notification: the reading that met the condition, as the service saw it.
      t.deepEqual(trigger, { sequence: "4", value: "26" });
    } finally {
      await service.endAsync();
    }
    await releaseAndWithdraw(t, w, escrowId);
  },
);

test.serial(
  "Fides scenario 2: on its condition the service commands actuator B (connected to Y) over MQTT through X, then releases",
  async (t) => {
    t.timeout(300_000);
    const w = await setUp();
    const sensorEscrow = await openEscrow(w, SENSOR);
    await openEscrow(w, ACTUATOR); // the right to command B

    // B is connected to validator Y; the service commands it through X.
    const actuator = await connectDevice(w.yMqtt, ACTUATOR, actuatorKey, { chainId: w.chainId });
    const service = await connectConsumer(w.xMqtt, w.chainId, w.service.privateKey);
    try {
      await actuator.subscribeAsync(commandsTopic(ACTUATOR), { qos: 1 });
      const command = new Promise<{ from: string; payload: string }>((resolve) =>
        actuator.on("message", (topic, message) => {
          if (topic !== commandsTopic(ACTUATOR)) return;
          const body = JSON.parse(message.toString()) as { from?: string; payload?: string };
          if (body.from !== undefined && body.payload !== undefined)
            resolve({ from: body.from, payload: body.payload });
        }),
      );
      await service.subscribeAsync(streamJsonTopic(SENSOR), { qos: 1 });
      const condition = awaitCondition(service);
      await publishTemperatures(w, 6n, [24, 27]);
      const trigger = await condition;
      t.is(trigger.value, "27");
      const order = Buffer.from(JSON.stringify({ valve: "close" }));
      await service.publishAsync(consumerCommandTopic(ACTUATOR), order, { qos: 1 });
      const received = await command;
      t.is(received.from, w.service.address);
      t.is(Buffer.from(received.payload, "base64").toString(), order.toString());
    } finally {
      await service.endAsync();
      await actuator.endAsync();
    }
    await releaseAndWithdraw(t, w, sensorEscrow);
  },
);
