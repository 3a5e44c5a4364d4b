// The on-disk page format (chain/store/smt-page.ts): pruning deletes exactly the pages no kept version reaches,
// pages deep below the node cache are read back correctly, and old versions prove after reopening.
import test from "ava";
import { iterateKeys } from "../../chain/store/db.ts";
import { encodeStorePrefix, META, PREFIX, readU64, smtNodeKey } from "../../chain/store/keys.ts";
import { LatestPages, positionId } from "../../chain/store/latest-pages.ts";
import { openCommitMultiStore } from "../../chain/store/multistore.ts";
import { SparseMerkleTree } from "../../chain/store/smt.ts";
import { smtRootOf } from "../../chain/store/smt-memory.ts";
import { KIND_INNER, type NodeRef, sha256, withBit } from "../../chain/store/smt-node.ts";
import {
  type ChildPage,
  decodePage,
  encodePage,
  isPageRoot,
  PAGE_LEVELS,
} from "../../chain/store/smt-page.ts";
import { updateSubtree } from "../../chain/store/smt-update.ts";
import { verifyChainedMembership, verifyChainedNonMembership } from "../../light-client/ics23/index.ts";
import { collect, openDb, seededRandom, tempDb, tempDir } from "./helpers.ts";

const STORES = ["main", "other"];
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** Keys of every page reachable from the store's root at `version`. */
function reachablePages(tree: SparseMerkleTree, version: number, out: Set<string>): void {
  const root = tree.loadRoot(version);
  if (root === undefined || root === null) return;
  const walk = (ref: NodeRef, depth: number, path: Uint8Array): void => {
    if (isPageRoot(ref, depth)) out.add(hex(smtNodeKey(tree.storePrefix, ref.version, depth, path)));
    const node = tree.load(ref, depth, path);
    if (node.kind !== KIND_INNER) return;
    if (node.left !== null) walk(node.left, depth + 1, withBit(path, depth, 0));
    if (node.right !== null) walk(node.right, depth + 1, withBit(path, depth, 1));
  };
  walk(root, 0, new Uint8Array(32));
}

test("pruning deletes exactly the pages that no kept version reaches", async (t) => {
  const { db } = await tempDb(t);
  const pruning = { keepRecent: 4, interval: 3 };
  const cms = await openCommitMultiStore({ db, storeNames: STORES, pruning, nodeCacheDepth: 4 });
  const random = seededRandom(11);
  const live = new Map<string, Uint8Array>();
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  for (let version = 1; version <= 40; version++) {
    const cache = cms.cacheMultiStore();
    const store = cache.store("main");
    // Inserts, updates and deletes (deletes collapse leaves upward across page boundaries).
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
  }
  const prunedBytes = await db.get(META.prunedThrough, { valueEncoding: "view" });
  t.truthy(prunedBytes);
  const prunedThrough = readU64(prunedBytes!, 0);
  t.true(prunedThrough > 20);
  const expected = new Set<string>();
  for (const name of STORES) {
    const tree = new SparseMerkleTree(db, name, encodeStorePrefix(name), null, 0);
    for (let version = prunedThrough + 1; version <= 40; version++) reachablePages(tree, version, expected);
  }
  const stored = await collect(
    iterateKeys(db, { gte: Uint8Array.of(PREFIX.smtNode), lt: Uint8Array.of(PREFIX.smtNode + 1) }),
  );
  const storedSet = new Set(stored.map(hex));
  t.deepEqual(
    [...storedSet].filter((key) => !expected.has(key)),
    [],
    "pages left behind",
  );
  t.deepEqual(
    [...expected].filter((key) => !storedSet.has(key)),
    [],
    "pages missing",
  );
  // The latest root is the root of the live key set computed from scratch.
  const roots = await cms.storeRoots(40);
  t.deepEqual(
    roots.get("main"),
    smtRootOf([...live].map(([key, value]) => [Uint8Array.from(Buffer.from(key, "hex")), value])),
  );
});

