// The Merkle tree of chain/types as Node runs it (the store's JS SHA-256 for short inputs, node:crypto
// for long ones, preimages in a reused array) against the definition: @noble's sha256 over freshly
// concatenated 0x00 ‖ item and 0x01 ‖ left ‖ right, for items and trees of every size around the bounds.
import { createHash } from "node:crypto";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import test from "ava";
import "../../chain/crypto/hash.ts";
import { sha256 } from "../../chain/types/bytes.ts";
import { hashFromByteSlices, innerHash, leafHash, splitPoint } from "../../chain/types/merkle.ts";
import { prng } from "../consensus/simulation.ts";

function referenceRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return nobleSha256(new Uint8Array(0));
  if (items.length === 1) return nobleSha256(Uint8Array.of(0, ...items[0]!));
  const k = splitPoint(items.length);
  return nobleSha256(Uint8Array.of(1, ...referenceRoot(items.slice(0, k)), ...referenceRoot(items.slice(k))));
}

test("chain/types sha256 on Node equals node:crypto for every length from 0 to 300 bytes", (t) => {
  const random = prng(5);
  for (let length = 0; length <= 300; length++) {
    const input = Uint8Array.from({ length }, () => Math.floor(random() * 256));
    t.deepEqual(
      sha256(input),
      new Uint8Array(createHash("sha256").update(input).digest()),
      `${length} bytes`,
    );
  }
});

test("leaf and inner hashes and whole trees equal the definition around the reused-preimage bound", (t) => {
  const random = prng(11);
  const bytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
  for (const length of [0, 1, 31, 32, 33, 64, 118, 119, 120, 127, 128, 129, 200, 1000]) {
    const item = bytes(length);
    t.deepEqual(leafHash(item), nobleSha256(Uint8Array.of(0, ...item)), `leaf of ${length}`);
    const other = bytes(32);
    t.deepEqual(
      innerHash(item, other),
      nobleSha256(Uint8Array.of(1, ...item, ...other)),
      `inner of ${length}`,
    );
  }
  for (const count of [0, 1, 2, 3, 5, 8, 13, 64, 100]) {
    const items = Array.from({ length: count }, () => bytes(Math.floor(random() * 150)));
    t.deepEqual(hashFromByteSlices(items), referenceRoot(items), `${count} items`);
  }
});
