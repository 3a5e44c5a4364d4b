// Tree-position checks on proof paths (cosmos/ics23 go/proof.go IsLeftMost/IsRightMost/IsLeftNeighbor), with the
// placeholder awareness added in Go 0f8d2d4: a step whose siblings on one side are all `empty_child` still counts
// as left-most (right-most), which compact sparse trees need.
import type { InnerOp, InnerSpec } from "cosmjs-types/cosmos/ics23/v1/proofs";
import { bytesEqual } from "../../chain/types/bytes.ts";

function positionOf(spec: InnerSpec, branch: number): number {
  const index = spec.childOrder.indexOf(branch);
  if (index < 0) throw new RangeError(`branch ${branch} not in child order`);
  return index;
}

function padding(spec: InnerSpec, branch: number): { minPrefix: number; maxPrefix: number; suffix: number } {
  const index = positionOf(spec, branch);
  const prefix = index * spec.childSize;
  return {
    minPrefix: prefix + spec.minPrefixLength,
    maxPrefix: prefix + spec.maxPrefixLength,
    suffix: (spec.childOrder.length - 1 - index) * spec.childSize,
  };
}

function hasPadding(op: InnerOp, pad: { minPrefix: number; maxPrefix: number; suffix: number }): boolean {
  return (
    op.prefix.length >= pad.minPrefix && op.prefix.length <= pad.maxPrefix && op.suffix.length === pad.suffix
  );
}

/** Which child slot this step's node occupies, from its prefix/suffix lengths; undefined if none fits. */
function branchOf(spec: InnerSpec, op: InnerOp): number | undefined {
  for (let branch = 0; branch < spec.childOrder.length; branch++) {
    if (hasPadding(op, padding(spec, branch))) return branch;
  }
  return undefined;
}

function leftBranchesAreEmpty(spec: InnerSpec, op: InnerOp): boolean {
  const branch = branchOf(spec, op);
  if (branch === undefined || branch === 0 || spec.emptyChild.length === 0) return false;
  const actualPrefix = op.prefix.length - branch * spec.childSize;
  if (actualPrefix < 0) return false;
  for (let i = 0; i < branch; i++) {
    const from = actualPrefix + positionOf(spec, i) * spec.childSize;
    if (!bytesEqual(spec.emptyChild, op.prefix.subarray(from, from + spec.childSize))) return false;
  }
  return true;
}

function rightBranchesAreEmpty(spec: InnerSpec, op: InnerOp): boolean {
  const branch = branchOf(spec, op);
  if (branch === undefined || spec.emptyChild.length === 0) return false;
  const rightBranches = spec.childOrder.length - 1 - branch;
  if (rightBranches === 0) return false;
  if (op.suffix.length !== rightBranches * spec.childSize) return false;
  for (let i = 0; i < rightBranches; i++) {
    const from = positionOf(spec, i) * spec.childSize;
    if (!bytesEqual(spec.emptyChild, op.suffix.subarray(from, from + spec.childSize))) return false;
  }
  return true;
}

export function isLeftMost(spec: InnerSpec, path: readonly InnerOp[]): boolean {
  const pad = padding(spec, 0);
  return path.every((step) => hasPadding(step, pad) || leftBranchesAreEmpty(spec, step));
}

export function isRightMost(spec: InnerSpec, path: readonly InnerOp[]): boolean {
  const pad = padding(spec, spec.childOrder.length - 1);
  return path.every((step) => hasPadding(step, pad) || rightBranchesAreEmpty(spec, step));
}

/** True if `right` is the next leaf right of `left`: strip the common steps near the root, require the first
 * divergent steps to be adjacent slots, then the rest of left must be right-most and the rest of right left-most. */
export function isLeftNeighbor(
  spec: InnerSpec,
  left: readonly InnerOp[],
  right: readonly InnerOp[],
): boolean {
  let leftTop = left.length - 1;
  let rightTop = right.length - 1;
  if (leftTop < 0 || rightTop < 0) return false;
  while (
    bytesEqual(left[leftTop]!.prefix, right[rightTop]!.prefix) &&
    bytesEqual(left[leftTop]!.suffix, right[rightTop]!.suffix)
  ) {
    leftTop--;
    rightTop--;
    // Identical paths all the way down mean the same leaf, not neighbours (Go would panic here).
    if (leftTop < 0 || rightTop < 0) return false;
  }
  const leftBranch = branchOf(spec, left[leftTop]!);
  const rightBranch = branchOf(spec, right[rightTop]!);
  if (leftBranch === undefined || rightBranch === undefined) return false;
  if (rightBranch !== leftBranch + 1) return false;
  return isRightMost(spec, left.slice(0, leftTop)) && isLeftMost(spec, right.slice(0, rightTop));
}
