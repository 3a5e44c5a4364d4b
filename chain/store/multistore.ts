// The commit multistore: named module stores, each a compact SMT held in memory (state commitment, smt-tree.ts)
// plus state storage in LevelDB, committed together. App hash = simple-Merkle root over (name, sha256(store root)), as the Cosmos SDK.
import { sha256 } from "../crypto/hash.ts";
import type { BatchOperation } from "../db-keyspace.ts";
import { compareBytes } from "./bytes.ts";
import type { PendingWrite } from "./cache-kv.ts";
import { CacheMultiStoreImpl, CommittedStore } from "./cache-multistore.ts";
import { decodeCommitInfo, decodeLatest, encodeCommitInfo, encodeLatest } from "./commit-info.ts";
import type { CommitMultiStore, PreparedCommit, PruningOptions } from "./commit-types.ts";
import { type Database, getAsync, getSync, writeBatch } from "./db.ts";
import {
  encodeStorePrefix,
  isValidStoreName,
  META,
  metaCommitInfoKey,
  readU64,
  STORE_FORMAT,
  smtRootKey,
} from "./keys.ts";
import { proofOps, proveInTree } from "./prove.ts";
import { MAX_PRUNE_VERSIONS_PER_COMMIT, pruneOperations } from "./pruning.ts";
import { SENTINEL_KEY, SENTINEL_VALUE } from "./sentinel.ts";
import { sha256Of } from "./sha256-node-hash.ts";
import { multistoreRoot, type StoreRoot } from "./simple-merkle.ts";
import { type Child, childHash, decodeRef } from "./smt-node.ts";
import type { NodeLoader } from "./smt-proof.ts";
import { readSnapshot, snapshotPath, writeSnapshot } from "./smt-snapshot.ts";
import {
  DEFAULT_RETAINED_VERSIONS,
  MemoryTree,
  PREVIOUS_UNCHANGED,
  type PreparedTree,
  type SmtChange,
} from "./smt-tree.ts";
import { type LatestWrites, StateStorage } from "./state-storage.ts";
import { loadLatestTree, loadPastTree } from "./tree-load.ts";
import {
  type CacheMultiStore,
  type IterateRange,
  type ProofOp,
  StoreError,
  type VersionedReader,
} from "./types.ts";

export interface OpenCommitMultiStoreOptions {
  /** The node's one LevelDB; the store uses keys 0x00-0x0f only. */
  readonly db: Database;
  /** Module stores; every store already in the database must be listed (stores are added, never dropped). */
  readonly storeNames: readonly string[];
  /** Default: archive (keepRecent 0). */
  readonly pruning?: PruningOptions;
  /** Committed versions whose trees stay in memory for proofs, latest included (default
   * DEFAULT_RETAINED_VERSIONS); older versions' proofs rebuild the tree from state storage (small stores only). */
  readonly retainedVersions?: number;
  /** Committed latest values cached for reads, bytes as the cache counts them (default MAX_LATEST_CACHE_BYTES;
   * 0 disables). */
  readonly latestCacheBytes?: number;
  /** fsync each commit (default true): kill -9 is survived either way, power loss only with sync. */
  readonly syncWrites?: boolean;
}

const ARCHIVE: PruningOptions = { keepRecent: 0, interval: 1 };

/** Past versions' trees rebuilt for proofs (tree-load.ts loadPastTree) kept for the next proof at the same
 * version: a light client asks several keys at one height. */
const MAX_PAST_TREES = 2;

/** One mounted store: its tree and its key prefix. */
interface MountedStore {
  tree: MemoryTree;
  readonly prefix: Uint8Array;
}

/** The multistore opened last on each database: it writes the snapshot file when the database closes (one
 * 'closing' listener per database, however often it is reopened). */
const snapshotWriters = new WeakMap<Database, CommitMultiStoreImpl>();

function snapshotPathOf(db: Database): string | undefined {
  const location = (db as { location?: unknown }).location;
  return typeof location === "string" ? snapshotPath(location) : undefined;
}

class PreparedCommitImpl implements PreparedCommit {
  readonly version: number;
  readonly appHash: Uint8Array;
  readonly operations: readonly BatchOperation[];
  readonly owner: CommitMultiStoreImpl;
  readonly roots: Map<string, PreparedTree>;
  readonly storeRoots: StoreRoot[];
  readonly prunedThrough: number;
  /** What the block writes to the latest keyspace, for the read cache once the batch is on disk. */
  readonly latestWrites: LatestWrites;

