// Read-only views of the reading store's day indexes (reading-store.ts; README.md, Storage): which
// days have readings, which devices sent readings on a day, and a device-day's readings in sequence
// order. The scheduler and retention read through these; only the reading store writes readings.
import { type Database, iterateKeys } from "../../chain/store/db.ts";
import { MAX_DAY } from "../../modules/meter/keys.ts";
import type { Reading } from "../../modules/meter/reading.ts";
import { decodeReadingPayload } from "../reading-codec.ts";
import { DAY_DEVICE_PREFIX, dayDeviceKey, type ReadingStore } from "../reading-store.ts";

/** Devices read from the day index at once (devicePagesOfDay). */
const DEVICE_PAGE = 500;

export function dayBytes(day: bigint): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(Number(day));
  return out;
}

/** The first day ≥ `from` with readings in the 0x42 index, or undefined. */
export async function nextDayWithReadings(db: Database, from: bigint): Promise<bigint | undefined> {
  if (from > MAX_DAY) return undefined;
  for await (const key of iterateKeys(db, {
    gte: Buffer.concat([Buffer.of(DAY_DEVICE_PREFIX), dayBytes(from)]),
    lt: Buffer.of(DAY_DEVICE_PREFIX + 1),
    limit: 1,
  }))
    return BigInt(Buffer.from(key).readUInt32BE(1));
  return undefined;
}

/** Up to `limit` devices with readings on `day`, in key order, after `after` (a page cursor). */
export async function devicesOfDay(
  db: Database,
  day: bigint,
  limit: number,
  after?: string,
): Promise<string[]> {
  const prefix = Buffer.concat([Buffer.of(DAY_DEVICE_PREFIX), dayBytes(day)]);
  const devices: string[] = [];
  for await (const key of iterateKeys(db, {
    ...(after === undefined ? { gte: prefix } : { gt: dayDeviceKey(DAY_DEVICE_PREFIX, day, after) }),
    lt: Buffer.concat([Buffer.of(DAY_DEVICE_PREFIX), dayBytes(day + 1n)]),
    limit,
  }))
    devices.push(Buffer.from(key).subarray(6).toString("latin1"));
  return devices;
}

/** Every device with readings on `day`, in pages of DEVICE_PAGE in key order. The next page is read
 * only when the caller asks for it, so the caller may first write (even delete) what it was given. */
export async function* devicePagesOfDay(db: Database, day: bigint): AsyncGenerator<string[]> {
  let after: string | undefined;
  for (;;) {
    const devices = await devicesOfDay(db, day, DEVICE_PAGE, after);
    yield devices;
    if (devices.length < DEVICE_PAGE) return;
    after = devices.at(-1);
  }
}

/** A device-day's stored readings in sequence order, with their canonical bytes. */
export async function loadDayReadings(
  store: ReadingStore,
  deviceId: string,
  day: bigint,
): Promise<{ readings: Reading[]; bytes: Uint8Array[] }> {
  const readings: Reading[] = [];
  const bytes: Uint8Array[] = [];
  for (const sequence of await store.daySequences(deviceId, day)) {
    const stored = await store.loadReading(deviceId, sequence);
    if (stored === undefined) continue; // pruned between the index read and this one
    readings.push(decodeReadingPayload(stored));
    bytes.push(stored);
  }
  return { readings, bytes };
}
