// The shared LevelDB as chain/store uses it: binary keys and values on every call, so the caller may open
// the database with any default encoding.
import type { ClassicLevel } from "classic-level";
import type { BatchOperation } from "../db-keyspace.ts";

export type Database = ClassicLevel<Uint8Array, Uint8Array>;

export const BINARY = { keyEncoding: "view", valueEncoding: "view" } as const;

/** classic-level options for the node's LevelDB (pass to `new ClassicLevel(location, DB_OPTIONS)`), measured with
 * scripts/bench/store.ts (docs/PERFORMANCE.md, Store). */
export const DB_OPTIONS = {
  ...BINARY,
  /** Memtable size, bytes. A block of 2,000 writes puts ~1-4 MB of pages and state entries; the 4 MB default
   * flushed an L0 table every block or two, and each flush feeds compaction. Two memtables (active and being
   * flushed) can be in memory at once. */
  writeBufferSize: 32 * 1024 * 1024,
  /** Table file size, bytes: larger files mean fewer files and table-cache entries for a GB-sized state. */
  maxFileSize: 8 * 1024 * 1024,
  /** Snappy off: SMT pages are hashes and most values are hashes, keys or signatures, which Snappy cannot shrink
   * (LevelDB then stores the block raw anyway, so disk use barely changes), yet every flush and compaction tried.
   * Measured at 10^6 keys: LevelDB's compaction thread 124-147 → 79-88 µs CPU per committed write. */
  compression: false,
  /** LevelDB's block cache, bytes (classic-level's default, named here because it is node memory). Reads of table
   * files go through the OS page cache (mmap) as well, so a larger block cache mostly duplicates it. */
  cacheSize: 8 * 1024 * 1024,
  /** Table files kept open (classic-level's default). LevelDB mmaps each open table file, so at 10^6 keys ~0.5 GB of
   * clean, file-backed pages show in RSS (RssFile; the kernel reclaims them). 64 cut that to ~0.14 GB but cost
   * +60% main-thread CPU per write (tables reopened on reads): see docs/PERFORMANCE.md, Store. */
  maxOpenFiles: 1000,
} as const;

export function getSync(db: Database, key: Uint8Array): Uint8Array | undefined {
  return db.getSync<Uint8Array, Uint8Array>(key, BINARY);
}

/** Values of `keys` (undefined where absent), read in LevelDB's threads. */
export function getMany(db: Database, keys: Uint8Array[]): Promise<(Uint8Array | undefined)[]> {
  return db.getMany<Uint8Array, Uint8Array>(keys, BINARY);
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

/** A key or value that is not bytes, refused before anything is written: the native batch would store a
 * string conversion of it. */
export class BatchOperationError extends TypeError {
  readonly code = "bad_batch_operation";
}

function assertBytes(bytes: unknown, what: string, index: number): void {
  if (!(bytes instanceof Uint8Array))
    throw new BatchOperationError(`batch operation ${index}: the ${what} is not a Uint8Array`);
}

/** One atomic write of `operations`. A chained batch: the array form of `db.batch` checks, copies and reads
 * the properties of every operation in JS before the native call, which cost about twice the main-thread CPU
 * of a block's ~20,000 operations (53-60 ms against 26 ms, measured by the tx pipeline's pass in session 4).
 * The batch's implementation calls (`_put`) would save another 30-50 ns of ~300 per put (session 10), not worth
 * depending on abstract-level's internals. */
export function writeBatch(
  db: Database,
  operations: readonly BatchOperation[],
  sync: boolean,
): Promise<void> {
  for (let i = 0; i < operations.length; i++) {
    const operation = operations[i]!;
    assertBytes(operation.key, "key", i);
    if (operation.type === "put") assertBytes(operation.value, "value", i);
  }
  const batch = db.batch();
  for (let i = 0; i < operations.length; i++) {
    const operation = operations[i]!;
    if (operation.type === "put") batch.put(operation.key, operation.value, BINARY);
    else batch.del(operation.key, BINARY);
  }
  return batch.write({ sync });
}

export function iterateKeys(db: Database, range: RangeOptions): AsyncIterable<Uint8Array> {
  return db.keys<Uint8Array>({ ...range, keyEncoding: "view" });
}
