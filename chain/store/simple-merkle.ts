// CometBFT crypto/merkle simple tree (RFC 6962 shape) and the Cosmos SDK multistore commitment over it
// (store/internal/maps): items uvarint(len name) ‖ name ‖ uvarint(32) ‖ sha256(store root), sorted by name.
import {
  type ExistenceProof,
  HashOp,
  type InnerOp,
  type LeafOp,
  LengthOp,
} from "cosmjs-types/cosmos/ics23/v1/proofs";
import { concatBytes, sha256, utf8 } from "../crypto/hash.ts";

const LEAF_PREFIX = Uint8Array.of(0);
const INNER_PREFIX = Uint8Array.of(1);

export function encodeUvarint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

export function leafHash(item: Uint8Array): Uint8Array {
  return sha256(concatBytes(LEAF_PREFIX, item));
}

export function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(concatBytes(INNER_PREFIX, left, right));
}

/** Largest power of two strictly less than n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function rootOfLeafHashes(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return sha256(new Uint8Array(0));
  if (hashes.length === 1) return hashes[0]!;
  const k = splitPoint(hashes.length);
  return innerHash(rootOfLeafHashes(hashes.slice(0, k)), rootOfLeafHashes(hashes.slice(k)));
}

/** HashFromByteSlices. */
export function simpleMerkleRoot(items: readonly Uint8Array[]): Uint8Array {
  return rootOfLeafHashes(items.map(leafHash));
}

/** Inner ops from the leaf at `index` up to the root. */
export function simpleMerklePath(items: readonly Uint8Array[], index: number): InnerOp[] {
  const hashes = items.map(leafHash);
  const ops: InnerOp[] = [];
  const descend = (lo: number, hi: number): void => {
    if (hi - lo <= 1) return;
    const mid = lo + splitPoint(hi - lo);
    if (index < mid) {
      descend(lo, mid);
      ops.push({
        hash: HashOp.SHA256,
        prefix: INNER_PREFIX,
        suffix: rootOfLeafHashes(hashes.slice(mid, hi)),
      });
    } else {
      descend(mid, hi);
      ops.push({
        hash: HashOp.SHA256,
        prefix: concatBytes(INNER_PREFIX, rootOfLeafHashes(hashes.slice(lo, mid))),
        suffix: new Uint8Array(0),
      });
    }
  };
  descend(0, items.length);
  return ops;
}

export interface StoreRoot {
  readonly name: string;
  readonly root: Uint8Array;
}

export function multistoreItem(name: string, root: Uint8Array): Uint8Array {
  const nameBytes = utf8.encode(name);
  return concatBytes(encodeUvarint(nameBytes.length), nameBytes, encodeUvarint(32), sha256(root));
}

function sortedByName(roots: readonly StoreRoot[]): StoreRoot[] {
  return [...roots].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The app hash: CommitInfo.Hash() of the Cosmos SDK. */
export function multistoreRoot(roots: readonly StoreRoot[]): Uint8Array {
  return simpleMerkleRoot(sortedByName(roots).map((store) => multistoreItem(store.name, store.root)));
}

/** Leaf op of ICS-23 tendermintSpec: sha256(0x00 ‖ uvarint(len key) ‖ key ‖ uvarint(32) ‖ sha256(value)). */
export const SIMPLE_LEAF_OP: LeafOp = {
  hash: HashOp.SHA256,
  prehashKey: HashOp.NO_HASH,
  prehashValue: HashOp.SHA256,
  length: LengthOp.VAR_PROTO,
  prefix: LEAF_PREFIX,
};

/** Existence proof of (name → store root) in the multistore, as cosmos-sdk store/internal/proofs/convert.go. */
export function multistoreProof(roots: readonly StoreRoot[], name: string): ExistenceProof | undefined {
  const sorted = sortedByName(roots);
  const index = sorted.findIndex((store) => store.name === name);
  if (index < 0) return undefined;
  const items = sorted.map((store) => multistoreItem(store.name, store.root));
  return {
    key: utf8.encode(name),
    value: sorted[index]!.root,
    leaf: SIMPLE_LEAF_OP,
    path: simpleMerklePath(items, index),
  };
}
