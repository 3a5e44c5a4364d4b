// Reading replication between validators' bridges (bridge-mqtt/gossip): three in-process bridges with
// real P2PHosts on loopback (A and B validators, X an outsider), each with its own LevelDB and aedes
// broker, reading the device registry of a real node process (devices registered through cosmjs).
// A reading published over MQTT to A is stored by B with the same bytes; batches from a non-validator
// key, with a bad signature or malformed are rejected; a bad device signature inside a valid batch is
// dropped alone; a device failing over to B with a reading B has by gossip gets a PUBACK and no
// error; repair fills a gap by pages, and validators alone may ask for it.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import type { MqttClient } from "mqtt";
import { type RunningBridge, startBridge } from "../../bridge-mqtt/bridge.ts";
import { encodeReadingBatch, NodeKeySigner } from "../../bridge-mqtt/gossip/batch-codec.ts";
import { MAX_REPAIR_READINGS, MAX_REPAIR_RESPONSE_BYTES } from "../../bridge-mqtt/gossip/limits.ts";
import { encodeRepairRequest } from "../../bridge-mqtt/gossip/repair.ts";
import { errorsTopic, readingsTopic } from "../../bridge-mqtt/topics.ts";
import { P2PHost, peerIdOfNodeKey } from "../../chain/p2p/host.ts";
import { createP2PMetrics } from "../../chain/p2p/metrics.ts";
import { parsePeerAddress } from "../../chain/p2p/peers.ts";
import { chainTopics } from "../../chain/p2p/topics.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { dayOf } from "../../modules/meter/reading.ts";
import {
  abciQuery,
  CHAIN_ID,
  createTestHome,
  faucetWallet,
  freePort,
  type NodeProcess,
  startNodeProcess,
  type TestHome,
} from "../helpers/node-process.ts";
import { signingClient } from "./consumer-helpers.ts";
import { connectDevice, registerMeters } from "./device-helpers.ts";
import { ed25519Key, p256Key, signedReading, type TestDeviceKey } from "./device-keys.ts";

const silent = process.env["BRIDGE_DEBUG"]
  ? { info: console.log, warn: console.log, error: console.log }
  : { info() {}, warn() {}, error() {} };
const SENSOR = "D035_0101";
const METER = "D035_0102";
const REPAIRED = "D035_0103";
const keys: Record<string, TestDeviceKey> = {
  [SENSOR]: ed25519Key(),
  [METER]: p256Key(),
  [REPAIRED]: ed25519Key(),
};
const topics = chainTopics(CHAIN_ID);

interface Peer {
  seed: Uint8Array;
  peerId: string;
  port: number;
  host: P2PHost;
}
interface ValidatorBridge extends Peer {
  bridge: RunningBridge;
  db: ClassicLevel<Uint8Array, Uint8Array>;
  dir: string;
}

let home: TestHome;
let node: NodeProcess;
let a: ValidatorBridge;
let b: ValidatorBridge;
let outsider: Peer;

async function peerSpec() {
  const seed = randomBytes(32);
  return { seed, peerId: await peerIdOfNodeKey(seed), port: await freePort() };
}

const addressOf = (peer: { peerId: string; port: number }) =>
  parsePeerAddress(`${peer.peerId}@/ip4/127.0.0.1/tcp/${peer.port}`);

async function startHost(
  spec: { seed: Uint8Array; port: number },
  peers: { peerId: string; port: number }[],
  validators: Set<string>,
) {
  return P2PHost.create({
    nodeKeySeed: spec.seed,
    laddr: `tcp://127.0.0.1:${spec.port}`,
    persistentPeers: peers.map(addressOf),
    validatorPeerIds: validators,
    metrics: createP2PMetrics(),
    logger: silent,
  });
}

const query = (path: string, data: Uint8Array) => abciQuery(node.rpcUrl, path, data);

async function startValidator(
  spec: { seed: Uint8Array; peerId: string; port: number },
  peers: { peerId: string; port: number }[],
  validators: Set<string>,
): Promise<ValidatorBridge> {
  const host = await startHost(spec, peers, validators);
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-gossip-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  const bridge = await startBridge({
    db,
    chainId: CHAIN_ID,
    listen: { host: "127.0.0.1", port: 0 },
    logger: silent,
    query,
    network: { host, nodeKeySeed: spec.seed, isValidatorPeer: (id) => host.isValidatorPeer(id) },
  });
  await host.start();
  return { ...spec, host, bridge, db, dir };
}

