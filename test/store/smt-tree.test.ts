// The in-memory tree (format 5, chain/store/smt-tree.ts) against the node-object update (smt-reference.ts, the format-4
// algorithm): a seeded random workload of inserts, updates and deletes gives the same root at every version, the
// same `previous` for every write, and byte-identical proofs at the latest and at retained past versions.
import test from "ava";
import { CommitmentProof } from "cosmjs-types/cosmos/ics23/v1/proofs";
import { bytesEqual, toHex } from "../../chain/crypto/hash.ts";
import { compareBytes } from "../../chain/store/bytes.ts";
import { proveInTree } from "../../chain/store/prove.ts";
import { sha256Of } from "../../chain/store/sha256-node-hash.ts";
import { type Child, childHash, type NodeRef } from "../../chain/store/smt-node.ts";
import type { NodeLoader } from "../../chain/store/smt-proof.ts";
import { MemoryTree, PREVIOUS_UNCHANGED, type SmtChange } from "../../chain/store/smt-tree.ts";
import { seededRandom } from "./helpers.ts";
import { updateSubtree } from "./smt-reference.ts";

const loadObject = (ref: NodeRef) => {
  if (ref.node === undefined) throw new Error("object tree has no unloaded nodes");
  return ref.node;
};

function changesOf(writes: Map<string, [Uint8Array, Uint8Array | undefined]>): SmtChange[] {
  const changes = [...writes.values()].map(([key, value]) => ({
    keyHash: sha256Of(key),
    key,
    valueHash: value === undefined ? null : sha256Of(value),
    previous: PREVIOUS_UNCHANGED,
  }));
  return changes.sort((a, b) => compareBytes(a.keyHash, b.keyHash));
}

async function proofBytes(
  load: NodeLoader,
  root: Child,
  key: Uint8Array,
  state: Map<string, Uint8Array>,
): Promise<string> {
  const result = await proveInTree(load, root, key, (leafKey) => Promise.resolve(state.get(toHex(leafKey))));
  return toHex(CommitmentProof.encode(result.proof).finish());
}

test("same roots, previous versions and proofs as the node-object update over a random workload", async (t) => {
  const random = seededRandom(2024);
  const tree = new MemoryTree(4);
  let objectRoot: Child = null;
  const state = new Map<string, Uint8Array>();
  const keys: Uint8Array[] = [];
  const history: { version: number; root: Child; state: Map<string, Uint8Array> }[] = [];
  for (let version = 0; version < 40; version++) {
    const writes = new Map<string, [Uint8Array, Uint8Array | undefined]>();
    const count = version === 0 ? 200 : 1 + random.int(60);
    for (let i = 0; i < count; i++) {
      const roll = random.int(10);
      const key = roll < 4 || keys.length === 0 ? random.bytes(1, 30) : keys[random.int(keys.length)]!;
      if (roll < 4) keys.push(key);
      // Deletes of present and absent keys, same-value writes, new values.
      const value =
        roll === 9
          ? undefined
          : roll === 8 && state.has(toHex(key))
            ? state.get(toHex(key))
            : random.bytes(1, 40);
      writes.set(toHex(key), [key, value]);
    }
    const expected = changesOf(writes);
    objectRoot = updateSubtree({ version, load: loadObject }, objectRoot, 0, expected, 0, expected.length);
    const actual = changesOf(writes);
    const prepared = tree.prepare(actual, version);
    // A dropped prepare changes nothing.
    if (version % 7 === 3) tree.prepare(changesOf(writes), version);
    tree.commit(prepared);
    t.true(bytesEqual(prepared.rootHash, childHash(objectRoot)), `root at version ${version}`);
    t.deepEqual(
      actual.map((change) => change.previous),
      expected.map((change) => change.previous),
      `previous at version ${version}`,
    );
    for (const [hex, [, value]] of writes) {
      if (value === undefined) state.delete(hex);
      else state.set(hex, value);
    }
    history.push({ version, root: objectRoot, state: new Map(state) });
    // Proofs of present and absent keys at the latest and at every retained version.
    for (const past of history.slice(-4)) {
      const view = tree.proofView(past.version);
      if (view === undefined) {
        t.fail(`version ${past.version} not retained`);
        continue;
      }
      for (let i = 0; i < 6; i++) {
        const key = i < 3 && keys.length > 0 ? keys[random.int(keys.length)]! : random.bytes(1, 30);
        t.is(
          await proofBytes(view.load, view.root, key, past.state),
          await proofBytes(loadObject, past.root, key, past.state),
        );
      }
    }
    t.is(tree.proofView(version - 4), undefined);
  }
  t.is(tree.leafCount >= state.size, true);
});

test("a tree loaded from leaves has the root of the same set built by updates", (t) => {
  const random = seededRandom(99);
  const entries: [Uint8Array, Uint8Array][] = Array.from({ length: 3000 }, (_, i) => [
    Uint8Array.of(i >>> 8, i & 0xff, ...random.bytes(0, 3)),
    random.bytes(1, 20),
  ]);
  const loaded = new MemoryTree();
  for (const [key, value] of entries) loaded.addLeaf(key, sha256Of(key), sha256Of(value), 5);
  loaded.commitLoaded(5);
  const writes = new Map(
    entries.map(([key, value]) => [toHex(key), [key, value] as [Uint8Array, Uint8Array]]),
  );
  const changes = changesOf(writes);
  const root = updateSubtree({ version: 0, load: loadObject }, null, 0, changes, 0, changes.length);
  t.true(bytesEqual(loaded.hashOf(loaded.root), childHash(root)));
  // The loaded leaves carry their value version: rewriting a key reports it.
  const again = changesOf(new Map([[toHex(entries[0]![0]), [entries[0]![0], Uint8Array.of(1, 2, 3)]]]));
  loaded.commit(loaded.prepare(again, 6));
  t.is(again[0]!.previous, 5);
});

test("slots replaced by a version are reused once it leaves the retained window", (t) => {
  const tree = new MemoryTree(2);
  const key = (i: number) => Uint8Array.of(i);
  const write = (version: number) => {
    const writes = new Map<string, [Uint8Array, Uint8Array | undefined]>();
    for (let i = 0; i < 50; i++) writes.set(String(i), [key(i), Uint8Array.of(version, i)]);
    tree.commit(tree.prepare(changesOf(writes), version));
  };
  for (let version = 0; version < 4; version++) write(version);
  const inner = tree.innerCount;
  const leaves = tree.leafCount;
  for (let version = 4; version < 30; version++) write(version);
  // Two versions in memory: their nodes, not 30 versions' worth.
  t.is(tree.innerCount, inner);
  t.is(tree.leafCount, leaves);
  t.true(leaves <= 3 * 50);
});
