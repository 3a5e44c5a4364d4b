import test from "ava";
import type { CheckTxResponse } from "../../chain/app/abci.ts";
import { Mempool, MempoolError, RECHECK_TXS_PER_TURN } from "../../chain/mempool/mempool.ts";

function check(sender: string, sequence: bigint, gasWanted = 100n): CheckTxResponse {
  return {
    code: 0,
    data: new Uint8Array(),
    log: "",
    info: "",
    gasWanted,
    gasUsed: 0n,
    events: [],
    codespace: "",
    sender,
    sequence,
  };
}

function tx(label: string, size = 10): Uint8Array {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode(label).subarray(0, size));
  return bytes;
}

function add(pool: Mempool, label: string, sender: string, sequence: bigint, size = 10) {
  const bytes = tx(label, size);
  pool.add(bytes, pool.precheck(bytes), check(sender, sequence));
  return bytes;
}

const decode = (txs: Uint8Array[]) => txs.map((t) => new TextDecoder().decode(t).replace(/\0+$/, ""));

test("reap keeps arrival order across senders and sequence order within one", (t) => {
  const pool = new Mempool({ maxTxs: 100, maxTotalBytes: 10_000, maxTxBytes: 100 });
  add(pool, "a1", "alice", 1n);
  add(pool, "b0", "bob", 0n);
  add(pool, "a0", "alice", 0n); // arrived late but must precede a1
  add(pool, "b1", "bob", 1n);
  t.deepEqual(decode(pool.reap(1000, -1n)), ["a0", "b0", "a1", "b1"]);
});

test("reap keeps arrival order when every sender's sequences already rise with it (equal ones too)", (t) => {
  const pool = new Mempool({ maxTxs: 100, maxTotalBytes: 10_000, maxTxBytes: 100 });
  add(pool, "a0", "alice", 0n);
  add(pool, "b5", "bob", 5n);
  add(pool, "a1", "alice", 1n);
  add(pool, "c0", "carol", 0n);
  add(pool, "b6", "bob", 6n);
  add(pool, "b6'", "bob", 6n);
  t.deepEqual(decode(pool.reap(1000, -1n)), ["a0", "b5", "a1", "c0", "b6", "b6'"]);
  // One sender out of order anywhere: the slots apply to everyone, the others keep arrival order.
  add(pool, "c-1", "carol", 0n);
  add(pool, "a2", "alice", 2n);
  add(pool, "d0", "dave", 0n);
  add(pool, "c1", "carol", 1n);
  add(pool, "c00", "carol", 0n);
  t.deepEqual(decode(pool.pending().map((entry) => entry.tx)), [
    "a0",
    "b5",
    "a1",
    "c0",
    "b6",
    "b6'",
    "c-1",
    "a2",
    "d0",
    "c00",
    "c1",
  ]);
});

test("reap respects byte and gas limits", (t) => {
  const pool = new Mempool({ maxTxs: 100, maxTotalBytes: 10_000, maxTxBytes: 100 });
  for (let i = 0; i < 5; i++) add(pool, `t${i}`, `s${i}`, 0n);
  t.is(pool.reap(25, -1n).length, 2);
  t.is(pool.reap(1000, 250n).length, 2);
  t.is(pool.reap(1000, -1n).length, 5);
});

test("precheck refuses duplicates, oversized txs and a full pool with typed errors", (t) => {
  const pool = new Mempool({ maxTxs: 2, maxTotalBytes: 25, maxTxBytes: 12 });
  const first = add(pool, "x", "s", 0n);
  t.is(t.throws(() => pool.precheck(first), { instanceOf: MempoolError })?.code, "tx_in_cache");
  t.is(t.throws(() => pool.precheck(new Uint8Array(13)), { instanceOf: MempoolError })?.code, "tx_too_large");
  add(pool, "y", "s", 1n);
  t.is(t.throws(() => pool.precheck(tx("z")), { instanceOf: MempoolError })?.code, "mempool_full");
  t.is(pool.size, 2);
  t.is(pool.totalBytes, 20);
});

test("committed txs leave; recheck drops txs that no longer pass", async (t) => {
  const pool = new Mempool({ maxTxs: 100, maxTotalBytes: 10_000, maxTxBytes: 100 });
  const a = add(pool, "a", "s1", 0n);
  add(pool, "b", "s2", 0n);
  add(pool, "c", "s3", 0n);
  pool.removeCommitted([a]);
  t.is(pool.size, 2);
  t.throws(() => pool.precheck(a), { instanceOf: MempoolError }, "a committed tx is remembered");
  const dropped = await pool.recheck(async (bytes) => ({
    ...check("", 0n),
    code: decode([bytes])[0] === "b" ? 32 : 0,
  }));
  t.is(dropped, 1);
  t.deepEqual(decode(pool.reap(1000, -1n)), ["c"]);
});

test("recheck gives the event loop a turn every RECHECK_TXS_PER_TURN txs", async (t) => {
  const total = RECHECK_TXS_PER_TURN * 3;
  const pool = new Mempool({ maxTxs: total, maxTotalBytes: total * 10, maxTxBytes: 100 });
  for (let i = 0; i < total; i++) add(pool, `t${i}`, `s${i}`, 0n);
  let checked = 0;
  // Stands for a vote that arrives while the mempool is rechecked: it must not wait for all of it.
  const checkedWhenVoteRan = new Promise<number>((resolve) => setImmediate(() => resolve(checked)));
  await pool.recheck(async () => {
    checked++;
    return check("", 0n);
  });
  t.is(checked, total);
  t.true((await checkedWhenVoteRan) <= RECHECK_TXS_PER_TURN, "a macrotask ran within the first turn");
});
