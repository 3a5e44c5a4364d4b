// Pruning: deletes what only versions <= `through` need. A history entry replaced at version s serves versions
// < s, so it goes once s <= through + 1. Root records and commit info of pruned versions go too. (The tree's
// replaced nodes are freed in memory, smt-tree.ts.)
import type { BatchOperation } from "../db-keyspace.ts";
import { type Database, iterateRange } from "./db.ts";
import { encodeU64, META, metaCommitInfoKey, PREFIX, smtRootKey, staleKey } from "./keys.ts";
import { decodeKeyList } from "./stale-list.ts";

/** Versions pruned in one commit at most, so one batch stays bounded after pruning was off for long. */
export const MAX_PRUNE_VERSIONS_PER_COMMIT = 1000;

const NO_KEY = new Uint8Array(0);

/** Operations pruning versions prunedThrough+1 .. through. */
export async function pruneOperations(
  db: Database,
  prunedThrough: number,
  through: number,
  storePrefixes: readonly Uint8Array[],
): Promise<BatchOperation[]> {
  const operations: BatchOperation[] = [];
  const range = {
    gte: staleKey(PREFIX.ssStale, prunedThrough + 2, NO_KEY),
    lt: staleKey(PREFIX.ssStale, through + 2, NO_KEY),
  };
  for await (const [key, list] of iterateRange(db, range)) {
    for (const target of decodeKeyList(list)) operations.push({ type: "del", key: target });
    operations.push({ type: "del", key });
  }
  for (let version = prunedThrough + 1; version <= through; version++) {
    for (const storePrefix of storePrefixes)
      operations.push({ type: "del", key: smtRootKey(storePrefix, version) });
    operations.push({ type: "del", key: metaCommitInfoKey(version) });
  }
  operations.push({ type: "put", key: META.prunedThrough, value: encodeU64(through) });
  return operations;
}
