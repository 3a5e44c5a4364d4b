// Acceptance, IoT-Light (issue 5): "a payment makes the device receive its command for the paid
// duration; its readings come back and are committed". One real validator node whose clock
// (SENSORCHAIN_CLOCK_OFFSET_MS, block time and bridge clock) starts 60 s before a UTC midnight and
// whose bridge signs daily commitments with its operator key (grace 2 s): the consumer pays for a
// 5 s command, the device receives "on", publishes signed readings (PUBACKed), receives "off"; after
// midnight the day is committed and final with exactly those readings' root.
import { randomBytes } from "node:crypto";
import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import { operatorKeyFromPrivateKey } from "../../bridge-mqtt/commitments/operator-key.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { CLOCK_OFFSET_ENV } from "../../chain/consensus/engine.ts";
import { createRegistry, meter, QUERY_COMMITMENT } from "../../client/index.ts";
import { MILLISECONDS_PER_DAY } from "../../modules/meter/keys.ts";
import { commitmentBodyOf, type Reading } from "../../modules/meter/reading.ts";
import { editGenesis, operateOnlyValidator } from "../helpers/genesis-file.ts";
import {
  createTestHome,
  DENOM,
  faucetWallet,
  type NodeProcess,
  rpc,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { type Actuator, connectActuator, payCommand, registerSharedDevice } from "./command-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const LIGHT = "D035_0401";
const key = ed25519Key();
const DAY_MS = Number(MILLISECONDS_PER_DAY);
/** How far before midnight the node's clock starts: node start, setup txs and the 5 s window fit.
 * 40 s ran out once before the first reading at load 30-40 (session 6); the test waits this long. */
const LEAD_MS = 60_000;

let home: TestHome | undefined;
let node: NodeProcess | undefined;
let device: Actuator | undefined;

test.after.always(async () => {
  await device?.client.endAsync(true).catch(() => {});
  await node?.stop();
  await home?.remove();
});

test("IoT-Light: a paid command reaches the device for the paid window; its readings are committed", async (t) => {
  t.timeout(180_000);
  const operatorSecret = randomBytes(32);
  const operator = operatorKeyFromPrivateKey(operatorSecret);
  home = await createTestHome([{ address: operator.address, coins: `1000000000${DENOM}` }]);
  // The node's validator is operated by `operator`, whose key file the bridge signs commitments with.
  await editGenesis(home.home, (genesis) =>
    operateOnlyValidator(genesis, operator.address, "light-validator"),
  );
  const keyFile = join(home.home, "config/operator_key.json");
  await writeFile(keyFile, JSON.stringify({ private_key: operatorSecret.toString("hex") }));
  await chmod(keyFile, 0o600);
  const configPath = join(home.home, "config/config.toml");
  const config = (await readFile(configPath, "utf8"))
    .replace(/^operator_key_file = ""$/m, 'operator_key_file = "config/operator_key.json"')
    .replace(/^commit_grace = "[^"]*"$/m, 'commit_grace = "2s"');
  t.regex(config, /operator_key_file = "config\/operator_key.json"/);
  t.regex(config, /^commit_grace = "2s"$/m);
  await writeFile(configPath, config);

  // The node's clock starts LEAD_MS before a UTC midnight (the next one at least that far ahead).
  let midnightMs = Math.ceil(Date.now() / DAY_MS) * DAY_MS;
  if (midnightMs - Date.now() < LEAD_MS + 5_000) midnightMs += DAY_MS;
  const offsetMs = midnightMs - LEAD_MS - Date.now();
  const nodeNow = () => Date.now() + offsetMs;
  process.env[CLOCK_OFFSET_ENV] = String(offsetMs);
  node = await startNodeProcess(home.home);
  delete process.env[CLOCK_OFFSET_ENV];

  const options = {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString(`0.025${DENOM}`),
    broadcastPollIntervalMs: 200,
  };
  const { wallet: faucet, address: owner } = await faucetWallet();
  const consumerWallet = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const consumer = (await consumerWallet.getAccounts())[0]!.address;
  const ownerClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, faucet, options);
  t.teardown(() => ownerClient.disconnect());
  await registerSharedDevice(ownerClient, owner, LIGHT, key, [consumer]);
  const consumerClient = await SigningStargateClient.connectWithSigner(node.rpcUrl, consumerWallet, options);
  t.teardown(() => consumerClient.disconnect());

  // The light is connected and listening; the consumer pays for 5 s of "on".
  device = await connectActuator(node.mqttUrl, LIGHT, key, nodeNow);
  const escrowId = await payCommand(consumerClient, node.rpcUrl, consumer, LIGHT, '{"light":"on"}', 5n);
  const on = await device.next();
  t.like(on, { escrow_id: escrowId, state: "on", payload: Buffer.from('{"light":"on"}').toString("base64") });
  t.is(on.until_ms! - on.from_ms!, 5_000);

  // While on, it reports its light level: signed readings, each PUBACKed once stored.
  const readings: Reading[] = [];
  for (let sequence = 1n; sequence <= 3n; sequence++) {
    const timestampMs = BigInt(nodeNow());
    t.true(timestampMs < BigInt(midnightMs - 2_000), "the readings belong to the day before midnight");
    const { reading, payload } = signedReading(key, {
      deviceId: LIGHT,
      sequence,
      timestampMs,
      value: `${800 + Number(sequence)}`,
    });
    await device.client.publishAsync(readingsTopic(LIGHT), Buffer.from(payload), { qos: 1 });
    readings.push(reading);
  }
  t.like(await device.next(), { escrow_id: escrowId, state: "off", until_ms: on.until_ms });

  // After midnight plus the grace the bridge commits the day; one validator holds all the power.
  const day = BigInt(Math.floor((midnightMs - 1) / DAY_MS));
  const expected = commitmentBodyOf(LIGHT, day, readings);
  let commitment: InstanceType<typeof meter.Commitment> | undefined;
  for (;;) {
    const response = await rpc(node.rpcUrl, "abci_query", {
      path: QUERY_COMMITMENT,
      data: Buffer.from(
        meter.QueryCommitmentRequest.encode({ deviceId: LIGHT, day: Number(day) }).finish(),
      ).toString("hex"),
    });
    const result = response.result.response;
    if (Number(result.code ?? 0) === 0) {
      const found = meter.QueryCommitmentResponse.decode(
        Buffer.from(result.value ?? "", "base64"),
      ).commitment;
      if (found !== null && found !== undefined && Number(found.finalHeight) > 0) {
        commitment = found as InstanceType<typeof meter.Commitment>;
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  t.is(String(commitment.body!.count), "3");
  t.deepEqual(Uint8Array.from(commitment.body!.root ?? []), Uint8Array.from(expected.root));
  t.is(commitment.submitter, operator.address);
});
