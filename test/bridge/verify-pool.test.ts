// The device verification pool (bridge-mqtt/verify-pool.ts): worker verdicts equal the main
// thread's for the three key types, good and bad signatures; readings arriving together share
// batches; the queue is bounded (BridgeUnavailable queue_full); close() stops it (stopped); and the
// pipeline keeps a device's admissions in arrival order with verification in the workers.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { ClassicLevel } from "classic-level";
import { verifyDeviceSignature } from "../../bridge-mqtt/device-signature.ts";
import { BridgeUnavailable, ReadingRejected } from "../../bridge-mqtt/errors.ts";
import { ReadingPipeline } from "../../bridge-mqtt/pipeline.ts";
import { ReadingStore, readingKey } from "../../bridge-mqtt/reading-store.ts";
import { DeviceRegistry } from "../../bridge-mqtt/registry.ts";
import {
  DEVICE_KEY_SCHEMES,
  MAX_QUEUED_DEVICE_VERIFICATIONS,
  startDeviceVerifier,
} from "../../bridge-mqtt/verify-pool.ts";
import { DB_OPTIONS } from "../../chain/store/db.ts";
import { KeyType } from "../../client/index.ts";
import { type DevicePublicKey, deviceToProto, pb } from "../../modules/device/codec.ts";
import { ed25519Key, p256Key, secp256k1Key, signedReading, type TestDeviceKey } from "./device-keys.ts";

const TYPE_NAMES: Record<number, DevicePublicKey["type"]> = {
  [KeyType.KEY_TYPE_ED25519]: "ed25519",
  [KeyType.KEY_TYPE_P256]: "p256",
  [KeyType.KEY_TYPE_SECP256K1]: "secp256k1",
};

interface Case {
  kind: string;
  publicKey: DevicePublicKey;
  message: Uint8Array;
  signature: Uint8Array;
}

/** For each key type: valid, wrong message, flipped signature bit, short signature, another type's
 * key of the same bytes. */
function cases(perType: number): Case[] {
  const out: Case[] = [];
  for (const makeKey of [ed25519Key, p256Key, secp256k1Key]) {
    for (let i = 0; i < perType; i++) {
      const key: TestDeviceKey = makeKey();
      const publicKey = { type: TYPE_NAMES[key.type]!, key: key.publicKey };
      const message = Buffer.from(`reading ${i} of ${publicKey.type}`);
      const signature = key.sign(message);
      const flipped = Uint8Array.from(signature);
      flipped[10]! ^= 1;
      out.push({ kind: "valid", publicKey, message, signature });
      out.push({ kind: "wrong message", publicKey, message: message.subarray(1), signature });
      out.push({ kind: "flipped bit", publicKey, message, signature: flipped });
      out.push({ kind: "short", publicKey, message, signature: signature.subarray(0, 63) });
      const otherType = publicKey.type === "p256" ? "secp256k1" : "p256";
      out.push({
        kind: "wrong type",
        publicKey: { type: otherType, key: key.publicKey },
        message,
        signature,
      });
    }
  }
  return out;
}

test("worker verdicts equal the main thread's for ed25519, P-256 and secp256k1, good and bad", async (t) => {
  const verifier = startDeviceVerifier(2);
  t.teardown(() => verifier.close());
  t.is(verifier.workers, 2);
  const all = cases(6);
  // All in one tick, as readings from many sockets in one I/O phase: they share batches.
  const verdicts = await Promise.all(all.map((c) => verifier.verify(c.publicKey, c.message, c.signature)));
  for (const [index, c] of all.entries()) {
    const expected = verifyDeviceSignature(c.publicKey, c.message, c.signature);
    t.is(verdicts[index], expected, `${c.publicKey.type} ${c.kind}`);
    t.is(expected, c.kind === "valid", `${c.publicKey.type} ${c.kind}`);
  }
  const stats = verifier.stats();
  t.is(stats.verified, all.length);
  t.true(stats.batches < all.length, `batched: ${stats.verified} signatures in ${stats.batches} messages`);
  t.deepEqual([...DEVICE_KEY_SCHEMES], ["ed25519", "p256", "secp256k1"]);
});

test("verify_workers = 0 verifies on the main thread with the same verdicts", async (t) => {
  const verifier = startDeviceVerifier(0);
  const all = cases(2);
  for (const c of all)
    t.is(await verifier.verify(c.publicKey, c.message, c.signature), c.kind === "valid", c.kind);
  t.is(verifier.stats().verified, all.length);
  await verifier.close();
  const error = await t.throwsAsync(verifier.verify(all[0]!.publicKey, all[0]!.message, all[0]!.signature), {
    instanceOf: BridgeUnavailable,
  });
  t.is(error?.code, "stopped");
});

