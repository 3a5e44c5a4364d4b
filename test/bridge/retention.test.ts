// Retention on a real LevelDB and reading store: device-days older than retention_days are pruned
// (readings and the three reading indexes, scheduler progress) only when the chain says they are
// final; a non-final old day and a recent final day stay; the last-sequence record stays, so a
// replayed old reading is still refused. The chain's answer comes from an injected query function
// that encodes the meter Status response.
import test from "ava";
import { devicesOfDay, nextDayWithReadings } from "../../bridge-mqtt/commitments/day-index.ts";
import {
  isDayDone,
  loadProgress,
  markDayDone,
  saveProgress,
} from "../../bridge-mqtt/commitments/progress-store.ts";
import { lastSequenceKey, lastSequenceOf, ReadingStore } from "../../bridge-mqtt/reading-store.ts";
import { pruneReadings } from "../../bridge-mqtt/retention.ts";
import { type Database, getSync, iterateKeys } from "../../chain/store/db.ts";
import { meter as meterPb } from "../../client/index.ts";
import type { Reading } from "../../modules/meter/reading.ts";
import { openReadingStore } from "./reading-store-helpers.ts";

const silent = { info() {}, warn() {}, error() {} };
const DAY_MS = 86_400_000n;
const TODAY = 20_100n;

function reading(deviceId: string, sequence: bigint, day: bigint): Reading {
  return {
    deviceId,
    sequence,
    timestampMs: day * DAY_MS + sequence,
    values: [{ name: "t", unit: "C", value: "1" }],
    ciphertext: new Uint8Array(0),
    signature: new Uint8Array(64),
  };
}

test("prunes final device-days past retention, keeps non-final and recent ones and the last sequences", async (t) => {
  const { store, db } = await openReadingStore(t, "sensorchain-retention-");
  const oldDay = TODAY - 10n;
  const recentDay = TODAY - 1n;
  const plan: [string, bigint, bigint][] = [
    ["D035_0001", 1n, oldDay],
    ["D035_0001", 2n, oldDay],
    ["D035_0002", 1n, oldDay], // old but not final: kept
    ["D035_0001", 3n, recentDay],
  ];
  for (const [device, sequence, day] of plan) {
    t.true(await store.reserveWhenLoaded(device, sequence));
    await store.append(reading(device, sequence, day));
  }
  await saveProgress(db, oldDay, "D035_0001", { state: "final", hash: new Uint8Array(32) });
  await markDayDone(db, recentDay);
  const final = new Set([`D035_0001/${oldDay}`, `D035_0001/${recentDay}`]);
  const asked: string[] = [];
  const query = async (_path: string, data: Uint8Array) => {
    const request = meterPb.QueryStatusRequest.decode(data);
    asked.push(`${request.deviceId}/${request.day}`);
    const isFinal = final.has(`${request.deviceId}/${request.day}`);
    return { code: 0, value: meterPb.QueryStatusResponse.encode({ final: isFinal }).finish() };
  };

  const result = await pruneReadings({
    db,
    query,
    now: () => Number(TODAY * DAY_MS) + 5_000,
    retentionDays: 7,
    logger: silent,
  });
  t.deepEqual(result, { deviceDays: 1, readings: 2, keptNotFinal: 1 });
  t.deepEqual(
    asked.sort(),
    [`D035_0001/${oldDay}`, `D035_0002/${oldDay}`],
    "recent days are not even asked about",
  );
  t.is(await store.loadReading("D035_0001", 1n), undefined);
  t.is(await store.loadReading("D035_0001", 2n), undefined);
  t.deepEqual(await store.daySequences("D035_0001", oldDay), []);
  t.is(await loadProgress(db, oldDay, "D035_0001"), undefined);
  t.deepEqual(await devicesOfDay(db, oldDay, 10), ["D035_0002"]);
  t.truthy(await store.loadReading("D035_0002", 1n));
  t.truthy(await store.loadReading("D035_0001", 3n));
  t.is(await nextDayWithReadings(db, 0n), oldDay);
  t.true(await isDayDone(db, recentDay));
  t.false(
    await store.reserveWhenLoaded("D035_0001", 2n),
    "the last sequence survives pruning: a replay is still refused",
  );
  // Read back from disk by a store that never saw the device (a restart): D035_0002's old day was
  // kept, D035_0001's pruned day had lower sequences than its recent one.
  const restarted = new ReadingStore(db);
  t.false(await restarted.reserveWhenLoaded("D035_0001", 3n), "the recent reading's sequence is still used");

  // Once the old day is final everywhere, the whole day goes; the 0x42 index no longer has it.
  final.add(`D035_0002/${oldDay}`);
  const second = await pruneReadings({
    db,
    query,
    now: () => Number(TODAY * DAY_MS),
    retentionDays: 7,
    logger: silent,
  });
  t.deepEqual(second, { deviceDays: 1, readings: 1, keptNotFinal: 0 });
  t.is(await nextDayWithReadings(db, 0n), recentDay);
  let left = 0;
  for await (const _ of iterateKeys(db, { gte: Uint8Array.of(0x40), lt: Uint8Array.of(0x43) })) left++;
  t.is(left, 3, "only the recent day's reading and its two index entries remain");
});

