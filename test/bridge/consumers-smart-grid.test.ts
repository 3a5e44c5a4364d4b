// Acceptance (issue 5): "Smart grid: devices with sector ids send 1 Hz readings over MQTT with TLS; a
// WebSocket client receives them live by device id; the day is committed and finalized; the stream
// and the commitment carry no owner." A real single-validator node process, set up on the real
// clock and then restarted with its clock (SENSORCHAIN_CLOCK_OFFSET_MS, test only) shortly before a UTC
// midnight; TLS and WebSocket listeners, its operator key and a 2 s commit grace. Three meters of two sectors (D035 electricity,
// E036 water) publish over mqtts; the grid operator holds an escrow for each and follows them over
// ws://…/mqtt; after midnight the node's bridge commits each device's day and it becomes final.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { assertIsDeliverTxSuccess } from "@cosmjs/stargate";
import test from "ava";
import type { MqttClient } from "mqtt";
import { installOperatorKey } from "../../bridge-mqtt/commitments/operator-key.ts";
import { streamJsonTopic } from "../../bridge-mqtt/consumers/stream-topics.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { writeFileAtomic } from "../../chain/config/files.ts";
import { parseToml, renderConfigToml } from "../../chain/config/toml-file.ts";
import { CLOCK_OFFSET_ENV } from "../../chain/consensus/engine.ts";
import {
  EscrowMode,
  MSG_OPEN_ESCROW,
  MSG_REGISTER_DEVICE,
  MSG_SHARE_DEVICE,
  meter as meterPb,
  PricingUnit,
} from "../../client/index.ts";
import { readingsRoot } from "../../light-client/reading-inclusion.ts";
import { clockBeforeMidnight, restartLeadMs } from "../helpers/midnight-clock.ts";
import { DENOM, rpc, startNodeProcess } from "../helpers/node-process.ts";
import { connectConsumer, createConsumerTestHome, newAccount, signingClient } from "./consumer-helpers.ts";
import { connectDevice } from "./device-helpers.ts";
import { ed25519Key, signedReading, type TestDeviceKey } from "./device-keys.ts";

const CHAIN_ID = "sensorchain-test-1"; // createConsumerTestHome's chain
const DEVICES = ["D035_0001", "D035_0002", "E036_0001"];
const DAY_MS = 86_400_000;
/** What follows the restart before midnight: connecting the meters and the viewer, then 20 s and
 * more of 1 Hz readings. */
const BEFORE_MIDNIGHT_MS = 25_000;

