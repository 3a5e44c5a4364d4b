// ICS-23 membership and non-membership verification, following cosmos/ics23 go/proof.go and go/ics23.go.
// Every failure throws an Ics23Error whose code says why.
import {
  CommitmentProof,
  type ExistenceProof,
  type NonExistenceProof,
} from "cosmjs-types/cosmos/ics23/v1/proofs";
import { bytesEqual, compareBytes } from "../../chain/types/bytes.ts";
import { Ics23Error } from "./errors.ts";
import { isLeftMost, isLeftNeighbor, isRightMost } from "./neighbors.ts";
import {
  applyInner,
  applyLeaf,
  checkInnerAgainstSpec,
  checkLeafAgainstSpec,
  checkSpecShape,
  doHashOrNoop,
  toHexShort,
} from "./ops.ts";
import { DEFAULT_MAX_DEPTH, type Ics23Spec } from "./specs.ts";

export type ProofInput = CommitmentProof | Uint8Array;

export function decodeCommitmentProof(proof: ProofInput): CommitmentProof {
  if (!(proof instanceof Uint8Array)) return proof;
  try {
    return CommitmentProof.decode(proof);
  } catch (error) {
    throw new Ics23Error("malformed_proof", `cannot decode CommitmentProof: ${(error as Error).message}`);
  }
}

export function checkExistenceAgainstSpec(proof: ExistenceProof, spec: Ics23Spec): void {
  checkSpecShape(spec);
  if (proof.leaf === undefined) throw new Ics23Error("malformed_proof", "existence proof has no leaf op");
  checkLeafAgainstSpec(proof.leaf, spec);
  const maxDepth = spec.maxDepth > 0 ? spec.maxDepth : DEFAULT_MAX_DEPTH;
  if (spec.minDepth > 0 && proof.path.length < spec.minDepth)
    throw new Ics23Error(
      "depth_out_of_bounds",
      `proof has ${proof.path.length} inner ops, spec minimum ${spec.minDepth}`,
    );
  if (proof.path.length > maxDepth)
    throw new Ics23Error(
      "depth_out_of_bounds",
      `proof has ${proof.path.length} inner ops, spec maximum ${maxDepth}`,
    );
  for (const step of proof.path) checkInnerAgainstSpec(step, spec);
}

/** Root an existence proof computes (no spec checks: use verify* to trust it). */
export function calculateExistenceRoot(proof: ExistenceProof, spec?: Ics23Spec): Uint8Array {
  if (proof.leaf === undefined) throw new Ics23Error("malformed_proof", "existence proof has no leaf op");
  let node = applyLeaf(proof.leaf, proof.key, proof.value);
  for (const step of proof.path) {
    node = applyInner(step, node);
    if (spec !== undefined && spec.innerSpec.childSize >= 32 && node.length > spec.innerSpec.childSize)
      throw new Ics23Error("inner_spec_mismatch", "intermediate hash is longer than the child size");
  }
  return node;
}

/** Root the first embedded existence proof computes (ibc-go uses it as the subroot of a chain). */
export function calculateRoot(proof: CommitmentProof): Uint8Array {
  if (proof.exist !== undefined) return calculateExistenceRoot(proof.exist);
  if (proof.nonexist !== undefined) {
    const side = proof.nonexist.left ?? proof.nonexist.right;
    if (side === undefined)
      throw new Ics23Error("malformed_proof", "non-existence proof has neither left nor right");
    return calculateExistenceRoot(side);
  }
  throw new Ics23Error("malformed_proof", "proof is neither an existence nor a non-existence proof");
}

export function verifyExistence(
  proof: ExistenceProof,
  spec: Ics23Spec,
  root: Uint8Array,
  key: Uint8Array,
  value: Uint8Array,
): void {
  checkExistenceAgainstSpec(proof, spec);
  if (!bytesEqual(key, proof.key))
    throw new Ics23Error("key_mismatch", `proof is for key ${toHexShort(proof.key)}, not ${toHexShort(key)}`);
  if (!bytesEqual(value, proof.value)) throw new Ics23Error("value_mismatch", "proof is for another value");
  const calculated = calculateExistenceRoot(proof, spec);
  if (!bytesEqual(root, calculated))
    throw new Ics23Error(
      "root_mismatch",
      `proof computes root ${toHexShort(calculated)}, expected ${toHexShort(root)}`,
    );
}