test("trees deeper than the node cache: updates, reopen, and proofs at old versions", async (t) => {
  const dir = await tempDir(t);
  let db = await openDb(dir);
  // Depth 0 cached only: every page below the root is read from LevelDB.
  let cms = await openCommitMultiStore({ db, storeNames: STORES, nodeCacheDepth: 1 });
  const random = seededRandom(5);
  const keys: Uint8Array[] = [];
  const history: Map<string, Uint8Array>[] = [];
  const live = new Map<string, Uint8Array>();
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  history.push(new Map());
  for (let version = 1; version <= 6; version++) {
    const cache = cms.cacheMultiStore();
    const store = cache.store("main");
    for (let i = 0; i < 700; i++) {
      const fresh = keys.length < 100 || random.int(3) === 0;
      const key = fresh ? random.bytes(4, 24) : keys[random.int(keys.length)]!;
      if (fresh) keys.push(key);
      const value = random.bytes(1, 40);
      store.set(key, value);
      live.set(hex(key), value);
    }
    await cms.commit(await cms.prepareCommit(cache, version), []);
    history.push(new Map(live));
  }
  t.true(keys.length > 1000, "deep enough for pages at depth 8");
  await db.close();
  db = await openDb(dir);
  t.teardown(() => db.close());
  cms = await openCommitMultiStore({ db, storeNames: STORES, nodeCacheDepth: 1 });
  t.is(cms.lastCommit().version, 6);
  for (let version = 1; version <= 6; version++) {
    const state = history[version]!;
    const roots = await cms.storeRoots(version);
    t.deepEqual(
      roots.get("main"),
      smtRootOf([...state].map(([key, value]) => [Uint8Array.from(Buffer.from(key, "hex")), value])),
    );
    // The app hash of version v is the one recorded at v; proofs at v chain to it.
    const appHash = await appHashAt(cms, version);
    for (let i = 0; i < 15; i++) {
      const key = keys[random.int(keys.length)]!;
      const { value, proofOps } = await cms.prove("main", key, version);
      const expected = state.get(hex(key));
      t.deepEqual(value === undefined ? undefined : new Uint8Array(value), expected);
      if (expected !== undefined)
        t.notThrows(() => verifyChainedMembership(appHash, proofOps, "main", key, expected));
      else t.notThrows(() => verifyChainedNonMembership(appHash, proofOps, "main", key));
    }
  }
  // The next block prepares to the same app hash whether the caches were warmed at open (pages at depth 3 in the
  // raw page cache here) or are filled by the block's reads.
  const prepareNext = async (store: typeof cms) => {
    const cache = store.cacheMultiStore();
    const next = seededRandom(9);
    for (let i = 0; i < 200; i++) cache.store("main").set(keys[next.int(keys.length)]!, next.bytes(1, 40));
    cache.store("main").delete(keys[0]!);
    return (await store.prepareCommit(cache, 7)).appHash;
  };
  const warmed = await prepareNext(cms);
  const cold = await openCommitMultiStore({ db, storeNames: STORES, nodeCacheDepth: 1, warmCaches: false });
  t.deepEqual(await prepareNext(cold), warmed);
});

async function appHashAt(
  cms: Awaited<ReturnType<typeof openCommitMultiStore>>,
  version: number,
): Promise<Uint8Array> {
  const { multistoreRoot } = await import("../../chain/store/simple-merkle.ts");
  const roots = await cms.storeRoots(version);
  return multistoreRoot([...roots].map(([name, root]) => ({ name, root })));
}

