// What the application needs from the persistent store: cache layers over the latest committed
// state, a two-phase commit (compute the app hash in finalizeBlock, persist in commit, in the same
// LevelDB batch as the block), reads and ICS-23 proofs at past versions.
import type { BatchOperation } from "../db-keyspace.ts";
import type { CacheMultiStore, ProofOp, VersionedReader } from "./types.ts";

export interface PruningOptions {
  /** Versions to keep below the latest; 0 keeps every version (archive node). */
  keepRecent: number;
  /** Prune every this many versions (pruning work is batched, as in the SDK). */
  interval: number;
}

export interface PreparedCommit {
  readonly version: number;
  readonly appHash: Uint8Array;
  /** SMT nodes, state-storage entries, metadata and pruning deletions for this version. */
  readonly operations: readonly BatchOperation[];
}

export interface CommitMultiStore {
  /** Latest committed version (height; 0 = genesis state) and its app hash; version -1 before genesis. */
  lastCommit(): { version: number; appHash: Uint8Array };
  /** A new write buffer over the latest committed state. */
  cacheMultiStore(): CacheMultiStore;
  /** Computes the app hash that `changes` (a cache from cacheMultiStore(), with its writes pushed to
   * its root) would give at `version` = lastCommit().version + 1. Writes nothing. */
  prepareCommit(changes: CacheMultiStore, version: number): PreparedCommit | Promise<PreparedCommit>;
  /** Writes prepared.operations plus `extra` in one atomic LevelDB batch; then `version` is the latest. */
  commit(prepared: PreparedCommit, extra: readonly BatchOperation[]): Promise<void>;
  /** Committed state at `version` (default latest); throws StoreError pruned_version/unknown_version. */
  readerAt(version?: number): VersionedReader;
  /** Value and proof chain [ics23:smt existence or non-existence, ics23:simple] against the app hash
   * of `version`, which CometBFT publishes in the header of block version + 1. */
  prove(
    storeName: string,
    key: Uint8Array,
    version: number,
  ): Promise<{ value: Uint8Array | undefined; proofOps: ProofOp[] }>;
  /** Root hash of every module store at `version`: replay uses it to name the store that differs. */
  storeRoots(version: number): Promise<Map<string, Uint8Array>>;
}
