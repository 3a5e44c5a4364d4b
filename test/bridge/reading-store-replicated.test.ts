// ReadingStore.appendReplicated and the dedup reads (bridge-mqtt/reading-store.ts) on a real LevelDB
// in a temp dir: readings from other validators are stored once by (device, sequence), never lower
// the last-sequence record when they fill a gap, block the sequences they use for the device path,
// and the day views return canonical bytes in sequence order.
import test from "ava";
import {
  LAST_SEQUENCE_PREFIX,
  lastSequenceKey,
  lastSequenceOf,
  ReadingStore,
  STORE_FORMAT,
  STORE_FORMAT_KEY,
  type StoredReading,
} from "../../bridge-mqtt/reading-store.ts";
import { getSync, iterateKeys } from "../../chain/store/db.ts";
import { dayOf } from "../../modules/meter/reading.ts";
import { ed25519Key, signedReading } from "./device-keys.ts";
import { openReadingStore } from "./reading-store-helpers.ts";

const key = ed25519Key();
const DEVICE = "D035_0001";
const DAY_MS = 86_400_000n;
const base = (BigInt(Date.now()) / DAY_MS) * DAY_MS; // midnight UTC today

function replicated(sequence: bigint, timestampMs = base + sequence, value = "1") {
  const { reading, payload } = signedReading(key, { deviceId: DEVICE, sequence, timestampMs, value });
  return { reading, bytes: payload };
}

const openStore = (t: import("ava").ExecutionContext) => openReadingStore(t);

test("replicated readings are stored once, tagged replicated, and block their sequences for devices", async (t) => {
  const { store } = await openStore(t);
  const seen: StoredReading[] = [];
  store.onStored((stored) => seen.push(...stored));
  const first = [replicated(5n), replicated(6n)];
  t.is(await store.appendReplicated(first), 2);
  t.deepEqual(await store.loadReading(DEVICE, 5n), first[0]!.bytes);
  t.deepEqual(
    seen.map((s) => [s.reading.sequence, s.origin]),
    [
      [5n, "replicated"],
      [6n, "replicated"],
    ],
  );
  // The same readings again (another peer, or repair): nothing new.
  t.is(await store.appendReplicated(first), 0);
  // Two copies in one call count once.
  t.is(await store.appendReplicated([replicated(7n), replicated(7n)]), 1);
  // A device reading under a replicated sequence cannot be reserved; above it, it can.
  t.false(await store.reserveWhenLoaded(DEVICE, 7n));
  t.true(await store.reserveWhenLoaded(DEVICE, 8n));
  await store.append(replicated(8n).reading);
  t.is(seen.at(-1)!.origin, "device");
});

test("a replicated reading filling a gap keeps the last-sequence record at the highest", async (t) => {
  const { store, db, dir } = await openStore(t);
  t.true(await store.reserveWhenLoaded(DEVICE, 10n));
  await store.append(replicated(10n).reading);
  t.is(await store.appendReplicated([replicated(3n)]), 1);
  // A fresh store on the same LevelDB reads the record back from disk: still 10.
  const reopened = new ReadingStore(db);
  t.false(await reopened.reserveWhenLoaded(DEVICE, 10n), `record lowered (${dir})`);
  t.true(await reopened.reserveWhenLoaded(DEVICE, 11n));
  t.deepEqual(await store.daySequences(DEVICE, dayOf(base)), [3n, 10n]);
});

test("storedBytes waits for a queued copy; dayReadingsAfter pages a day in sequence order", async (t) => {
  const { store } = await openStore(t);
  const readings = [9n, 1n, 4n, 2n].map((s) => replicated(s));
  const tomorrow = replicated(20n, base + DAY_MS + 1n);
  await store.load(DEVICE); // a device in memory: appendReplicated queues at once
  const writing = store.appendReplicated([...readings, tomorrow]);
  // Queued, not yet written: the dedup read waits for the write instead of answering "absent".
  t.deepEqual(await store.storedBytes(DEVICE, 4n), readings[2]!.bytes);
  t.is(await writing, 5);
  t.is(await store.storedBytes(DEVICE, 3n), undefined);
  const day = dayOf(base);
  const first = await store.dayReadingsAfter(DEVICE, day, 0n, 2);
  t.deepEqual(first.readings, [readings[1]!.bytes, readings[3]!.bytes]);
  t.true(first.more);
  t.is(first.lastSequence, 2n);
  const second = await store.dayReadingsAfter(DEVICE, day, first.lastSequence, 2);
  t.deepEqual(second.readings, [readings[2]!.bytes, readings[0]!.bytes]);
  t.false(second.more);
  t.deepEqual(
    await store.dayReadings(DEVICE, day),
    [1n, 2n, 4n, 9n].map((s) => readings.find((r) => r.reading.sequence === s)!.bytes),
  );
  t.deepEqual(await store.dayReadings(DEVICE, day + 1n), [tomorrow.bytes]);
});

test("appendReplicated refuses when stopping, and queues nothing", async (t) => {
  const { store } = await openStore(t);
  await store.close();
  const error = await t.throwsAsync(store.appendReplicated([replicated(1n)]));
  t.is((error as Error & { code?: string }).code, "stopped");
  t.is(store.pending, 0);
});

test("format 2: readings write no last-sequence record; after a crash the reading keys refuse replays, a clean stop writes the records", async (t) => {
  const { db } = await openStore(t);
  const first = new ReadingStore(db);
  for (const sequence of [1n, 2n, 3n]) {
    t.true(await first.reserveWhenLoaded(DEVICE, sequence));
    await first.append(replicated(sequence).reading);
  }
  t.deepEqual([...(getSync(db, STORE_FORMAT_KEY) ?? [])], [STORE_FORMAT]);
  let records = 0;
  for await (const _ of iterateKeys(db, {
    gte: Uint8Array.of(LAST_SEQUENCE_PREFIX),
    lt: Uint8Array.of(LAST_SEQUENCE_PREFIX + 1),
  }))
    records++;
  t.is(records, 0, "no 0x43 record with the readings");
  // A crash: `first` is never closed; a new store reads the last sequence from the reading keys.
  const second = new ReadingStore(db);
  t.false(await second.reserveWhenLoaded(DEVICE, 3n));
  t.true(await second.reserveWhenLoaded(DEVICE, 4n));
  await second.append(replicated(4n).reading);
  await second.close();
  t.is(lastSequenceOf(getSync(db, lastSequenceKey(DEVICE))), 4n, "a clean stop writes the record");
  t.throws(() => new ReadingStore(db).reserve(DEVICE, 5n), { message: /before load/ });
});