  constructor(fields: Omit<PreparedCommitImpl, never>) {
    this.version = fields.version;
    this.appHash = fields.appHash;
    this.operations = fields.operations;
    this.owner = fields.owner;
    this.roots = fields.roots;
    this.storeRoots = fields.storeRoots;
    this.prunedThrough = fields.prunedThrough;
    this.latestWrites = fields.latestWrites;
  }
}

export class CommitMultiStoreImpl implements CommitMultiStore {
  readonly #db: Database;
  readonly #names: readonly string[];
  readonly #trees = new Map<string, MountedStore>();
  /** Rebuilt past trees by "name version", oldest first. */
  readonly #pastTrees = new Map<string, MemoryTree>();
  readonly #committed = new Map<string, CommittedStore>();
  readonly #storage: StateStorage;
  readonly #pruning: PruningOptions;
  readonly #syncWrites: boolean;
  #version: number;
  #appHash: Uint8Array;
  #prunedThrough: number;
  #committing = false;
  /** Version of the snapshot file known to be on disk (-1: none or unknown). */
  #snapshotVersion = -1;
  readonly #retainedVersions: number;

  constructor(
    options: OpenCommitMultiStoreOptions,
    latest: { version: number; appHash: Uint8Array },
    prunedThrough: number,
  ) {
    this.#db = options.db;
    this.#names = [...options.storeNames].sort();
    this.#storage = new StateStorage(options.db, options.latestCacheBytes);
    this.#pruning = options.pruning ?? ARCHIVE;
    this.#syncWrites = options.syncWrites ?? true;
    this.#version = latest.version;
    this.#appHash = latest.appHash;
    this.#prunedThrough = prunedThrough;
    this.#retainedVersions = options.retainedVersions ?? DEFAULT_RETAINED_VERSIONS;
    for (const name of this.#names) {
      const prefix = encodeStorePrefix(name);
      this.#trees.set(name, { tree: new MemoryTree(this.#retainedVersions), prefix });
      this.#committed.set(name, new CommittedStore(this.#storage, prefix));
    }
    const db = options.db;
    if (!snapshotWriters.has(db)) db.on("closing", () => snapshotWriters.get(db)?.writeSnapshot());
    snapshotWriters.set(db, this);
  }

