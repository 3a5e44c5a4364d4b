// ICS-23 proofs from a compact SMT in the Go/Rust SmtSpec shape: the proof carries the raw key, the leaf op
// prehashes key and value with SHA256, inner ops are {0x01, right} for a left child and {0x01 ‖ left, ∅}
// for a right child, listed from the leaf up to the root.
import {
  type ExistenceProof,
  HashOp,
  type InnerOp,
  type LeafOp,
  LengthOp,
} from "cosmjs-types/cosmos/ics23/v1/proofs";
import { compareBytes } from "../crypto/hash.ts";
import {
  bitAt,
  type Child,
  childHash,
  KIND_LEAF,
  type LeafNode,
  type NodeRef,
  type SmtNode,
} from "./smt-node.ts";
import { StoreError } from "./types.ts";

export type NodeLoader = (ref: NodeRef) => SmtNode;

export const SMT_LEAF_OP: LeafOp = {
  hash: HashOp.SHA256,
  prehashKey: HashOp.SHA256,
  prehashValue: HashOp.SHA256,
  length: LengthOp.NO_PREFIX,
  prefix: Uint8Array.of(0),
};

const INNER_PREFIX = Uint8Array.of(1);

export interface SmtLookup {
  /** Siblings from the root down, with the side the looked-up path took at each step (1 = right). */
  readonly steps: { bit: number; sibling: Uint8Array }[];
  /** The leaf where the walk ended (may hold another key), or undefined at an empty subtree. */
  readonly leaf: LeafNode | undefined;
}

/** Walks from the root along `keyHash` to the leaf or empty subtree that the path ends in. */
export function lookup(load: NodeLoader, root: Child, keyHash: Uint8Array): SmtLookup {
  const steps: { bit: number; sibling: Uint8Array }[] = [];
  let ref = root;
  let depth = 0;
  while (ref !== null) {
    const node = load(ref);
    if (node.kind === KIND_LEAF) return { steps, leaf: node };
    const bit = bitAt(keyHash, depth);
    steps.push({ bit, sibling: childHash(bit === 1 ? node.left : node.right) });
    ref = bit === 1 ? node.right : node.left;
    depth++;
  }
  return { steps, leaf: undefined };
}

export function existenceProof(
  steps: SmtLookup["steps"],
  key: Uint8Array,
  value: Uint8Array,
): ExistenceProof {
  const path: InnerOp[] = [];
  for (let i = steps.length - 1; i >= 0; i--) {
    const { bit, sibling } = steps[i]!;
    const prefix = new Uint8Array(1 + (bit === 1 ? sibling.length : 0));
    prefix.set(INNER_PREFIX, 0);
    if (bit === 1) prefix.set(sibling, 1);
    path.push({ hash: HashOp.SHA256, prefix, suffix: bit === 1 ? new Uint8Array(0) : sibling });
  }
  return { key, value, leaf: SMT_LEAF_OP, path };
}

function extremeLeaf(load: NodeLoader, ref: Child, side: number): LeafNode | undefined {
  let current = ref;
  while (current !== null) {
    const node = load(current);
    if (node.kind === KIND_LEAF) return node;
    // A compact subtree's children are never both empty, so the preferred side falls back to the other.
    const preferred = side === 1 ? node.right : node.left;
    current = preferred ?? (side === 1 ? node.left : node.right);
  }
  return undefined;
}

/** The leaf with the greatest key hash below `keyHash` (side 0) or the smallest above it (side 1). */
export function neighbourLeaf(
  load: NodeLoader,
  root: Child,
  keyHash: Uint8Array,
  side: number,
): LeafNode | undefined {
  const walk = (ref: Child, depth: number): LeafNode | undefined => {
    if (ref === null) return undefined;
    const node = load(ref);
    if (node.kind === KIND_LEAF) {
      const order = compareBytes(node.keyHash, keyHash);
      return (side === 0 ? order < 0 : order > 0) ? node : undefined;
    }
    const bit = bitAt(keyHash, depth);
    const onPath = bit === 1 ? node.right : node.left;
    const found = walk(onPath, depth + 1);
    if (found !== undefined || bit !== 1 - side) return found;
    // The path went away from the wanted side: the neighbour is the nearest leaf of the sibling subtree.
    return extremeLeaf(load, side === 0 ? node.left : node.right, 1 - side);
  };
  return walk(root, 0);
}

/** Proof that `leaf` (found in this tree) holds `value`; throws if the stored value does not match. */
export function leafExistenceProof(
  load: NodeLoader,
  root: Child,
  leaf: LeafNode,
  value: Uint8Array,
): ExistenceProof {
  const found = lookup(load, root, leaf.keyHash);
  if (found.leaf === undefined || compareBytes(found.leaf.keyHash, leaf.keyHash) !== 0)
    throw new StoreError("corrupt", "SMT leaf not found on its own path");
  return existenceProof(found.steps, leaf.key, value);
}
