// Acceptance, Fides scenario 2 across two validators (issue 5): the producer registers and shares
// sensor A and actuator B on node X; the consumer opens escrows for both on node Y naming its
// service's key as release authority; the service logs in to X's bridge with that key, streams A's
// readings (JSON) from X; when a reading crosses its threshold it commands B over MQTT on X, and B,
// connected to Y's bridge, receives the command (relayed between the validators' bridges); the
// service releases funds and the producer withdraws its 80%: balances checked to the unit.
import { randomBytes } from "node:crypto";
import { DirectSecp256k1HdWallet, DirectSecp256k1Wallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import mqtt, { type MqttClient } from "mqtt";
import { consumerCommandTopic } from "../../bridge-mqtt/commands/consumer-commands.ts";
import { accountOf, consumerPassword } from "../../bridge-mqtt/consumers/login.ts";
import { streamJsonTopic } from "../../bridge-mqtt/consumers/stream-topics.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import {
  createRegistry,
  EscrowMode,
  MSG_OPEN_ESCROW,
  MSG_RELEASE_ESCROW,
  MSG_WITHDRAW_EARNINGS,
  escrow as pb,
} from "../../client/index.ts";
import {
  DENOM,
  type RunningDevnetNode,
  startTestDevnet,
  type TestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";
import { rpc } from "../helpers/node-process.ts";
import { connectActuator, registerSharedDevice } from "./command-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const SENSOR_A = "D035_0601";
const ACTUATOR_B = "D035_0602";
const sensorKey = ed25519Key();
const actuatorKey = ed25519Key();
const servicePrivateKey = new Uint8Array(randomBytes(32));
const service = accountOf(servicePrivateKey).address;
/** The service's condition: a temperature above this commands the valve open. */
const THRESHOLD = 30;
/** Fixed fees so that balances can be checked to the unit. */
const FEE_AMOUNT = 10_000n;
const FEE = { amount: [{ denom: DENOM, amount: String(FEE_AMOUNT) }], gas: "400000" };

let devnet: TestDevnet | undefined;
const clients: MqttClient[] = [];

test.after.always(async () => {
  for (const client of clients) await client.endAsync(true).catch(() => {});
  await devnet?.close();
});

/** The embedded broker's URL, from the node's "mqtt bridge listening" log line (laddr port 0). */
function mqttUrlOf(node: RunningDevnetNode): string | undefined {
  const line = node.output.split("\n").find((l) => l.includes("mqtt bridge listening"));
  return line === undefined ? undefined : /mqtt:\/\/[0-9.]+:[0-9]+/.exec(line)?.[0];
}

test("Fides scenario 2: a consumer service streams sensor A from X and commands actuator B on Y", async (t) => {
  t.timeout(180_000);
  devnet = await startTestDevnet({ validators: 2, timeoutCommit: "300ms" });
  const [x, y] = devnet.nodes as [RunningDevnetNode, RunningDevnetNode];
  await waitForHeights([x, y], 2n, 60_000);
  await waitFor(
    "both bridges listening",
    async () => mqttUrlOf(x) !== undefined && mqttUrlOf(y) !== undefined,
    30_000,
    [x, y],
  );
  const chainId = devnet.devnet.chainId;
  const options = {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  };
  const connect = async (url: string, wallet: DirectSecp256k1HdWallet | DirectSecp256k1Wallet) => {
    const client = await SigningStargateClient.connectWithSigner(url, wallet, options);
    t.teardown(() => client.disconnect());
    return client;
  };

  // The producer (the devnet faucet) registers and shares A and B on X, and funds the others.
  const faucet = await DirectSecp256k1HdWallet.fromMnemonic(devnet.devnet.faucetMnemonic, {
    prefix: "sensor",
  });
  const producer = devnet.devnet.faucetAddress;
  const consumerWallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const consumer = (await consumerWallet.getAccounts())[0]!.address;
  const producerOnX = await connect(x.rpcUrl, faucet);
  await registerSharedDevice(producerOnX, producer, SENSOR_A, sensorKey, [consumer, service]);
  await registerSharedDevice(producerOnX, producer, ACTUATOR_B, actuatorKey);

  // The consumer opens both escrows on Y, with its service's key as release authority.
  const consumerOnY = await connect(y.rpcUrl, consumerWallet);
  const status = await rpc(y.rpcUrl, "status");
  const expiryTime =
    BigInt(Math.floor(Date.parse(status.result.sync_info.latest_block_time) / 1000)) + 3_600n;
  const escrowFor = (deviceId: string) => ({
    typeUrl: MSG_OPEN_ESCROW,
    value: {
      consumer,
      deviceId,
      releaseAuthority: service,
      mode: EscrowMode.ESCROW_MODE_MANUAL,
      deposit: { denom: DENOM, amount: "10000" },
      price: { denom: DENOM, amount: "0" },
      expiryTime,
    },
  });
  const opened = await consumerOnY.signAndBroadcast(
    consumer,
    [escrowFor(SENSOR_A), escrowFor(ACTUATOR_B)],
    FEE,
  );
  assertIsDeliverTxSuccess(opened);
  const escrowA = BigInt(pb.MsgOpenEscrowResponse.decode(opened.msgResponses[0]!.value).escrowId.toString());

  // B listens on Y; the service logs in to X and streams A.
  const actuator = await connectActuator(mqttUrlOf(y)!, ACTUATOR_B, actuatorKey, Date.now, chainId);
  clients.push(actuator.client);
  const serviceClient = await mqtt.connectAsync(mqttUrlOf(x)!, {
    clientId: service,
    username: service,
    password: consumerPassword(chainId, servicePrivateKey, Date.now()),
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  clients.push(serviceClient);
  const [granted] = await serviceClient.subscribeAsync(streamJsonTopic(SENSOR_A), { qos: 0 });
  t.is(granted!.qos, 0, "entitled through the escrow's release authority");
  // The service's logic: the first reading above the threshold opens the valve on B.
  const commanded = new Promise<string>((resolve) =>
    serviceClient.on("message", (_topic, payload) => {
      const reading = JSON.parse(payload.toString()) as { sequence: string; values: { value: string }[] };
      if (Number(reading.values[0]!.value) > THRESHOLD) {
        serviceClient.publish(consumerCommandTopic(ACTUATOR_B), "open-valve", { qos: 1 });
        resolve(reading.sequence);
      }
    }),
  );

  // Sensor A publishes to X: 21.5 (nothing), then 31.5 (the condition).
  const sensor = await mqtt.connectAsync(mqttUrlOf(x)!, {
    clientId: SENSOR_A,
    username: SENSOR_A,
    password: (await import("../../bridge-mqtt/auth.ts")).authPassword(
      chainId,
      SENSOR_A,
      Date.now(),
      sensorKey.sign,
    ),
    reconnectPeriod: 0,
    protocolVersion: 4,
  });
  clients.push(sensor);
  for (const [sequence, value] of [
    [1n, "21.5"],
    [2n, "31.5"],
  ] as const)
    await sensor.publishAsync(
      readingsTopic(SENSOR_A),
      Buffer.from(signedReading(sensorKey, { deviceId: SENSOR_A, sequence, value }).payload),
      { qos: 1 },
    );
  t.is(await commanded, "2");
  const command = await actuator.next();
  t.like(command, { from: service, payload: Buffer.from("open-valve").toString("base64") });

  // Condition met: the service releases 1,000 of A's escrow; the producer withdraws its 800.
  const wallet = await DirectSecp256k1Wallet.fromKey(servicePrivateKey, "sensor");
  const serviceOnY = await connect(y.rpcUrl, wallet);
  assertIsDeliverTxSuccess(
    await serviceOnY.signAndBroadcast(
      service,
      [
        {
          typeUrl: MSG_RELEASE_ESCROW,
          value: { signer: service, escrowId: escrowA, amount: { denom: DENOM, amount: "1000" } },
        },
      ],
      FEE,
    ),
  );
  const before = BigInt((await producerOnX.getBalance(producer, DENOM)).amount);
  assertIsDeliverTxSuccess(
    await producerOnX.signAndBroadcast(
      producer,
      [{ typeUrl: MSG_WITHDRAW_EARNINGS, value: { owner: producer } }],
      FEE,
    ),
  );
  t.is(BigInt((await producerOnX.getBalance(producer, DENOM)).amount), before + 800n - FEE_AMOUNT);
});
