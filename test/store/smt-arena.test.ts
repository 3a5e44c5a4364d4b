// The tree's key arena (chain/store/smt-arena.ts): keys of every length-prefix size and long keys with chunks of
// their own read back, compare and hash as given, before and after a compaction that drops freed leaves' bytes.
import { createHash } from "node:crypto";
import test from "ava";
import { bytesEqual } from "../../chain/crypto/hash.ts";
import { NodeArena } from "../../chain/store/smt-arena.ts";
import { seededRandom } from "./helpers.ts";

function checkKey(t: import("ava").ExecutionContext, arena: NodeArena, slot: number, key: Uint8Array): void {
  t.true(bytesEqual(arena.key(slot), key));
  t.is(arena.keyLength(slot), key.length);
  t.true(arena.keyEquals(slot, key));
  const other = new Uint8Array(key.length + 1);
  other.set(key);
  t.false(arena.keyEquals(slot, other));
  const copied = new Uint8Array(key.length + 3);
  arena.copyKey(slot, copied, 3);
  t.true(bytesEqual(copied.subarray(3), key));
  const hash = new Uint8Array(40);
  arena.keyHashInto(slot, hash, 5);
  t.true(bytesEqual(hash.subarray(5, 37), createHash("sha256").update(key).digest()));
}

test("keys of any length survive sharing, freeing and compaction", (t) => {
  const random = seededRandom(7);
  const arena = new NodeArena();
  const live = new Map<number, Uint8Array>();
  // Length prefixes of 1, 2 and 3 bytes; empty; and long keys (chunks of their own), ~13 MB in all so that the
  // compaction threshold (8 MB appended) is passed.
  const lengths = [0, 1, 21, 127, 128, 300, 16_383, 16_384, 70_000];
  for (let round = 0; round < 40; round++) {
    for (const length of lengths) {
      const key = random.bytes(length, length);
      const slot = arena.allocLeaf(round, key, -1);
      live.set(slot, key);
      // An update's leaf shares its key's bytes.
      const shared = arena.allocLeaf(round + 1, undefined, slot);
      live.set(shared, key);
    }
    const long = random.bytes(300_000, 300_000);
    live.set(arena.allocLeaf(round, long, -1), long);
    // Free every third live leaf.
    let i = 0;
    for (const slot of [...live.keys()])
      if (i++ % 3 === 0) {
        arena.freeLeaf(slot);
        live.delete(slot);
      }
  }
  for (const [slot, key] of live) checkKey(t, arena, slot, key);
  const before = arena.bytes;
  arena.compactKeys();
  t.true(arena.bytes < before, "compaction dropped freed keys' bytes");
  for (const [slot, key] of live) {
    checkKey(t, arena, slot, key);
    t.is(arena.valueVersion(slot) >= 0, true);
  }
});

test("slots keep their fields while the first chunk grows and more chunks are added; a small arena stays small", (t) => {
  const arena = new NodeArena();
  const leaf = arena.allocLeaf(3, new Uint8Array([1, 2, 3]), -1);
  t.true(arena.bytes < 200_000, `a one-leaf arena holds ${arena.bytes} bytes`);
  arena.freeLeaf(leaf);
  const count = 140_000;
  const stamp = (slot: number, hashes: Uint8Array, at: number) => {
    for (let i = 0; i < 32; i++) hashes[at + i] = (slot * 7 + i) & 0xff;
  };
  const stamped = (slot: number, hashes: Uint8Array, at: number) => {
    for (let i = 0; i < 32; i++) if (hashes[at + i] !== ((slot * 7 + i) & 0xff)) return false;
    return true;
  };
  const keyOf = (i: number) => new Uint8Array([i & 0xff, (i >>> 8) & 0xff, i >>> 16]);
  const leaves: number[] = [];
  const inners: number[] = [];
  for (let i = 0; i < count; i++) {
    const l = arena.allocLeaf(i, keyOf(i), -1);
    stamp(l, arena.leafHashArray(l), arena.leafHashOffset(l));
    leaves.push(l);
    const n = arena.allocInner(i, -i);
    stamp(n, arena.innerHashArray(n), arena.innerHashOffset(n));
    inners.push(n);
  }
  t.is(arena.leafCount, count);
  t.is(arena.innerCount, count);
  let wrong = 0;
  for (let i = 0; i < count; i++) {
    const l = leaves[i]!;
    const n = inners[i]!;
    if (
      arena.valueVersion(l) !== i ||
      !arena.keyEquals(l, keyOf(i)) ||
      !stamped(l, arena.leafHashArray(l), arena.leafHashOffset(l)) ||
      arena.left(n) !== i ||
      arena.right(n) !== -i ||
      !stamped(n, arena.innerHashArray(n), arena.innerHashOffset(n))
    )
      wrong++;
  }
  t.is(wrong, 0);
});
