import test from "ava";
import { parseQuery, QueryError } from "../../chain/blockstore/query.ts";
import { SearchError } from "../../chain/blockstore/search.ts";
import { BlockStoreImpl } from "../../chain/blockstore/store.ts";
import { toHex } from "../../chain/types/bytes.ts";
import { txHash } from "../../chain/types/hashes.ts";
import { makeChain, openTempDb, saveChain } from "./helpers.ts";

const ALL = { page: 1, perPage: 100, orderBy: "asc" as const };

async function setup(t: import("ava").ExecutionContext) {
  const { db, cleanup } = await openTempDb();
  t.teardown(cleanup);
  const store = new BlockStoreImpl(db);
  await store.open();
  const chain = makeChain(12, 3);
  await saveChain(db, store, chain);
  return { store, chain };
}

const ids = (txs: { height: bigint; index: number }[]) => txs.map((tx) => `${tx.height}/${tx.index}`);

test("tx_search: hash, height, ranges, attributes, AND, CONTAINS, EXISTS, numbers", async (t) => {
  const { store, chain } = await setup(t);
  const hash = toHex(txHash(chain[4]!.block.data.txs[2]!));
  t.deepEqual(ids((await store.searchTxs(`tx.hash='${hash.toUpperCase()}'`, ALL)).txs), ["5/2"]);
  t.deepEqual(ids((await store.searchTxs(`tx.hash='${hash}'`, ALL)).txs), ["5/2"]);
  t.deepEqual(ids((await store.searchTxs(`tx.hash='${"00".repeat(32)}'`, ALL)).txs), []);
  t.deepEqual(ids((await store.searchTxs("tx.height=3", ALL)).txs), ["3/0", "3/1", "3/2"]);
  t.deepEqual(ids((await store.searchTxs("tx.height>=11", ALL)).txs), [
    "11/0",
    "11/1",
    "11/2",
    "12/0",
    "12/1",
    "12/2",
  ]);
  t.is((await store.searchTxs("tx.height > 2 AND tx.height < 5", ALL)).totalCount, 6);
  t.is((await store.searchTxs("tx.height > 2.5 AND tx.height <= 4", ALL)).totalCount, 6);
  t.is((await store.searchTxs("tx.height = 2.5", ALL)).totalCount, 0);

  // sender sensor1s0 at heights 3, 6, 9, 12.
  const bySender = await store.searchTxs("message.sender='sensor1s0'", ALL);
  t.is(bySender.totalCount, 12);
  t.deepEqual([...new Set(bySender.txs.map((tx) => tx.height))], [3n, 6n, 9n, 12n]);
  // Conditions satisfied by different events of the same type (action and the fee sender).
  t.is(
    (
      await store.searchTxs(
        "message.action='/cosmos.bank.v1beta1.MsgSend' AND message.sender='sensor1fee'",
        ALL,
      )
    ).totalCount,
    36,
  );
  t.deepEqual(
    ids(
      (
        await store.searchTxs(
          "message.sender='sensor1s0' AND tx.height>=9 AND transfer.recipient='sensor1r1'",
          ALL,
        )
      ).txs,
    ),
    ["9/1", "12/1"],
  );
  // Numeric comparison of attribute values (not lexicographic): amounts are h*100+i.
  t.deepEqual(ids((await store.searchTxs("transfer.amount >= 1101", ALL)).txs), [
    "11/1",
    "11/2",
    "12/0",
    "12/1",
    "12/2",
  ]);
  t.deepEqual(ids((await store.searchTxs("transfer.amount = 902", ALL)).txs), ["9/2"]);
  t.deepEqual(ids((await store.searchTxs("transfer.amount > 200 AND transfer.amount < 300.5", ALL)).txs), [
    "2/1",
    "2/2",
    "3/0",
  ]);
  t.is((await store.searchTxs("transfer.recipient CONTAINS 'r2'", ALL)).totalCount, 12);
  t.is((await store.searchTxs("transfer.recipient CONTAINS '1r' AND tx.height<=2", ALL)).totalCount, 6);
  t.is((await store.searchTxs("transfer.amount EXISTS", ALL)).totalCount, 36);
  t.is((await store.searchTxs("transfer.amount EXISTS AND tx.height=7", ALL)).totalCount, 3);
  // Unindexed attributes cannot be searched (CometBFT indexes only index=true attributes).
  t.is((await store.searchTxs("message.memo='hidden3'", ALL)).totalCount, 0);
  t.is((await store.searchTxs("message.memo EXISTS", ALL)).totalCount, 0);
  t.is((await store.searchTxs("nothing.here='x'", ALL)).totalCount, 0);
  // tx.hash combined with other conditions is still checked against them.
  t.is((await store.searchTxs(`tx.hash='${hash}' AND tx.height=4`, ALL)).totalCount, 0);
});

