// One block's changes to one compact SMT of node objects in a single bottom-up pass: the dirty keys are sorted by
// key hash, split by bit at each depth, and each new node is hashed once. The in-memory tree (smt-tree.ts) runs the
// same steps on typed-array slots; this version computes roots from scratch (smt-memory.ts) and is the reference
// the tree is tested against (test/store/smt-tree.test.ts).
import {
  bitAt,
  type Child,
  hashChildren,
  hashLeaf,
  type InnerNode,
  KIND_INNER,
  KIND_LEAF,
  type LeafNode,
  MAX_DEPTH,
  type NodeRef,
  type SmtNode,
} from "./smt-node.ts";

/** A change to one key: valueHash null deletes it. */
export interface SmtChange {
  readonly keyHash: Uint8Array;
  readonly key: Uint8Array;
  readonly valueHash: Uint8Array | null;
  /** Set by the update: the version that wrote the key's value before this change, PREVIOUS_ABSENT if there was
   * none, or PREVIOUS_UNCHANGED when the change changes nothing (the same value, or a delete of an absent key).
   * State storage writes its entries from this, so a block needs no state-storage read per write. */
  previous?: number;
}

export const PREVIOUS_ABSENT = -1;
export const PREVIOUS_UNCHANGED = -2;

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
    this.hash = hashChildren(left, right);
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

/** First index in [lo, hi) whose key hash has bit `depth` set (the items are sorted). */
export function splitIndex(
  items: readonly { keyHash: Uint8Array }[],
  lo: number,
  hi: number,
  depth: number,
): number {
  let low = lo;
  let high = hi;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (bitAt(items[mid]!.keyHash, depth) === 0) low = mid + 1;
    else high = mid;
  }
  return low;
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
