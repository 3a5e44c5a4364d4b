// Retention (README.md, Daily commitments and retention): a node keeps a day's readings for
// mqtt.retention_days after the day, and never prunes a device-day that is not final on chain (its
// readings are what a commitment or a repair still needs). Pruning removes the readings (0x40), the
// device-day index (0x41), the day-device index (0x42) and the scheduler's progress (0x49; 0x48 when
// the whole day went). The last-sequence records (0x43) stay: they are replay protection, and since
// readings no longer write them (store format 2), a device-day's highest sequence is written into
// its device's record before its readings go (a device's last sequence is the highest of its record
// and its reading keys).
import type { BatchOperation } from "../chain/db-keyspace.ts";
import type { Logger } from "../chain/node.ts";
import { type Database, getSync, iterateKeys, writeBatch } from "../chain/store/db.ts";
import { pb as meterPb } from "../modules/meter/codec.ts";
import { MILLISECONDS_PER_DAY } from "../modules/meter/keys.ts";
import { QUERY_METER_STATUS } from "../modules/meter/type-urls.ts";
import { devicePagesOfDay, nextDayWithReadings } from "./commitments/day-index.ts";
import { dayDoneKey, progressKey } from "./commitments/progress-store.ts";
import {
  DAY_DEVICE_PREFIX,
  dayDeviceKey,
  deviceDayPrefix,
  lastSequenceKey,
  lastSequenceOf,
  readingKey,
  uint64,
} from "./reading-store.ts";
import type { QueryFunction } from "./registry.ts";

/** Deletes per LevelDB batch: bounded memory, and other writers (readings) interleave. */
export const MAX_PRUNE_BATCH_OPERATIONS = 10_000;
/** How often retention runs, ms: daily (and once at start). */
export const RETENTION_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface RetentionOptions {
  db: Database;
  query: QueryFunction;
  /** Wall clock, Unix ms. */
  now: () => number;
  retentionDays: number;
  logger: Logger;
  /** The bridge's reading store, told which day-device records went (it writes each once a day). */
  readings?: { forgetIndexedDay(deviceId: string, day: bigint): void };
}

export interface PruneResult {
  /** Device-days pruned. */
  deviceDays: number;
  readings: number;
  /** Device-days old enough but kept because they are not final on chain. */
  keptNotFinal: number;
}

async function isFinal(query: QueryFunction, deviceId: string, day: bigint): Promise<boolean> {
  const request = meterPb.QueryStatusRequest.encode({ deviceId, day: Number(day) }).finish();
  const response = await query(QUERY_METER_STATUS, request);
  // Unknown means not final: a day is only pruned on the chain's word.
  return response.code === 0 && meterPb.QueryStatusResponse.decode(response.value).final;
}

/** Prunes every final device-day older than the retention window; returns what it did. */
export async function pruneReadings(options: RetentionOptions): Promise<PruneResult> {
  const { db, query, retentionDays } = options;
  const today = BigInt(Math.floor(options.now() / Number(MILLISECONDS_PER_DAY)));
  // Days before `firstKept` are past retention: with retention 1 day, yesterday stays.
  const firstKept = today - BigInt(retentionDays);
  const result: PruneResult = { deviceDays: 0, readings: 0, keptNotFinal: 0 };
  let operations: BatchOperation[] = [];
  const write = async () => {
    if (operations.length === 0) return;
    await writeBatch(db, operations, true);
    operations = [];
  };
  for (let day = await nextDayWithReadings(db, 0n); day !== undefined && day < firstKept; ) {
    let kept = 0;
    const pruned: string[] = [];
    for await (const devices of devicePagesOfDay(db, day)) {
      for (const deviceId of devices) {
        if (!(await isFinal(query, deviceId, day))) {
          kept++;
          continue;
        }
        const prefix = deviceDayPrefix(deviceId, day);
        const range = { gte: prefix, lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff), Buffer.of(0)]) };
        // The record first, in this batch or before it: the day's readings may be the device's last.
        for await (const key of iterateKeys(db, { ...range, reverse: true, limit: 1 })) {
          const highest = Buffer.from(key).readBigUInt64BE(prefix.length);
          const recordKey = lastSequenceKey(deviceId);
          if (highest > lastSequenceOf(getSync(db, recordKey)))
            operations.push({ type: "put", key: recordKey, value: uint64(highest) });
        }
        for await (const key of iterateKeys(db, range)) {
          const sequence = Buffer.from(key).readBigUInt64BE(prefix.length);
          operations.push({ type: "del", key: readingKey(deviceId, sequence) }, { type: "del", key });
          result.readings++;
          if (operations.length >= MAX_PRUNE_BATCH_OPERATIONS) await write();
        }
        operations.push(
          { type: "del", key: dayDeviceKey(DAY_DEVICE_PREFIX, day, deviceId) },
          { type: "del", key: progressKey(day, deviceId) },
        );
        result.deviceDays++;
        pruned.push(deviceId);
      }
      // Write before reading the next page: the page cursor is a key this batch may delete.
      await write();
      for (const deviceId of pruned) options.readings?.forgetIndexedDay(deviceId, day);
      pruned.length = 0;
    }
    if (kept === 0) operations.push({ type: "del", key: dayDoneKey(day) });
    result.keptNotFinal += kept;
    await write();
    day = await nextDayWithReadings(db, day + 1n);
  }
  if (result.deviceDays > 0 || result.keptNotFinal > 0)
    options.logger.info({ ...result, retentionDays }, "retention: pruned final days past retention");
  return result;
}

/** Runs pruneReadings at once and then every RETENTION_INTERVAL_MS; stop() waits for a running one. */
export function startRetention(options: RetentionOptions & { intervalMs?: number }): {
  stop(): Promise<void>;
} {
  let running: Promise<unknown> = Promise.resolve();
  const run = () => {
    running = running
      .then(() => pruneReadings(options))
      .catch((error: unknown) => options.logger.error({ err: String(error) }, "retention: pruning failed"));
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? RETENTION_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