test("a page round-trips through its encoding; truncated or padded pages are refused as corrupt", (t) => {
  const random = seededRandom(3);
  const changes = [];
  for (let i = 0; i < 40; i++) {
    const key = random.bytes(1, 30);
    changes.push({ keyHash: sha256(key), key, valueHash: sha256(random.bytes(1, 9)) });
  }
  changes.sort((a, b) => Buffer.compare(a.keyHash, b.keyHash));
  const ctx = { version: 9, load: (ref: NodeRef) => ref.node!, markStale: undefined };
  const root = updateSubtree(ctx, null, 0, changes, 0, changes.length)!;
  const children: ChildPage[] = [];
  const bytes = encodePage(root, 0, new Uint8Array(32), 9, children);
  t.true(children.length > 0, "40 keys reach below the first page");
  const decoded = decodePage(bytes, 9, 0);
  // Same structure and hashes down to the page's bottom, where child pages are references only.
  const same = (a: NodeRef | null, b: NodeRef | null, depth: number): void => {
    t.is(a === null, b === null);
    if (a === null || b === null) return;
    t.deepEqual(new Uint8Array(a.hash), new Uint8Array(b.hash));
    t.is(a.kind, b.kind);
    if (a.kind === KIND_INNER && depth === PAGE_LEVELS) {
      t.is(b.node, undefined);
      t.is(b.version, 9);
      return;
    }
    const an = a.node!;
    const bn = b.node!;
    if (an.kind === KIND_INNER && bn.kind === KIND_INNER) {
      same(an.left, bn.left, depth + 1);
      same(an.right, bn.right, depth + 1);
    } else if (an.kind !== KIND_INNER && bn.kind !== KIND_INNER) {
      t.deepEqual(new Uint8Array(bn.key), new Uint8Array(an.key));
      t.deepEqual(new Uint8Array(bn.keyHash), new Uint8Array(an.keyHash));
      t.deepEqual(new Uint8Array(bn.hash), new Uint8Array(an.hash));
      t.is(bn.valueVersion, an.valueVersion);
    } else t.fail("node kinds differ");
  };
  same(root, { ...root, node: decoded }, 0);
  t.throws(() => decodePage(bytes.subarray(0, bytes.length - 1), 9, 0), { code: "corrupt" });
  t.throws(() => decodePage(Uint8Array.of(...bytes, 0), 9, 0), { code: "corrupt" });
  t.throws(() => decodePage(Uint8Array.of(0x07), 9, 0), { code: "corrupt" });
});

test("a database without the page-format record (binary-node format) is refused at open", async (t) => {
  const dir = await tempDir(t);
  const db = await openDb(dir);
  t.teardown(() => db.close());
  const cms = await openCommitMultiStore({ db, storeNames: STORES });
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  t.truthy(await openCommitMultiStore({ db, storeNames: STORES }));
  // Format 3 (leaves with key and value hashes) is refused as well.
  await db.put(META.format, Uint8Array.of(0, 3), { keyEncoding: "view", valueEncoding: "view" });
  await t.throwsAsync(openCommitMultiStore({ db, storeNames: STORES }), { code: "corrupt" });
  await db.del(META.format, { keyEncoding: "view" });
  await t.throwsAsync(openCommitMultiStore({ db, storeNames: STORES }), { code: "corrupt" });
});

test("the raw page cache never serves pages of a prepared block that was dropped", async (t) => {
  const { db } = await tempDb(t);
  // Decoded cache of depth 1: the pages at depth 3 go through the raw page cache.
  const cms = await openCommitMultiStore({ db, storeNames: STORES, nodeCacheDepth: 1 });
  const random = seededRandom(21);
  const live = new Map<string, Uint8Array>();
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  for (let version = 1; version <= 5; version++) {
    // A block prepared and dropped: same version, so the same page keys as the block committed instead.
    const dropped = cms.cacheMultiStore();
    for (let i = 0; i < 200; i++) dropped.store("main").set(random.bytes(2, 6), random.bytes(1, 5));
    await cms.prepareCommit(dropped, version);
    const cache = cms.cacheMultiStore();
    for (let i = 0; i < 200; i++) {
      const key = random.bytes(2, 6);
      const value = random.bytes(1, 5);
      cache.store("main").set(key, value);
      live.set(hex(key), value);
    }
    await cms.commit(await cms.prepareCommit(cache, version), []);
    const roots = await cms.storeRoots(version);
    t.deepEqual(
      roots.get("main"),
      smtRootOf([...live].map(([key, value]) => [Uint8Array.from(Buffer.from(key, "hex")), value])),
    );
  }
});

