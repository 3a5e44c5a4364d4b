// Ingress as broadcast_tx_* uses it: signatures verified in the worker pool before checkTx, so the
// verdict checkTx and finalizeBlock use comes from the pool; a closed pool leaves it to the app.
import test from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { Secp256k1VerifyPool } from "../../chain/crypto/secp256k1-pool.ts";
import { Mempool } from "../../chain/mempool/mempool.ts";
import { TxIngress } from "../../chain/node/tx-ingress.ts";
import { Mutex } from "../../chain/util/mutex.ts";
import { sendMsg, startApp } from "../helpers/app.ts";

const MEMPOOL = { maxTxs: 100, maxTotalBytes: 1_000_000, maxTxBytes: 100_000 };

test("txs are verified in the pool before checkTx; bad signatures are refused with code 4", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const pool = new Secp256k1VerifyPool({ size: 2 });
  t.teardown(() => pool.close());
  const mempool = new Mempool(MEMPOOL);
  const ingress = new TxIngress({ app: a.app, mempool, mempoolLock: new Mutex(), verifier: pool });

  const good = await a.sign(alice, [sendMsg(alice, bob, 10)]);
  const response = await ingress.submit(good);
  t.is(response.code, 0, response.log);
  t.is(pool.verified, 1);
  t.is(mempool.size, 1);
  t.is((await ingress.submit(good)).code, 19, "a duplicate is refused before the pool");
  t.is(pool.verified, 1);

  const raw = TxRaw.decode(await a.sign(bob, [sendMsg(bob, alice, 10)]));
  raw.signatures[0]![5]! ^= 1;
  const bad = TxRaw.encode(raw).finish();
  const refused = await ingress.submit(bad);
  t.is(refused.code, 4, refused.log);
  t.is(pool.verified, 2, "the bad signature was verified in the pool");
  t.is(mempool.size, 1);

  // The block's txs have verdicts already: nothing for the pool to do before finalizeBlock.
  await ingress.preverify([good]);
  t.is(pool.verified, 2);
  const [result] = await a.block([good]);
  t.is(result!.code, 0, result!.log);
});

test("with the pool closed, ingress still works: the app verifies on the main thread", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const pool = new Secp256k1VerifyPool({ size: 1 });
  await pool.close();
  const ingress = new TxIngress({
    app: a.app,
    mempool: new Mempool(MEMPOOL),
    mempoolLock: new Mutex(),
    verifier: pool,
  });
  const response = await ingress.submit(await a.sign(alice, [sendMsg(alice, bob, 10)]));
  t.is(response.code, 0, response.log);
  t.is(pool.verified, 0);
});

test("RPC txs of one turn are verified together and checked in arrival order: sequences 0..2 of one account all pass", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const pool = new Secp256k1VerifyPool({ size: 1 });
  t.teardown(() => pool.close());
  const mempool = new Mempool(MEMPOOL);
  const accepted: Uint8Array[] = [];
  const ingress = new TxIngress({
    app: a.app,
    mempool,
    mempoolLock: new Mutex(),
    verifier: pool,
    onAccepted: (tx) => accepted.push(tx),
  });
  const txs = [
    await a.sign(alice, [sendMsg(alice, bob, 1)], { sequence: 0 }),
    await a.sign(alice, [sendMsg(alice, bob, 2)], { sequence: 1 }),
    await a.sign(alice, [sendMsg(alice, bob, 3)], { sequence: 2 }),
  ];
  const responses = await Promise.all(txs.map((tx) => ingress.submit(tx)));
  t.deepEqual(
    responses.map((response) => response.code),
    [0, 0, 0],
    responses.map((response) => response.log).join("; "),
  );
  t.is(pool.verified, 3);
  t.deepEqual(accepted, txs, "gossiped in arrival order");
  t.deepEqual(
    mempool.pending().map((entry) => entry.sequence),
    [0n, 1n, 2n],
  );
  t.is((await ingress.submit(txs[0]!)).code, 19, "already in the mempool");
});