test("the queue is bounded: past MAX_QUEUED_DEVICE_VERIFICATIONS a reading gets queue_full", async (t) => {
  const verifier = startDeviceVerifier(1);
  t.teardown(() => verifier.close());
  const c = cases(1)[0]!;
  const calls = Array.from({ length: MAX_QUEUED_DEVICE_VERIFICATIONS + 1 }, () =>
    verifier.verify(c.publicKey, c.message, c.signature),
  );
  const settled = Promise.allSettled(calls);
  const error = await t.throwsAsync(calls[calls.length - 1]!, { instanceOf: BridgeUnavailable });
  t.is(error?.code, "queue_full", "the one past the bound is refused at once");
  // The rest were queued: closing the pool (rather than verifying 20,000 signatures) settles them.
  await verifier.close();
  const results = await settled;
  const refused = results.filter(
    (result) => result.status === "rejected" && (result.reason as BridgeUnavailable).code === "queue_full",
  );
  t.is(refused.length, 1, "exactly one refused for the bound");
  for (const result of results)
    if (result.status === "fulfilled") t.true(result.value);
    else t.true(["queue_full", "stopped"].includes((result.reason as BridgeUnavailable).code));
});

test("close() fails pending and later verifications with stopped", async (t) => {
  const verifier = startDeviceVerifier(2);
  const c = cases(1)[0]!;
  const pending = Array.from({ length: 200 }, () => verifier.verify(c.publicKey, c.message, c.signature));
  const settled = Promise.allSettled(pending);
  await verifier.close();
  for (const result of await settled)
    if (result.status === "rejected") t.is((result.reason as BridgeUnavailable).code, "stopped");
  const later = await t.throwsAsync(verifier.verify(c.publicKey, c.message, c.signature), {
    instanceOf: BridgeUnavailable,
  });
  t.is(later?.code, "stopped");
  await verifier.close(); // idempotent
});

test("with workers, the pipeline still admits a device's readings in arrival order: none is a replay", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "sensorchain-verify-pool-"));
  const db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, "chain.db"), DB_OPTIONS);
  await db.open();
  const verifier = startDeviceVerifier(2);
  const store = new ReadingStore(db);
  t.teardown(async () => {
    await store.close();
    await verifier.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });
  const devices = ["D035_0001", "D035_0002", "D035_0003"];
  const keys = [ed25519Key(), p256Key(), secp256k1Key()];
  const registered = new Map(
    devices.map((id, i) => [
      id,
      pb.QueryDeviceResponse.encode({
        device: deviceToProto({
          id,
          owner: "sensor1owner",
          publicKey: { type: TYPE_NAMES[keys[i]!.type]!, key: keys[i]!.publicKey },
          metadata: { model: "meter", unit: "kWh", locationHint: "" },
          shared: false,
          shareTerms: undefined,
          status: "active",
          registrationHeight: 1n,
          keyRotationHeight: 0n,
        }),
      }).finish(),
    ]),
  );
  const registry = new DeviceRegistry({
    query: async (_path, data) => ({
      code: 0,
      value: registered.get(pb.QueryDeviceRequest.decode(data).deviceId)!,
    }),
  });
  const pipeline = new ReadingPipeline({ registry, store, verifier });
  const perDevice = 150;
  const accepted: Promise<unknown>[] = [];
  // Interleaved and all at once: each device's sequence must be admitted 1, 2, 3, ... even though
  // its verifications are spread over two workers and answered in batches.
  for (let sequence = 1n; sequence <= BigInt(perDevice); sequence++)
    for (const [i, deviceId] of devices.entries())
      accepted.push(pipeline.accept(deviceId, signedReading(keys[i]!, { deviceId, sequence }).payload));
  await Promise.all(accepted);
  for (const deviceId of devices)
    for (let sequence = 1n; sequence <= BigInt(perDevice); sequence++)
      t.truthy(await db.get(readingKey(deviceId, sequence)), `${deviceId} #${sequence} stored`);
  t.true(verifier.stats().verified >= devices.length * perDevice);
  const forged = signedReading(keys[1]!, { deviceId: devices[0]!, sequence: 1000n });
  const error = await t.throwsAsync(pipeline.accept(devices[0]!, forged.payload), {
    instanceOf: ReadingRejected,
  });
  t.is(error?.code, "bad_signature");
});
