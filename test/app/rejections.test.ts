// Every ante rejection: its code, codespace and log, and proof that it changed no state (a block
// of only rejected txs commits the same app hash as an empty block on a twin chain).
import { encodeSecp256k1Pubkey } from "@cosmjs/amino";
import { encodePubkey, makeAuthInfoBytes, makeSignDoc, Registry } from "@cosmjs/proto-signing";
import { defaultRegistryTypes } from "@cosmjs/stargate";
import test from "ava";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { toHex } from "../../chain/crypto/hash.ts";
import { CHAIN_ID, fee, sendMsg, startApp, type TestApp } from "../helpers/app.ts";

const registry = new Registry(defaultRegistryTypes);

/** A tx built by hand with cosmjs' own builders, for shapes a SigningStargateClient never makes. */
async function manualTx(
  a: TestApp,
  signerIndex: number,
  options: { signMode?: number; pubkeyIndex?: number; gas?: number; feeAmount?: string },
): Promise<Uint8Array> {
  const accounts = await a.w.wallet.getAccounts();
  const signer = accounts[signerIndex]!;
  const pubkey = encodePubkey(encodeSecp256k1Pubkey(accounts[options.pubkeyIndex ?? signerIndex]!.pubkey));
  const bodyBytes = registry.encode({
    typeUrl: "/cosmos.tx.v1beta1.TxBody",
    value: { messages: [sendMsg(signer.address, accounts[2]!.address, 1)], memo: "" },
  });
  const authInfoBytes = makeAuthInfoBytes(
    [{ pubkey, sequence: 0 }],
    [{ denom: "usensor", amount: options.feeAmount ?? "5000" }],
    options.gas ?? 200_000,
    undefined,
    undefined,
    options.signMode ?? 1,
  );
  const account = await a.accountOf(signer.address);
  const signDoc = makeSignDoc(bodyBytes, authInfoBytes, CHAIN_ID, account?.accountNumber ?? 0);
  const { signature } = await a.w.wallet.signDirect(signer.address, signDoc);
  return TxRaw.encode({
    bodyBytes,
    authInfoBytes,
    signatures: [Buffer.from(signature.signature, "base64")],
  }).finish();
}

interface Case {
  name: string;
  code: number;
  log: RegExp;
  tx(a: TestApp): Promise<Uint8Array>;
  /** Rejected in checkTx only (finalizeBlock does not enforce it). */
  checkOnly?: boolean;
}

