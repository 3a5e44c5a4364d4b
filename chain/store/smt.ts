// One module store's state commitment: a versioned compact SMT persisted in LevelDB.
// Nodes are keyed by (store, version that wrote them, depth, path) as in JMT, so a node is never overwritten
// and pruning needs no reference counts: a node replaced at version v is recorded as stale since v.
import type { BatchOperation } from "../db-keyspace.ts";
import { type Database, getSync } from "./db.ts";
import { PREFIX, smtNodeKey, smtRootKey } from "./keys.ts";
import {
  type Child,
  decodeNode,
  decodeRef,
  encodeNode,
  encodeRef,
  type NodeRef,
  type SmtNode,
} from "./smt-node.ts";
import { collectNewNodes, type SmtChange, type SmtContext, updateSubtree } from "./smt-update.ts";
import { staleListOperation } from "./stale-list.ts";
import { StoreError } from "./types.ts";

/** Nodes above this depth stay in memory once loaded: at most 2^16 = 65,536 nodes (~1 KB each with their
 * hash buffers, ~70 MB), the top of a 10^6-key tree (depth ~21); deeper nodes are read with getSync. */
export const DEFAULT_NODE_CACHE_DEPTH = 16;

export interface PreparedTree {
  readonly root: Child;
  readonly operations: BatchOperation[];
}

export class SparseMerkleTree {
  readonly name: string;
  readonly storePrefix: Uint8Array;
  readonly #db: Database;
  readonly #cacheDepth: number;
  /** Root of the latest committed version; its upper levels carry cached node pointers. */
  #root: Child;

  constructor(db: Database, name: string, storePrefix: Uint8Array, root: Child, cacheDepth: number) {
    this.#db = db;
    this.name = name;
    this.storePrefix = storePrefix;
    this.#root = root;
    this.#cacheDepth = cacheDepth;
  }

  get root(): Child {
    return this.#root;
  }

  /** The root recorded for `version`, or undefined if the store had no root then. */
  loadRoot(version: number): Child | undefined {
    const bytes = getSync(this.#db, smtRootKey(this.storePrefix, version));
    return bytes === undefined ? undefined : decodeRef(bytes);
  }

  /** Node at a position; caches it on the ref when it is in the top levels. */
  load(ref: NodeRef, depth: number, path: Uint8Array): SmtNode {
    if (ref.node !== undefined) return ref.node;
    const bytes = getSync(this.#db, smtNodeKey(this.storePrefix, ref.version, depth, path));
    if (bytes === undefined)
      throw new StoreError(
        "corrupt",
        `missing SMT node of store ${this.name} at version ${ref.version} depth ${depth}`,
      );
    const node = decodeNode(bytes);
    if (depth < this.#cacheDepth) ref.node = node;
    return node;
  }

  /** New root and batch operations for `changes` (sorted by key hash, distinct) at `version`. */
  prepare(changes: readonly SmtChange[], version: number, recordStale: boolean): PreparedTree {
    const operations: BatchOperation[] = [];
    const storePrefix = this.storePrefix;
    const stale: Uint8Array[] = [];
    const ctx: SmtContext = {
      version,
      load: (ref, depth, path) => this.load(ref, depth, path),
      markStale: recordStale
        ? (ref, depth, path) => stale.push(smtNodeKey(storePrefix, ref.version, depth, path))
        : undefined,
    };
    const root = updateSubtree(ctx, this.#root, 0, changes, 0, changes.length);
    collectNewNodes(root, version, (ref, node, depth, path) => {
      operations.push({
        type: "put",
        key: smtNodeKey(storePrefix, version, depth, path),
        value: encodeNode(node),
      });
      // Deep nodes are read back from LevelDB when needed; keeping them would grow memory with the tree.
      if (depth >= this.#cacheDepth) ref.node = undefined;
    });
    operations.push({ type: "put", key: smtRootKey(storePrefix, version), value: encodeRef(root) });
    for (const operation of staleListOperation(PREFIX.smtStale, version, storePrefix, stale))
      operations.push(operation);
    return { root, operations };
  }

  /** Makes a prepared root the latest, once its batch is durable. */
  setCommittedRoot(root: Child): void {
    this.#root = root;
  }
}
