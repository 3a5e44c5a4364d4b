// The commitment scheduler's progress in the node's LevelDB (bridge range 0x40-0x4f; README.md,
// Storage), so that a restarted node neither votes twice nor queries days long final:
//   0x48 ‖ day (4)                 → 0x01: every device of the day this node knows of is final
//   0x49 ‖ day (4) ‖ len(id) ‖ id  → state (1: voted, 2: final) ‖ commitment hash (32)
import { KEYSPACE } from "../../chain/db-keyspace.ts";
import { type Database, getAsync, writeBatch } from "../../chain/store/db.ts";
import { HASH_BYTES } from "../../modules/meter/keys.ts";
import { dayDeviceKey } from "../reading-store.ts";
import { dayBytes } from "./day-index.ts";

export const DAY_DONE_PREFIX = KEYSPACE.bridgeCommitmentDays;
export const DEVICE_DAY_PROGRESS_PREFIX = KEYSPACE.bridgeCommitmentProgress;

export type DeviceDayState = "voted" | "final";

export interface DeviceDayProgress {
  state: DeviceDayState;
  /** What this operator voted for ("voted"), or the final commitment's hash ("final"). */
  hash: Uint8Array;
}

const STATE_BYTE: Record<DeviceDayState, number> = { voted: 1, final: 2 };

/** Keys retention deletes with a pruned device-day, and with a day it pruned entirely. */
export const dayDoneKey = (day: bigint) => Buffer.concat([Buffer.of(DAY_DONE_PREFIX), dayBytes(day)]);
export const progressKey = (day: bigint, deviceId: string): Uint8Array =>
  dayDeviceKey(DEVICE_DAY_PROGRESS_PREFIX, day, deviceId);

export async function isDayDone(db: Database, day: bigint): Promise<boolean> {
  return (await getAsync(db, dayDoneKey(day))) !== undefined;
}

export async function markDayDone(db: Database, day: bigint): Promise<void> {
  await db.put(dayDoneKey(day), Uint8Array.of(1), { keyEncoding: "view", valueEncoding: "view" });
}

/** A reading of a day marked done arrived later (gossip, repair): look at the day again. */
export async function reopenDay(db: Database, day: bigint): Promise<void> {
  await db.del(dayDoneKey(day), { keyEncoding: "view" });
}

export async function loadProgress(
  db: Database,
  day: bigint,
  deviceId: string,
): Promise<DeviceDayProgress | undefined> {
  const value = await getAsync(db, progressKey(day, deviceId));
  if (value === undefined || value.length !== 1 + HASH_BYTES) return undefined;
  const state = value[0] === STATE_BYTE.final ? "final" : "voted";
  return { state, hash: value.slice(1) };
}

export async function saveProgress(
  db: Database,
  day: bigint,
  deviceId: string,
  progress: DeviceDayProgress,
): Promise<void> {
  if (progress.hash.length !== HASH_BYTES) throw new RangeError("a commitment hash has 32 bytes");
  await writeBatch(
    db,
    [
      {
        type: "put",
        key: progressKey(day, deviceId),
        value: Buffer.concat([Buffer.of(STATE_BYTE[progress.state]), progress.hash]),
      },
    ],
    // Not fsynced: a record lost in a crash only costs a Status query; the chain itself refuses a
    // second vote of this operator (and the Status query shows our vote first).
    false,
  );
}
