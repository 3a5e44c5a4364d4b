// The read cache of committed latest values: reads between prepareCommit and commit see the committed
// state, reads after commit see the block's writes and deletions, absent keys become present, a failed
// batch write leaves no stale entry behind, and the cache stays bounded.
import test from "ava";
import { LatestCache, MAX_LATEST_CACHE_VALUE_BYTES } from "../../chain/store/latest-cache.ts";
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

test("the cache keeps at most its byte budget, oldest written first, and skips large values", (t) => {
  const cache = new LatestCache(100_000);
  for (let i = 0; i < 10_000; i++) cache.remember(`k${i}`, null);
  t.true(cache.bytes <= 100_000);
  t.true(cache.size > 100, "the budget holds many small entries");
  t.is(cache.get("k0"), undefined, "oldest entries were evicted");
  t.is(cache.get("k9999"), null);
  const oldest = 10_000 - cache.size;
  cache.remember(`k${oldest}`, null);
  cache.remember("new", null);
  t.is(cache.get(`k${oldest}`), null, "an entry written again is the newest");
  t.is(cache.get(`k${oldest + 1}`), undefined);
  const fresh = new LatestCache();
  fresh.remember("big", new Uint8Array(MAX_LATEST_CACHE_VALUE_BYTES + 1));
  t.is(fresh.get("big"), undefined);
  t.is(fresh.bytes, 0);
  const off = new LatestCache(0);
  off.remember("k", null);
  t.is(off.get("k"), undefined);
});

test("views of one buffer count it once, until the last of them is gone", (t) => {
  const cache = new LatestCache(1_000_000);
  const block = new Uint8Array(10_000);
  for (let i = 0; i < 10; i++) cache.remember(`k${i}`, block.subarray(i * 100, i * 100 + 100));
  const perEntry = (cache.bytes - block.byteLength) / 10;
  t.true(perEntry > 0 && perEntry < 1_000);
  t.is(cache.get("k3")?.buffer, block.buffer, "a view, not a copy");
  for (let i = 0; i < 9; i++) cache.remember(`k${i}`, null);
  t.is(cache.bytes, 10 * perEntry + block.byteLength, "one view still holds the buffer");
  cache.applyCommitted(new Map([["k9", null]]));
  t.is(cache.bytes, 10 * perEntry);
  cache.clear();
  t.is(cache.bytes, 0);
  t.is(cache.size, 0);
});

test("a value in a buffer large for the budget is cached as a copy", (t) => {
  const cache = new LatestCache(80_000);
  const genesis = new Uint8Array(1_000_000).fill(7);
  cache.remember("k", genesis.subarray(500, 600));
  const cached = cache.get("k");
  t.not(cached?.buffer, genesis.buffer);
  t.deepEqual(cached, genesis.subarray(500, 600));
  t.true(cache.bytes < 1_000);
});
