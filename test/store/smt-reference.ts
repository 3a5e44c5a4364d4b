// The reference SMT update on node objects (formats 1-4's algorithm): one block's changes to one compact SMT in a
// single bottom-up pass (the dirty keys sorted by key hash, split by bit at each depth, each new node hashed once).
// The node's in-memory tree (chain/store/smt-tree.ts) runs the same steps on typed-array slots and is tested against
// this (smt-tree.test.ts); smtRootOf computes a key/value set's root from scratch (crash and determinism tests).
import { compareBytes } from "../../chain/store/bytes.ts";
import { SENTINEL_KEY, SENTINEL_VALUE } from "../../chain/store/sentinel.ts";
import {
  type Child,
  childHash,
  hashInner,
  hashLeaf,
  type InnerNode,
  KIND_INNER,
  KIND_LEAF,
  type LeafNode,
  MAX_DEPTH,
  type NodeRef,
  type SmtNode,
  sha256,
} from "../../chain/store/smt-node.ts";
import {
  PREVIOUS_ABSENT,
  PREVIOUS_UNCHANGED,
  type SmtChange,
  splitIndex,
} from "../../chain/store/smt-tree.ts";

export interface SmtContext {
  readonly version: number;
  /** Loads the node `ref` points to. */
  load(ref: NodeRef): SmtNode;
}

function newLeaf(ctx: SmtContext, leaf: LeafNode): NodeRef {
  return { kind: KIND_LEAF, hash: leaf.hash, version: ctx.version, node: leaf };
}

function newLeafNode(ctx: SmtContext, change: SmtChange, hash: Uint8Array): LeafNode {
  return { kind: KIND_LEAF, keyHash: change.keyHash, key: change.key, valueVersion: ctx.version, hash };
}

/** A new inner node and its ref in one object (its `node` is itself): a block makes ~15 per write, and two
 * objects each were a fifth of their garbage. */
class NewInner implements NodeRef, InnerNode {
  readonly kind = KIND_INNER;
  readonly hash: Uint8Array;
  readonly version: number;
  readonly left: Child;
  readonly right: Child;
  node: SmtNode | undefined;

  constructor(version: number, left: Child, right: Child) {
    this.hash = hashInner(childHash(left), childHash(right));
    this.version = version;
    this.left = left;
    this.right = right;
    this.node = this;
  }
}

function newInner(ctx: SmtContext, left: Child, right: Child): NodeRef {
  return new NewInner(ctx.version, left, right);
}

function compareHashes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Subtree of the given leaves (sorted, distinct key hashes) rooted at `depth`. */
function build(ctx: SmtContext, depth: number, leaves: readonly LeafNode[], lo: number, hi: number): Child {
  if (lo >= hi) return null;
  if (hi - lo === 1) return newLeaf(ctx, leaves[lo]!);
  if (depth >= MAX_DEPTH) throw new Error("SMT: two distinct keys with the same key hash");
  const mid = splitIndex(leaves, lo, hi, depth);
  return newInner(ctx, build(ctx, depth + 1, leaves, lo, mid), build(ctx, depth + 1, leaves, mid, hi));
}

/** Parent of two updated children, collapsing a lone leaf upward (compact layout). */
function join(ctx: SmtContext, left: Child, right: Child): Child {
  if (left === null && right === null) return null;
  const lone = left === null ? right : right === null ? left : undefined;
  if (lone !== undefined && lone !== null && lone.kind === KIND_LEAF)
    return newLeaf(ctx, ctx.load(lone) as LeafNode);
  return newInner(ctx, left, right);
}

function updateLeaf(
  ctx: SmtContext,
  ref: NodeRef,
  existing: LeafNode,
  depth: number,
  changes: readonly SmtChange[],
  lo: number,
  hi: number,
): Child {
  const leaves: LeafNode[] = [];
  let existingPlaced = false;
  let unchanged = true;
  for (let i = lo; i < hi; i++) {
    const change = changes[i]!;
    const order = compareHashes(existing.keyHash, change.keyHash);
    if (!existingPlaced && order < 0) {
      leaves.push(existing);
      existingPlaced = true;
    }
    if (order === 0) {
      existingPlaced = true;
      if (change.valueHash !== null) {
        // Same key: the value is the same exactly when the leaf hash is.
        const leafHash = hashLeaf(change.keyHash, change.valueHash);
        if (compareHashes(leafHash, ref.hash) === 0) {
          change.previous = PREVIOUS_UNCHANGED;
          leaves.push(existing);
          continue;
        }
        change.previous = existing.valueVersion;
        leaves.push(newLeafNode(ctx, change, leafHash));
        unchanged = false;
        continue;
      }
      change.previous = existing.valueVersion;
    } else if (change.valueHash === null) {
      change.previous = PREVIOUS_UNCHANGED;
      continue;
    } else change.previous = PREVIOUS_ABSENT;
    if (change.valueHash !== null)
      leaves.push(newLeafNode(ctx, change, hashLeaf(change.keyHash, change.valueHash)));
    unchanged = false;
  }
  if (!existingPlaced) leaves.push(existing);
  if (unchanged || (leaves.length === 1 && leaves[0] === existing)) return ref;
  return build(ctx, depth, leaves, 0, leaves.length);
}

/** Applies changes[lo..hi) (sorted by key hash, distinct) to the subtree `child` at `depth`. */
export function updateSubtree(
  ctx: SmtContext,
  child: Child,
  depth: number,
  changes: readonly SmtChange[],
  lo: number,
  hi: number,
): Child {
  if (lo >= hi) return child;
  if (child === null) {
    const leaves: LeafNode[] = [];
    for (let i = lo; i < hi; i++) {
      const change = changes[i]!;
      if (change.valueHash === null) change.previous = PREVIOUS_UNCHANGED;
      else {
        change.previous = PREVIOUS_ABSENT;
        leaves.push(newLeafNode(ctx, change, hashLeaf(change.keyHash, change.valueHash)));
      }
    }
    return build(ctx, depth, leaves, 0, leaves.length);
  }
  const node = ctx.load(child);
  if (node.kind === KIND_LEAF) return updateLeaf(ctx, child, node, depth, changes, lo, hi);
  const mid = splitIndex(changes, lo, hi, depth);
  const left = updateSubtree(ctx, node.left, depth + 1, changes, lo, mid);
  const right = updateSubtree(ctx, node.right, depth + 1, changes, mid, hi);
  if (left === node.left && right === node.right) return child;
  return join(ctx, left, right);
}

/** The root of a set of key/values computed from scratch, with the store's sentinel leaf unless told otherwise. */
export function smtRootOf(
  entries: Iterable<readonly [Uint8Array, Uint8Array]>,
  withSentinel = true,
): Uint8Array {
  const changes: SmtChange[] = [];
  for (const [key, value] of entries) changes.push({ keyHash: sha256(key), key, valueHash: sha256(value) });
  if (withSentinel)
    changes.push({ keyHash: sha256(SENTINEL_KEY), key: SENTINEL_KEY, valueHash: sha256(SENTINEL_VALUE) });
  changes.sort((a, b) => compareBytes(a.keyHash, b.keyHash));
  const load = (ref: NodeRef): SmtNode => {
    if (ref.node === undefined) throw new Error("in-memory tree has no unloaded nodes");
    return ref.node;
  };
  return childHash(updateSubtree({ version: 0, load }, null, 0, changes, 0, changes.length));
}
