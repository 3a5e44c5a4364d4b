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