const cases: Case[] = [
  {
    name: "undecodable bytes",
    code: 2,
    log: /tx parse error$/,
    tx: async () => Uint8Array.of(0x0a, 0xff, 0x01),
  },
  {
    name: "wrong chain id",
    code: 4,
    log: /^signature verification failed; please verify account number \(\d+\) and chain-id \(sensorchain-test-1\): unauthorized$/,
    tx: (a) =>
      a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
        chainId: "other-chain",
      }),
  },
  {
    name: "bad signature",
    code: 4,
    log: /^signature verification failed/,
    async tx(a) {
      const raw = TxRaw.decode(
        await a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)]),
      );
      const signature = raw.signatures[0]!;
      signature[10] = signature[10]! ^ 0x01;
      return TxRaw.encode(raw).finish();
    },
  },
  {
    name: "wrong account number",
    code: 4,
    log: /please verify account number \(1\) and chain-id/,
    tx: (a) =>
      a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], { accountNumber: 7 }),
  },
  {
    name: "wrong sequence",
    code: 32,
    log: /^account sequence mismatch, expected 0, got 3: incorrect account sequence$/,
    tx: (a) => a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], { sequence: 3 }),
  },
  {
    name: "fee below gas × min gas price",
    code: 13,
    log: /^insufficient fees; got: 4999usensor required: 5000usensor: insufficient fee$/,
    checkOnly: true,
    tx: (a) =>
      a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
        fee: fee(4999, 200_000),
      }),
  },
  {
    name: "fee above the balance",
    code: 5,
    log: /^spendable balance 1000000000usensor is smaller than 1000000001usensor: insufficient funds$/,
    tx: (a) =>
      a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
        fee: fee(1_000_000_001),
      }),
  },
  {
    name: "out of gas in the ante handler",
    code: 11,
    log: /^out of gas in location: \w+; gasWanted: 1000, gasUsed: \d+: out of gas$/,
    tx: (a) =>
      a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], { fee: fee(25, 1000) }),
  },
  {
    name: "memo too long",
    code: 12,
    log: /^maximum number of characters is 256 but received 300 characters: memo too large$/,
    tx: (a) =>
      a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
        memo: "x".repeat(300),
      }),
  },
  {
    name: "amino JSON sign mode",
    code: 37,
    log: /^sign mode SIGN_MODE_LEGACY_AMINO_JSON \(127\) is not supported; sign with SIGN_MODE_DIRECT: feature not supported$/,
    tx: (a) => manualTx(a, 0, { signMode: 127 }),
  },
  {
    name: "public key of another account",
    code: 8,
    log: /^pubKey does not match signer address sensor1\w+ with signer index: 0: invalid pubkey$/,
    tx: (a) => manualTx(a, 0, { pubkeyIndex: 1 }),
  },
  {
    name: "bad recipient address",
    code: 7,
    log: /^invalid to address: "sensor1notanaddress": invalid address$/,
    tx: (a) => a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, "sensor1notanaddress", 1)]),
  },
  {
    name: "zero amount",
    code: 10,
    log: /^0usensor: invalid coins$/,
    tx: (a) => a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 0)]),
  },
  {
    name: "signer without an account",
    code: 9,
    log: /^account sensor1\w+ does not exist: unknown address$/,
    tx: (a) =>
      a.sign(a.w.addresses[3]!, [sendMsg(a.w.addresses[3]!, a.w.addresses[2]!, 1)], {
        accountNumber: 0,
        sequence: 0,
      }),
  },
  {
    name: "unknown message type",
    code: 2,
    log: /^unable to resolve type URL \/cosmos.staking.v1beta1.MsgDelegate: tx parse error$/,
    tx: (a) =>
      a.sign(a.w.addresses[0]!, [
        {
          typeUrl: "/cosmos.staking.v1beta1.MsgDelegate",
          value: {
            delegatorAddress: a.w.addresses[0]!,
            validatorAddress: "x",
            amount: { denom: "usensor", amount: "1" },
          },
        },
      ]),
  },
];

for (const c of cases) {
  test(`checkTx rejects: ${c.name} (code ${c.code})`, async (t) => {
    const a = await startApp(t);
    const tx = await c.tx(a);
    const response = await a.app.checkTx({ tx, type: "new" });
    t.is(response.code, c.code, response.log);
    t.is(response.codespace, "sdk");
    t.regex(response.log, c.log);
    // Check-state unchanged: a valid tx at sequence 0 still passes.
    const valid = await a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[1]!, 1)]);
    t.is((await a.app.checkTx({ tx: valid, type: "new" })).code, 0);
  });
}

test("an oversized tx is rejected with code 21", async (t) => {
  const a = await startApp(t, { maxTxBytes: 300 });
  const tx = await a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
    memo: "m".repeat(200),
  });
  const response = await a.app.checkTx({ tx, type: "new" });
  t.is(response.code, 21);
  t.regex(response.log, /^tx size \d+ bytes exceeds the limit of 300 bytes: tx too large$/);
  t.is(
    await a.app.processProposal({
      txs: [tx],
      height: 1n,
      time: { seconds: 1n, nanos: 0 },
      proposerAddress: new Uint8Array(20),
      nextValidatorsHash: new Uint8Array(32),
      hash: new Uint8Array(32),
      decidedLastCommit: { round: 0, votes: [] },
      misbehavior: [],
    }),
    "reject",
  );
});