test("tx_search: paging, order and totals", async (t) => {
  const { store } = await setup(t);
  const query = "message.action='/cosmos.bank.v1beta1.MsgSend'";
  const first = await store.searchTxs(query, { page: 1, perPage: 10, orderBy: "asc" });
  t.is(first.totalCount, 36);
  t.deepEqual(ids(first.txs).slice(0, 4), ["1/0", "1/1", "1/2", "2/0"]);
  const last = await store.searchTxs(query, { page: 4, perPage: 10, orderBy: "asc" });
  t.is(last.txs.length, 6);
  t.deepEqual(ids(last.txs).slice(-1), ["12/2"]);
  const desc = await store.searchTxs(query, { page: 1, perPage: 4, orderBy: "desc" });
  t.deepEqual(ids(desc.txs), ["12/2", "12/1", "12/0", "11/2"]);
  const past = await store.searchTxs(query, { page: 5, perPage: 10, orderBy: "asc" });
  t.deepEqual(past.txs, []);
  t.is(past.totalCount, 36);
  await t.throwsAsync(store.searchTxs(query, { page: 0, perPage: 10, orderBy: "asc" }), {
    instanceOf: SearchError,
  });
  // Pages of the same query are disjoint and complete.
  const seen: string[] = [];
  for (let page = 1; page <= 4; page++)
    seen.push(...ids((await store.searchTxs(query, { page, perPage: 10, orderBy: "asc" })).txs));
  t.is(new Set(seen).size, 36);
});

test("block_search: block.height and finalize_block events", async (t) => {
  const { store } = await setup(t);
  t.deepEqual((await store.searchBlocks("block.height=4", ALL)).heights, [4n]);
  t.deepEqual((await store.searchBlocks("block.height > 10", ALL)).heights, [11n, 12n]);
  t.deepEqual((await store.searchBlocks("block_reward.parity='even' AND block.height<=6", ALL)).heights, [
    2n,
    4n,
    6n,
  ]);
  t.deepEqual((await store.searchBlocks("block_reward.amount >= 100", { ...ALL, orderBy: "desc" })).heights, [
    12n,
    11n,
    10n,
  ]);
  t.is((await store.searchBlocks("block_reward.parity EXISTS", ALL)).totalCount, 12);
  const paged = await store.searchBlocks("block.height >= 1", { page: 2, perPage: 5, orderBy: "asc" });
  t.deepEqual(paged.heights, [6n, 7n, 8n, 9n, 10n]);
  t.is(paged.totalCount, 12);
  // Tx events are not block events (CometBFT 0.38 block indexer).
  t.is((await store.searchBlocks("message.sender='sensor1fee'", ALL)).totalCount, 0);
});

test("query parser: values, operators and typed errors", async (t) => {
  const { store } = await setup(t);
  t.deepEqual(
    parseQuery("a.b = 'x y' AND c.d>=1.50 AND e.f EXISTS AND g CONTAINS 'z'").map((c) => c.op),
    ["=", ">=", "EXISTS", "CONTAINS"],
  );
  const [date] = parseQuery("tx.time >= DATE 2013-05-03");
  t.is(date?.value?.kind, "date");
  const [time] = parseQuery("tx.time < TIME 2013-05-03T14:45:00Z");
  t.is(time?.value?.kind, "time");
  for (const bad of [
    "",
    "tx.height",
    "tx.height = ",
    "tx.height = 5 AND",
    "tx.height = 5 OR tx.height = 6",
    "a.b = 'unterminated",
    "a.b < 'string'",
    "a.b CONTAINS 5",
    "a.b = DATE 2013-13-45",
    "a.b = TIME 1800-01-01T00:00:00Z",
    "a.b ! 'x'",
    `a.b = '${"x".repeat(600)}'`,
  ])
    t.throws(() => parseQuery(bad), { instanceOf: QueryError }, bad);
  const error = await t.throwsAsync(store.searchTxs("tx.height >> 3", ALL), { instanceOf: QueryError });
  t.is(error?.code, "invalid_query");
});

test("time attributes compare as instants", async (t) => {
  const { match } = { match: await import("../../chain/blockstore/match.ts") };
  const [after] = parseQuery("x.t > TIME 2024-01-01T00:00:00Z");
  t.true(match.valueMatches("2024-01-01T00:00:00.5Z", after!));
  t.false(match.valueMatches("2023-12-31T23:59:59Z", after!));
  const [day] = parseQuery("x.t = DATE 2024-01-01");
  t.true(match.valueMatches("2024-01-01", day!));
});
