// Proof chains [ics23:smt, ics23:simple] for one key at one version.
import { CommitmentProof, type ExistenceProof } from "cosmjs-types/cosmos/ics23/v1/proofs";
import { bytesEqual, sha256, utf8 } from "../crypto/hash.ts";
import { multistoreProof, type StoreRoot } from "./simple-merkle.ts";
import { type Child, hashLeaf, type LeafNode } from "./smt-node.ts";
import { existenceProof, leafExistenceProof, lookup, type NodeLoader, neighbourLeaf } from "./smt-proof.ts";
import { type ProofOp, StoreError } from "./types.ts";

/** Reads the value of a key at the proof's version (state storage); `valueVersion` is the leaf's (the version that
 * wrote the value, smt-node.ts LeafNode). */
export type ValueAt = (key: Uint8Array, valueVersion: number) => Promise<Uint8Array | undefined>;

export interface SmtProofResult {
  value: Uint8Array | undefined;
  proof: CommitmentProof;
}

/** The tree walk runs synchronously first (before any await), so it sees one consistent root. */
export async function proveInTree(
  load: NodeLoader,
  root: Child,
  key: Uint8Array,
  valueAt: ValueAt,
): Promise<SmtProofResult> {
  const keyHash = sha256(key);
  const found = lookup(load, root, keyHash);
  if (found.leaf !== undefined && bytesEqual(found.leaf.keyHash, keyHash)) {
    const leaf = found.leaf;
    const value = await checkedValue(leaf, valueAt);
    return { value, proof: { exist: existenceProof(found.steps, key, value) } };
  }
  const left = neighbourLeaf(load, root, keyHash, 0);
  const right = neighbourLeaf(load, root, keyHash, 1);
  if (left === undefined && right === undefined)
    throw new StoreError("corrupt", "store tree is empty (no sentinel)");
  const leftProof = left === undefined ? undefined : leafExistenceProof(load, root, left, new Uint8Array(0));
  const rightProof =
    right === undefined ? undefined : leafExistenceProof(load, root, right, new Uint8Array(0));
  const nonexist: { key: Uint8Array; left?: ExistenceProof; right?: ExistenceProof } = { key };
  if (left !== undefined && leftProof !== undefined)
    nonexist.left = { ...leftProof, value: await checkedValue(left, valueAt) };
  if (right !== undefined && rightProof !== undefined)
    nonexist.right = { ...rightProof, value: await checkedValue(right, valueAt) };
  return { value: undefined, proof: { nonexist } };
}

async function checkedValue(leaf: LeafNode, valueAt: ValueAt): Promise<Uint8Array> {
  const value = await valueAt(leaf.key, leaf.valueVersion);
  if (value === undefined || !bytesEqual(hashLeaf(leaf.keyHash, sha256(value)), leaf.hash))
    throw new StoreError("corrupt", "state storage disagrees with the state commitment");
  return value;
}

export function proofOps(
  storeName: string,
  key: Uint8Array,
  storeProof: CommitmentProof,
  roots: readonly StoreRoot[],
): ProofOp[] {
  const multistore = multistoreProof(roots, storeName);
  if (multistore === undefined)
    throw new StoreError("unknown_store", `store ${storeName} not in the commit info`);
  return [
    { type: "ics23:smt", key, data: CommitmentProof.encode(storeProof).finish() },
    {
      type: "ics23:simple",
      key: utf8.encode(storeName),
      data: CommitmentProof.encode({ exist: multistore }).finish(),
    },
  ];
}
