// ICS-23 proof verification for sensorchain light clients. Browser-pure (no node: imports).
export { type ChainedProofOp, verifyChainedMembership, verifyChainedNonMembership } from "./chained.ts";
export { Ics23Error, type Ics23ErrorCode } from "./errors.ts";
export { isLeftMost, isLeftNeighbor, isRightMost } from "./neighbors.ts";
export { DEFAULT_MAX_DEPTH, type Ics23Spec, smtSpec, specEquals, tendermintSpec } from "./specs.ts";
export {
  calculateExistenceRoot,
  calculateRoot,
  decodeCommitmentProof,
  type ProofInput,
  verifyExistence,
  verifyMembership,
  verifyNonExistence,
  verifyNonMembership,
} from "./verify.ts";
