// Format 5 (chain/store/README.md): no SMT records on disk, the tree rebuilt from state storage at open, proofs at
// versions beyond the retained window rebuilt from state-storage history, dropped prepares, older formats refused.
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { iterateKeys } from "../../chain/store/db.ts";
import { encodeStorePrefix, META, ssLatestKey } from "../../chain/store/keys.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { multistoreRoot } from "../../chain/store/simple-merkle.ts";
import { SNAPSHOT_FILE } from "../../chain/store/smt-snapshot.ts";
import type { CacheMultiStore } from "../../chain/store/types.ts";
import { verifyChainedMembership, verifyChainedNonMembership } from "../../light-client/ics23/index.ts";
import { collect, openDb, seededRandom, tempDb, tempDir } from "./helpers.ts";
import { smtRootOf } from "./smt-reference.ts";

const STORES = ["main", "other"];
const BINARY = { keyEncoding: "view", valueEncoding: "view" } as const;
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const rootOf = (state: Map<string, Uint8Array>) =>
  smtRootOf([...state].map(([key, value]) => [Uint8Array.from(Buffer.from(key, "hex")), value]));

/** `count` writes of random keys and values (lengths in the given ranges) to store "main", recorded in `live`. */
function writeRandom(
  cache: CacheMultiStore,
  random: ReturnType<typeof seededRandom>,
  live: Map<string, Uint8Array>,
  count: number,
  [keyMin, keyMax]: [number, number],
  [valueMin, valueMax]: [number, number],
): void {
  for (let i = 0; i < count; i++) {
    const key = random.bytes(keyMin, keyMax);
    const value = random.bytes(valueMin, valueMax);
    cache.store("main").set(key, value);
    live.set(hex(key), value);
  }
}

async function appHashAt(cms: Awaited<ReturnType<typeof openCommitMultiStore>>, version: number) {
  const roots = await cms.storeRoots(version);
  return multistoreRoot([...roots].map(([name, root]) => ({ name, root })));
}

test("pruning: no SMT records on disk, every kept version's root as from scratch", async (t) => {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: STORES, pruning: { keepRecent: 4, interval: 3 } });
  const random = seededRandom(11);
  const live = new Map<string, Uint8Array>();
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  for (let version = 1; version <= 40; version++) {
    const cache = cms.cacheMultiStore();
    const store = cache.store("main");
    for (let i = 0; i < 60; i++) {
      const key = Uint8Array.of(random.int(3), random.int(256));
      if (random.int(4) === 0) {
        store.delete(key);
        live.delete(hex(key));
      } else {
        const value = random.bytes(1, 8);
        store.set(key, value);
        live.set(hex(key), value);
      }
    }
    if (version % 5 === 0) cache.store("other").set(Uint8Array.of(version), Uint8Array.of(1));
    await cms.commit(await cms.prepareCommit(cache, version), []);
    t.deepEqual((await cms.storeRoots(version)).get("main"), rootOf(live));
  }
  // Format 4's pages (0x01) and their stale lists (0x03) are gone.
  for (const first of [0x01, 0x03])
    t.deepEqual(
      await collect(iterateKeys(db, { gte: Uint8Array.of(first), lt: Uint8Array.of(first + 1) })),
      [],
    );
  t.deepEqual([...((await db.get(META.format, BINARY)) ?? [])], [0, 5]);
});

