// Chained proofs [store proof, multistore proof] against an app hash, as ibc-go 23-commitment
// verifyChainedMembershipProof: each level's calculated root is the value proven one level up.
import type { CommitmentProof } from "cosmjs-types/cosmos/ics23/v1/proofs";
import { bytesEqual } from "../../chain/types/bytes.ts";
import { Ics23Error } from "./errors.ts";
import { toHexShort } from "./ops.ts";
import { type Ics23Spec, smtSpec, tendermintSpec } from "./specs.ts";
import { calculateRoot, decodeCommitmentProof, verifyMembership, verifyNonMembership } from "./verify.ts";

/** The shape of CometBFT `ProofOp` (abci_query `proofOps.ops[]`). */
export interface ChainedProofOp {
  readonly type: string;
  readonly key: Uint8Array;
  readonly data: Uint8Array;
}

/** Proof op types and specs from the store upward, as sensorchain (and the Cosmos SDK) emit them. */
export const CHAIN_LEVELS: readonly { type: string; spec: Ics23Spec }[] = [
  { type: "ics23:smt", spec: smtSpec },
  { type: "ics23:simple", spec: tendermintSpec },
];

const textEncoder = new TextEncoder();

function decodeLevels(
  proofOps: readonly ChainedProofOp[],
  storeName: string,
  key: Uint8Array,
): CommitmentProof[] {
  if (proofOps.length !== CHAIN_LEVELS.length)
    throw new Ics23Error(
      "chain_mismatch",
      `expected ${CHAIN_LEVELS.length} proof ops, got ${proofOps.length}`,
    );
  const keys = [key, textEncoder.encode(storeName)];
  return proofOps.map((op, level) => {
    const expected = CHAIN_LEVELS[level]!;
    if (op.type !== expected.type)
      throw new Ics23Error(
        "chain_mismatch",
        `proof op ${level} has type ${op.type}, expected ${expected.type}`,
      );
    if (!bytesEqual(op.key, keys[level]!))
      throw new Ics23Error("chain_mismatch", `proof op ${level} is for key ${toHexShort(op.key)}`);
    return decodeCommitmentProof(op.data);
  });
}

function verifyUpward(
  proofs: CommitmentProof[],
  keys: Uint8Array[],
  from: number,
  value: Uint8Array,
  root: Uint8Array,
) {
  let proven = value;
  let subroot = value;
  for (let level = from; level < proofs.length; level++) {
    const proof = proofs[level]!;
    if (proof.exist === undefined)
      throw new Ics23Error("chain_mismatch", `proof op ${level} must be an existence proof`);
    subroot = calculateRoot(proof);
    verifyMembership(CHAIN_LEVELS[level]!.spec, subroot, proof, keys[level]!, proven);
    proven = subroot;
  }
  if (!bytesEqual(root, subroot))
    throw new Ics23Error(
      "root_mismatch",
      `chain computes ${toHexShort(subroot)}, expected app hash ${toHexShort(root)}`,
    );
}

/** Throws unless the proof ops prove storeName/key → value under `appHash`. */
export function verifyChainedMembership(
  appHash: Uint8Array,
  proofOps: readonly ChainedProofOp[],
  storeName: string,
  key: Uint8Array,
  value: Uint8Array,
): void {
  const proofs = decodeLevels(proofOps, storeName, key);
  verifyUpward(proofs, [key, textEncoder.encode(storeName)], 0, value, appHash);
}

/** Throws unless the proof ops prove storeName/key absent under `appHash`. */
export function verifyChainedNonMembership(
  appHash: Uint8Array,
  proofOps: readonly ChainedProofOp[],
  storeName: string,
  key: Uint8Array,
): void {
  const proofs = decodeLevels(proofOps, storeName, key);
  const storeProof = proofs[0]!;
  if (storeProof.nonexist === undefined)
    throw new Ics23Error("chain_mismatch", "proof op 0 must be a non-existence proof");
  const storeRoot = calculateRoot(storeProof);
  verifyNonMembership(CHAIN_LEVELS[0]!.spec, storeRoot, storeProof, key);
  verifyUpward(proofs, [key, textEncoder.encode(storeName)], 1, storeRoot, appHash);
}
