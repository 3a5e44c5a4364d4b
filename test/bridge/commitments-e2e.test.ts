// Daily commitments end to end in a real single-validator node process: the validator's operator key
// in mqtt.operator_key_file, commit_grace 2 s; a device is registered and shared and a consumer opens
// a PER_READING escrow on the real clock; the node restarts with its clock shortly before a UTC
// midnight (SENSORCHAIN_CLOCK_OFFSET_MS, test only) and the device publishes signed readings over MQTT across
// midnight. The node's bridge
// submits the finished day by itself; it becomes final on chain with the root of exactly the day's
// readings we sent (our own readingsRoot), and the escrow pays price × count, split 80/10/10 between
// the owner and the gateway operator (the submitter) as earnings; /metrics counts the submit.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectSecp256k1HdWallet, type EncodeObject } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import { installOperatorKey } from "../../bridge-mqtt/commitments/operator-key.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { writeFileAtomic } from "../../chain/config/files.ts";
import { parseToml, renderConfigToml } from "../../chain/config/toml-file.ts";
import { CLOCK_OFFSET_ENV } from "../../chain/consensus/engine.ts";
import {
  createRegistry,
  EscrowMode,
  escrow as escrowPb,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  meter as meterPb,
  PricingUnit,
} from "../../client/index.ts";
import { readingsRoot } from "../../light-client/reading-inclusion.ts";
import { clockBeforeMidnight, restartLeadMs } from "../helpers/midnight-clock.ts";
import { cli, DENOM, faucetWallet, rpc, startNodeProcess } from "../helpers/node-process.ts";
import { connectDevice } from "./device-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const CHAIN_ID = "sensorchain-commit-1";
const DEVICE = "D035_0042";
const DAY_MS = 86_400_000;
/** What follows the restart before midnight: connecting the device, ≥ 5 s of readings. */
const BEFORE_MIDNIGHT_MS = 10_000;
const PRICE = 100n;

async function query<T>(url: string, path: string, data: Uint8Array, type: { decode(b: Uint8Array): T }) {
  const response = await rpc(url, "abci_query", { path, data: Buffer.from(data).toString("hex") });
  const result = response.result.response;
  if (Number(result.code ?? 0) !== 0) return undefined;
  return type.decode(Buffer.from(result.value ?? "", "base64"));
}

