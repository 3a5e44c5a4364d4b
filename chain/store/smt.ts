// One module store's state commitment: a versioned compact SMT persisted in LevelDB, in pages of 4 binary
// levels (smt-page.ts). Pages are keyed by (store, version that wrote them, depth, path) as in JMT, so a page is
// never overwritten and pruning needs no reference counts: a page replaced at version v is stale since v.
import type { BatchOperation } from "../db-keyspace.ts";
import { type Database, getMany, getSync } from "./db.ts";
import { PREFIX, smtNodeKey, smtNodeKeyLength, smtRootKey, writeSmtNodeKey } from "./keys.ts";
import { PageCache } from "./page-cache.ts";
import {
  type Child,
  decodeRef,
  encodeRef,
  HASH_BYTES,
  KIND_INNER,
  type NodeRef,
  type SmtNode,
  withBit,
} from "./smt-node.ts";
import { collectNewPages, decodePage, isPageRoot, PAGE_LEVELS } from "./smt-page.ts";
import { type SmtChange, type SmtContext, updateSubtree } from "./smt-update.ts";
import { KeyListWriter, staleListOperation } from "./stale-list.ts";
import { StoreError } from "./types.ts";

/** Pages whose root is above this depth stay in memory once loaded. With 3-level pages, 15 keeps the pages at
 * depths 0-12: the binary nodes down to depth 14 and the refs at depth 15 (~2^15 inner nodes, ~30 MB), the top of
 * a 10^6-key tree (leaves at depth ~21); each write then reads ~2.5 pages with getSync. 16 would keep the pages
 * at depth 15 too (~2^18 nodes, measured ~250 MB more heap at 10^6 keys for one page read less per write). */
export const DEFAULT_NODE_CACHE_DEPTH = 15;

/** Pages read per LevelDB getMany when warming the page cache at open: ~1 KB each, so a batch holds ~2 MB. */
const WARM_BATCH_PAGES = 2048;

export interface PreparedTree {
  readonly root: Child;
  readonly operations: BatchOperation[];
  /** [key, bytes] of new pages for the page cache, to add once the block is committed. */
  readonly cachePages: [Uint8Array, Uint8Array][];
}

export class SparseMerkleTree {
  readonly name: string;
  readonly storePrefix: Uint8Array;
  readonly #db: Database;
  readonly #cacheDepth: number;
  readonly #pages: PageCache;
  /** Root of the latest committed version; its upper levels carry cached node pointers. */
  #root: Child;

  constructor(
    db: Database,
    name: string,
    storePrefix: Uint8Array,
    root: Child,
    cacheDepth: number,
    pages: PageCache = new PageCache(0),
  ) {
    this.#db = db;
    this.name = name;
    this.storePrefix = storePrefix;
    this.#root = root;
    this.#cacheDepth = cacheDepth;
    this.#pages = pages;
  }

