// Cache layers: nested caches, discard, write, ordered iteration merging pending writes and deletes.
import test from "ava";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { collect, tempDb, text } from "./helpers.ts";

const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

async function committedStore(t: Parameters<typeof tempDb>[0]) {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: ["a", "b"] });
  const genesis = cms.cacheMultiStore();
  for (const key of ["b", "d", "f", "h"]) genesis.store("a").set(text(key), text(`${key}0`));
  genesis.store("b").set(text("other"), text("x"));
  await cms.commit(await cms.prepareCommit(genesis, 0), []);
  return cms;
}

async function keysAndValues(iterable: AsyncIterable<[Uint8Array, Uint8Array]>): Promise<string[]> {
  return (await collect(iterable)).map(([k, v]) => `${decode(k)}=${decode(v)}`);
}

test("nested caches: reads fall through, write() pushes down one level, dropping discards", async (t) => {
  const cms = await committedStore(t);
  const block = cms.cacheMultiStore();
  const tx = block.cacheWrap();
  const msg = tx.cacheWrap();
  msg.store("a").set(text("b"), text("b-msg"));
  msg.store("a").delete(text("d"));
  t.is(decode(msg.store("a").get(text("b"))), "b-msg");
  t.false(msg.store("a").has(text("d")));
  t.is(decode(tx.store("a").get(text("b"))), "b0");
  t.true(tx.store("a").has(text("d")));
  msg.write();
  t.is(decode(tx.store("a").get(text("b"))), "b-msg");
  t.false(tx.store("a").has(text("d")));
  t.is(decode(block.store("a").get(text("b"))), "b0");
  // A second message that fails is simply dropped.
  const failing = tx.cacheWrap();
  failing.store("a").set(text("z"), text("never"));
  t.is(tx.store("a").get(text("z")), undefined);
  tx.write();
  t.is(decode(block.store("a").get(text("b"))), "b-msg");
  t.is(block.store("a").get(text("z")), undefined);
  // Committed state is untouched until commit; other caches do not see the block's writes.
  t.is(decode(cms.cacheMultiStore().store("a").get(text("b"))), "b0");
  await cms.commit(await cms.prepareCommit(block, 1), []);
  t.is(decode(cms.cacheMultiStore().store("a").get(text("b"))), "b-msg");
  t.false(cms.cacheMultiStore().store("a").has(text("d")));
});

test("errors: empty values, unknown stores, writing a top-level cache, foreign caches", async (t) => {
  const cms = await committedStore(t);
  const block = cms.cacheMultiStore();
  t.throws(() => block.store("a").set(text("k"), new Uint8Array(0)), { code: "empty_value" });
  t.throws(() => block.store("a").set(new Uint8Array(0), text("v")), { code: "empty_key" });
  t.throws(() => block.store("nope"), { code: "unknown_store" });
  t.throws(() => block.write());
  await t.throwsAsync(async () => cms.prepareCommit(block.cacheWrap(), 1));
  await t.throwsAsync(async () => cms.prepareCommit(block, 5), { code: "unknown_version" });
});

test("iterate merges pending writes and deletes in order, reverse, bounds and limit", async (t) => {
  const cms = await committedStore(t);
  const block = cms.cacheMultiStore();
  block.store("a").set(text("a"), text("a1"));
  block.store("a").set(text("d"), text("d1"));
  block.store("a").delete(text("f"));
  const tx = block.cacheWrap();
  tx.store("a").set(text("e"), text("e2"));
  tx.store("a").delete(text("h"));
  tx.store("a").set(text("i"), text("i2"));
  tx.store("a").delete(text("a"));
  const store = tx.store("a");
  t.deepEqual(await keysAndValues(store.iterate()), ["b=b0", "d=d1", "e=e2", "i=i2"]);
  t.deepEqual(await keysAndValues(store.iterate({ reverse: true })), ["i=i2", "e=e2", "d=d1", "b=b0"]);
  t.deepEqual(await keysAndValues(store.iterate({ start: text("c"), end: text("i") })), ["d=d1", "e=e2"]);
  t.deepEqual(await keysAndValues(store.iterate({ start: text("c"), end: text("i"), reverse: true })), [
    "e=e2",
    "d=d1",
  ]);
  t.deepEqual(await keysAndValues(store.iterate({ limit: 2 })), ["b=b0", "d=d1"]);
  t.deepEqual(await keysAndValues(store.iterate({ reverse: true, limit: 1 })), ["i=i2"]);
  t.deepEqual(await keysAndValues(store.iterate({ limit: 0 })), []);
  // The block level does not see the tx's pending writes; the other store is separate.
  t.deepEqual(await keysAndValues(block.store("a").iterate()), ["a=a1", "b=b0", "d=d1", "h=h0"]);
  t.deepEqual(await keysAndValues(block.store("b").iterate()), ["other=x"]);
  // Prefix iteration over keys that are prefixes of each other.
  block.store("b").set(text("ot"), text("1"));
  block.store("b").set(text("other2"), text("2"));
  t.deepEqual(await keysAndValues(block.store("b").iterate({ start: text("ot"), end: text("ou") })), [
    "ot=1",
    "other=x",
    "other2=2",
  ]);
  // After commit the merged view is what LevelDB iterates.
  tx.write();
  await cms.commit(await cms.prepareCommit(block, 1), []);
  t.deepEqual(await keysAndValues(cms.cacheMultiStore().store("a").iterate()), [
    "b=b0",
    "d=d1",
    "e=e2",
    "i=i2",
  ]);
  t.deepEqual(await keysAndValues(cms.readerAt(0).iterate("a")), ["b=b0", "d=d0", "f=f0", "h=h0"]);
  t.deepEqual(await keysAndValues(cms.readerAt(1).iterate("a", { reverse: true })), [
    "i=i2",
    "e=e2",
    "d=d1",
    "b=b0",
  ]);
});

test("keys containing zero bytes keep raw order in history iteration", async (t) => {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: ["a"] });
  const keys = [
    Uint8Array.of(1),
    Uint8Array.of(1, 0),
    Uint8Array.of(1, 0, 0),
    Uint8Array.of(1, 0, 1),
    Uint8Array.of(1, 1),
    Uint8Array.of(2),
  ];
  const cache = cms.cacheMultiStore();
  for (const key of [...keys].reverse()) cache.store("a").set(key, Uint8Array.of(9));
  await cms.commit(await cms.prepareCommit(cache, 0), []);
  const next = cms.cacheMultiStore();
  next.store("a").set(Uint8Array.of(1, 0), Uint8Array.of(8));
  await cms.commit(await cms.prepareCommit(next, 1), []);
  const atZero = (await collect(cms.readerAt(0).iterate("a"))).map(([k]) => [...k]);
  t.deepEqual(
    atZero,
    keys.map((k) => [...k]),
  );
  const ranged = await collect(
    cms.readerAt(0).iterate("a", { start: Uint8Array.of(1, 0), end: Uint8Array.of(1, 1) }),
  );
  t.deepEqual(
    ranged.map(([k]) => [...k]),
    [
      [1, 0],
      [1, 0, 0],
      [1, 0, 1],
    ],
  );
  t.deepEqual([...(await cms.readerAt(0).get("a", Uint8Array.of(1, 0)))!], [9]);
  t.deepEqual([...(await cms.readerAt(1).get("a", Uint8Array.of(1, 0)))!], [8]);
});