/** Polls until `condition` holds; the test's own timeout bounds the wait. */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 25));
}

test.before(async () => {
  home = await createTestHome();
  node = await startNodeProcess(home.home);
  const { address } = await faucetWallet();
  const client = await signingClient(node.rpcUrl);
  await registerMeters(client, address, Object.entries(keys));
  client.disconnect();

  const [specA, specB, specX] = [await peerSpec(), await peerSpec(), await peerSpec()];
  const validators = new Set([specA.peerId, specB.peerId]);
  a = await startValidator(specA, [specB], validators);
  b = await startValidator(specB, [specA], validators);
  // The outsider dials both validators; it is nobody's validator.
  outsider = { ...specX, host: await startHost(specX, [specA, specB], validators) };
  outsider.host.subscribe(topics.readings, () => "ignore");
  await outsider.host.start();
  await until(
    () =>
      a.host.subscribers(topics.readings).includes(b.peerId) &&
      b.host.subscribers(topics.readings).includes(a.peerId) &&
      outsider.host.subscribers(topics.readings).includes(b.peerId),
  );
});

test.after.always(async () => {
  await outsider?.host.stop();
  for (const validator of [a, b]) {
    if (validator === undefined) continue;
    await validator.bridge.stop();
    await validator.host.stop();
    await validator.db.close();
    await rm(validator.dir, { recursive: true, force: true });
  }
  await node?.stop();
  await home?.remove();
});

function connect(bridge: RunningBridge, deviceId: string): Promise<MqttClient> {
  return connectDevice(bridge.url, deviceId, keys[deviceId]!);
}

/** Errors the bridge answered on the device's error topic, as they come. */
async function errorLog(client: MqttClient, deviceId: string): Promise<{ code: string }[]> {
  const log: { code: string }[] = [];
  client.on("message", (topic, payload) => {
    if (topic === errorsTopic(deviceId)) log.push(JSON.parse(payload.toString()));
  });
  await client.subscribeAsync(errorsTopic(deviceId), { qos: 1 });
  return log;
}

test.serial(
  "a reading published to A over MQTT is stored by B with the same bytes, and not gossiped back",
  async (t) => {
    t.timeout(60_000);
    const device = await connect(a.bridge, SENSOR);
    t.teardown(() => device.endAsync());
    const published = [1n, 2n, 3n].map((sequence) =>
      signedReading(keys[SENSOR]!, { deviceId: SENSOR, sequence }),
    );
    for (const { payload } of published)
      await device.publishAsync(readingsTopic(SENSOR), Buffer.from(payload), { qos: 1 });
    for (const { reading, payload } of published) {
      await until(async () => (await b.bridge.store.loadReading(SENSOR, reading.sequence)) !== undefined);
      t.deepEqual(await b.bridge.store.loadReading(SENSOR, reading.sequence), payload);
    }
    const day = dayOf(published[0]!.reading.timestampMs);
    t.deepEqual(
      await b.bridge.replication.dayReadings(SENSOR, day),
      await a.bridge.replication.dayReadings(SENSOR, day),
    );
    t.true(a.bridge.replication.counters.batchesPublished >= 1);
    t.is(a.bridge.replication.counters.readingsGossiped, 3);
    t.is(b.bridge.replication.counters.readingsStored, 3);
    t.is(b.bridge.replication.counters.batchesPublished, 0, "B does not gossip what it received");
  },
);