test("smart grid: sector meters at 1 Hz over TLS, a WebSocket client follows them by device id, each day final; no owner in stream or commitment", async (t) => {
  t.timeout(170_000);

  const producer = newAccount();
  const gridOperator = newAccount();
  const validatorOperator = await DirectSecp256k1HdWallet.generate(12, { prefix: "sensor" });
  const operatorAddress = (await validatorOperator.getAccounts())[0]!.address;
  const home = await createConsumerTestHome([producer, gridOperator], { operator: operatorAddress });
  t.teardown(() => home.remove());
  installOperatorKey(home.home, validatorOperator.mnemonic);
  const configFile = join(home.home, "config/config.toml");
  const document = parseToml(readFileSync(configFile, "utf8"), configFile);
  document["mqtt"] = { ...(document["mqtt"] as object), commit_grace: "2s" };
  writeFileAtomic(configFile, renderConfigToml(document));

  // Setup on the real clock; then the node restarts with its clock leadMs before a UTC midnight,
  // so a slow start or slow setup on a loaded machine cannot eat the lead.
  const startedMs = Date.now();
  let node = await startNodeProcess(home.home, { blockInterval: "200ms" });
  const firstStartMs = Date.now() - startedMs;
  const leadMs = restartLeadMs(firstStartMs, BEFORE_MIDNIGHT_MS);
  t.timeout(170_000 + leadMs); // from here: the wait for midnight comes on top
  t.teardown(() => node.stop());

  const keys: Record<string, TestDeviceKey> = Object.fromEntries(DEVICES.map((id) => [id, ed25519Key()]));
  const send = async (
    privateKey: Uint8Array,
    signer: string,
    messages: { typeUrl: string; value: unknown }[],
  ) => {
    const client = await signingClient(node.rpcUrl, privateKey);
    try {
      assertIsDeliverTxSuccess(await client.signAndBroadcast(signer, messages, "auto"));
    } finally {
      client.disconnect();
    }
  };
  await send(
    producer.privateKey,
    producer.address,
    DEVICES.flatMap((deviceId) => [
      {
        typeUrl: MSG_REGISTER_DEVICE,
        value: {
          owner: producer.address,
          deviceId,
          publicKey: { type: keys[deviceId]!.type, key: keys[deviceId]!.publicKey },
          metadata: { model: "grid meter", unit: "kWh", locationHint: "" },
        },
      },
      {
        typeUrl: MSG_SHARE_DEVICE,
        value: {
          owner: producer.address,
          deviceId,
          terms: { unit: PricingUnit.PRICING_UNIT_PER_DAY, price: { denom: DENOM, amount: "1" } },
        },
      },
    ]),
  );
  await send(
    gridOperator.privateKey,
    gridOperator.address,
    DEVICES.map((deviceId) => ({
      typeUrl: MSG_OPEN_ESCROW,
      value: {
        consumer: gridOperator.address,
        deviceId,
        releaseAuthority: gridOperator.address,
        mode: EscrowMode.ESCROW_MODE_MANUAL,
        deposit: { denom: DENOM, amount: "1000" },
        price: { denom: DENOM, amount: "10" },
        periodSeconds: 86_400,
        expiryTime: Math.floor(Date.now() / 1000) + 3 * 86_400, // beyond the node's shifted clock too
      },
    })),
  );

  await node.stop();
  const { midnightMs: midnight, day, offsetMs, nodeNow } = clockBeforeMidnight(leadMs);
  t.log(`first start ${firstStartMs / 1000} s; restarting ${leadMs / 1000} s before midnight`);
  process.env[CLOCK_OFFSET_ENV] = String(offsetMs);
  node = await startNodeProcess(home.home, { blockInterval: "200ms" });
  delete process.env[CLOCK_OFFSET_ENV];

  // The grid operator follows every meter over WebSocket, by device id.
  const viewer = await connectConsumer(`ws://127.0.0.1:${home.wsPort}/mqtt`, gridOperator, {
    nowMs: nodeNow(),
  });
  t.teardown(() => viewer.endAsync());
  const received = new Map<string, string[]>(DEVICES.map((id) => [id, []]));
  const payloads: string[] = [];
  viewer.on("message", (topic, payload) => {
    const deviceId = DEVICES.find((id) => topic === streamJsonTopic(id));
    if (deviceId === undefined) return;
    payloads.push(`${topic} ${payload.toString()}`);
    received.get(deviceId)!.push(JSON.parse(payload.toString()).sequence);
  });
  await viewer.subscribeAsync(
    DEVICES.map((id) => streamJsonTopic(id)),
    { qos: 0 },
  );

  const meters: MqttClient[] = await Promise.all(
    DEVICES.map((deviceId) =>
      connectDevice(`mqtts://127.0.0.1:${home.tlsPort}`, deviceId, keys[deviceId]!, {
        chainId: CHAIN_ID,
        nowMs: nodeNow(),
        ca: home.certificate,
      }),
    ),
  );
  t.teardown(() => Promise.all(meters.map((meter) => meter.endAsync())));

  t.true(nodeNow() < midnight - 10_000, "setup finished well before midnight (node clock)");
  // 1 Hz per meter (node clock) until 2 s into the new day.
  const sent = new Map<string, { sequence: bigint; day: bigint; payload: Uint8Array }[]>(
    DEVICES.map((id) => [id, []]),
  );
  for (let sequence = 1n; nodeNow() < midnight + 2_000; sequence++) {
    const tick = Date.now();
    await Promise.all(
      DEVICES.map(async (deviceId, i) => {
        const timestampMs = BigInt(nodeNow());
        const { payload } = signedReading(keys[deviceId]!, {
          deviceId,
          sequence,
          timestampMs,
          value: `${sequence}.${i + 1}`,
        });
        await meters[i]!.publishAsync(readingsTopic(deviceId), Buffer.from(payload), { qos: 1 });
        sent.get(deviceId)!.push({ sequence, day: timestampMs / BigInt(DAY_MS), payload });
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 1_000 - (Date.now() - tick))));
  }

  // Every acknowledged reading reaches the WebSocket client, in order (bounded by the test timeout).
  const expected = (deviceId: string) => sent.get(deviceId)!.map((s) => s.sequence.toString());
  const streamDeadline = Date.now() + 30_000;
  while (DEVICES.some((id) => received.get(id)!.length < expected(id).length)) {
    if (Date.now() > streamDeadline) {
      const counts = DEVICES.map((id) => `${id}: ${received.get(id)!.length}/${expected(id).length}`);
      t.fail(`stream incomplete: ${counts.join(", ")}`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  for (const deviceId of DEVICES) t.deepEqual(received.get(deviceId), expected(deviceId), deviceId);
  t.false(
    payloads.some((text) => text.includes(producer.address)),
    "streams carry device ids, never the owner",
  );

  // Each device's day becomes final with the root of exactly its readings of that day.
  const deadline = Date.now() + 60_000;
  for (const deviceId of DEVICES) {
    const request = meterPb.QueryCommitmentRequest.encode({ deviceId, day: Number(day) }).finish();
    let result: { code?: number; value?: string };
    for (;;) {
      result = (
        await rpc(node.rpcUrl, "abci_query", {
          path: "/sensorchain.meter.v1.Query/Commitment",
          data: Buffer.from(request).toString("hex"),
        })
      ).result.response;
      if (Number(result.code ?? 0) === 0) break;
      if (Date.now() > deadline)
        t.fail(
          `${deviceId} day ${day} not final:\n${node
            .output()
            .split("\n")
            .filter((line) => !line.includes("committed block"))
            .slice(-40)
            .join("\n")}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const commitment = meterPb.QueryCommitmentResponse.decode(Buffer.from(result.value ?? "", "base64"))
      .commitment!;
    const ofDay = sent.get(deviceId)!.filter((s) => s.day === day);
    t.true(ofDay.length >= 20, `${deviceId}: ${ofDay.length} readings before midnight`);
    t.deepEqual(Uint8Array.from(commitment.body!.root!), readingsRoot(ofDay.map((s) => s.payload)));
    t.is(String(commitment.body!.count), String(ofDay.length));
    const record = JSON.stringify(meterPb.Commitment.toObject(meterPb.Commitment.fromObject(commitment)));
    t.false(record.includes(producer.address), "the commitment carries no owner");
    t.is(commitment.submitter, operatorAddress);
  }
});
