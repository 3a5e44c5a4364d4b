// The read cache of committed latest values: reads between prepareCommit and commit see the committed
// state, reads after commit see the block's writes and deletions, absent keys become present, a failed
// batch write leaves no stale entry behind, and the cache stays bounded.
import test from "ava";
import { LatestCache, MAX_LATEST_CACHE_ENTRIES } from "../../chain/store/latest-cache.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { tempDb, text } from "./helpers.ts";

const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

test("latest reads follow commits exactly, never a prepared but unwritten block", async (t) => {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: ["main"] });
  const genesis = cms.cacheMultiStore();
  genesis.store("main").set(text("kept"), text("v0"));
  genesis.store("main").set(text("doomed"), text("v0"));
  await cms.commit(await cms.prepareCommit(genesis, 0), []);
  const read = (key: string) => decode(cms.cacheMultiStore().store("main").get(text(key)));
  // Warm the cache, including a key known to be absent.
  t.is(read("kept"), "v0");
  t.is(read("doomed"), "v0");
  t.is(read("born"), undefined);

  const block = cms.cacheMultiStore();
  block.store("main").set(text("kept"), text("v1"));
  block.store("main").delete(text("doomed"));
  block.store("main").set(text("born"), text("v1"));
  const prepared = await cms.prepareCommit(block, 1);
  t.is(read("kept"), "v0", "a prepared block is not visible before its batch is written");
  t.is(read("doomed"), "v0");
  t.is(read("born"), undefined);
  await cms.commit(prepared, []);
  t.is(read("kept"), "v1");
  t.is(read("doomed"), undefined);
  t.is(read("born"), "v1");
});

test("a failed batch write changes nothing that reads see", async (t) => {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: ["main"] });
  const genesis = cms.cacheMultiStore();
  genesis.store("main").set(text("k"), text("v0"));
  await cms.commit(await cms.prepareCommit(genesis, 0), []);
  t.is(decode(cms.cacheMultiStore().store("main").get(text("k"))), "v0");
  const block = cms.cacheMultiStore();
  block.store("main").set(text("k"), text("v1"));
  const prepared = await cms.prepareCommit(block, 1);
  // An extra operation LevelDB refuses makes the whole batch fail.
  const bad = { type: "put", key: undefined, value: text("x") } as unknown as never;
  await t.throwsAsync(cms.commit(prepared, [bad]));
  t.is(decode(cms.cacheMultiStore().store("main").get(text("k"))), "v0");
  t.is(cms.lastCommit().version, 0);
});

test("the cache keeps at most its bound and skips large values", (t) => {
  const cache = new LatestCache();
  for (let i = 0; i < MAX_LATEST_CACHE_ENTRIES + 10; i++) cache.remember(`k${i}`, null);
  t.is(cache.get("k0"), undefined, "oldest entries were evicted");
  t.is(cache.get(`k${MAX_LATEST_CACHE_ENTRIES + 9}`), null);
  const fresh = new LatestCache();
  fresh.remember("big", new Uint8Array(1 << 20));
  t.is(fresh.get("big"), undefined);
});
