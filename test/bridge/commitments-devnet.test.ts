// Daily commitments across a partition that heals, on a real 4-validator devnet (npm run devnet's
// homes: every validator has its operator key; commit_grace 2 s). The device is registered on the real
// clock, then every validator restarts with its clock shortly before a UTC midnight
// (SENSORCHAIN_CLOCK_OFFSET_MS, test only). A device publishes to validator 0 while validator 2 is
// paused (SIGSTOP) and validator 3 is down (kill -9): cut off, and the chain halts without them. After
// midnight validator 2 resumes and validator 3 restarts. The day becomes final with the root of
// exactly what the device sent, backed by at least three validators including a formerly cut-off
// one, and afterwards every validator's own store holds the same day (validator 3's only through the
// repair protocol: it was down for all of the day's gossip).
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { ReadingStore } from "../../bridge-mqtt/reading-store.ts";
import { readingsTopic } from "../../bridge-mqtt/topics.ts";
import { homePaths } from "../../chain/config/home.ts";
import { CLOCK_OFFSET_ENV } from "../../chain/consensus/engine.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { createRegistry, meter as meterPb } from "../../client/index.ts";
import { readingsRoot } from "../../light-client/reading-inclusion.ts";
import {
  DEVNET_START_TIMEOUT_MS,
  heightOf,
  mqttUrlOf,
  startTestDevnet,
  waitFor,
  waitForHeights,
} from "../helpers/devnet-process.ts";
import { clockBeforeMidnight, restartLeadMs } from "../helpers/midnight-clock.ts";
import { rpc } from "../helpers/node-process.ts";
import { connectDevice, registerMeters } from "./device-helpers.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const DEVICE = "D035_0077";
const DAY_MS = 86_400_000;
/** What follows the restart before midnight: the partition, connecting the device, ≥ 5 s of
 * readings. */
const BEFORE_MIDNIGHT_MS = 15_000;
/** Readings the day must hold: a root over several levels. */
const READINGS_OF_DAY = 10;

