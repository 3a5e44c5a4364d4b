// One module store's state commitment: a versioned compact SMT persisted in LevelDB, in pages of 3 binary
// levels (smt-page.ts). Pages are keyed by (store, version that wrote them, depth, path) as in JMT, so a page is
// never overwritten and pruning needs no reference counts: a page replaced at version v is stale since v.
import type { BatchOperation } from "../db-keyspace.ts";
import { type Database, getMany, getSync } from "./db.ts";
import { PREFIX, smtNodeKey, smtNodeKeyLength, smtRootKey, writeSmtNodeKey } from "./keys.ts";
import { LatestPages, positionId } from "./latest-pages.ts";
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
import { collectNewPages, decodePage, isPageRoot } from "./smt-page.ts";
import { type SmtChange, type SmtContext, updateSubtree } from "./smt-update.ts";
import { KeyListWriter, staleListOperation } from "./stale-list.ts";
import { StoreError } from "./types.ts";

/** Pages whose root is above this depth stay decoded in memory once loaded. With 3-level pages, 15 keeps the pages
 * at depths 0-12: the binary nodes down to depth 14 and the refs at depth 15 (~2^15 inner nodes, ~30 MB), the top
 * of a 10^6-key tree (leaves at depth ~21). The pages below are held raw (latest-pages.ts) and decoded per use:
 * decoded, the pages at depth 15 alone measured ~250 MB more heap at 10^6 keys. */
export const DEFAULT_NODE_CACHE_DEPTH = 15;

/** Pages read per LevelDB getMany when loading the latest pages at open: ~0.6 KB each, so a batch holds ~1 MB. */
const WARM_BATCH_PAGES = 2048;

export interface PreparedTree {
  readonly root: Child;
  readonly version: number;
  readonly operations: BatchOperation[];
  /** Position ids and bytes of the new pages below the decoded top, held once the block is committed. */
  readonly newPositions: number[];
  readonly newPages: Uint8Array[];
  /** Position ids of the committed pages below the decoded top that the block replaces or removes. */
  readonly replacedPositions: number[];
}

/** A page to load at open: the page root's ref and its position. */
interface PageToLoad {
  readonly version: number;
  readonly depth: number;
  readonly path: Uint8Array;
}

export class SparseMerkleTree {
  readonly name: string;
  readonly storePrefix: Uint8Array;
  readonly #db: Database;
  readonly #cacheDepth: number;
  /** The latest version's pages below the decoded top (shared budget), and this tree's slot in them. */
  readonly #pages: LatestPages;
  readonly #slot: number;
  /** Root of the latest committed version; its upper levels carry cached node pointers. */
  #root: Child;