function keyForComparison(spec: Ics23Spec, key: Uint8Array): Uint8Array {
  return spec.prehashKeyBeforeComparison ? doHashOrNoop(spec.leafSpec.prehashKey, key) : key;
}

export function verifyNonExistence(
  proof: NonExistenceProof,
  spec: Ics23Spec,
  root: Uint8Array,
  key: Uint8Array,
): void {
  const { left, right } = proof;
  if (left !== undefined) verifyExistence(left, spec, root, left.key, left.value);
  if (right !== undefined) verifyExistence(right, spec, root, right.key, right.value);
  if (left === undefined && right === undefined)
    throw new Ics23Error("malformed_proof", "non-existence proof has neither left nor right proof");
  const compared = keyForComparison(spec, key);
  if (right !== undefined && compareBytes(compared, keyForComparison(spec, right.key)) >= 0)
    throw new Ics23Error("key_out_of_range", "key is not left of the right proof");
  if (left !== undefined && compareBytes(compared, keyForComparison(spec, left.key)) <= 0)
    throw new Ics23Error("key_out_of_range", "key is not right of the left proof");
  if (left === undefined) {
    if (!isLeftMost(spec.innerSpec, right!.path))
      throw new Ics23Error("not_neighbors", "left proof missing and the right proof is not left-most");
  } else if (right === undefined) {
    if (!isRightMost(spec.innerSpec, left.path))
      throw new Ics23Error("not_neighbors", "right proof missing and the left proof is not right-most");
  } else if (!isLeftNeighbor(spec.innerSpec, left.path, right.path)) {
    throw new Ics23Error("not_neighbors", "left and right proofs are not adjacent leaves");
  }
}

function existenceFor(proof: CommitmentProof, key: Uint8Array): ExistenceProof {
  if (proof.exist !== undefined) {
    if (!bytesEqual(proof.exist.key, key))
      throw new Ics23Error(
        "key_mismatch",
        `proof is for key ${toHexShort(proof.exist.key)}, not ${toHexShort(key)}`,
      );
    return proof.exist;
  }
  for (const entry of proof.batch?.entries ?? []) {
    if (entry.exist !== undefined && bytesEqual(entry.exist.key, key)) return entry.exist;
  }
  throw new Ics23Error("malformed_proof", "no existence proof for this key");
}

function nonExistenceFor(proof: CommitmentProof, spec: Ics23Spec, key: Uint8Array): NonExistenceProof {
  const brackets = (candidate: NonExistenceProof): boolean => {
    const compared = keyForComparison(spec, key);
    const leftOk =
      candidate.left === undefined || compareBytes(keyForComparison(spec, candidate.left.key), compared) < 0;
    const rightOk =
      candidate.right === undefined ||
      compareBytes(keyForComparison(spec, candidate.right.key), compared) > 0;
    return leftOk && rightOk;
  };
  if (proof.nonexist !== undefined) {
    if (!brackets(proof.nonexist))
      throw new Ics23Error("key_out_of_range", "the non-existence proof's neighbours do not bracket the key");
    return proof.nonexist;
  }
  for (const entry of proof.batch?.entries ?? []) {
    if (entry.nonexist !== undefined && brackets(entry.nonexist)) return entry.nonexist;
  }
  throw new Ics23Error("malformed_proof", "no non-existence proof for this key");
}

/** Throws unless `proof` proves key → value under `root` in a tree of shape `spec`. */
export function verifyMembership(
  spec: Ics23Spec,
  root: Uint8Array,
  proof: ProofInput,
  key: Uint8Array,
  value: Uint8Array,
): void {
  const decoded = decodeCommitmentProof(proof);
  verifyExistence(existenceFor(decoded, key), spec, root, key, value);
}

/** Throws unless `proof` proves that `key` is absent under `root` in a tree of shape `spec`. */
export function verifyNonMembership(
  spec: Ics23Spec,
  root: Uint8Array,
  proof: ProofInput,
  key: Uint8Array,
): void {
  const decoded = decodeCommitmentProof(proof);
  verifyNonExistence(nonExistenceFor(decoded, spec, key), spec, root, key);
}
