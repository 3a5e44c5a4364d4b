// A tx runs in place in its parent cache with its writes recorded (CacheMultiStore.record): undoing to
// a mark must leave exactly what a dropped nested cache would have left.
import test from "ava";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import type { CacheMultiStore } from "../../chain/store/types.ts";
import { collect, tempDb, text } from "../store/helpers.ts";

const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

async function blockState(t: Parameters<typeof tempDb>[0]) {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: ["a", "b"] });
  const genesis = cms.cacheMultiStore();
  for (const key of ["b", "d", "f"]) genesis.store("a").set(text(key), text(`${key}0`));
  await cms.commit(await cms.prepareCommit(genesis, 0), []);
  return { cms, block: cms.cacheMultiStore() };
}

async function contents(state: CacheMultiStore): Promise<string[]> {
  const out: string[] = [];
  for (const name of ["a", "b"])
    for (const [key, value] of await collect(state.store(name).iterate()))
      out.push(`${name}:${decode(key)}=${decode(value)}`);
  return out;
}

test("undoTo restores every store to the mark, newest write first; end keeps the writes", async (t) => {
  const { block } = await blockState(t);
  block.store("a").set(text("b"), text("b-block"));
  const before = await contents(block);

  const recording = block.record();
  block.store("a").set(text("b"), text("b-tx"));
  block.store("a").delete(text("d"));
  block.store("a").set(text("x"), text("x-tx"));
  const mark = recording.mark();
  const afterAnte = await contents(block);
  // Written twice after the mark, deleted, and a store first touched during the recording.
  block.store("a").set(text("x"), text("x-msg"));
  block.store("a").set(text("x"), text("x-msg2"));
  block.store("a").delete(text("b"));
  block.store("a").set(text("d"), text("d-msg"));
  block.store("b").set(text("y"), text("y-msg"));
  t.is(decode(block.store("a").get(text("x"))), "x-msg2");
  t.is(block.store("a").get(text("b")), undefined);
  recording.undoTo(mark);
  t.deepEqual(await contents(block), afterAnte);
  t.is(decode(block.store("a").get(text("b"))), "b-tx");
  t.is(block.store("a").get(text("d")), undefined);
  recording.undoTo(0);
  t.deepEqual(await contents(block), before);
  t.is(decode(block.store("a").get(text("d"))), "d0", "an undone delete reads committed state again");

  block.store("a").set(text("z"), text("z-tx"));
  recording.end();
  t.is(decode(block.store("a").get(text("z"))), "z-tx");
  // Writes after end() are not recorded: a new recording starts from nothing.
  block.store("a").set(text("w"), text("w-block"));
  const next = block.record();
  t.is(next.mark(), 0);
  block.store("a").set(text("w"), text("w-tx"));
  next.undoTo(0);
  next.end();
  t.is(decode(block.store("a").get(text("w"))), "w-block");
});

test("one recording at a time per cache; a nested cache written down is recorded in its parent", async (t) => {
  const { cms, block } = await blockState(t);
  const recording = block.record();
  t.throws(() => block.record());
  const nested = block.cacheWrap();
  nested.store("a").set(text("n"), text("nested"));
  nested.write();
  t.is(decode(block.store("a").get(text("n"))), "nested");
  recording.undoTo(0);
  t.is(block.store("a").get(text("n")), undefined);
  recording.end();
  t.throws(() => recording.mark());
  // What a recording kept is what prepareCommit sees.
  const again = block.record();
  block.store("a").set(text("k"), text("kept"));
  again.end();
  await cms.commit(await cms.prepareCommit(block, 1), []);
  t.is(decode(cms.cacheMultiStore().store("a").get(text("k"))), "kept");
  t.is(cms.cacheMultiStore().store("a").get(text("n")), undefined);
});
