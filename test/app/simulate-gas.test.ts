// cosmjs "auto" fees: simulate with an empty fee, then sign with gas = round(gas used × 1.4). The
// simulated gas must cover the real execution, which pays a fee: simulation charges a nominal fee
// (chain/app/ante.ts chargeSimulatedFee). Checked for MsgSend and for the smallest device messages.
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import type { EncodeObject } from "@cosmjs/proto-signing";
import { calculateFee, GasPrice, SigningStargateClient } from "@cosmjs/stargate";
import test from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { encodeAddress } from "../../chain/crypto/bech32.ts";
import { createRegistry } from "../../client/index.ts";
import { moduleAddress } from "../../modules/auth/keys.ts";
import { authModule } from "../../modules/auth/module.ts";
import { bankModule } from "../../modules/bank/module.ts";
import { deviceModule } from "../../modules/device/module.ts";
import { CHAIN_ID, sendMsg, startApp } from "../helpers/app.ts";
import { cosmjsQueryClient } from "../helpers/cosmjs-query.ts";
import { ed25519Key, registerMsg } from "../modules/device/helpers.ts";

/** SigningStargateClient's multiplier for "auto". */
const AUTO_MULTIPLIER = 1.4;
const GAS_PRICE = GasPrice.fromString("0.025usensor");

const cases: { name: string; msgs(owner: string, other: string): EncodeObject[] }[] = [
  { name: "MsgSend", msgs: (owner, other) => [sendMsg(owner, other, 500)] },
  {
    name: "MsgSend to a new account",
    msgs: (owner) => [sendMsg(owner, encodeAddress(new Uint8Array(20).fill(7)), 1)],
  },
  { name: "MsgRegisterDevice", msgs: (owner) => [registerMsg(owner, "D035_0001")] },
  {
    name: "MsgRegisterDevice, minimal metadata",
    msgs: (owner) => [
      registerMsg(owner, "C010_0001", { publicKey: ed25519Key("C010_0001"), metadata: { unit: "C" } }),
    ],
  },
];

for (const { name, msgs } of cases) {
  test(`${name}: cosmjs "auto" (× ${AUTO_MULTIPLIER}) succeeds and simulated gas covers delivered gas`, async (t) => {
    const a = await startApp(t, { modules: [authModule(), bankModule(), deviceModule()] });
    const registry = createRegistry();
    const client = await SigningStargateClient.offline(a.w.wallet, { registry });
    const [alice, bob] = a.w.addresses as [string, string];
    // Fees paid in earlier blocks, so the fee collector's balance is not where simulation finds it.
    await a.block([await a.sign(bob, [sendMsg(bob, alice, 1)])]);
    const q = cosmjsQueryClient(a.app);
    const [walletAccount] = await a.w.wallet.getAccounts();
    const encoded = msgs(alice, bob);
    const anyMsgs = encoded.map((msg) => registry.encodeAsAny(msg));
    const account = await a.accountOf(alice);
    const simulation = await q.tx.simulate(
      anyMsgs,
      "",
      encodeSecp256k1Pubkey(walletAccount!.pubkey),
      account!.sequence,
    );
    const simulated = BigInt(simulation.gasInfo!.gasUsed);
    const autoFee = calculateFee(Math.round(Number(simulated) * AUTO_MULTIPLIER), GAS_PRICE);
    const raw = await client.sign(alice, encoded, autoFee, "", {
      accountNumber: BigInt(account!.accountNumber),
      sequence: account!.sequence,
      chainId: CHAIN_ID,
    });
    const tx = TxRaw.encode(raw).finish();
    t.is((await a.app.checkTx({ tx, type: "new" })).code, 0);
    const [result] = await a.block([tx]);
    t.is(result!.code, 0, result!.log);
    t.true(simulated >= result!.gasUsed, `simulated ${simulated} < delivered ${result!.gasUsed}`);
    // Not a blanket over-estimate either: within the fee's bytes and a balance digit or two.
    t.true(simulated - result!.gasUsed < 1_000n, `simulated ${simulated}, delivered ${result!.gasUsed}`);
  });
}

test("simulating the nominal fee changes no state", async (t) => {
  const a = await startApp(t);
  const [alice, bob] = a.w.addresses as [string, string];
  await a.block([]);
  const q = cosmjsQueryClient(a.app);
  const [walletAlice] = await a.w.wallet.getAccounts();
  const collector = moduleAddress("fee_collector");
  const before = [await q.bank.balance(alice, "usensor"), await q.bank.balance(collector, "usensor")];
  const anyMsg = createRegistry().encodeAsAny(sendMsg(alice, bob, 1));
  const simulation = await q.tx.simulate([anyMsg], "", encodeSecp256k1Pubkey(walletAlice!.pubkey), 0);
  t.true(Number(simulation.gasInfo!.gasUsed) > 0);
  t.deepEqual([await q.bank.balance(alice, "usensor"), await q.bank.balance(collector, "usensor")], before);
  t.is((await a.accountOf(alice))!.sequence, 0);
  t.deepEqual(await a.app.checkInvariants(), []);
});