test.serial(
  "batches from a non-validator key, with a bad signature, or malformed are rejected",
  async (t) => {
    t.timeout(60_000);
    const counters = b.bridge.replication.counters;
    const before = { ...counters.batchesRejected };
    const reading = signedReading(keys[SENSOR]!, { deviceId: SENSOR, sequence: 50n });
    const fields = {
      chainId: CHAIN_ID,
      batchSequence: 1n,
      createdMs: BigInt(Date.now()),
      readings: [reading.payload],
    };
    // Signed by the outsider's own node key: a valid signature, but no validator's.
    const stranger = new NodeKeySigner(outsider.seed).signBatch(fields);
    outsider.host.publish(topics.readings, encodeReadingBatch(stranger));
    // Claims A's node key, signed by another key.
    const forged = {
      ...new NodeKeySigner(randomBytes(32)).signBatch(fields),
      nodePublicKey: new NodeKeySigner(a.seed).publicKey,
    };
    outsider.host.publish(topics.readings, encodeReadingBatch(forged));
    outsider.host.publish(topics.readings, randomBytes(300));
    // Another chain's batch, signed by A's key.
    outsider.host.publish(
      topics.readings,
      encodeReadingBatch(new NodeKeySigner(a.seed).signBatch({ ...fields, chainId: "other-1" })),
    );
    await until(
      () =>
        counters.batchesRejected.not_validator > before.not_validator &&
        counters.batchesRejected.bad_signature > before.bad_signature &&
        counters.batchesRejected.malformed > before.malformed &&
        counters.batchesRejected.wrong_chain > before.wrong_chain,
    );
    t.is(await b.bridge.store.loadReading(SENSOR, 50n), undefined);
    t.is(await a.bridge.store.loadReading(SENSOR, 50n), undefined);
  },
);

test.serial(
  "a bad device signature inside a valid validator batch is dropped; the others are stored",
  async (t) => {
    t.timeout(60_000);
    const counters = b.bridge.replication.counters;
    const droppedBefore = counters.readingsDropped.bad_signature;
    const good = signedReading(keys[METER]!, { deviceId: METER, sequence: 7n });
    // METER's reading signed by SENSOR's key: the wrong device key.
    const bad = signedReading(keys[SENSOR]!, { deviceId: METER, sequence: 8n });
    const unknown = signedReading(keys[SENSOR]!, { deviceId: "D035_0999", sequence: 1n });
    const batch = new NodeKeySigner(a.seed).signBatch({
      chainId: CHAIN_ID,
      batchSequence: 999n,
      createdMs: BigInt(Date.now()),
      readings: [bad.payload, good.payload, unknown.payload],
    });
    // Relayed by the outsider: what counts is the author's key, A, a validator.
    outsider.host.publish(topics.readings, encodeReadingBatch(batch));
    await until(async () => (await b.bridge.store.loadReading(METER, 7n)) !== undefined);
    await until(() => counters.readingsDropped.bad_signature > droppedBefore);
    t.deepEqual(await b.bridge.store.loadReading(METER, 7n), good.payload);
    t.is(await b.bridge.store.loadReading(METER, 8n), undefined);
    // The unknown device's reading is retried once (DEFERRED_RETRY_MS), then dropped.
    await until(() => counters.readingsDropped.unknown_device >= 1);
    t.is(await b.bridge.store.loadReading("D035_0999", 1n), undefined);
  },
);

test.serial(
  "a device failing over to B resends what B has by gossip: PUBACK, no error; new bytes under it are a replay",
  async (t) => {
    t.timeout(60_000);
    const onA = await connect(a.bridge, SENSOR);
    const sent = signedReading(keys[SENSOR]!, { deviceId: SENSOR, sequence: 10n });
    await onA.publishAsync(readingsTopic(SENSOR), Buffer.from(sent.payload), { qos: 1 });
    await onA.endAsync();
    await until(async () => (await b.bridge.store.loadReading(SENSOR, 10n)) !== undefined);

    const onB = await connect(b.bridge, SENSOR);
    t.teardown(() => onB.endAsync());
    const errors = await errorLog(onB, SENSOR);
    const duplicatesBefore = b.bridge.pipelineCounters.duplicates;
    // The device never saw A's PUBACK (say) and resends to B: acknowledged (publishAsync resolves on it).
    await onB.publishAsync(readingsTopic(SENSOR), Buffer.from(sent.payload), { qos: 1 });
    t.is(b.bridge.pipelineCounters.duplicates, duplicatesBefore + 1);
    // Other bytes under the same sequence are still a replay; the next sequence is taken.
    const other = signedReading(keys[SENSOR]!, { deviceId: SENSOR, sequence: 10n, value: "99" });
    await onB.publishAsync(readingsTopic(SENSOR), Buffer.from(other.payload), { qos: 1 });
    const next = signedReading(keys[SENSOR]!, { deviceId: SENSOR, sequence: 11n });
    await onB.publishAsync(readingsTopic(SENSOR), Buffer.from(next.payload), { qos: 1 });
    await until(() => errors.length >= 1);
    // Errors are published before their PUBACK callback returns; the one for 10' is the only one.
    await until(async () => (await a.bridge.store.loadReading(SENSOR, 11n)) !== undefined);
    t.deepEqual(
      errors.map((e) => e.code),
      ["replay"],
    );
    t.deepEqual(await b.bridge.store.loadReading(SENSOR, 10n), sent.payload);
    t.deepEqual(await b.bridge.store.loadReading(SENSOR, 11n), next.payload);
    // 11 went from B to A by gossip: dedup works in both directions.
    t.deepEqual(await a.bridge.store.loadReading(SENSOR, 11n), next.payload);
  },
);

