import test, { type ExecutionContext } from "ava";
import { encodeExecTxResult, encodeResults, encodeTxRecord } from "../../chain/blockstore/codec.ts";
import { heightKey, PREFIX, txByHeightKey, txKey } from "../../chain/blockstore/keys.ts";
import { BlockStoreImpl } from "../../chain/blockstore/store.ts";
import { concatBytes } from "../../chain/types/bytes.ts";
import { txHash } from "../../chain/types/hashes.ts";
import { makeChain, openTempDb, saveChain } from "./helpers.ts";

/** A store holding `heights` heights of 3 txs each, as this code saves them (format 2). */
async function savedChain(t: ExecutionContext, heights: number) {
  const { db, cleanup } = await openTempDb();
  t.teardown(cleanup);
  const store = new BlockStoreImpl(db);
  await store.open();
  const chain = makeChain(heights, 3);
  await saveChain(db, store, chain);
  return { db, store, chain };
}

test("format 2 stores each tx result once, beside its hash in the tx's (height, index) entry", async (t) => {
  const { db, store, chain } = await savedChain(t, 2);
  const saved = chain[1]!;
  const stored = async (key: Uint8Array) => Uint8Array.from((await db.get(key)) ?? []);
  t.deepEqual(
    await stored(heightKey(PREFIX.results, 2n)),
    encodeResults({ ...saved.results, txResults: [] }),
  );
  for (const [index, tx] of saved.block.data.txs.entries()) {
    const hash = txHash(tx);
    t.deepEqual(await stored(txKey(hash)), encodeTxRecord({ height: 2n, index, tx }));
    const result = encodeExecTxResult(saved.results.txResults[index]!);
    t.deepEqual(await stored(txByHeightKey(2n, index)), concatBytes(hash, result));
  }
  t.deepEqual(await store.loadResults(2n), saved.results);
});

test("blocks stored in format 1 (results in the block's record and in each tx record) read as before", async (t) => {
  const { db, store, chain } = await savedChain(t, 3);
  // Heights 1 and 2 rewritten as format 1 stored them.
  for (const saved of chain.slice(0, 2)) {
    const height = saved.block.header.height;
    await db.put(heightKey(PREFIX.results, height), encodeResults(saved.results));
    for (const [index, tx] of saved.block.data.txs.entries()) {
      const hash = txHash(tx);
      const result = saved.results.txResults[index]!;
      await db.put(txKey(hash), encodeTxRecord({ height, index, tx, result }));
      await db.put(txByHeightKey(height, index), hash);
    }
  }
  for (const saved of chain) {
    const height = saved.block.header.height;
    t.deepEqual(await store.loadResults(height), saved.results);
    for (const [index, tx] of saved.block.data.txs.entries()) {
      const loaded = await store.loadTx(txHash(tx));
      t.deepEqual(loaded, { hash: txHash(tx), height, index, tx, result: saved.results.txResults[index]! });
    }
  }
  // Search reads both: every tx of every height by its sender (sensor1s<h % 3>) and by height.
  const all = await store.searchTxs("tx.height >= 1", { page: 1, perPage: 100, orderBy: "asc" });
  t.is(all.totalCount, 9);
  t.deepEqual(
    all.txs.map((tx) => tx.result),
    chain.flatMap((saved) => saved.results.txResults),
  );
  const bySender = await store.searchTxs("message.sender = 'sensor1s2'", {
    page: 1,
    perPage: 100,
    orderBy: "asc",
  });
  t.deepEqual(
    bySender.txs.map((tx) => tx.height),
    [2n, 2n, 2n],
  );
});
