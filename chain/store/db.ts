// The shared LevelDB as chain/store uses it: binary keys and values on every call, so the caller may open
// the database with any default encoding.
import type { ClassicLevel } from "classic-level";
import type { BatchOperation } from "../db-keyspace.ts";

export type Database = ClassicLevel<Uint8Array, Uint8Array>;

export const BINARY = { keyEncoding: "view", valueEncoding: "view" } as const;

export function getSync(db: Database, key: Uint8Array): Uint8Array | undefined {
  return db.getSync<Uint8Array, Uint8Array>(key, BINARY);
}

export function getAsync(db: Database, key: Uint8Array): Promise<Uint8Array | undefined> {
  return db.get<Uint8Array, Uint8Array>(key, BINARY);
}

export interface RangeOptions {
  gte?: Uint8Array;
  gt?: Uint8Array;
  lt?: Uint8Array;
  lte?: Uint8Array;
  reverse?: boolean;
  limit?: number;
}

export function iterateRange(db: Database, range: RangeOptions): AsyncIterable<[Uint8Array, Uint8Array]> {
  return db.iterator<Uint8Array, Uint8Array>({ ...range, ...BINARY });
}

export function writeBatch(db: Database, operations: BatchOperation[], sync: boolean): Promise<void> {
  return db.batch<Uint8Array, Uint8Array>(operations, { ...BINARY, sync });
}

export function iterateKeys(db: Database, range: RangeOptions): AsyncIterable<Uint8Array> {
  return db.keys<Uint8Array>({ ...range, keyEncoding: "view" });
}
