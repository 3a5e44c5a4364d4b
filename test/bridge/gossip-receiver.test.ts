// The gossip receiver (bridge-mqtt/gossip/receiver.ts) on a real LevelDB with a registry whose
// answers the test controls: a reading of a device this node does not know yet is retried once,
// DEFERRED_RETRY_MS later, and stored when the registration has arrived by then; a device still
// unknown at the retry is dropped; own batches are ignored; verdicts come before any storage.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { verifyDeviceSignature } from "../../bridge-mqtt/device-signature.ts";
import { encodeReadingBatch, NodeKeySigner } from "../../bridge-mqtt/gossip/batch-codec.ts";
import { newReplicationCounters } from "../../bridge-mqtt/gossip/counters.ts";
import { MAX_BATCH_AGE_MS } from "../../bridge-mqtt/gossip/limits.ts";
import { ReadingReceiver } from "../../bridge-mqtt/gossip/receiver.ts";
import { ReadingStore } from "../../bridge-mqtt/reading-store.ts";
import { DeviceRegistry } from "../../bridge-mqtt/registry.ts";
import { peerIdOfNodeKey } from "../../chain/p2p/host.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { pb } from "../../modules/device/codec.ts";
import { ed25519Key, signedReading, type TestDeviceKey } from "./device-keys.ts";

const CHAIN = "receiver-1";
const DEVICE_NOT_FOUND = 7;

async function setup(t: import("ava").ExecutionContext) {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-receiver-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "db"), DB_OPTIONS);
  await db.open();
  const store = new ReadingStore(db);
  /** Registered devices: the test adds one to play a registration this node commits later. */
  const registered = new Map<string, TestDeviceKey>();
  const registry = new DeviceRegistry({
    query: async (_path, data) => {
      const id = pb.QueryDeviceRequest.decode(data).deviceId;
      const key = registered.get(id);
      if (key === undefined) return { code: DEVICE_NOT_FOUND, value: new Uint8Array() };
      const device = {
        id,
        owner: "sensor1owner",
        publicKey: { type: key.type, key: key.publicKey },
        status: 1,
      };
      return { code: 0, value: pb.QueryDeviceResponse.encode({ device }).finish() };
    },
  });
  const authorSeed = randomBytes(32);
  const author = await peerIdOfNodeKey(authorSeed);
  const ownSeed = randomBytes(32);
  const own = await peerIdOfNodeKey(ownSeed);
  const counters = newReplicationCounters();
  const receiver = new ReadingReceiver({
    host: { subscribe() {} },
    topic: "unused",
    chainId: CHAIN,
    ownPublicKey: new NodeKeySigner(ownSeed).publicKey,
    isValidatorPeer: (id) => id === author || id === own,
    store,
    registry,
    verify: verifyDeviceSignature,
    counters,
    logger: { info() {}, warn() {}, error() {} },
    now: Date.now,
  });
  t.teardown(async () => {
    await receiver.stop();
    await store.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const batch = (seed: Uint8Array, readings: Uint8Array[], createdMs = BigInt(Date.now())) =>
    encodeReadingBatch(
      new NodeKeySigner(seed).signBatch({ chainId: CHAIN, batchSequence: 1n, createdMs, readings }),
    );
  return { store, registered, receiver, counters, authorSeed, ownSeed, batch };
}

async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

test("a reading of a device registered after its batch arrived is stored on the retry", async (t) => {
  t.timeout(30_000);
  const { store, registered, receiver, counters, authorSeed, batch } = await setup(t);
  const known = ed25519Key();
  const late = ed25519Key();
  registered.set("D035_0001", known);
  const first = signedReading(known, { deviceId: "D035_0001", sequence: 1n });
  const early = signedReading(late, { deviceId: "D035_0002", sequence: 1n });
  t.is(receiver.receive(batch(authorSeed, [first.payload, early.payload])), "accept");
  await until(async () => (await store.loadReading("D035_0001", 1n)) !== undefined);
  await until(() => counters.readingsDeferred === 1);
  t.is(await store.loadReading("D035_0002", 1n), undefined);
  // The registration reaches this node before the retry.
  registered.set("D035_0002", late);
  await until(async () => (await store.loadReading("D035_0002", 1n)) !== undefined);
  t.deepEqual(await store.loadReading("D035_0002", 1n), early.payload);
  t.is(counters.readingsStored, 2);
  t.is(counters.readingsDropped.unknown_device, 0);
});

test("a device still unknown at the retry is dropped once; own batches are ignored", async (t) => {
  t.timeout(30_000);
  const { store, receiver, counters, authorSeed, ownSeed, batch } = await setup(t);
  const stranger = signedReading(ed25519Key(), { deviceId: "D035_0009", sequence: 4n });
  t.is(receiver.receive(batch(authorSeed, [stranger.payload])), "accept");
  await until(() => counters.readingsDropped.unknown_device === 1);
  t.is(counters.readingsDeferred, 1);
  t.is(await store.loadReading("D035_0009", 4n), undefined);
  t.is(receiver.receive(batch(ownSeed, [stranger.payload])), "ignore");
  t.is(counters.batchesIgnored, 1);
});

test("a validly signed batch too old or from the future is ignored (a replayed batch brings nothing back)", async (t) => {
  const { store, registered, receiver, counters, authorSeed, batch } = await setup(t);
  const device = ed25519Key();
  registered.set("D035_0003", device);
  const reading = signedReading(device, { deviceId: "D035_0003", sequence: 1n });
  const now = BigInt(Date.now());
  t.is(receiver.receive(batch(authorSeed, [reading.payload], now - MAX_BATCH_AGE_MS - 60_000n)), "ignore");
  t.is(receiver.receive(batch(authorSeed, [reading.payload], now + 3_600_000n)), "ignore");
  t.is(counters.batchesStale, 2);
  t.is(counters.batchesAccepted, 0);
  t.is(await store.loadReading("D035_0003", 1n), undefined);
});