test("a day of MQTT readings across midnight is submitted by the node's bridge, final with our root, and pays the escrow", async (t) => {
  t.timeout(180_000);
  const home = await mkdtemp(join(tmpdir(), "sensorchain-commit-"));
  t.teardown(() => rm(home, { recursive: true, force: true }));
  const operator = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const operatorAddress = (await operator.getAccounts())[0]!.address;
  const consumer = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const consumerAddress = (await consumer.getAccounts())[0]!.address;
  const owner = await faucetWallet();
  await cli(["init", "commit-node", "--chain-id", CHAIN_ID, "--operator", operatorAddress, "--home", home]);
  for (const address of [owner.address, operatorAddress, consumerAddress])
    await cli(["genesis", "add-account", address, `1000000000${DENOM}`, "--home", home]);
  installOperatorKey(home, operator.mnemonic);
  const configFile = join(home, "config/config.toml");
  const document = parseToml(readFileSync(configFile, "utf8"), configFile);
  document["mqtt"] = { ...(document["mqtt"] as object), commit_grace: "2s" };
  writeFileAtomic(configFile, renderConfigToml(document));

  // Setup on the real clock (however slow the machine), then a restart with the clock moved forward.
  const startedMs = Date.now();
  const first = await startNodeProcess(home, { blockInterval: "200ms" });
  const firstStartMs = Date.now() - startedMs;
  const leadMs = restartLeadMs(firstStartMs, BEFORE_MIDNIGHT_MS);
  t.timeout(180_000 + leadMs); // from here: the wait for midnight comes on top
  t.teardown(() => first.stop());
  t.regex(first.output(), /daily commitments: operator key loaded/);

  const connectClient = async (wallet: DirectSecp256k1HdWallet) =>
    SigningStargateClient.connectWithSigner(first.rpcUrl, wallet, {
      registry: createRegistry(),
      gasPrice: GasPrice.fromString(`0.025${DENOM}`),
      broadcastPollIntervalMs: 200,
    });
  const key = ed25519Key();
  const ownerClient = await connectClient(owner.wallet);
  const setup: EncodeObject[] = [
    {
      typeUrl: MSG_REGISTER_DEVICE,
      value: {
        owner: owner.address,
        deviceId: DEVICE,
        publicKey: { type: key.type, key: key.publicKey },
        metadata: { model: "meter", unit: "kWh", locationHint: "" },
      },
    },
    {
      typeUrl: MSG_SHARE_DEVICE,
      value: {
        owner: owner.address,
        deviceId: DEVICE,
        terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1" } },
      },
    },
  ];
  assertIsDeliverTxSuccess(await ownerClient.signAndBroadcast(owner.address, setup, "auto"));
  ownerClient.disconnect();
  const consumerClient = await connectClient(consumer);
  const opened = await consumerClient.signAndBroadcast(
    consumerAddress,
    [
      {
        typeUrl: MSG_OPEN_ESCROW,
        value: {
          consumer: consumerAddress,
          deviceId: DEVICE,
          releaseAuthority: consumerAddress,
          mode: EscrowMode.ESCROW_MODE_PER_READING,
          deposit: { denom: DENOM, amount: "1000000" },
          price: { denom: DENOM, amount: PRICE.toString() },
          periodSeconds: 0n,
          expiryTime: BigInt(Math.floor(Date.now() / 1000) + 3 * 86_400),
        },
      },
    ],
    "auto",
  );
  assertIsDeliverTxSuccess(opened);
  consumerClient.disconnect();
  await first.stop();

  // The node's clock after the restart: leadMs before the next UTC midnight at least that far away
  // (block time only moves forward; the escrow was opened on the committed day or before).
  const { midnightMs: midnight, day, offsetMs, nodeNow } = clockBeforeMidnight(leadMs);
  t.log(`first start ${firstStartMs / 1000} s; restarting ${leadMs / 1000} s before midnight`);
  process.env[CLOCK_OFFSET_ENV] = String(offsetMs);
  const node = await startNodeProcess(home, { blockInterval: "200ms" });
  delete process.env[CLOCK_OFFSET_ENV];
  t.teardown(() => node.stop());
  t.true(nodeNow() < midnight - 5_000, "restarted before midnight (node clock)");

  const device = await connectDevice(node.mqttUrl, DEVICE, key, { chainId: CHAIN_ID, nowMs: nodeNow() });
  t.teardown(() => device.endAsync());
  // One reading every 500 ms (node clock) until 3 s into the new day.
  const sent: { sequence: bigint; day: bigint; payload: Uint8Array }[] = [];
  for (let sequence = 1n; nodeNow() < midnight + 3_000; sequence++) {
    const timestampMs = BigInt(nodeNow());
    const { payload } = signedReading(key, {
      deviceId: DEVICE,
      sequence,
      timestampMs,
      value: `${sequence}.5`,
    });
    await device.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
    sent.push({ sequence, day: timestampMs / BigInt(DAY_MS), payload });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const ofDay = sent.filter((s) => s.day === day);
  t.true(ofDay.length >= 3, `readings before midnight: ${ofDay.length}`);
  t.true(
    sent.some((s) => s.day === day + 1n),
    "and some after it",
  );

  // The bridge submits after midnight + grace; poll the chain until the day is final.
  const request = meterPb.QueryCommitmentRequest.encode({ deviceId: DEVICE, day: Number(day) }).finish();
  let commitment: ReturnType<typeof meterPb.QueryCommitmentResponse.decode>["commitment"];
  const deadline = Date.now() + 60_000;
  while (commitment === undefined || commitment === null) {
    if (Date.now() > deadline)
      t.fail(`day ${day} not final:\n${node.output().split("\n").slice(-30).join("\n")}`);
    const response = await query(
      node.rpcUrl,
      "/sensorchain.meter.v1.Query/Commitment",
      request,
      meterPb.QueryCommitmentResponse,
    );
    commitment = response?.commitment;
    if (commitment === undefined || commitment === null)
      await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const count = BigInt(ofDay.length);
  t.deepEqual(Uint8Array.from(commitment.body!.root!), readingsRoot(ofDay.map((s) => s.payload)));
  t.is(String(commitment.body!.count), count.toString());
  t.is(commitment.submitter, operatorAddress);
  t.deepEqual(commitment.attesters, [operatorAddress]);
  t.regex(node.output(), /daily commitments: tx committed/);
  const metrics = await (await fetch(`${node.rpcUrl}/metrics`)).text();
  t.regex(metrics, /sensorchain_mqtt_commitments_total\{action="submit"\} 1\b/);
  t.regex(metrics, /sensorchain_mqtt_commitments_total\{action="finalized"\} 1\b/);

  // Pay per reading: price × count released at finality, 80 % owner, 10 % gateway (the submitter).
  const earnings = async (address: string) =>
    (
      await query(
        node.rpcUrl,
        "/sensorchain.escrow.v1.Query/Earnings",
        escrowPb.QueryEarningsRequest.encode({ address }).finish(),
        escrowPb.QueryEarningsResponse,
      )
    )?.amount.find((coin) => coin.denom === DENOM)?.amount;
  t.is(await earnings(owner.address), ((PRICE * count * 8n) / 10n).toString());
  t.is(await earnings(operatorAddress), ((PRICE * count) / 10n).toString());
});
