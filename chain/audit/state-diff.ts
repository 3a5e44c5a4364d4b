// Names what differs between two committed states at one version: the stores whose SMT roots differ
// (commit info), then the keys whose values differ in state storage. Replay uses it on the original
// node's database against the replayed one, at a mismatching height and at the end.
import { bytesEqual, compareBytes, toHex } from "../crypto/hash.ts";
import type { CommitMultiStore } from "../store/commit-types.ts";
import { StoreError } from "../store/types.ts";

/** Differing keys reported per store: one is enough to name the fault, a few show its extent; a
 * diverged state can differ in every key, and the report must stay readable. */
export const MAX_REPORTED_KEYS = 20;

export interface KeyDiff {
  /** Raw store key, hex. */
  key: string;
  /** Value in the original node's state, hex; null when the key is absent there. */
  original: string | null;
  /** Value in the replayed state, hex; null when absent. */
  replayed: string | null;
}

export interface StoreDiff {
  store: string;
  /** SMT roots recorded in each state's commit info (hex); equal when only state storage differs. */
  originalRoot: string;
  replayedRoot: string;
  keys: KeyDiff[];
  /** More keys differ than MAX_REPORTED_KEYS. */
  truncated: boolean;
}

export interface StateDiff {
  version: number;
  stores: StoreDiff[];
  /** Why the original could not be compared (pruned version, unknown version), when it could not. */
  unavailable?: string;
}

/** Compares `original` with `replayed` at `version`. With `allStores` every store's key/values are
 * compared even when the roots agree (state storage can be corrupted under an intact tree). */
export async function diffStates(
  original: CommitMultiStore,
  replayed: CommitMultiStore,
  version: number,
  options: { allStores: boolean },
): Promise<StateDiff> {
  let originalRoots: Map<string, Uint8Array>;
  let originalReader: ReturnType<CommitMultiStore["readerAt"]>;
  try {
    originalRoots = await original.storeRoots(version);
    originalReader = original.readerAt(version);
  } catch (error) {
    if (error instanceof StoreError)
      return {
        version,
        stores: [],
        unavailable: `the original state at version ${version} cannot be read (${error.code}: ${error.message})${
          error.code === "pruned_version"
            ? "; replay against an archive node (pruning keep_recent = 0) to name the key"
            : ""
        }`,
      };
    throw error;
  }
  const replayedRoots = await replayed.storeRoots(version);
  const replayedReader = replayed.readerAt(version);
  const latest = version === original.lastCommit().version ? original.cacheMultiStore() : undefined;
  const names = [...new Set([...originalRoots.keys(), ...replayedRoots.keys()])].sort();
  const stores: StoreDiff[] = [];
  for (const store of names) {
    const a = originalRoots.get(store);
    const b = replayedRoots.get(store);
    const rootsDiffer = a === undefined || b === undefined || !bytesEqual(a, b);
    if (!rootsDiffer && !options.allStores) continue;
    const keys: KeyDiff[] = [];
    let truncated = false;
    if (a !== undefined && b !== undefined) {
      // Past versions are read from state-storage history; the latest version is also what the node
      // executes on (the "latest" keyspace), which can be damaged on its own: compare both.
      const views = [originalReader.iterate(store)];
      if (latest !== undefined) views.push(latest.store(store).iterate());
      const seen = new Set<string>();
      for (const view of views) {
        for await (const diff of diffEntries(view, replayedReader.iterate(store))) {
          if (seen.has(diff.key)) continue;
          if (keys.length === MAX_REPORTED_KEYS) {
            truncated = true;
            break;
          }
          seen.add(diff.key);
          keys.push(diff);
        }
      }
    }
    if (rootsDiffer || keys.length > 0)
      stores.push({
        store,
        originalRoot: a === undefined ? "" : toHex(a),
        replayedRoot: b === undefined ? "" : toHex(b),
        keys,
        truncated,
      });
  }
  return { version, stores };
}

/** Merges two key-ordered iterations and yields the keys whose values differ or exist on one side. */
export async function* diffEntries(
  original: AsyncIterable<[Uint8Array, Uint8Array]>,
  replayed: AsyncIterable<[Uint8Array, Uint8Array]>,
): AsyncGenerator<KeyDiff> {
  const left = original[Symbol.asyncIterator]();
  const right = replayed[Symbol.asyncIterator]();
  let a = await left.next();
  let b = await right.next();
  try {
    while (!a.done || !b.done) {
      const order = a.done ? 1 : b.done ? -1 : compareBytes(a.value[0], b.value[0]);
      if (order < 0 && !a.done) {
        yield { key: toHex(a.value[0]), original: toHex(a.value[1]), replayed: null };
        a = await left.next();
      } else if (order > 0 && !b.done) {
        yield { key: toHex(b.value[0]), original: null, replayed: toHex(b.value[1]) };
        b = await right.next();
      } else if (!a.done && !b.done) {
        if (!bytesEqual(a.value[1], b.value[1]))
          yield { key: toHex(a.value[0]), original: toHex(a.value[1]), replayed: toHex(b.value[1]) };
        a = await left.next();
        b = await right.next();
      }
    }
  } finally {
    await left.return?.();
    await right.return?.();
  }
}
