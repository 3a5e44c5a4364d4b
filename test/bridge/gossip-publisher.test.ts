// The reading publisher (bridge-mqtt/gossip/publisher.ts): device readings of a group commit become
// node-signed batches of at most MAX_READINGS_PER_BATCH readings and MAX_BATCH_READING_BYTES; a
// partial batch goes out after the flush interval; readings that came by gossip or repair are never
// published again.
import { randomBytes } from "node:crypto";
import test from "ava";
import {
  decodeReadingBatch,
  NodeKeySigner,
  verifyBatchSignature,
} from "../../bridge-mqtt/gossip/batch-codec.ts";
import { newReplicationCounters } from "../../bridge-mqtt/gossip/counters.ts";
import { MAX_BATCH_READING_BYTES, MAX_READINGS_PER_BATCH } from "../../bridge-mqtt/gossip/limits.ts";
import { ReadingPublisher } from "../../bridge-mqtt/gossip/publisher.ts";
import type { StoredReading } from "../../bridge-mqtt/reading-store.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";

const key = ed25519Key();

function stored(count: number, origin: StoredReading["origin"], from = 1): StoredReading[] {
  return Array.from({ length: count }, (_, i) => {
    const { reading, payload } = signedReading(key, { deviceId: "D035_0001", sequence: BigInt(from + i) });
    return { reading, bytes: payload, origin };
  });
}

function publisher() {
  const published: Uint8Array[] = [];
  const counters = newReplicationCounters();
  const instance = new ReadingPublisher({
    host: { publish: (_topic, data) => published.push(data) },
    topic: "readings",
    chainId: "c-1",
    signer: new NodeKeySigner(randomBytes(32)),
    counters,
    now: Date.now,
  });
  return { instance, published, counters };
}

test("full batches go out at once, in order, signed; the rest after the flush interval", async (t) => {
  const { instance, published, counters } = publisher();
  const readings = stored(MAX_READINGS_PER_BATCH * 2 + 7, "device");
  instance.add(readings);
  t.is(published.length, 2, "two full batches without waiting");
  await new Promise<void>((resolve) => {
    const poll = () => (published.length === 3 ? resolve() : setTimeout(poll, 10));
    poll();
  });
  const batches = published.map((bytes) => decodeReadingBatch(bytes));
  t.deepEqual(
    batches.map((b) => b.readings.length),
    [MAX_READINGS_PER_BATCH, MAX_READINGS_PER_BATCH, 7],
  );
  t.deepEqual(
    batches.map((b) => b.batchSequence),
    [1n, 2n, 3n],
  );
  t.true(batches.every(verifyBatchSignature));
  t.deepEqual(
    batches.flatMap((b) => b.readings),
    readings.map((r) => r.bytes),
  );
  t.is(counters.readingsGossiped, readings.length);
  t.is(counters.batchesPublished, 3);
  instance.stop();
});

test("a batch never holds more than MAX_BATCH_READING_BYTES of readings", (t) => {
  const { instance, published } = publisher();
  // Large readings (a postal-model ciphertext each) fill the byte budget before the count.
  const big = stored(300, "device").map((s) => ({ ...s, bytes: new Uint8Array(4_000).fill(1) }));
  instance.add(big);
  instance.flush();
  const sizes = published.map((bytes) =>
    decodeReadingBatch(bytes).readings.reduce((sum, r) => sum + r.length, 0),
  );
  t.true(published.length >= 3);
  t.true(sizes.every((size) => size <= MAX_BATCH_READING_BYTES));
  t.is(
    sizes.reduce((a, b) => a + b, 0),
    300 * 4_000,
  );
  instance.stop();
});

test("replicated readings are not published again", (t) => {
  const { instance, published, counters } = publisher();
  instance.add([...stored(3, "replicated"), ...stored(2, "device", 10)]);
  instance.flush();
  t.is(published.length, 1);
  t.is(decodeReadingBatch(published[0]!).readings.length, 2);
  t.is(counters.readingsGossiped, 2);
  instance.stop();
});