test("a partition between validators heals (one paused, one killed and restarted) and the day is final with the same root everywhere", async (t) => {
  t.timeout(120_000 + DEVNET_START_TIMEOUT_MS);
  const startedMs = Date.now();
  const net = await startTestDevnet({ validators: 4, timeoutCommit: "300ms", mqtt: { commit_grace: "2s" } });
  t.teardown(async () => {
    delete process.env[CLOCK_OFFSET_ENV];
    for (const node of net.nodes)
      if (node.child?.pid !== undefined && node.running()) process.kill(node.child.pid, "SIGCONT");
    await net.close();
  });
  const [v0, , v2, v3] = net.nodes as [
    (typeof net.nodes)[0],
    unknown,
    (typeof net.nodes)[0],
    (typeof net.nodes)[0],
  ];
  await waitForHeights(net.nodes, 2n, DEVNET_START_TIMEOUT_MS);
  const firstStartMs = Date.now() - startedMs;
  const leadMs = restartLeadMs(firstStartMs, BEFORE_MIDNIGHT_MS);
  t.timeout(300_000 + leadMs); // from here: the wait for midnight comes on top
  const faucet = await DirectSecp256k1HdWallet.fromMnemonic(net.devnet.faucetMnemonic, { prefix: "sensor" });
  const client = await SigningStargateClient.connectWithSigner(v0.rpcUrl, faucet, {
    registry: createRegistry(),
    gasPrice: GasPrice.fromString("0.025usensor"),
    broadcastPollIntervalMs: 200,
  });
  const key = ed25519Key();
  await registerMeters(client, net.devnet.faucetAddress, [[DEVICE, key]]);
  client.disconnect();

  // Setup ran on the real clock, however slow the machine; now every validator restarts with its
  // clock leadMs before the next UTC midnight (block time only moves forward). Each node process
  // reads the variable when spawned (ava runs each test file in a process of its own).
  const height = (await Promise.all(net.nodes.map((node) => heightOf(node)))).reduce((a, b) =>
    a > b ? a : b,
  );
  await Promise.all(net.nodes.map((node) => node.stop()));
  const { midnightMs: midnight, day, offsetMs, nodeNow } = clockBeforeMidnight(leadMs);
  t.log(`first start ${firstStartMs / 1000} s; restarting ${leadMs / 1000} s before midnight`);
  process.env[CLOCK_OFFSET_ENV] = String(offsetMs);
  for (const node of net.nodes) {
    node.output = "";
    node.start();
  }
  await waitForHeights(net.nodes, height + 2n, DEVNET_START_TIMEOUT_MS);
  let mqttUrl = "";
  await waitFor(
    "validator 0's MQTT port",
    async () => {
      mqttUrl = mqttUrlOf(v0) ?? "";
      return mqttUrl !== "";
    },
    30_000,
    net.nodes,
  );
  t.true(nodeNow() < midnight - 5_000, "restarted before midnight (node clock)");
  t.log(`partition starts ${(midnight - nodeNow()) / 1000} s before midnight`);

  // The partition: validator 2 is paused (SIGSTOP: what peers send it waits in its sockets) and
  // validator 3 is down (kill -9: it misses the day's gossip for good, only a repair can give it the
  // readings); the chain halts without them until after midnight.
  process.kill(v2.child!.pid!, "SIGSTOP");
  await v3.kill9();
  const device = await connectDevice(mqttUrl, DEVICE, key, { chainId: net.devnet.chainId, nowMs: nodeNow() });
  t.teardown(() => device.endAsync());
  const sent: { day: bigint; payload: Uint8Array }[] = [];
  for (let sequence = 1n; nodeNow() < midnight + 1_000; sequence++) {
    const timestampMs = BigInt(nodeNow());
    const { payload } = signedReading(key, { deviceId: DEVICE, sequence, timestampMs, value: `${sequence}` });
    await device.publishAsync(readingsTopic(DEVICE), Buffer.from(payload), { qos: 1 });
    sent.push({ day: timestampMs / BigInt(DAY_MS), payload });
    // The first READINGS_OF_DAY back to back (each waits for its PUBACK): the partition and the
    // device's login take a variable part of the lead on a loaded machine, and 500 ms apart the
    // rest of it held fewer.
    if (sent.length >= READINGS_OF_DAY) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  process.kill(v2.child!.pid!, "SIGCONT");
  v3.start();
  const ofDay = sent.filter((s) => s.day === day).map((s) => s.payload);
  t.true(ofDay.length >= READINGS_OF_DAY, `readings before midnight: ${ofDay.length}`);
  const root = readingsRoot(ofDay);

  const request = meterPb.QueryCommitmentRequest.encode({ deviceId: DEVICE, day: Number(day) }).finish();
  let commitment: ReturnType<typeof meterPb.QueryCommitmentResponse.decode>["commitment"];
  await waitFor(
    `day ${day} final`,
    async () => {
      const response = await rpc(v0.rpcUrl, "abci_query", {
        path: "/sensorchain.meter.v1.Query/Commitment",
        data: Buffer.from(request).toString("hex"),
      });
      const result = response.result?.response;
      if (result === undefined || Number(result.code ?? 0) !== 0) return false;
      commitment = meterPb.QueryCommitmentResponse.decode(Buffer.from(result.value, "base64")).commitment;
      return true;
    },
    120_000,
    net.nodes,
  );
  t.deepEqual(Uint8Array.from(commitment!.body!.root!), root);
  t.is(String(commitment!.body!.count), String(ofDay.length));
  const operators = net.devnet.nodes.map((node) => node.operator!.address);
  t.true(commitment!.attesters!.length >= 3);
  t.log(
    `attesters ${commitment!.attesters!.map((a) => operators.indexOf(a)).join(",")}; repairs logged by v2/v3: ${[
      v2,
      v3,
    ]
      .map((node) => node.output.split("repairing from peers").length - 1)
      .join(",")}`,
  );
  t.true(
    commitment!.attesters!.some((a) => a === operators[2] || a === operators[3]),
    "a validator that was cut off backs the final root",
  );
  t.true(commitment!.attesters!.every((a) => operators.includes(a)));

  // Every validator's own copy of the day gives the committed root: a few blocks after finality (a
  // cut-off validator repairs at the submit event, before the day can be final), stop them (one
  // LevelDB user) and read their stores.
  await waitForHeights(net.nodes, BigInt(String(commitment!.finalHeight)) + 5n, 60_000);
  for (const node of net.nodes) await node.stop();
  for (const node of net.nodes) {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(homePaths(node.spec.home).dbPath, DB_OPTIONS);
    await db.open();
    try {
      const store = new ReadingStore(db);
      const bytes: Uint8Array[] = [];
      for (const sequence of await store.daySequences(DEVICE, day))
        bytes.push((await store.loadReading(DEVICE, sequence))!);
      t.deepEqual(readingsRoot(bytes), root, `${node.spec.moniker}'s copy of the day`);
    } finally {
      await db.close();
    }
  }
});
