// Proof specs: which tree layouts a proof may describe. Mirrors cosmos/ics23 go/proof.go (v0.10+), including
// `prehashKeyBeforeComparison`, which cosmjs-types' ProofSpec (proto field 7) does not carry.
import { HashOp, type InnerSpec, type LeafOp, LengthOp } from "cosmjs-types/cosmos/ics23/v1/proofs";

export interface Ics23Spec {
  readonly leafSpec: LeafOp;
  readonly innerSpec: InnerSpec;
  /** Maximum inner ops; 0 means the Go default of 128. */
  readonly maxDepth: number;
  readonly minDepth: number;
  /** Compare neighbour keys by their prehash (sparse trees order leaves by hashed key). */
  readonly prehashKeyBeforeComparison: boolean;
}

/** Go ics23 treats MaxDepth 0 as this many inner ops (v0.11). */
export const DEFAULT_MAX_DEPTH = 128;

/** Go/Rust `SmtSpec`: compact sparse Merkle tree (celestiaorg/smt layout), proofs carry the raw key. */
export const smtSpec: Ics23Spec = Object.freeze({
  leafSpec: {
    hash: HashOp.SHA256,
    prehashKey: HashOp.SHA256,
    prehashValue: HashOp.SHA256,
    length: LengthOp.NO_PREFIX,
    prefix: Uint8Array.of(0),
  },
  innerSpec: {
    childOrder: [0, 1],
    childSize: 32,
    minPrefixLength: 1,
    maxPrefixLength: 1,
    emptyChild: new Uint8Array(32),
    hash: HashOp.SHA256,
  },
  maxDepth: 256,
  minDepth: 0,
  prehashKeyBeforeComparison: true,
});

/** `TendermintSpec`: CometBFT simple Merkle tree (RFC 6962 shape), the Cosmos multistore. */
export const tendermintSpec: Ics23Spec = Object.freeze({
  leafSpec: {
    hash: HashOp.SHA256,
    prehashKey: HashOp.NO_HASH,
    prehashValue: HashOp.SHA256,
    length: LengthOp.VAR_PROTO,
    prefix: Uint8Array.of(0),
  },
  innerSpec: {
    childOrder: [0, 1],
    childSize: 32,
    minPrefixLength: 1,
    maxPrefixLength: 1,
    emptyChild: new Uint8Array(0),
    hash: HashOp.SHA256,
  },
  maxDepth: 0,
  minDepth: 0,
  prehashKeyBeforeComparison: false,
});

/** Go `SpecEquals`: deliberately loose (it ignores prefixes and empty child), as in the reference. */
export function specEquals(a: Ics23Spec, b: Ics23Spec): boolean {
  return (
    a.leafSpec.hash === b.leafSpec.hash &&
    a.leafSpec.prehashKey === b.leafSpec.prehashKey &&
    a.leafSpec.prehashValue === b.leafSpec.prehashValue &&
    a.leafSpec.length === b.leafSpec.length &&
    a.innerSpec.hash === b.innerSpec.hash &&
    a.innerSpec.minPrefixLength === b.innerSpec.minPrefixLength &&
    a.innerSpec.maxPrefixLength === b.innerSpec.maxPrefixLength &&
    a.innerSpec.childSize === b.innerSpec.childSize &&
    a.innerSpec.childOrder.length === b.innerSpec.childOrder.length
  );
}
