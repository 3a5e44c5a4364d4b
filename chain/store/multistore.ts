// The commit multistore: named module stores, each a versioned SMT (state commitment) plus state storage,
// committed together. App hash = simple-Merkle root over (name, sha256(store root)), as the Cosmos SDK.
import { sha256 } from "../crypto/hash.ts";
import type { BatchOperation } from "../db-keyspace.ts";
import { compareBytes } from "./bytes.ts";
import type { PendingWrite } from "./cache-kv.ts";
import { CacheMultiStoreImpl, CommittedStore } from "./cache-multistore.ts";
import { decodeCommitInfo, decodeLatest, encodeCommitInfo, encodeLatest } from "./commit-info.ts";
import type { CommitMultiStore, PreparedCommit, PruningOptions } from "./commit-types.ts";
import { type Database, getAsync, writeBatch } from "./db.ts";
import {
  encodeStorePrefix,
  isValidStoreName,
  META,
  metaCommitInfoKey,
  readU64,
  STORE_FORMAT,
} from "./keys.ts";
import { DEFAULT_LATEST_PAGE_BYTES, LatestPages } from "./latest-pages.ts";
import { proofOps, proveInTree } from "./prove.ts";
import { MAX_PRUNE_VERSIONS_PER_COMMIT, pruneOperations } from "./pruning.ts";
import { SENTINEL_KEY, SENTINEL_VALUE } from "./sentinel.ts";
import { sha256Of } from "./sha256-node-hash.ts";
import { multistoreRoot, type StoreRoot } from "./simple-merkle.ts";
import { DEFAULT_NODE_CACHE_DEPTH, type PreparedTree, SparseMerkleTree } from "./smt.ts";
import { type Child, childHash } from "./smt-node.ts";
import { PREVIOUS_UNCHANGED, type SmtChange } from "./smt-update.ts";
import { type LatestWrites, StateStorage } from "./state-storage.ts";
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
  /** Memory budgets (chain/store/README.md, "Memory"): SMT levels kept decoded once read (default
   * DEFAULT_NODE_CACHE_DEPTH; 0 keeps none). */
  readonly nodeCacheDepth?: number;
  /** Bytes of the latest version's raw SMT pages held in memory below those levels, all stores together
   * (default DEFAULT_LATEST_PAGE_BYTES): the write path reads no page that fits. */
  readonly pageCacheBytes?: number;
  /** Committed latest values cached for reads, entries (default MAX_LATEST_CACHE_ENTRIES; 0 disables). */
  readonly latestCacheEntries?: number;
  /** Load the trees' latest pages at open (default true): the decoded top and the raw pages below it, as a node
   * that has run for a while holds them (seconds at 10^6 keys); false fills them during the first blocks. */
  readonly warmCaches?: boolean;
  /** fsync each commit (default true): kill -9 is survived either way, power loss only with sync. */
  readonly syncWrites?: boolean;
}