test("a block of rejected txs commits the same app hash as an empty block", async (t) => {
  const a = await startApp(t);
  const twin = await startApp(t);
  const txs = await Promise.all(cases.filter((c) => !c.checkOnly).map((c) => c.tx(a)));
  const results = await a.block(txs);
  for (const [index, c] of cases.filter((c) => !c.checkOnly).entries()) {
    t.is(results[index]!.code, c.code, `${c.name}: ${results[index]!.log}`);
    t.regex(results[index]!.log, c.log);
  }
  await twin.block([]);
  t.is(toHex(a.store.lastCommit().appHash), toHex(twin.store.lastCommit().appHash));
  t.is((await a.accountOf(a.w.addresses[0]!))!.sequence, 0);
});

test("min gas prices are a mempool filter only: finalizeBlock accepts a low fee", async (t) => {
  const a = await startApp(t);
  const tx = await a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
    fee: fee(1),
  });
  t.is((await a.app.checkTx({ tx, type: "new" })).code, 13);
  const [result] = await a.block([tx]);
  t.is(result!.code, 0, result!.log);
});

test("a tx past its timeout height is rejected with code 30", async (t) => {
  const a = await startApp(t);
  await a.block([]);
  await a.block([]);
  const tx = await a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
    timeoutHeight: 2n,
  });
  const response = await a.app.checkTx({ tx, type: "new" });
  t.is(response.code, 30);
  t.is(response.log, "block height: 3, timeout height: 2: tx timeout height");
});

test("processProposal rejects undecodable txs and accepts failing ones", async (t) => {
  const a = await startApp(t);
  const request = {
    height: 1n,
    time: { seconds: 1n, nanos: 0 },
    proposerAddress: new Uint8Array(20),
    nextValidatorsHash: new Uint8Array(32),
    hash: new Uint8Array(32),
    decidedLastCommit: { round: 0, votes: [] },
    misbehavior: [],
  };
  const failing = await a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)], {
    sequence: 9,
  });
  t.is(await a.app.processProposal({ ...request, txs: [failing] }), "accept");
  t.is(await a.app.processProposal({ ...request, txs: [failing, Uint8Array.of(1, 2, 3)] }), "reject");
});

test("prepareProposal only checks sizes and decoding (SDK default); a failing tx it keeps changes nothing", async (t) => {
  const a = await startApp(t);
  const request = {
    height: 1n,
    time: { seconds: 1n, nanos: 0 },
    proposerAddress: new Uint8Array(20),
    nextValidatorsHash: new Uint8Array(32),
    hash: new Uint8Array(32),
    decidedLastCommit: { round: 0, votes: [] },
    misbehavior: [],
  };
  const [alice, carol] = [a.w.addresses[0]!, a.w.addresses[2]!];
  const failing = await a.sign(alice, [sendMsg(alice, carol, 1)], { sequence: 9 });
  const passing = await a.sign(alice, [sendMsg(alice, carol, 1)]);
  const undecodable = Uint8Array.of(0x0a, 0xff, 0x01);
  const prepared = await a.app.prepareProposal({
    ...request,
    txs: [failing, undecodable, passing],
    maxTxBytes: 1_000_000n,
  });
  t.deepEqual(prepared.txs, [failing, passing], "undecodable txs are dropped, failing ones kept");
  const limited = await a.app.prepareProposal({
    ...request,
    txs: [failing, passing],
    maxTxBytes: BigInt(passing.length),
  });
  t.is(limited.txs.length, 1, "txs past maxTxBytes are left out");

  const before = await a.accountOf(alice);
  const [failed, passed] = await a.block(prepared.txs);
  t.is(failed!.code, 32, failed!.log);
  t.deepEqual(failed!.events, [], "a rejected tx leaves no events");
  t.is(passed!.code, 0, passed!.log);
  t.is((await a.accountOf(alice))!.sequence, before!.sequence + 1, "only the passing tx used a sequence");
  t.deepEqual(await a.app.checkInvariants(), []);
});