test("latest pages: served only for the version that wrote them, within the budget, intact through compaction", (t) => {
  const pages = new LatestPages(20_000_000);
  const slot = pages.addTree();
  const other = pages.addTree();
  // Rewrite 2,000 positions 40 times (80 MB), sizes varying: chunks fill with replaced pages and are compacted.
  const page = (position: number, round: number) =>
    new Uint8Array(900 + ((position + round) % 5) * 40).fill((position * 7 + round) & 0xff);
  for (let round = 0; round < 40; round++) {
    for (let position = 0; position < 2000; position++)
      pages.set(slot, position, round, page(position, round));
    pages.compact();
  }
  t.true(pages.sizeBytes <= 2_200_000);
  t.true(pages.allocatedBytes <= 16_000_000, "replaced pages were compacted away");
  for (let position = 0; position < 2000; position += 37) {
    const held = pages.get(slot, position, 39);
    if (held !== undefined) t.deepEqual(held, page(position, 39));
    t.is(pages.get(slot, position, 38), undefined, "a past version's page is not served");
    t.is(pages.get(other, position, 39), undefined, "trees do not share positions");
  }
  t.truthy(pages.get(slot, 1900, 39));
  pages.delete(slot, 1900);
  t.is(pages.get(slot, 1900, 39), undefined);
  const small = new LatestPages(100_000);
  const smallSlot = small.addTree();
  for (let position = 0; position < 1000; position++) small.set(smallSlot, position, 1, page(position, 1));
  t.true(small.sizeBytes <= 100_000, "the budget bounds the pages held");
  const off = new LatestPages(0);
  const offSlot = off.addTree();
  off.set(offSlot, 1, 1, new Uint8Array(10));
  t.is(off.get(offSlot, 1, 1), undefined);
});

test("position ids are distinct across depths and ignore the bits below the depth", (t) => {
  const path = new Uint8Array(32).fill(0xff);
  const ids = new Set<number>();
  for (let depth = 0; depth <= 45; depth++) ids.add(positionId(depth, path));
  t.is(ids.size, 46);
  t.is(positionId(3, Uint8Array.of(0b1010_0000)), positionId(3, Uint8Array.of(0b1011_1111)));
  t.is(positionId(46, path), -1);
});

test("held pages replaced across commits: deletes collapse leaves into the decoded top, every root as from scratch", async (t) => {
  const { db } = await tempDb(t);
  // Decoded top above depth 4 only: leaves collapse from held pages (depth >= 6) into it.
  const cms = await openCommitMultiStore({ db, storeNames: STORES, nodeCacheDepth: 4 });
  const random = seededRandom(33);
  const live = new Map<string, Uint8Array>();
  let largest = 0;
  await cms.commit(await cms.prepareCommit(cms.cacheMultiStore(), 0), []);
  for (let version = 1; version <= 30; version++) {
    const cache = cms.cacheMultiStore();
    const store = cache.store("main");
    // Grow, then shrink to a few keys: deletes empty whole subtrees.
    const deleting = version > 15;
    for (let i = 0; i < 60; i++) {
      const key = Uint8Array.of(random.int(2), random.int(128));
      if (deleting ? random.int(5) !== 0 : random.int(6) === 0) {
        store.delete(key);
        live.delete(hex(key));
      } else {
        const value = random.bytes(1, 12);
        store.set(key, value);
        live.set(hex(key), value);
      }
    }
    await cms.commit(await cms.prepareCommit(cache, version), []);
    largest = Math.max(largest, live.size);
    const roots = await cms.storeRoots(version);
    t.deepEqual(
      roots.get("main"),
      smtRootOf([...live].map(([key, value]) => [Uint8Array.from(Buffer.from(key, "hex")), value])),
      `root at version ${version}`,
    );
  }
  t.true(live.size < largest / 2, "the tree shrank");
});

test("latest pages: positions set and deleted at random (large ids, growth, probe runs) as a Map holds them", (t) => {
  const pages = new LatestPages(50_000_000);
  const slot = pages.addTree();
  const model = new Map<number, number>();
  let seed = 7;
  const next = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed;
  };
  // Ids of depths up to 45 (beyond 32 bits) and dense low ids, so that probe runs wrap and deletes shift them.
  const position = () => (next() % 2 === 0 ? next() % 5000 : 2 ** 45 + (next() % 3000) * 2 ** 13);
  for (let step = 0; step < 60_000; step++) {
    const at = position();
    if (next() % 3 === 0) {
      pages.delete(slot, at);
      model.delete(at);
    } else {
      const version = step;
      pages.set(slot, at, version, Uint8Array.of(step & 0xff, step >>> 8));
      model.set(at, version);
    }
    if (step % 5000 === 0) pages.compact();
  }
  for (const [at, version] of model)
    t.deepEqual(pages.get(slot, at, version), Uint8Array.of(version & 0xff, version >>> 8));
  let absent = 0;
  for (let i = 0; i < 5000; i++) if (!model.has(i) && pages.get(slot, i, 0) === undefined) absent++;
  t.is(absent, 5000 - [...model.keys()].filter((at) => at < 5000).length);
});