test.serial("repair fills a gap page by page from a validator peer; outsiders are refused", async (t) => {
  t.timeout(120_000);
  const dayStartMs = (BigInt(Date.now()) / 86_400_000n - 2n) * 86_400_000n;
  const day = dayOf(dayStartMs);
  const count = MAX_REPAIR_READINGS + 5; // two pages
  const readings = Array.from({ length: count }, (_, i) => {
    const { reading, payload } = signedReading(keys[REPAIRED]!, {
      deviceId: REPAIRED,
      sequence: BigInt(i + 1),
      timestampMs: dayStartMs + BigInt(i) * 1_000n,
    });
    return { reading, bytes: payload };
  });
  const nextDay = signedReading(keys[REPAIRED]!, {
    deviceId: REPAIRED,
    sequence: BigInt(count + 1),
    timestampMs: dayStartMs + 86_400_000n,
  });
  // Signed by another key: A's store takes it as it is (appendReplicated trusts its caller), B's
  // repair must check it and leave it out.
  const forged = signedReading(keys[SENSOR]!, {
    deviceId: REPAIRED,
    sequence: BigInt(count + 2),
    timestampMs: dayStartMs + 5_000n,
  });
  // A has the day (stored as replicated: not gossiped to B); B has a few of them.
  await a.bridge.store.appendReplicated([
    ...readings,
    { reading: nextDay.reading, bytes: nextDay.payload },
    { reading: forged.reading, bytes: forged.payload },
  ]);
  const forgedBefore = b.bridge.replication.counters.readingsDropped.bad_signature;
  await b.bridge.store.appendReplicated(readings.slice(0, 3));
  t.is(await b.bridge.replication.repairDay(REPAIRED, day), count - 3);
  t.deepEqual(
    await b.bridge.replication.dayReadings(REPAIRED, day),
    readings.map((r) => r.bytes),
  );
  t.is(
    await b.bridge.store.loadReading(REPAIRED, BigInt(count + 1)),
    undefined,
    "another day is not fetched",
  );
  t.is(
    await b.bridge.store.loadReading(REPAIRED, BigInt(count + 2)),
    undefined,
    "a forged reading is not taken",
  );
  t.is(b.bridge.replication.counters.readingsDropped.bad_signature, forgedBefore + 1);
  t.is(await b.bridge.replication.repairDay(REPAIRED, day), 0, "nothing missing the second time");
  t.is(
    b.bridge.replication.counters.readingsDropped.bad_signature,
    forgedBefore + 2,
    "checked again, dropped again",
  );
  await t.throwsAsync(b.bridge.replication.repairDay("not-a-device", day), { instanceOf: Error });

  const refusedBefore = a.bridge.replication.counters.repairRequestsRefused;
  await t.throwsAsync(
    outsider.host.request(
      a.peerId,
      topics.readingsRepair,
      encodeRepairRequest({ deviceId: REPAIRED, day, afterSequence: 0n, limit: 10 }),
      MAX_REPAIR_RESPONSE_BYTES,
      AbortSignal.timeout(10_000),
    ),
  );
  t.is(a.bridge.replication.counters.repairRequestsRefused, refusedBefore + 1);
});