const ARCHIVE: PruningOptions = { keepRecent: 0, interval: 1 };

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
  readonly #trees = new Map<string, SparseMerkleTree>();
  readonly #committed = new Map<string, CommittedStore>();
  readonly #storage: StateStorage;
  readonly #pruning: PruningOptions;
  readonly #syncWrites: boolean;
  #version: number;
  #appHash: Uint8Array;
  #prunedThrough: number;
  #committing = false;

  constructor(
    options: OpenCommitMultiStoreOptions,
    latest: { version: number; appHash: Uint8Array },
    roots: Map<string, Child>,
    prunedThrough: number,
  ) {
    this.#db = options.db;
    this.#names = [...options.storeNames].sort();
    this.#storage = new StateStorage(options.db, options.latestCacheEntries);
    this.#pruning = options.pruning ?? ARCHIVE;
    this.#syncWrites = options.syncWrites ?? true;
    this.#version = latest.version;
    this.#appHash = latest.appHash;
    this.#prunedThrough = prunedThrough;
    const cacheDepth = options.nodeCacheDepth ?? DEFAULT_NODE_CACHE_DEPTH;
    const pages = new LatestPages(options.pageCacheBytes ?? DEFAULT_LATEST_PAGE_BYTES);
    for (const name of this.#names) {
      const prefix = encodeStorePrefix(name);
      this.#trees.set(
        name,
        new SparseMerkleTree(options.db, name, prefix, roots.get(name) ?? null, cacheDepth, pages),
      );
      this.#committed.set(name, new CommittedStore(this.#storage, prefix));
    }
  }

  /** At open: the trees' cached levels as a running node has them (SparseMerkleTree.warm). */
  async warmCaches(): Promise<void> {
    for (const tree of this.#trees.values()) await tree.warm();
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
      const tree = this.#trees.get(name)!;
      const pending = changeSets.get(name) ?? [];
      const smtChanges = toSmtChanges(pending);
      const writes = smtChanges.slice();
      // A store without a root is new (genesis or newly mounted): it starts with its sentinel leaf.
      if (tree.root === null)
        smtChanges.push({
          keyHash: sha256(SENTINEL_KEY),
          key: SENTINEL_KEY,
          valueHash: sha256(SENTINEL_VALUE),
          value: SENTINEL_VALUE,
          previous: PREVIOUS_UNCHANGED,
        });
      smtChanges.sort((a, b) => compareBytes(a.keyHash, b.keyHash));
      const prepared = tree.prepare(smtChanges, version, recordStale);
      for (const operation of prepared.operations) operations.push(operation);
      // After the tree update, which recorded in each write what it replaces.
      this.#storage.prepareWrites(tree.storePrefix, writes, version, recordStale, operations, latestWrites);
      roots.set(name, prepared);
      storeRoots.push({ name, root: childHash(prepared.root) });
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
        const prefixes = [...this.#trees.values()].map((tree) => tree.storePrefix);
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
    for (const [name, tree] of prepared.roots) this.#trees.get(name)!.setCommittedRoot(tree);
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

  #treeOf(name: string): SparseMerkleTree {
    const tree = this.#trees.get(name);
    if (tree === undefined) throw new StoreError("unknown_store", `store ${name} is not mounted`);
    return tree;
  }

  readerAt(version: number = this.#version): VersionedReader {
    this.#checkVersion(version);
    const storage = this.#storage;
    const prefixOf = (name: string) => this.#treeOf(name).storePrefix;
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
    const tree = this.#treeOf(storeName);
    if (key.length === 0) throw new StoreError("empty_key", "empty keys cannot be proven (ICS-23)");
    const root = version === this.#version ? tree.root : tree.loadRoot(version);
    if (root === undefined || root === null)
      throw new StoreError("unknown_store", `store ${storeName} has no tree at version ${version}`);
    const roots = await this.storeRoots(version);
    const prefix = tree.storePrefix;
    const valueAt = (leafKey: Uint8Array) =>
      compareBytes(leafKey, SENTINEL_KEY) === 0
        ? Promise.resolve(SENTINEL_VALUE)
        : this.#storage.getAt(prefix, leafKey, version);
    const result = await proveInTree((ref, depth, path) => tree.load(ref, depth, path), root, key, valueAt);
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
  for (const [field, value, max] of [
    ["nodeCacheDepth", options.nodeCacheDepth, 256],
    ["pageCacheBytes", options.pageCacheBytes, Number.MAX_SAFE_INTEGER],
    ["latestCacheEntries", options.latestCacheEntries, Number.MAX_SAFE_INTEGER],
  ] as const)
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0 || value > max))
      throw new TypeError(`${field} must be an integer from 0 to ${max}`);
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
  const roots = new Map<string, Child>();
  if (latestBytes === undefined) {
    return new CommitMultiStoreImpl(
      options,
      { version: -1, appHash: new Uint8Array(0) },
      roots,
      prunedThrough,
    );
  }
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
  for (const { name, root } of storeRoots) {
    if (!options.storeNames.includes(name))
      throw new StoreError("unknown_store", `store ${name} exists in the database but is not mounted`);
    const tree = new SparseMerkleTree(options.db, name, encodeStorePrefix(name), null, 0);
    const ref = tree.loadRoot(latest.version);
    if (ref === undefined || compareBytes(childHash(ref), root) !== 0)
      throw new StoreError("corrupt", `store ${name}: root record does not match commit info`);
    roots.set(name, ref);
  }
  const cms = new CommitMultiStoreImpl(options, latest, roots, prunedThrough);
  if (options.warmCaches ?? true) await cms.warmCaches();
  return cms;
}