  /** Writes the latest version's trees to the snapshot file (smt-snapshot.ts), unless it holds them already.
   * Called when the database closes; a failure leaves the previous file (a restart then rebuilds from state
   * storage if that one is stale). */
  writeSnapshot(): void {
    const path = snapshotPathOf(this.#db);
    if (path === undefined || this.#version < 0 || this.#snapshotVersion === this.#version) return;
    try {
      writeSnapshot(
        path,
        this.#version,
        this.#names.map((name) => ({ name, tree: this.#trees.get(name)!.tree })),
      );
      this.#snapshotVersion = this.#version;
    } catch {
      // Nothing to undo: the file is replaced by a rename only once complete.
    }
  }

  /** At open: each stored tree of the latest version, from the snapshot file if it was written at that version,
   * else from state storage; either way checked against the committed roots. */
  async loadTrees(storeRoots: readonly StoreRoot[]): Promise<void> {
    const path = snapshotPathOf(this.#db);
    const expected = new Map(storeRoots.map(({ name, root }) => [name, root]));
    const trees = new Map([...this.#trees].map(([name, store]) => [name, store.tree]));
    if (path !== undefined && readSnapshot(path, this.#version, trees, expected)) {
      this.#snapshotVersion = this.#version;
      return;
    }
    // Whatever a damaged snapshot left in the trees goes.
    for (const store of this.#trees.values()) store.tree = new MemoryTree(this.#retainedVersions);
    for (const { name, root } of storeRoots) {
      const { tree, prefix } = this.#trees.get(name)!;
      await loadLatestTree(this.#db, tree, prefix, this.#version);
      const record = this.#rootRecord(prefix, this.#version);
      if (
        record === null ||
        compareBytes(childHash(record), root) !== 0 ||
        compareBytes(tree.hashOf(tree.root), root) !== 0
      )
        throw new StoreError("corrupt", `store ${name}: state storage does not hash to the committed root`);
    }
  }

  #rootRecord(prefix: Uint8Array, version: number) {
    const bytes = getSync(this.#db, smtRootKey(prefix, version));
    return bytes === undefined ? null : decodeRef(bytes);
  }

  lastCommit(): { version: number; appHash: Uint8Array } {
    return { version: this.#version, appHash: this.#appHash };
  }

  storeNames(): readonly string[] {
    return this.#names;
  }

  cacheMultiStore(): CacheMultiStore {
    return new CacheMultiStoreImpl(this, this.#names, (name) => this.#committed.get(name)!, true);
  }

  async prepareCommit(changes: CacheMultiStore, version: number): Promise<PreparedCommit> {
    if (!(changes instanceof CacheMultiStoreImpl) || changes.owner !== this || !changes.isTopLevel)
      throw new TypeError("prepareCommit needs a cache made by this store's cacheMultiStore()");
    if (version !== this.#version + 1)
      throw new StoreError("unknown_version", `next version is ${this.#version + 1}, not ${version}`);
    const recordStale = this.#pruning.keepRecent > 0;
    const operations: BatchOperation[] = [];
    const changeSets = changes.changeSets();
    const roots = new Map<string, PreparedTree>();
    const storeRoots: StoreRoot[] = [];
    const latestWrites: LatestWrites = new Map();
    for (const name of this.#names) {
      const { tree, prefix } = this.#trees.get(name)!;
      const pending = changeSets.get(name) ?? [];
      const smtChanges = toSmtChanges(pending);
      const writes = smtChanges.slice();
      // A store without a root is new (genesis or newly mounted): it starts with its sentinel leaf.
      if (tree.rootAt(this.#version) === undefined)
        smtChanges.push({
          keyHash: sha256(SENTINEL_KEY),
          key: SENTINEL_KEY,
          valueHash: sha256(SENTINEL_VALUE),
          value: SENTINEL_VALUE,
          previous: PREVIOUS_UNCHANGED,
        });
      smtChanges.sort((a, b) => compareBytes(a.keyHash, b.keyHash));
      const prepared = tree.prepare(smtChanges, version);
      operations.push({ type: "put", key: smtRootKey(prefix, version), value: prepared.rootRecord });
      // After the tree update, which recorded in each write what it replaces.
      this.#storage.prepareWrites(prefix, writes, version, recordStale, operations, latestWrites);
      roots.set(name, prepared);
      storeRoots.push({ name, root: prepared.rootHash });
    }
    // A plain Uint8Array (not a node Buffer), so that callers serialising it see bytes, not a Buffer object.
    const appHash = new Uint8Array(multistoreRoot(storeRoots));
    operations.push({ type: "put", key: metaCommitInfoKey(version), value: encodeCommitInfo(storeRoots) });
    operations.push({ type: "put", key: META.latest, value: encodeLatest(version, appHash) });
    if (this.#version === -1)
      operations.push({
        type: "put",
        key: META.format,
        value: Uint8Array.of(STORE_FORMAT >>> 8, STORE_FORMAT & 0xff),
      });
    let prunedThrough = this.#prunedThrough;
    const { keepRecent, interval } = this.#pruning;
    if (keepRecent > 0 && version % Math.max(1, interval) === 0) {
      const target = Math.min(version - keepRecent - 1, this.#prunedThrough + MAX_PRUNE_VERSIONS_PER_COMMIT);
      if (target > this.#prunedThrough) {
        const prefixes = [...this.#trees.values()].map((store) => store.prefix);
        for (const operation of await pruneOperations(this.#db, this.#prunedThrough, target, prefixes))
          operations.push(operation);
        prunedThrough = target;
      }
    }
    return new PreparedCommitImpl({
      version,
      appHash,
      operations,
      owner: this,
      roots,
      storeRoots,
      prunedThrough,
      latestWrites,
    });
  }

  async commit(prepared: PreparedCommit, extra: readonly BatchOperation[]): Promise<void> {
    if (!(prepared instanceof PreparedCommitImpl) || prepared.owner !== this)
      throw new TypeError("commit needs a PreparedCommit from this store's prepareCommit");
    if (prepared.version !== this.#version + 1 || this.#committing)
      throw new StoreError("unknown_version", `prepared version ${prepared.version} is not the next version`);
    for (const [name, tree] of prepared.roots)
      if (!this.#trees.get(name)!.tree.committable(tree))
        throw new StoreError(
          "unknown_version",
          `prepared version ${prepared.version} was dropped by later prepares`,
        );
    this.#committing = true;
    try {
      await writeBatch(this.#db, [...prepared.operations, ...extra], this.#syncWrites);
    } catch (error) {
      // The batch may or may not be on disk: drop every cached entry so reads go to LevelDB.
      this.#storage.forgetCached();
      throw error;
    } finally {
      this.#committing = false;
    }
    this.#storage.applyCommitted(prepared.latestWrites);
    for (const [name, tree] of prepared.roots) this.#trees.get(name)!.tree.commit(tree);
    this.#version = prepared.version;
    this.#appHash = prepared.appHash;
    this.#prunedThrough = prepared.prunedThrough;
  }

  #checkVersion(version: number): void {
    if (!Number.isSafeInteger(version) || version < 0 || version > this.#version)
      throw new StoreError(
        "unknown_version",
        `version ${version} is not committed (latest ${this.#version})`,
      );
    if (version <= this.#prunedThrough)
      throw new StoreError("pruned_version", `version ${version} is pruned (through ${this.#prunedThrough})`);
  }

  #storeOf(name: string): MountedStore {
    const store = this.#trees.get(name);
    if (store === undefined) throw new StoreError("unknown_store", `store ${name} is not mounted`);
    return store;
  }

  /** The proof walk over store `name` at a version older than its retained window: its tree rebuilt from state
   * storage (checked against the version's root record). */
  async #pastView(name: string, version: number): Promise<{ load: NodeLoader; root: Child }> {
    const { prefix } = this.#storeOf(name);
    const record = this.#rootRecord(prefix, version);
    if (record === null)
      throw new StoreError("unknown_store", `store ${name} has no tree at version ${version}`);
    const id = `${name} ${version}`;
    let past = this.#pastTrees.get(id);
    if (past === undefined) {
      past = new MemoryTree(1);
      await loadPastTree(this.#storage, past, prefix, version);
      if (compareBytes(past.hashOf(past.root), childHash(record)) !== 0)
        throw new StoreError(
          "corrupt",
          `store ${name}: state storage at ${version} does not hash to its root`,
        );
      this.#pastTrees.set(id, past);
      for (const oldest of this.#pastTrees.keys()) {
        if (this.#pastTrees.size <= MAX_PAST_TREES) break;
        this.#pastTrees.delete(oldest);
      }
    }
    return past.proofView(version)!;
  }

  readerAt(version: number = this.#version): VersionedReader {
    this.#checkVersion(version);
    const storage = this.#storage;
    const prefixOf = (name: string) => this.#storeOf(name).prefix;
    const stillThere = () => this.#checkVersion(version);
    return {
      version,
      async get(storeName: string, key: Uint8Array): Promise<Uint8Array | undefined> {
        const value = await storage.getAt(prefixOf(storeName), key, version);
        stillThere();
        return value;
      },
      async *iterate(storeName: string, range?: IterateRange): AsyncGenerator<[Uint8Array, Uint8Array]> {
        for await (const entry of storage.iterateAt(prefixOf(storeName), range ?? {}, version)) {
          stillThere();
          yield entry;
        }
        stillThere();
      },
    };
  }

  async prove(
    storeName: string,
    key: Uint8Array,
    version: number,
  ): Promise<{ value: Uint8Array | undefined; proofOps: ProofOp[] }> {
    this.#checkVersion(version);
    const { tree, prefix } = this.#storeOf(storeName);
    if (key.length === 0) throw new StoreError("empty_key", "empty keys cannot be proven (ICS-23)");
    const roots = await this.storeRoots(version);
    this.#checkVersion(version);
    // A retained view is walked at once (proveInTree walks before its first await): a commit cannot free the
    // slots of a version leaving the window in between.
    const retained = tree.proofView(version);
    const view = retained ?? (await this.#pastView(storeName, version));
    // A retained tree's leaves carry the version that wrote their value (a rebuilt past tree's carry 0).
    const valueAt = (leafKey: Uint8Array, valueVersion: number) =>
      compareBytes(leafKey, SENTINEL_KEY) === 0
        ? Promise.resolve(SENTINEL_VALUE)
        : retained !== undefined
          ? this.#storage.getWrittenAt(prefix, leafKey, valueVersion)
          : this.#storage.getAt(prefix, leafKey, version);
    const result = await proveInTree(view.load, view.root, key, valueAt);
    this.#checkVersion(version);
    const rootList = [...roots].map(([name, storeRoot]) => ({ name, root: storeRoot }));
    const value = compareBytes(key, SENTINEL_KEY) === 0 ? undefined : result.value;
    return { value, proofOps: proofOps(storeName, key, result.proof, rootList) };
  }

  async storeRoots(version: number): Promise<Map<string, Uint8Array>> {
    this.#checkVersion(version);
    const bytes = await getAsync(this.#db, metaCommitInfoKey(version));
    if (bytes === undefined) throw new StoreError("pruned_version", `no commit info at version ${version}`);
    return new Map(decodeCommitInfo(bytes).map((store) => [store.name, store.root]));
  }
}

/** A block's write to one key, for the SMT update and then state storage. */
interface BlockWrite extends SmtChange {
  readonly value: Uint8Array | undefined;
  previous: number;
}

function toSmtChanges(writes: readonly PendingWrite[]): BlockWrite[] {
  return writes.map((write) => ({
    keyHash: sha256Of(write.key),
    key: write.key,
    valueHash: write.value === undefined ? null : sha256Of(write.value),
    value: write.value,
    previous: PREVIOUS_UNCHANGED,
  }));
}

/** Opens (or creates) the multistore in `db` and loads its latest commit. */
export async function openCommitMultiStore(
  options: OpenCommitMultiStoreOptions,
): Promise<CommitMultiStoreImpl> {
  for (const name of options.storeNames)
    if (!isValidStoreName(name)) throw new TypeError(`invalid store name ${JSON.stringify(name)}`);
  if (new Set(options.storeNames).size !== options.storeNames.length)
    throw new TypeError("duplicate store names");
  for (const [field, value, min] of [
    ["retainedVersions", options.retainedVersions, 1],
    ["latestCacheBytes", options.latestCacheBytes, 0],
  ] as const)
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min))
      throw new TypeError(`${field} must be an integer of at least ${min}`);
  const pruning = options.pruning ?? ARCHIVE;
  if (
    !Number.isSafeInteger(pruning.keepRecent) ||
    pruning.keepRecent < 0 ||
    !Number.isSafeInteger(pruning.interval) ||
    pruning.interval < 1
  )
    throw new TypeError("pruning needs keepRecent >= 0 and interval >= 1");
  const latestBytes = await getAsync(options.db, META.latest);
  const prunedBytes = await getAsync(options.db, META.prunedThrough);
  const prunedThrough = prunedBytes === undefined ? -1 : readU64(prunedBytes, 0);
  if (latestBytes === undefined)
    return new CommitMultiStoreImpl(options, { version: -1, appHash: new Uint8Array(0) }, prunedThrough);
  const formatBytes = await getAsync(options.db, META.format);
  const format = formatBytes === undefined ? 1 : ((formatBytes[0] ?? 0) << 8) | (formatBytes[1] ?? 0);
  if (format !== STORE_FORMAT)
    throw new StoreError(
      "corrupt",
      `database has store format ${format}, this node reads ${STORE_FORMAT}: re-sync or replay into a new database`,
    );
  const latest = decodeLatest(latestBytes);
  const infoBytes = await getAsync(options.db, metaCommitInfoKey(latest.version));
  if (infoBytes === undefined)
    throw new StoreError("corrupt", `no commit info for latest version ${latest.version}`);
  const storeRoots = decodeCommitInfo(infoBytes);
  if (compareBytes(multistoreRoot(storeRoots), latest.appHash) !== 0)
    throw new StoreError("corrupt", "commit info does not hash to the latest app hash");
  for (const { name } of storeRoots)
    if (!options.storeNames.includes(name))
      throw new StoreError("unknown_store", `store ${name} exists in the database but is not mounted`);
  const cms = new CommitMultiStoreImpl(options, latest, prunedThrough);
  await cms.loadTrees(storeRoots);
  return cms;
}
