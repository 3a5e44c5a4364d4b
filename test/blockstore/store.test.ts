import test from "ava";
import { BlockStoreError, BlockStoreImpl } from "../../chain/blockstore/store.ts";
import { KEYSPACE } from "../../chain/db-keyspace.ts";
import { toHex } from "../../chain/types/bytes.ts";
import { txHash } from "../../chain/types/hashes.ts";
import { makeChain, openTempDb, saveChain } from "./helpers.ts";

test("save/load round trips: blocks, metas, commits, results, validators, txs; reopen keeps base/height", async (t) => {
  const { db, cleanup } = await openTempDb();
  t.teardown(cleanup);
  const store = new BlockStoreImpl(db);
  await store.open();
  t.is(store.height(), 0n);
  t.is(store.base(), 0n);
  const chain = makeChain(8);
  await saveChain(db, store, chain);
  t.is(store.height(), 8n);
  t.is(store.base(), 1n);

  for (const saved of chain) {
    const h = saved.block.header.height;
    t.deepEqual(await store.loadBlock(h), saved.block);
    t.deepEqual(await store.loadBlockByHash(saved.blockId.hash), saved.block);
    const meta = await store.loadBlockMeta(h);
    t.deepEqual(meta?.blockId, saved.blockId);
    t.is(meta?.numTxs, 2);
    t.deepEqual(await store.loadResults(h), saved.results);
    t.deepEqual(await store.loadValidators(h), saved.validators);
  }
  // Canonical commit (from block h+1) for h < 8, seen commit for the tip.
  t.deepEqual(await store.loadCommit(3n), chain[3]!.block.lastCommit);
  t.deepEqual(await store.loadCommit(8n), chain[7]!.seenCommit);
  t.is(await store.loadSeenCommit(3n), undefined);
  t.is(await store.loadBlock(9n), undefined);

  const tx = chain[2]!.block.data.txs[1]!;
  const indexed = await store.loadTx(txHash(tx));
  t.is(indexed?.height, 3n);
  t.is(indexed?.index, 1);
  t.deepEqual(indexed?.tx, tx);
  t.deepEqual(indexed?.result, chain[2]!.results.txResults[1]);

  // Every key the store wrote lies in its key space.
  for await (const key of db.keys())
    t.true(key[0]! >= KEYSPACE.blockstoreFirst && key[0]! <= KEYSPACE.blockstoreLast);

  const reopened = new BlockStoreImpl(db);
  await reopened.open();
  t.is(reopened.height(), 8n);
  t.is(reopened.base(), 1n);
  // The reopened store keeps storing validator sets only on change.
  const more = makeChain(9).slice(8);
  await saveChain(db, reopened, more);
  t.deepEqual(await reopened.loadValidators(9n), more[0]!.validators);
});

test("validator sets are stored only at change heights", async (t) => {
  const { db, cleanup } = await openTempDb();
  t.teardown(cleanup);
  const store = new BlockStoreImpl(db);
  await store.open();
  await saveChain(db, store, makeChain(8));
  const sizes: number[] = [];
  for (let h = 1n; h <= 8n; h++)
    sizes.push((await db.get(Uint8Array.of(0x17, 0, 0, 0, 0, 0, 0, 0, Number(h))))!.length);
  // Full sets at 1 and 5, pointers elsewhere.
  t.true(sizes[0]! > 50 && sizes[4]! > 50);
  for (const i of [1, 2, 3, 5, 6, 7]) t.true(sizes[i]! < 4, `height ${i + 1}`);
});

test("save rejects a gap, a wrong validator set and markCommitted without save", async (t) => {
  const { db, cleanup } = await openTempDb();
  t.teardown(cleanup);
  const store = new BlockStoreImpl(db);
  await store.open();
  const chain = makeChain(6);
  await saveChain(db, store, chain.slice(0, 2));
  t.throws(() => store.saveBlockOperations({ ...chain[3]!, blockSize: 1 }), { instanceOf: BlockStoreError });
  t.throws(
    () => store.saveBlockOperations({ ...chain[2]!, validators: chain[5]!.validators, blockSize: 1 }),
    {
      instanceOf: BlockStoreError,
    },
  );
  t.throws(() => store.markCommitted(3n), { instanceOf: BlockStoreError });
});

test("pruning removes old heights, keeps the tx index and the validator sets still needed", async (t) => {
  const { db, cleanup } = await openTempDb();
  t.teardown(cleanup);
  const store = new BlockStoreImpl(db);
  await store.open();
  const chain = makeChain(8);
  await saveChain(db, store, chain);
  const pruned = await store.pruneBlocks(7n);
  await db.batch(
    pruned.operations.map((op) =>
      op.type === "put" ? { ...op, type: "put" as const } : { ...op, type: "del" as const },
    ),
  );
  store.markPruned(pruned.base);
  t.is(store.base(), 7n);
  t.is(await store.loadBlock(6n), undefined);
  t.is(await store.loadBlockByHash(chain[5]!.blockId.hash), undefined);
  t.deepEqual(await store.loadBlock(7n), chain[6]!.block);
  // Set of height 7 was stored at 5, which pruning had to keep.
  t.deepEqual(await store.loadValidators(7n), chain[6]!.validators);
  t.deepEqual(await store.loadValidators(8n), chain[7]!.validators);
  t.is((await store.loadTx(txHash(chain[0]!.block.data.txs[0]!)))?.height, 1n);
  const reopened = new BlockStoreImpl(db);
  await reopened.open();
  t.is(reopened.base(), 7n);
  t.is(toHex((await reopened.loadBlockMeta(8n))!.blockId.hash), toHex(chain[7]!.blockId.hash));
  const blocks = await reopened.searchBlocks("block.height > 0", { page: 1, perPage: 100, orderBy: "asc" });
  t.deepEqual(blocks.heights, [7n, 8n]);
});
