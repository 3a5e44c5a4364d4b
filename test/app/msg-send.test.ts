import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { accountFromAny, calculateFee, GasPrice } from "@cosmjs/stargate";
import test from "ava";
import { MsgSend } from "cosmjs-types/cosmos/bank/v1beta1/tx";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { moduleAddress } from "../../modules/auth/keys.ts";
import { eventsOf, fee, sendMsg, startApp, wallets } from "../helpers/app.ts";
import { cosmjsQueryClient } from "../helpers/cosmjs-query.ts";

const FEE_COLLECTOR = moduleAddress("fee_collector");

test("MsgSend moves coins, pays the fee, creates the recipient account and emits SDK 0.50 events", async (t) => {
  const a = await startApp(t);
  const [alice, bob, carol] = a.w.addresses as [string, string, string];
  const q = cosmjsQueryClient(a.app);
  t.is(await q.auth.account(carol).catch(() => null), null);

  const tx = await a.sign(alice, [sendMsg(alice, carol, 1234)], { fee: fee(5000) });
  const check = await a.app.checkTx({ tx, type: "new" });
  t.is(check.code, 0, check.log);
  t.is(check.sender, alice);
  t.is(check.sequence, 0n);

  const [result] = await a.block([tx]);
  t.is(result!.code, 0, result!.log);
  t.is(result!.gasWanted, 200_000n);
  t.true(result!.gasUsed > 0n && result!.gasUsed < 200_000n);
  const data = TxMsgData.decode(result!.data);
  t.deepEqual(
    data.msgResponses.map((r) => r.typeUrl),
    ["/cosmos.bank.v1beta1.MsgSendResponse"],
  );

  t.is((await q.bank.balance(alice, "usensor")).amount, String(1_000_000_000 - 1234 - 5000));
  t.is((await q.bank.balance(carol, "usensor")).amount, "1234");
  t.is((await q.bank.balance(FEE_COLLECTOR, "usensor")).amount, "5000");
  const carolAccount = accountFromAny((await q.auth.account(carol))!);
  t.is(carolAccount.pubkey, null);
  t.is(carolAccount.sequence, 0);
  const aliceAccount = accountFromAny((await q.auth.account(alice))!);
  t.is(aliceAccount.sequence, 1);
  const [walletAccount] = await a.w.wallet.getAccounts();
  t.deepEqual(aliceAccount.pubkey, encodeSecp256k1Pubkey(walletAccount!.pubkey));

  const events = result!.events;
  t.deepEqual(
    events.map((e) => e.type),
    [
      "coin_spent",
      "coin_received",
      "transfer",
      "message",
      "tx",
      "tx",
      "tx",
      "message",
      "coin_spent",
      "coin_received",
      "transfer",
      "message",
    ],
  );
  t.deepEqual(eventsOf(events, "coin_spent"), [
    { spender: alice, amount: "5000usensor" },
    { spender: alice, amount: "1234usensor", msg_index: "0" },
  ]);
  t.deepEqual(eventsOf(events, "transfer"), [
    { recipient: FEE_COLLECTOR, sender: alice, amount: "5000usensor" },
    { recipient: carol, sender: alice, amount: "1234usensor", msg_index: "0" },
  ]);
  const tx0 = eventsOf(events, "tx");
  t.deepEqual(tx0[0], { fee: "5000usensor", fee_payer: alice });
  t.deepEqual(tx0[1], { acc_seq: `${alice}/0` });
  t.regex(tx0[2]!.signature!, /^[A-Za-z0-9+/]{86}==$/);
  t.deepEqual(eventsOf(events, "message"), [
    { sender: alice },
    { action: "/cosmos.bank.v1beta1.MsgSend", sender: alice, module: "bank", msg_index: "0" },
    { sender: alice, msg_index: "0" },
  ]);
  // Indexed for tx_search: addresses, action, module, acc_seq, signature; not amounts, fee, msg_index.
  const unindexed = new Set(
    events.flatMap((e) => e.attributes.filter((a) => !a.index).map((a) => `${e.type}.${a.key}`)),
  );
  t.deepEqual([...unindexed].sort(), [
    "coin_received.amount",
    "coin_received.msg_index",
    "coin_spent.amount",
    "coin_spent.msg_index",
    "message.msg_index",
    "transfer.amount",
    "transfer.msg_index",
    "tx.fee",
  ]);
  t.deepEqual(await a.app.checkInvariants(), []);
  void bob;
});

test("several txs of one sender with consecutive sequences pass checkTx and land in one block", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  const txs: Uint8Array[] = [];
  for (let sequence = 0; sequence < 5; sequence++) {
    const tx = await a.sign(alice, [sendMsg(alice, bob, 10 + sequence)], { sequence });
    const check = await a.app.checkTx({ tx, type: "new" });
    t.is(check.code, 0, check.log);
    t.is(check.sequence, BigInt(sequence));
    txs.push(tx);
  }
  // The sixth at a repeated sequence is rejected by check-state, not by committed state.
  const replay = await a.app.checkTx({ tx: txs[2]!, type: "new" });
  t.is(replay.code, 32);
  t.is(replay.log, "account sequence mismatch, expected 5, got 2: incorrect account sequence");

  const prepared = await a.app.prepareProposal({
    txs,
    maxTxBytes: 1_000_000n,
    height: 1n,
    time: { seconds: 1n, nanos: 0 },
    proposerAddress: new Uint8Array(20),
    nextValidatorsHash: new Uint8Array(32),
    hash: new Uint8Array(0),
    decidedLastCommit: { round: 0, votes: [] },
    misbehavior: [],
  });
  t.is(prepared.txs.length, 5);
  const results = await a.block(txs);
  t.deepEqual(
    results.map((r) => r.code),
    [0, 0, 0, 0, 0],
  );
  t.is((await a.accountOf(alice))!.sequence, 5);

  // After commit the check-state is reset to committed state: recheck of an included tx fails.
  const recheck = await a.app.checkTx({ tx: txs[0]!, type: "recheck" });
  t.is(recheck.code, 32);
  const next = await a.sign(alice, [sendMsg(alice, bob, 1)]);
  t.is((await a.app.checkTx({ tx: next, type: "new" })).code, 0);
});

