// Versions: reads, iteration and proofs at past heights; pruning; reopening.
import test from "ava";
import { bytesEqual, toHex } from "../../chain/crypto/hash.ts";
import { iterateKeys } from "../../chain/store/db.ts";
import { PREFIX } from "../../chain/store/keys.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { verifyChainedMembership, verifyChainedNonMembership } from "../../light-client/ics23/index.ts";
import { collect, openDb, tempDir, text } from "./helpers.ts";

const LAST_VERSION = 12;
const pruning = { keepRecent: 3, interval: 2 };

/** Per version v: "counter" = v, "stable-i" set at v1 only, "gone" present at v1..v5, "temp-v" exists only at v. */
function blockWrites(version: number): [string, string | undefined][] {
  const writes: [string, string | undefined][] = [["counter", `c${version}`]];
  if (version === 1) for (let i = 0; i < 50; i++) writes.push([`stable-${i}`, `s${i}`]);
  if (version === 1) writes.push(["gone", "here"]);
  if (version === 6) writes.push(["gone", undefined]);
  writes.push([`temp-${version}`, "t"]);
  if (version > 1) writes.push([`temp-${version - 1}`, undefined]);
  return writes;
}

async function build(db: Parameters<typeof openCommitMultiStore>[0]["db"]) {
  const cms = await openCommitMultiStore({ db, storeNames: ["main", "other"], pruning });
  const appHashes: Uint8Array[] = [];
  for (let version = 0; version <= LAST_VERSION; version++) {
    const cache = cms.cacheMultiStore();
    for (const [key, value] of version === 0 ? [] : blockWrites(version)) {
      if (value === undefined) cache.store("main").delete(text(key));
      else cache.store("main").set(text(key), text(value));
    }
    await cms.commit(await cms.prepareCommit(cache, version), []);
    appHashes.push(cms.lastCommit().appHash);
  }
  return { cms, appHashes };
}

const decode = (bytes: Uint8Array | undefined) =>
  bytes === undefined ? undefined : new TextDecoder().decode(bytes);

test("reads, iteration and proofs at old versions; pruned versions refuse", async (t) => {
  const dir = await tempDir(t);
  const db = await openDb(dir);
  const { cms, appHashes } = await build(db);
  const oldest = LAST_VERSION - pruning.keepRecent; // 12 is a multiple of the interval: pruned through 8
  for (let version = oldest; version <= LAST_VERSION; version++) {
    const reader = cms.readerAt(version);
    t.is(decode(await reader.get("main", text("counter"))), `c${version}`);
    t.is(decode(await reader.get("main", text("stable-7"))), "s7");
    t.is(await reader.get("main", text("gone")), undefined);
    t.is(decode(await reader.get("main", text(`temp-${version}`))), "t");
    t.is(await reader.get("main", text(`temp-${version - 1}`)), undefined);
    const keys = (await collect(reader.iterate("main", { start: text("t"), end: text("u") }))).map(([k]) =>
      decode(k),
    );
    t.deepEqual(keys, [`temp-${version}`]);
    for (const key of ["counter", "stable-3", `temp-${version}`]) {
      const { value, proofOps } = await cms.prove("main", text(key), version);
      t.notThrows(() => verifyChainedMembership(appHashes[version]!, proofOps, "main", text(key), value!));
    }
    const absent = await cms.prove("main", text("gone"), version);
    t.notThrows(() => verifyChainedNonMembership(appHashes[version]!, absent.proofOps, "main", text("gone")));
  }
  for (let version = 0; version < oldest; version++) {
    t.throws(() => cms.readerAt(version), { code: "pruned_version" });
    await t.throwsAsync(cms.prove("main", text("counter"), version), { code: "pruned_version" });
  }
  t.throws(() => cms.readerAt(LAST_VERSION + 1), { code: "unknown_version" });
  // Reverse iteration at an old version, with a limit.
  const reversed = await collect(cms.readerAt(oldest).iterate("main", { reverse: true, limit: 3 }));
  t.deepEqual(
    reversed.map(([k]) => decode(k)),
    [`temp-${oldest}`, "stable-9", "stable-8"],
  );
  // Pruning removed superseded history: "counter" keeps only the entries versions >= oldest need.
  const historyKeys = await collect(
    iterateKeys(db, { gte: Uint8Array.of(PREFIX.ssHistory), lt: Uint8Array.of(PREFIX.ssHistory + 1) }),
  );
  const counterEntries = historyKeys.filter((key) => toHex(key).includes(toHex(text("counter"))));
  t.is(counterEntries.length, LAST_VERSION - oldest + 1);
  await db.close();
});

test("archive mode keeps every version", async (t) => {
  const dir = await tempDir(t);
  const db = await openDb(dir);
  const cms = await openCommitMultiStore({ db, storeNames: ["main"] });
  for (let version = 0; version <= 5; version++) {
    const cache = cms.cacheMultiStore();
    cache.store("main").set(text("k"), text(`v${version}`));
    await cms.commit(await cms.prepareCommit(cache, version), []);
  }
  for (let version = 0; version <= 5; version++)
    t.is(decode(await cms.readerAt(version).get("main", text("k"))), `v${version}`);
  await db.close();
});