test("an unanswered Status query counts as not final", async (t) => {
  const { store, db } = await openReadingStore(t, "sensorchain-retention-");
  t.true(await store.reserveWhenLoaded("D035_0001", 1n));
  await store.append(reading("D035_0001", 1n, TODAY - 40n));
  const result = await pruneReadings({
    db,
    query: async () => ({ code: 1, value: new Uint8Array(0) }),
    now: () => Number(TODAY * DAY_MS),
    retentionDays: 30,
    logger: silent,
  });
  t.deepEqual(result, { deviceDays: 0, readings: 0, keptNotFinal: 1 });
  t.truthy(await store.loadReading("D035_0001", 1n));
});

test("the day-device record is written once per device and day, and again for a reading of a day retention pruned", async (t) => {
  const { store, db } = await openReadingStore(t, "sensorchain-retention-");
  const oldDay = TODAY - 10n;
  const dayDeviceRecords = async () => {
    let count = 0;
    for await (const _ of iterateKeys(db, { gte: Uint8Array.of(0x42), lt: Uint8Array.of(0x43) })) count++;
    return count;
  };
  for (const sequence of [1n, 2n, 3n]) {
    t.true(await store.reserveWhenLoaded("D035_0001", sequence));
    await store.append(reading("D035_0001", sequence, oldDay));
  }
  t.deepEqual(await devicesOfDay(db, oldDay, 10), ["D035_0001"]);
  t.is(await dayDeviceRecords(), 1);
  const result = await pruneAllFinal(db, 7, store);
  t.deepEqual(result, { deviceDays: 1, readings: 3, keptNotFinal: 0 });
  t.is(await dayDeviceRecords(), 0);
  // A late copy of that day (gossip has no age rule) is indexed again, so retention finds it.
  t.true(await store.reserveWhenLoaded("D035_0001", 4n));
  await store.append(reading("D035_0001", 4n, oldDay));
  t.deepEqual(await devicesOfDay(db, oldDay, 10), ["D035_0001"]);
});

/** Prunes at TODAY with every device-day final on chain. */
function pruneAllFinal(db: Database, retentionDays: number, readings?: ReadingStore) {
  return pruneReadings({
    db,
    query: async () => ({ code: 0, value: meterPb.QueryStatusResponse.encode({ final: true }).finish() }),
    now: () => Number(TODAY * DAY_MS),
    retentionDays,
    logger: silent,
    ...(readings === undefined ? {} : { readings }),
  });
}

test("pruning a device's last readings writes their highest sequence into its record: a restarted store still refuses them", async (t) => {
  const { store, db } = await openReadingStore(t, "sensorchain-retention-");
  const oldDay = TODAY - 40n;
  for (const sequence of [5n, 9n]) {
    t.true(await store.reserveWhenLoaded("D035_0007", sequence));
    await store.append(reading("D035_0007", sequence, oldDay));
  }
  t.is(getSync(db, lastSequenceKey("D035_0007")), undefined, "readings write no record (format 2)");
  const result = await pruneAllFinal(db, 30);
  t.deepEqual(result, { deviceDays: 1, readings: 2, keptNotFinal: 0 });
  t.is(lastSequenceOf(getSync(db, lastSequenceKey("D035_0007"))), 9n);
  const restarted = new ReadingStore(db);
  t.false(
    await restarted.reserveWhenLoaded("D035_0007", 9n),
    "a replay of the pruned last reading is refused",
  );
  t.true(await restarted.reserveWhenLoaded("D035_0007", 10n));
});