test("reopen: the tree from state storage, proofs at retained and older versions, the next block's app hash", async (t) => {
  const dir = await tempDir(t);
  let db = await openDb(dir);
  // Two versions in memory: proofs at older ones rebuild their tree from state-storage history.
  const options = { storeNames: STORES, retainedVersions: 2 };
  let cms = await openCommitMultiStore({ db, ...options });
  const random = seededRandom(5);
  const keys: Uint8Array[] = [];
  const history: Map<string, Uint8Array>[] = [];
  const live = new Map<string, Uint8Array>();
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  history.push(new Map());
  const checkProofs = async (version: number) => {
    const state = history[version]!;
    t.deepEqual((await cms.storeRoots(version)).get("main"), rootOf(state));
    const appHash = await appHashAt(cms, version);
    for (let i = 0; i < 15; i++) {
      const key = i < 12 ? keys[random.int(keys.length)]! : random.bytes(4, 24);
      const { value, proofOps } = await cms.prove("main", key, version);
      const expected = state.get(hex(key));
      t.deepEqual(value === undefined ? undefined : new Uint8Array(value), expected);
      if (expected !== undefined)
        t.notThrows(() => verifyChainedMembership(appHash, proofOps, "main", key, expected));
      else t.notThrows(() => verifyChainedNonMembership(appHash, proofOps, "main", key));
    }
  };
  for (let version = 1; version <= 6; version++) {
    const cache = cms.cacheMultiStore();
    const store = cache.store("main");
    for (let i = 0; i < 300; i++) {
      const fresh = keys.length < 100 || random.int(3) === 0;
      const key = fresh ? random.bytes(4, 24) : keys[random.int(keys.length)]!;
      if (fresh) keys.push(key);
      if (!fresh && random.int(8) === 0) {
        store.delete(key);
        live.delete(hex(key));
        continue;
      }
      const value = random.bytes(1, 40);
      store.set(key, value);
      live.set(hex(key), value);
    }
    await cms.commit(await cms.prepareCommit(cache, version), []);
    history.push(new Map(live));
  }
  for (let version = 1; version <= 6; version++) await checkProofs(version);
  const prepareNext = async (store: typeof cms) => {
    const cache = store.cacheMultiStore();
    const next = seededRandom(9);
    for (let i = 0; i < 200; i++) cache.store("main").set(keys[next.int(keys.length)]!, next.bytes(1, 40));
    cache.store("main").delete(keys[0]!);
    cache.store("main").delete(Uint8Array.of(1, 2, 3));
    return (await store.prepareCommit(cache, 7)).appHash;
  };
  const continued = await prepareNext(cms);
  await db.close();
  db = await openDb(dir);
  t.teardown(() => db.close());
  cms = await openCommitMultiStore({ db, ...options });
  t.is(cms.lastCommit().version, 6);
  for (let version = 1; version <= 6; version++) await checkProofs(version);
  t.deepEqual(await prepareNext(cms), continued);
});

test("state storage that does not hash to the committed root is refused at open", async (t) => {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: STORES });
  const cache = cms.cacheMultiStore();
  cache.store("main").set(Uint8Array.of(1), Uint8Array.of(2));
  await cms.commit(await cms.prepareCommit(cache, 0), []);
  t.truthy(await openCommitMultiStore({ db, storeNames: STORES }));
  const latestKey = ssLatestKey(encodeStorePrefix("main"), Uint8Array.of(1));
  await db.put(latestKey, Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 3), BINARY);
  await t.throwsAsync(openCommitMultiStore({ db, storeNames: STORES }), { code: "corrupt" });
});

test("databases of earlier formats are refused at open", async (t) => {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: STORES });
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  t.truthy(await openCommitMultiStore({ db, storeNames: STORES }));
  for (const format of [4, 3]) {
    await db.put(META.format, Uint8Array.of(0, format), BINARY);
    await t.throwsAsync(openCommitMultiStore({ db, storeNames: STORES }), { code: "corrupt" });
  }
  await db.del(META.format, BINARY);
  await t.throwsAsync(openCommitMultiStore({ db, storeNames: STORES }), { code: "corrupt" });
});

