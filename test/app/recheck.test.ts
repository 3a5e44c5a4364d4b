// Recheck re-applies admitted txs to the state after a block and skips what a block cannot change
// (signature, the node's minimum fee): its outcome must be a full check's on the same state.
import test from "ava";
import { fee, sendMsg, startApp, type TestApp, wallets } from "../helpers/app.ts";

/** Two apps on the same genesis: one rechecks, the other checks again in full ("new"). */
async function twoApps(t: Parameters<typeof startApp>[0]): Promise<[TestApp, TestApp]> {
  const { addresses } = await wallets();
  const [alice, bob, carol] = addresses as [string, string, string];
  const balances = { [alice]: 1_000_000_000n, [bob]: 1_000_000_000n, [carol]: 20_000n };
  return [await startApp(t, { balances }), await startApp(t, { balances })];
}

test("recheck after a block that takes a pending sequence and spends a pending fee answers as a full check", async (t) => {
  const [rechecking, checking] = await twoApps(t);
  const [alice, bob, carol] = rechecking.w.addresses as [string, string, string];
  const sign = rechecking.sign;
  const pending = [
    await sign(alice, [sendMsg(alice, bob, 1)], { sequence: 0 }),
    await sign(alice, [sendMsg(alice, bob, 2)], { sequence: 1 }),
    await sign(alice, [sendMsg(alice, bob, 3)], { sequence: 2 }),
    await sign(carol, [sendMsg(carol, bob, 1_000)], { sequence: 0, fee: fee(5_000) }),
    await sign(carol, [sendMsg(carol, bob, 1_000)], { sequence: 1, fee: fee(5_000) }),
    await sign(bob, [sendMsg(bob, alice, 7)], { sequence: 0 }),
  ];
  // Another proposer's block: alice's first pending tx, another tx at alice's next sequence, and a tx
  // at carol's first sequence that leaves her less than a fee.
  const block = [
    pending[0]!,
    await sign(alice, [sendMsg(alice, carol, 99)], { sequence: 1 }),
    await sign(carol, [sendMsg(carol, alice, 14_000)], { sequence: 0, fee: fee(5_000) }),
  ];
  const remaining = pending.slice(1);
  const answers: { code: number; log: string }[][] = [];
  for (const [a, type] of [
    [rechecking, "recheck"],
    [checking, "new"],
  ] as const) {
    for (const tx of pending) t.is((await a.app.checkTx({ tx, type: "new" })).code, 0);
    t.deepEqual(
      (await a.block(block)).map((result) => result.code),
      [0, 0, 0],
    );
    const after: { code: number; log: string }[] = [];
    for (const tx of remaining) {
      const { code, log } = await a.app.checkTx({ tx, type });
      after.push({ code, log });
    }
    // The state they leave: alice's and bob's next txs pass at the sequences after the survivors.
    for (const tx of [
      await sign(alice, [sendMsg(alice, bob, 4)], { sequence: 3 }),
      await sign(bob, [sendMsg(bob, alice, 8)], { sequence: 1 }),
    ]) {
      const { code, log } = await a.app.checkTx({ tx, type: "new" });
      after.push({ code, log });
    }
    answers.push(after);
  }
  t.deepEqual(answers[0], answers[1]);
  // Sequence taken by the block (32), passes, sequence taken (32), fee no longer covered (5), passes;
  // then the follow-ups pass.
  t.deepEqual(
    answers[0]!.map((answer) => answer.code),
    [32, 0, 32, 5, 0, 0, 0],
  );
});