test("reopening gives the same last commit, data, proofs and pruning state", async (t) => {
  const dir = await tempDir(t);
  let db = await openDb(dir);
  const { cms, appHashes } = await build(db);
  const before = cms.lastCommit();
  const rootsBefore = await cms.storeRoots(LAST_VERSION);
  await db.close();
  db = await openDb(dir);
  t.teardown(() => db.close());
  const reopened = await openCommitMultiStore({ db, storeNames: ["main", "other"], pruning });
  t.is(reopened.lastCommit().version, before.version);
  t.true(bytesEqual(reopened.lastCommit().appHash, before.appHash));
  t.deepEqual(
    [...(await reopened.storeRoots(LAST_VERSION))].map(([n, r]) => [n, toHex(r)]),
    [...rootsBefore].map(([n, r]) => [n, toHex(r)]),
  );
  const cache = reopened.cacheMultiStore();
  t.is(decode(cache.store("main").get(text("counter"))), `c${LAST_VERSION}`);
  t.is(decode(cache.store("main").get(text("stable-49"))), "s49");
  const { value, proofOps } = await reopened.prove("main", text("stable-0"), LAST_VERSION - 1);
  t.notThrows(() =>
    verifyChainedMembership(appHashes[LAST_VERSION - 1]!, proofOps, "main", text("stable-0"), value!),
  );
  t.throws(() => reopened.readerAt(2), { code: "pruned_version" });
  // It keeps committing where it left off.
  cache.store("main").set(text("counter"), text("after"));
  await reopened.commit(await reopened.prepareCommit(cache, LAST_VERSION + 1), []);
  t.is(decode(reopened.cacheMultiStore().store("main").get(text("counter"))), "after");
  // A store in the database must be mounted.
  await t.throwsAsync(openCommitMultiStore({ db, storeNames: ["main"] }), { code: "unknown_store" });
});

test("state storage history holds exactly the entries unpruned versions read; no-op writes add none", async (t) => {
  // Model: per key, the versions that changed it (undefined value = delete). The stale version of each entry
  // comes from the SMT leaf the write replaces (chain/store/README.md, Pruning), so this pins that bookkeeping.
  const dir = await tempDir(t);
  const db = await openDb(dir);
  t.teardown(() => db.close());
  const cms = await openCommitMultiStore({
    db,
    storeNames: ["main"],
    pruning: { keepRecent: 2, interval: 3 },
  });
  const history = new Map<string, [number, string | undefined][]>();
  const current = new Map<string, string>();
  let state = 7;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) >>> 0;
    return (state >>> 8) % n;
  };
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  for (let version = 1; version <= 30; version++) {
    const cache = cms.cacheMultiStore();
    const store = cache.store("main");
    const touched = new Map<string, string | undefined>();
    for (let i = 0; i < 8; i++) {
      const key = `k${next(12)}`;
      const roll = next(4);
      // Deletes (of present and absent keys), same-value sets (no-ops), new values.
      const value = roll === 0 ? undefined : roll === 1 ? current.get(key) : `v${version}-${i}`;
      if (value === undefined) store.delete(text(key));
      else store.set(text(key), text(value));
      touched.set(key, value);
    }
    for (const [key, value] of touched) {
      if (value === current.get(key)) continue; // unchanged, or delete of an absent key
      if (value === undefined) current.delete(key);
      else current.set(key, value);
      const entries = history.get(key) ?? [];
      entries.push([version, value]);
      history.set(key, entries);
    }
    await cms.commit(await cms.prepareCommit(cache, version), []);
  }
  const prunedBytes = await db.get(Uint8Array.of(PREFIX.meta, 0x02), { valueEncoding: "view" });
  const prunedThrough = Number(Buffer.from(prunedBytes!).readBigUInt64BE(0));
  t.true(prunedThrough >= 20);
  // An entry written at w and replaced at s serves versions w..s-1: kept while s > prunedThrough + 1. A
  // tombstone hides nothing once everything before it is pruned, so it goes when w <= prunedThrough + 1.
  const expected: string[] = [];
  for (const [key, entries] of history)
    entries.forEach(([written, value], index) => {
      const replaced = entries[index + 1]?.[0] ?? Number.POSITIVE_INFINITY;
      if (replaced <= prunedThrough + 1) return;
      if (value === undefined && written <= prunedThrough + 1) return;
      expected.push(`${key}@${written}`);
    });
  const { decodeSsHistoryKey, encodeStorePrefix, ssHistoryBound } = await import("../../chain/store/keys.ts");
  const keyspace = ssHistoryBound(encodeStorePrefix("main"), new Uint8Array(0));
  const stored = (
    await collect(
      iterateKeys(db, { gte: Uint8Array.of(PREFIX.ssHistory), lt: Uint8Array.of(PREFIX.ssHistory + 1) }),
    )
  ).map((historyKey) => {
    const [key, version] = decodeSsHistoryKey(historyKey, keyspace.length);
    return `${decode(key)}@${version}`;
  });
  t.deepEqual(stored.sort(), expected.sort());
  const reader = cms.readerAt(30);
  for (let k = 0; k < 12; k++) t.is(decode(await reader.get("main", text(`k${k}`))), current.get(`k${k}`));
});