test("dropped prepares change nothing; a prepare dropped by a later commit cannot be committed", async (t) => {
  const { db } = await tempDb(t);
  const cms = await openCommitMultiStore({ db, storeNames: STORES, retainedVersions: 3 });
  const random = seededRandom(21);
  const live = new Map<string, Uint8Array>();
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  for (let version = 1; version <= 12; version++) {
    // Blocks prepared and dropped (a proposer's other rounds) before the one committed.
    const droppedPrepares = [];
    for (let round = 0; round < version % 6; round++) {
      const dropped = cms.cacheMultiStore();
      for (let i = 0; i < 100; i++) dropped.store("main").set(random.bytes(2, 6), random.bytes(1, 5));
      droppedPrepares.push(await cms.prepareCommit(dropped, version));
    }
    const cache = cms.cacheMultiStore();
    writeRandom(cache, random, live, 100, [2, 6], [1, 5]);
    await cms.commit(await cms.prepareCommit(cache, version), []);
    t.deepEqual((await cms.storeRoots(version)).get("main"), rootOf(live));
    const stale = droppedPrepares[0];
    if (stale !== undefined) await t.throwsAsync(cms.commit(stale, []), { code: "unknown_version" });
  }
});

test("snapshot file: written at close, loaded at a reopen of that version, stale or damaged ones ignored", async (t) => {
  const dir = await tempDir(t);
  let db = await openDb(dir);
  let cms = await openCommitMultiStore({ db, storeNames: STORES });
  const random = seededRandom(31);
  const live = new Map<string, Uint8Array>();
  const commitBlock = async (version: number) => {
    const cache = cms.cacheMultiStore();
    writeRandom(cache, random, live, 150, [1, 12], [1, 30]);
    cache.store("other").set(Uint8Array.of(version), Uint8Array.of(version + 1));
    await cms.commit(await cms.prepareCommit(cache, version), []);
  };
  for (let version = 0; version <= 3; version++) await commitBlock(version);
  await db.close();
  const path = join(dir, SNAPSHOT_FILE);
  const atThree = await readFile(path);
  // The snapshot is what the reopened store uses: a state-storage value changed behind its back goes unseen.
  db = await openDb(dir);
  const [key, value] = [...live][0]!;
  const latestKey = ssLatestKey(encodeStorePrefix("main"), Buffer.from(key, "hex"));
  const original = (await db.get(latestKey, BINARY))!;
  await db.put(latestKey, Uint8Array.of(...original.subarray(0, 8), ...value, 1), BINARY);
  cms = await openCommitMultiStore({ db, storeNames: STORES });
  t.deepEqual((await cms.storeRoots(3)).get("main"), rootOf(live));
  // Without it the store is rebuilt from state storage, which now disagrees with the committed root.
  await rm(path);
  await t.throwsAsync(openCommitMultiStore({ db, storeNames: STORES }), { code: "corrupt" });
  await db.put(latestKey, original, BINARY);
  cms = await openCommitMultiStore({ db, storeNames: STORES });
  await commitBlock(4);
  await db.close();
  // A stale snapshot (version 3 < 4) and a damaged one are ignored and deleted; the tree comes from state storage.
  const damaged = Buffer.from(atThree);
  damaged[damaged.length >> 1]! ^= 1;
  for (const file of [atThree, damaged, atThree.subarray(0, atThree.length - 9)]) {
    await writeFile(path, file);
    db = await openDb(dir);
    cms = await openCommitMultiStore({ db, storeNames: STORES });
    t.deepEqual((await cms.storeRoots(4)).get("main"), rootOf(live));
    await t.throwsAsync(readFile(path), { code: "ENOENT" });
    const { value: proven, proofOps } = await cms.prove("main", Buffer.from(key, "hex"), 4);
    t.deepEqual(new Uint8Array(proven!), live.get(key));
    t.notThrows(() =>
      verifyChainedMembership(
        cms.lastCommit().appHash,
        proofOps,
        "main",
        Buffer.from(key, "hex"),
        live.get(key)!,
      ),
    );
    await db.close();
  }
  // The snapshot written at that last close loads, and the next block prepares as from state storage.
  db = await openDb(dir);
  t.teardown(() => db.close());
  cms = await openCommitMultiStore({ db, storeNames: STORES });
  const fromSnapshot = await cms.prepareCommit(cms.cacheMultiStore(), 5);
  await rm(path);
  const rebuilt = await openCommitMultiStore({ db, storeNames: STORES });
  t.deepEqual((await rebuilt.prepareCommit(rebuilt.cacheMultiStore(), 5)).appHash, fromSnapshot.appHash);
});
