// The bridge's paid command schedule in the node's LevelDB (README.md, Storage): one entry per paid
// window that has not been switched off yet, so that a restarted bridge sends "on" again (its
// broker's retained messages are in memory) and "off" when due. Not part of the state.
import { KEYSPACE } from "../../chain/db-keyspace.ts";
import { type Database, iterateRange, writeBatch } from "../../chain/store/db.ts";
import type { PaidCommand } from "./paid-command.ts";

const PREFIX = KEYSPACE.bridgeCommands;

/** 0x4c ‖ escrow id (8, BE). */
export function scheduleKey(escrowId: bigint): Uint8Array {
  const key = new Uint8Array(9);
  key[0] = PREFIX;
  new DataView(key.buffer).setBigUint64(1, escrowId);
  return key;
}

/** Value: JSON {device_id, consumer, payload (base64), from_ms, until_ms}: local, never hashed. */
function encode(command: PaidCommand): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      device_id: command.deviceId,
      consumer: command.consumer,
      payload: Buffer.from(command.payload).toString("base64"),
      from_ms: command.fromMs,
      until_ms: command.untilMs,
    }),
  );
}

function decode(key: Uint8Array, value: Uint8Array): PaidCommand {
  const json = JSON.parse(Buffer.from(value).toString("utf8")) as Record<string, unknown>;
  return {
    escrowId: new DataView(key.buffer, key.byteOffset, key.byteLength).getBigUint64(1),
    deviceId: String(json.device_id),
    consumer: String(json.consumer),
    payload: Uint8Array.from(Buffer.from(String(json.payload), "base64")),
    fromMs: Number(json.from_ms),
    untilMs: Number(json.until_ms),
  };
}

export class ScheduleStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Written (fsynced) before the "on" goes out: a crash after it sends "on" again, never loses it. */
  save(command: PaidCommand): Promise<void> {
    return writeBatch(
      this.#db,
      [{ type: "put", key: scheduleKey(command.escrowId), value: encode(command) }],
      true,
    );
  }

  /** Removed after the "off" went out (a crash before it sends "off" again: devices treat it as idempotent). */
  remove(escrowId: bigint): Promise<void> {
    return writeBatch(this.#db, [{ type: "del", key: scheduleKey(escrowId) }], false);
  }

  async loadAll(limit: number): Promise<PaidCommand[]> {
    const commands: PaidCommand[] = [];
    for await (const [key, value] of iterateRange(this.#db, {
      gte: Uint8Array.of(PREFIX),
      lt: Uint8Array.of(PREFIX + 1),
      limit,
    }))
      commands.push(decode(key, value));
    return commands;
  }
}