  constructor(
    db: Database,
    name: string,
    storePrefix: Uint8Array,
    root: Child,
    cacheDepth: number,
    pages: LatestPages = new LatestPages(0),
  ) {
    this.#db = db;
    this.name = name;
    this.storePrefix = storePrefix;
    this.#root = root;
    this.#cacheDepth = cacheDepth;
    this.#pages = pages;
    this.#slot = pages.addTree();
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
   * a page root's page is read with getSync and kept on the ref when it is in the cached top levels. Below
   * them, the latest version's pages are in memory; `latest` (the walk follows the latest root) holds a page
   * that was read because it was not held yet. */
  load(ref: NodeRef, depth: number, path: Uint8Array, latest = false): SmtNode {
    if (ref.node !== undefined) return ref.node;
    if (!isPageRoot(ref, depth))
      throw new StoreError("corrupt", `SMT node of store ${this.name} inside a page was not loaded`);
    const held = depth >= this.#cacheDepth;
    const position = held ? positionId(depth, path) : -1;
    let bytes = position >= 0 ? this.#pages.get(this.#slot, position, ref.version) : undefined;
    if (bytes === undefined) {
      bytes = getSync(this.#db, smtNodeKey(this.storePrefix, ref.version, depth, path));
      if (bytes === undefined)
        throw new StoreError(
          "corrupt",
          `missing SMT page of store ${this.name} at version ${ref.version} depth ${depth}`,
        );
      if (latest && position >= 0) this.#pages.set(this.#slot, position, ref.version, bytes);
    }
    const node = decodePage(bytes, ref.version, depth);
    if (!held) ref.node = node;
    return node;
  }

  /** Loads what the write path needs of this tree without reading LevelDB: the decoded top levels (getSync per
   * page), then the latest pages below them, level by level while the budget has room (one getMany per
   * WARM_BATCH_PAGES pages, in LevelDB's threads). A node opened without it reads them during its first blocks. */
  async warm(): Promise<void> {
    if (this.#root === null) return;
    let level: PageToLoad[] = [];
    const walk = (ref: NodeRef, depth: number, path: Uint8Array): void => {
      if (depth >= this.#cacheDepth && isPageRoot(ref, depth)) {
        level.push({ version: ref.version, depth, path });
        return;
      }
      const node = this.load(ref, depth, path);
      if (node.kind !== KIND_INNER) return;
      if (node.left !== null) walk(node.left, depth + 1, withBit(path, depth, 0));
      if (node.right !== null) walk(node.right, depth + 1, withBit(path, depth, 1));
    };
    walk(this.#root, 0, new Uint8Array(HASH_BYTES));
    while (level.length > 0) {
      const next: PageToLoad[] = [];
      for (let first = 0; first < level.length; first += WARM_BATCH_PAGES) {
        const batch = level.slice(first, first + WARM_BATCH_PAGES);
        const keys = batch.map((page) => smtNodeKey(this.storePrefix, page.version, page.depth, page.path));
        const pages = await getMany(this.#db, keys);
        for (let i = 0; i < batch.length; i++) {
          const page = batch[i]!;
          const bytes = pages[i];
          const position = positionId(page.depth, page.path);
          if (bytes === undefined || position < 0 || !this.#pages.hasRoomFor(bytes.length + 8)) return;
          this.#pages.set(this.#slot, position, page.version, bytes);
          childPages(decodePage(bytes, page.version, page.depth), page.depth, page.path, next);
        }
      }
      level = next;
    }
  }

  /** New root and batch operations for `changes` (sorted by key hash, distinct) at `version`. */
  prepare(changes: readonly SmtChange[], version: number, recordStale: boolean): PreparedTree {
    const operations: BatchOperation[] = [];
    const storePrefix = this.storePrefix;
    const cacheDepth = this.#cacheDepth;
    const stale = new KeyListWriter();
    const replacedPositions: number[] = [];
    const ctx: SmtContext = {
      version,
      load: (ref, depth, path) => this.load(ref, depth, path, true),
      // Only page roots are records of their own; a node inside a page goes with its page.
      markStale: (ref, depth, path) => {
        if (!isPageRoot(ref, depth)) return;
        if (depth >= cacheDepth) replacedPositions.push(positionId(depth, path));
        if (!recordStale) return;
        const at = stale.append(smtNodeKeyLength(storePrefix, depth));
        writeSmtNodeKey(stale.buffer, at, storePrefix, ref.version, depth, path);
      },
    };
    const root = updateSubtree(ctx, this.#root, 0, changes, 0, changes.length);
    const newPositions: number[] = [];
    const newPages: Uint8Array[] = [];
    collectNewPages(root, version, (ref, depth, path, page) => {
      operations.push({ type: "put", key: smtNodeKey(storePrefix, version, depth, path), value: page });
      if (depth < cacheDepth) return;
      // Held in memory once committed (copied then); the decoded nodes are dropped so the tree stays small.
      newPositions.push(positionId(depth, path));
      newPages.push(page);
      ref.node = undefined;
    });
    operations.push({ type: "put", key: smtRootKey(storePrefix, version), value: encodeRef(root) });
    for (const operation of staleListOperation(PREFIX.smtStale, version, storePrefix, stale))
      operations.push(operation);
    return { root, version, operations, newPositions, newPages, replacedPositions };
  }

  /** Makes a prepared root the latest, once its batch is durable. */
  setCommittedRoot(prepared: PreparedTree): void {
    this.#root = prepared.root;
    const pages = this.#pages;
    for (const position of prepared.replacedPositions) pages.delete(this.#slot, position);
    for (let i = 0; i < prepared.newPositions.length; i++)
      pages.set(this.#slot, prepared.newPositions[i]!, prepared.version, prepared.newPages[i]!);
    pages.compact();
  }
}

/** Appends the child pages referenced by a decoded page (root `node` at `depth`) to `out`. */
function childPages(node: SmtNode, depth: number, path: Uint8Array, out: PageToLoad[]): void {
  if (node.kind !== KIND_INNER) return;
  for (const bit of [0, 1]) {
    const child = bit === 0 ? node.left : node.right;
    if (child === null) continue;
    const childPath = withBit(path, depth, bit);
    if (child.node === undefined) out.push({ version: child.version, depth: depth + 1, path: childPath });
    else childPages(child.node, depth + 1, childPath, out);
  }
}
