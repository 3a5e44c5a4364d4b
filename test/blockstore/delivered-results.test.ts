import test from "ava";
import type { Event, ExecTxResult } from "../../chain/app/abci.ts";
import { DeliveredTxResult, deliveredResult } from "../../chain/app/delivered-result.ts";
import { byteArena } from "../../chain/blockstore/byte-arena.ts";
import { BlockStoreImpl } from "../../chain/blockstore/store.ts";
import type { BatchOperation } from "../../chain/db-keyspace.ts";
import { txHash } from "../../chain/types/hashes.ts";
import { makeChain, openTempDb, saveChain } from "./helpers.ts";

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x ^= x + Math.imul(x ^ (x >>> 7), 61 | x);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

const PIECES = ["", "a", "sender", "sensor1qqqq", "é", "日本", "😀", ".", "x".repeat(130), "ü".repeat(140)];

function text(next: () => number): string {
  let out = "";
  const parts = Math.floor(next() * 3);
  for (let i = 0; i < parts; i++) out += PIECES[Math.floor(next() * PIECES.length)]!;
  return out;
}

/** Events with repeated pairs, empty types and keys, unindexed attributes, non-ASCII and long strings
 * (over the 256 bytes an index key holds as they are). */
function randomEvents(next: () => number): Event[] {
  const events: Event[] = [];
  const count = Math.floor(next() * 8);
  for (let i = 0; i < count; i++) {
    const attributes: Event["attributes"] = [];
    const attributeCount = Math.floor(next() * 6);
    for (let j = 0; j < attributeCount; j++)
      attributes.push({ key: text(next), value: text(next), index: next() < 0.7 });
    events.push({ type: text(next), attributes });
  }
  // The same pair again, as the SDK repeats message.sender.
  if (events.length > 0 && next() < 0.5) events.push(structuredClone(events[0]!));
  return events;
}

function operationsOf(results: (height: bigint) => ExecTxResult[]): BatchOperation[][] {
  const chain = makeChain(3, 12);
  const none = async function* () {};
  const store = new BlockStoreImpl({ get: async () => undefined, keys: none, iterator: none });
  return chain.map((saved) => {
    const height = saved.block.header.height;
    const ops = store.saveBlockOperations({
      ...saved,
      results: { ...saved.results, txResults: results(height) },
      blockSize: 1000,
    });
    store.markCommitted(height);
    return ops;
  });
}

test("a block saved with delivered (encoded) results writes what it writes with plain ones", (t) => {
  for (let seed = 1; seed <= 40; seed++) {
    const plain = new Map<bigint, ExecTxResult[]>();
    const next = random(seed);
    for (let height = 1n; height <= 3n; height++)
      plain.set(
        height,
        Array.from({ length: 12 }, (_, index) => ({
          code: index % 3 === 0 ? 5 : 0,
          data: Uint8Array.of(index),
          log: index % 3 === 0 ? "failed ü" : "",
          info: "",
          gasWanted: 1000n,
          gasUsed: 900n + BigInt(index),
          events: randomEvents(next),
          codespace: index % 3 === 0 ? "sdk" : "",
        })),
      );
    const expected = operationsOf((height) => plain.get(height)!);
    const actual = operationsOf((height) => {
      const allocate = byteArena();
      return plain.get(height)!.map((result) => deliveredResult(result, allocate));
    });
    t.deepEqual(actual, expected, `seed ${seed}`);
  }
});

function resultWith(events: Event[]): ExecTxResult {
  return {
    code: 0,
    data: new Uint8Array(0),
    log: "",
    info: "",
    gasWanted: 1n,
    gasUsed: 1n,
    events,
    codespace: "",
  };
}

test("a delivered result keeps the events it was given; a lone surrogate keeps the result as it is", (t) => {
  const next = random(7);
  for (let i = 0; i < 50; i++) {
    const events = randomEvents(next);
    const delivered = deliveredResult(resultWith(events), byteArena());
    t.true(delivered instanceof DeliveredTxResult);
    t.deepEqual(delivered.events, events);
    t.is(delivered.gasUsed, 1n);
  }
  const lone = resultWith([{ type: "t", attributes: [{ key: "k", value: "\ud800", index: true }] }]);
  t.is(deliveredResult(lone, byteArena()), lone);
});

test("a stored delivered result loads as the result it stands for", async (t) => {
  const { db, cleanup } = await openTempDb();
  t.teardown(cleanup);
  const store = new BlockStoreImpl(db);
  await store.open();
  const [saved] = makeChain(1, 3);
  const allocate = byteArena();
  const txResults = saved!.results.txResults.map((result) => deliveredResult(result, allocate));
  await saveChain(db, store, [{ ...saved!, results: { ...saved!.results, txResults } }]);
  t.deepEqual((await store.loadResults(1n))?.txResults, saved!.results.txResults);
  t.deepEqual((await store.loadTx(txHash(saved!.block.data.txs[2]!)))?.result, saved!.results.txResults[2]);
});