test("a failing message keeps fee and sequence but reverts every message effect", async (t) => {
  const { addresses } = await wallets();
  const [alice, bob, carol] = addresses as [string, string, string];
  const b = await startApp(t, { balances: { [alice]: 10_100n } });
  const tx = await b.sign(alice, [sendMsg(alice, carol, 50), sendMsg(alice, bob, 90)], { fee: fee(10_000) });
  t.is((await b.app.checkTx({ tx, type: "new" })).code, 0);
  const [result] = await b.block([tx]);
  t.is(result!.code, 5);
  t.is(result!.codespace, "sdk");
  t.is(
    result!.log,
    "failed to execute message; message index: 1: spendable balance 50usensor is smaller than 90usensor: insufficient funds",
  );
  const q = cosmjsQueryClient(b.app);
  t.is((await q.bank.balance(alice, "usensor")).amount, "100");
  t.is((await q.bank.balance(carol, "usensor")).amount, "0");
  t.is((await q.bank.balance(bob, "usensor")).amount, "0");
  t.is((await b.accountOf(alice))!.sequence, 1);
  t.is(await b.accountOf(carol), undefined, "the recipient account creation was reverted too");
  t.deepEqual(
    result!.events.map((e) => e.type),
    ["coin_spent", "coin_received", "transfer", "message", "tx", "tx", "tx"],
    "ante events stay, message events go",
  );
  t.deepEqual(await b.app.checkInvariants(), []);
});

test("out of gas in a message keeps the fee, reverts the message and reports gas used", async (t) => {
  const a = await startApp(t);
  const [alice, carol] = [a.w.addresses[0]!, a.w.addresses[2]!];
  const tx = await a.sign(alice, [sendMsg(alice, carol, 7)], { fee: fee(1000, 28_000) });
  t.is((await a.app.checkTx({ tx, type: "new" })).code, 0, "the ante handler alone fits in 28000 gas");
  const [result] = await a.block([tx]);
  t.is(result!.code, 11);
  t.regex(
    result!.log,
    /^failed to execute message; message index: 0: out of gas in location: \w+; gasWanted: 28000, gasUsed: \d+: out of gas$/,
  );
  t.is(result!.gasUsed, 28_000n);
  t.is((await a.accountOf(alice))!.sequence, 1);
  t.is(await a.accountOf(carol), undefined);
});

test("Simulate returns gas_used that cosmjs turns into a sufficient 'auto' fee", async (t) => {
  const a = await startApp(t);
  const [alice, , carol] = a.w.addresses as [string, string, string];
  await a.block([]); // cosmjs refuses a query answered at height 0 (genesis only)
  const q = cosmjsQueryClient(a.app);
  const [walletAccount] = await a.w.wallet.getAccounts();
  const anyMsg = {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: MsgSend.encode(
      MsgSend.fromPartial({
        fromAddress: alice,
        toAddress: carol,
        amount: [{ denom: "usensor", amount: "500" }],
      }),
    ).finish(),
  };
  const simulation = await q.tx.simulate([anyMsg], "", encodeSecp256k1Pubkey(walletAccount!.pubkey), 0);
  const gasUsed = Number(simulation.gasInfo!.gasUsed);
  t.true(gasUsed > 20_000, `gas used ${gasUsed}`);
  t.deepEqual(
    simulation.result!.msgResponses.map((r) => r.typeUrl),
    ["/cosmos.bank.v1beta1.MsgSendResponse"],
  );
  t.true(simulation.result!.events.some((e) => e.type === "transfer"));
  // Simulation changed nothing.
  t.is((await a.accountOf(alice))!.sequence, 0);
  t.is(await a.accountOf(carol), undefined);

  // signingstargateclient: gas limit = ceil(gas used × 1.4), fee = ceil(limit × gas price).
  const autoFee = calculateFee(Math.round(gasUsed * 1.4), GasPrice.fromString("0.025usensor"));
  const tx = await a.sign(alice, [sendMsg(alice, carol, 500)], { fee: autoFee });
  t.is((await a.app.checkTx({ tx, type: "new" })).code, 0);
  const [result] = await a.block([tx]);
  t.is(result!.code, 0, result!.log);
  t.true(result!.gasUsed <= BigInt(autoFee.gas));
  t.true(result!.gasUsed >= BigInt(gasUsed) - 1000n, `simulated ${gasUsed}, executed ${result!.gasUsed}`);
});

test("Simulate reports a failing message as a query error", async (t) => {
  const a = await startApp(t);
  const [alice, , carol] = a.w.addresses as [string, string, string];
  const q = cosmjsQueryClient(a.app);
  const [walletAccount] = await a.w.wallet.getAccounts();
  const anyMsg = {
    typeUrl: "/cosmos.bank.v1beta1.MsgSend",
    value: MsgSend.encode(
      MsgSend.fromPartial({
        fromAddress: alice,
        toAddress: carol,
        amount: [{ denom: "usensor", amount: "2000000000" }],
      }),
    ).finish(),
  };
  const error = await t.throwsAsync(
    q.tx.simulate([anyMsg], "", encodeSecp256k1Pubkey(walletAccount!.pubkey), 0),
  );
  t.regex(
    error!.message,
    /Query failed with \(5\): failed to execute message; message index: 0: spendable balance/,
  );
});