  /** Pages of the first level below the decoded top go through the raw page cache. */
  #cachesRaw(depth: number): boolean {
    return depth >= this.#cacheDepth && depth < this.#cacheDepth + PAGE_LEVELS;
  }

  get root(): Child {
    return this.#root;
  }

  /** The root recorded for `version`, or undefined if the store had no root then. */
  loadRoot(version: number): Child | undefined {
    const bytes = getSync(this.#db, smtRootKey(this.storePrefix, version));
    return bytes === undefined ? undefined : decodeRef(bytes);
  }

  /** Node at a position. Only page roots are ever unloaded (nodes inside a page hang off their page root);
   * a page root's page is read with getSync and kept on the ref when it is in the cached top levels. */
  load(ref: NodeRef, depth: number, path: Uint8Array): SmtNode {
    if (ref.node !== undefined) return ref.node;
    if (!isPageRoot(ref, depth))
      throw new StoreError("corrupt", `SMT node of store ${this.name} inside a page was not loaded`);
    const key = smtNodeKey(this.storePrefix, ref.version, depth, path);
    const cachesRaw = this.#cachesRaw(depth);
    let bytes = cachesRaw ? this.#pages.get(key) : undefined;
    if (bytes === undefined) {
      bytes = getSync(this.#db, key);
      if (bytes === undefined)
        throw new StoreError(
          "corrupt",
          `missing SMT page of store ${this.name} at version ${ref.version} depth ${depth}`,
        );
      if (cachesRaw) this.#pages.set(key, bytes);
    }
    const node = decodePage(bytes, ref.version, depth);
    if (depth < this.#cacheDepth) ref.node = node;
    return node;
  }

  /** Loads what a node that has run for a while holds of this tree: the decoded top levels, and the raw pages of
   * the level below them while the page cache has room (one getMany per WARM_BATCH_PAGES pages, in LevelDB's
   * threads). A restarted node otherwise reads those pages one getSync at a time during its first blocks. */
  async warm(): Promise<void> {
    if (this.#root === null) return;
    const keys: Uint8Array[] = [];
    const walk = (ref: NodeRef, depth: number, path: Uint8Array): void => {
      if (depth >= this.#cacheDepth) {
        if (this.#cachesRaw(depth) && isPageRoot(ref, depth))
          keys.push(smtNodeKey(this.storePrefix, ref.version, depth, path));
        return;
      }
      const node = this.load(ref, depth, path);
      if (node.kind !== KIND_INNER) return;
      if (node.left !== null) walk(node.left, depth + 1, withBit(path, depth, 0));
      if (node.right !== null) walk(node.right, depth + 1, withBit(path, depth, 1));
    };
    walk(this.#root, 0, new Uint8Array(HASH_BYTES));
    for (let first = 0; first < keys.length && this.#pages.hasRoomFor(WARM_BATCH_PAGES); ) {
      const batch = keys.slice(first, first + WARM_BATCH_PAGES);
      first += batch.length;
      const pages = await getMany(this.#db, batch);
      for (let i = 0; i < batch.length; i++) {
        const page = pages[i];
        if (page !== undefined) this.#pages.set(batch[i]!, page);
      }
    }
  }

  /** New root and batch operations for `changes` (sorted by key hash, distinct) at `version`. */
  prepare(changes: readonly SmtChange[], version: number, recordStale: boolean): PreparedTree {
    const operations: BatchOperation[] = [];
    const storePrefix = this.storePrefix;
    const stale = new KeyListWriter();
    const ctx: SmtContext = {
      version,
      load: (ref, depth, path) => this.load(ref, depth, path),
      // Only page roots are records of their own; a node inside a page goes with its page.
      markStale: recordStale
        ? (ref, depth, path) => {
            if (!isPageRoot(ref, depth)) return;
            const at = stale.append(smtNodeKeyLength(storePrefix, depth));
            writeSmtNodeKey(stale.buffer, at, storePrefix, ref.version, depth, path);
          }
        : undefined,
    };
    const root = updateSubtree(ctx, this.#root, 0, changes, 0, changes.length);
    const cachePages: [Uint8Array, Uint8Array][] = [];
    collectNewPages(root, version, (ref, depth, path, page) => {
      const key = smtNodeKey(storePrefix, version, depth, path);
      operations.push({ type: "put", key, value: page });
      // A copy: the page itself is a slice of a shared Buffer pool that caching would pin.
      if (this.#cachesRaw(depth)) cachePages.push([key, new Uint8Array(page)]);
      // Deep pages are read back from LevelDB when needed; keeping them would grow memory with the tree.
      if (depth >= this.#cacheDepth) ref.node = undefined;
    });
    operations.push({ type: "put", key: smtRootKey(storePrefix, version), value: encodeRef(root) });
    for (const operation of staleListOperation(PREFIX.smtStale, version, storePrefix, stale))
      operations.push(operation);
    return { root, operations, cachePages };
  }

  /** Makes a prepared root the latest, once its batch is durable. */
  setCommittedRoot(prepared: PreparedTree): void {
    this.#root = prepared.root;
    for (const [key, page] of prepared.cachePages) this.#pages.set(key, page);
  }
}
