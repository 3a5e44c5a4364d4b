// A tx's hash (sha256 of its bytes, CometBFT's tx hash) and its hex, once per byte array: the same
// array passes through the mempool's precheck, the app's decode cache, the mempool's removal after
// its block and the block store's tx index, and each of them hashed it again (~5 µs a time).
// Tx byte arrays are never written to once received, so the array's identity stands for its bytes
// (the app's decode cache relies on the same). Weak: an entry lives exactly as long as the array.
import { sha256, toHex } from "../crypto/hash.ts";

export interface TxHash {
  /** Shared between callers: never written to. */
  readonly hash: Uint8Array;
  readonly hex: string;
  /** The application's decoding of these bytes (chain/app/application.ts), opaque to everyone else: kept
   * here, a tx array costs one weak entry instead of two (each an ephemeron that every scavenge and
   * mark-compact of a node with thousands of txs in flight processes). */
  decoded: unknown;
}

const hashes = new WeakMap<Uint8Array, TxHash>();

export function txHashOf(tx: Uint8Array): TxHash {
  let known = hashes.get(tx);
  if (known === undefined) {
    const hash = sha256(tx);
    known = { hash, hex: toHex(hash), decoded: undefined };
    hashes.set(tx, known);
  }
  return known;
}

/** The hash of `tx` if txHashOf computed it already, without computing it. */
export function knownTxHash(tx: Uint8Array): TxHash | undefined {
  return hashes.get(tx);
}
