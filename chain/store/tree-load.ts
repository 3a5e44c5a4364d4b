// Building a store's in-memory tree (smt-tree.ts) from state storage: the latest version at open (format 5 keeps
// no tree on disk: every leaf is a state-storage latest entry plus the sentinel), and a past version for a proof
// that the retained window no longer holds.
import { compareBytes } from "./bytes.ts";
import { type Database, iterateRange } from "./db.ts";
import { prefixEnd, readU64, ssLatestKey } from "./keys.ts";
import { SENTINEL_KEY, SENTINEL_VALUE } from "./sentinel.ts";
import { sha256Of } from "./sha256-node-hash.ts";
import type { MemoryTree } from "./smt-tree.ts";
import type { StateStorage } from "./state-storage.ts";
import { StoreError } from "./types.ts";

/** Leaves a past version's tree may have for a proof rebuilt from state-storage history (~3 µs of CPU per leaf,
 * so ~0.3 s at most per proof query at a version older than the retained window). */
export const MAX_PAST_TREE_LEAVES = 100_000;

const VERSION_BYTES = 8;

/** Entry sink of loadTree: a key, its value and the version that wrote it. */
type AddLeaf = (key: Uint8Array, value: Uint8Array, valueVersion: number) => void;

/** Adds the sentinel and the entries `addEntries` gives to an empty `tree` and commits them as `version`. */
async function loadTree(
  tree: MemoryTree,
  version: number,
  addEntries: (add: AddLeaf) => Promise<void>,
): Promise<void> {
  tree.addLeaf(SENTINEL_KEY, sha256Of(SENTINEL_KEY), sha256Of(SENTINEL_VALUE), 0);
  await addEntries((key, value, valueVersion) =>
    tree.addLeaf(key, sha256Of(key), sha256Of(value), valueVersion),
  );
  tree.commitLoaded(version);
}

/** The latest committed `version` of one store: its state-storage latest entries (key → version ‖ value). */
export async function loadLatestTree(
  db: Database,
  tree: MemoryTree,
  storePrefix: Uint8Array,
  version: number,
): Promise<void> {
  const base = ssLatestKey(storePrefix, new Uint8Array(0));
  const range: { gte: Uint8Array; lt?: Uint8Array } = { gte: base };
  const end = prefixEnd(base);
  if (end !== undefined) range.lt = end;
  await loadTree(tree, version, async (add) => {
    for await (const [latestKey, stored] of iterateRange(db, range))
      add(latestKey.subarray(base.length), stored.subarray(VERSION_BYTES), readU64(stored, 0));
  });
}

/** Committed `version` of one store from state-storage history, if it has at most MAX_PAST_TREE_LEAVES keys. Its
 * leaves' value versions are 0 (a past tree only serves proofs). */
export async function loadPastTree(
  storage: StateStorage,
  tree: MemoryTree,
  storePrefix: Uint8Array,
  version: number,
): Promise<void> {
  await loadTree(tree, version, async (add) => {
    let count = 0;
    for await (const [key, value] of storage.iterateAt(storePrefix, {}, version)) {
      if (compareBytes(key, SENTINEL_KEY) === 0) continue;
      if (++count > MAX_PAST_TREE_LEAVES)
        throw new StoreError(
          "pruned_version",
          `proofs at version ${version} need its tree rebuilt from state storage, which is done for stores of at most ${MAX_PAST_TREE_LEAVES} keys; this store has more (query a version among the recent ones kept in memory)`,
        );
      add(key, value, 0);
    }
  });
}
