// Genesis import/export, invariants, and order-independence of the app hash.
import test from "ava";
import { BaseApplication } from "../../chain/app/application.ts";
import { toHex } from "../../chain/crypto/hash.ts";
import { STORE_NAME as BANK_STORE, balanceKey } from "../../modules/bank/keys.ts";
import { DENOM, fee, sendMsg, startApp, wallets } from "../helpers/app.ts";

test("genesis import → export → import round-trips state and app hash", async (t) => {
  const { addresses } = await wallets();
  const [alice, bob, carol] = addresses as [string, string, string];
  const genesis = {
    auth: {
      params: {
        max_memo_characters: "512",
        tx_sig_limit: "7",
        tx_size_cost_per_byte: "10",
        sig_verify_cost_ed25519: "590",
        sig_verify_cost_secp256k1: "1000",
      },
      accounts: [
        {
          "@type": "/cosmos.auth.v1beta1.BaseAccount",
          address: alice,
          pub_key: null,
          account_number: "0",
          sequence: "0",
        },
        {
          "@type": "/cosmos.auth.v1beta1.BaseAccount",
          address: bob,
          pub_key: null,
          account_number: "5",
          sequence: "3",
        },
      ],
    },
    bank: {
      params: { default_send_enabled: true },
      balances: [
        {
          address: alice,
          coins: [
            { denom: "stake", amount: "7" },
            { denom: DENOM, amount: "1000000" },
          ],
        },
        { address: carol, coins: [{ denom: DENOM, amount: "42" }] },
      ],
      supply: [
        { denom: "stake", amount: "7" },
        { denom: DENOM, amount: "1000042" },
      ],
      denom_metadata: [
        {
          description: "sensor",
          denom_units: [{ denom: DENOM, exponent: 0, aliases: [] }],
          base: DENOM,
          display: DENOM,
          name: "Sensor",
          symbol: "SNS",
          uri: "",
          uri_hash: "",
        },
      ],
      send_enabled: [{ denom: "stake", enabled: false }],
      native_denom: DENOM,
    },
  };
  const first = await startApp(t, { genesis });
  const exported = await first.app.exportGenesis();
  const auth = exported.auth as { accounts: Record<string, unknown>[]; params: unknown };
  t.deepEqual(auth.params, genesis.auth.params);
  t.deepEqual(auth.accounts.slice(0, 2), genesis.auth.accounts);
  t.deepEqual(
    auth.accounts
      .slice(2)
      .map((a) => [
        a["@type"],
        (a as { name?: string }).name ?? a.address,
        (a.base_account as { account_number?: string } | undefined)?.account_number ?? a.account_number,
      ]),
    [
      ["/cosmos.auth.v1beta1.ModuleAccount", "fee_collector", "6"],
      ["/cosmos.auth.v1beta1.BaseAccount", carol, "7"],
    ],
  );
  t.deepEqual((exported.bank as Record<string, unknown>).supply, genesis.bank.supply);
  t.deepEqual((exported.bank as Record<string, unknown>).denom_metadata, genesis.bank.denom_metadata);
  t.deepEqual((exported.bank as Record<string, unknown>).send_enabled, genesis.bank.send_enabled);

  const second = await startApp(t, { genesis: exported });
  t.deepEqual(await second.app.exportGenesis(), exported);
  t.is(toHex(second.store.lastCommit().appHash), toHex(first.store.lastCommit().appHash));

  // Send-disabled denoms are enforced by MsgSend.
  await first.block([]);
  const tx = await first.sign(alice, [sendMsg(alice, bob, 1, "stake")]);
  const [result] = await first.block([tx]);
  t.is(result!.code, 5);
  t.is(result!.codespace, "bank");
});

test("invalid genesis is refused with a clear error", async (t) => {
  const { addresses } = await wallets();
  const bad = (bank: Record<string, unknown>) => startApp(t, { genesis: { bank } });
  await t.throwsAsync(
    bad({
      balances: [{ address: addresses[0], coins: [{ denom: DENOM, amount: "5" }] }],
      supply: [{ denom: DENOM, amount: "6" }],
    }),
    {
      message: /bank genesis: supply of usensor is 6 but balances sum to 5/,
    },
  );
  await t.throwsAsync(bad({ balances: [{ address: "sensor1bad", coins: [] }] }), {
    message: /is not a valid address/,
  });
  await t.throwsAsync(
    bad({ balances: [{ address: addresses[0], coins: [{ denom: DENOM, amount: "-1" }] }] }),
    { message: /invalid amount/ },
  );
  await t.throwsAsync(
    startApp(t, {
      genesis: {
        auth: {
          accounts: [
            { "@type": "/cosmos.auth.v1beta1.BaseAccount", address: addresses[0], account_number: "1" },
            { "@type": "/cosmos.auth.v1beta1.BaseAccount", address: addresses[1], account_number: "1" },
          ],
        },
      },
    }),
    { message: /duplicate account number 1/ },
  );
});

test("the supply invariant holds after transfers and reports a corrupted balance", async (t) => {
  const a = await startApp(t);
  const [alice, bob, carol] = a.w.addresses as [string, string, string];
  await a.block([
    await a.sign(alice, [sendMsg(alice, carol, 10)]),
    await a.sign(bob, [sendMsg(bob, alice, 3)]),
  ]);
  t.deepEqual(await a.app.checkInvariants(), []);
  // Corrupt the state behind the app's back: a balance with no supply behind it.
  const cache = a.store.cacheMultiStore();
  cache.store(BANK_STORE).set(balanceKey(carol, DENOM), new TextEncoder().encode("11"));
  const prepared = await a.store.prepareCommit(cache, a.store.lastCommit().version + 1);
  await a.store.commit(prepared, []);
  t.deepEqual(await a.app.checkInvariants(), [
    "bank/total-supply: total supply differs from the sum of balances: usensor: supply 2000000000, sum of balances 2000000001",
  ]);
});

test("txs touching unrelated keys give the same app hash in any order", async (t) => {
  const { addresses } = await wallets();
  const [alice, bob, carol, dave] = addresses as [string, string, string, string];
  const balances = { [alice]: 1_000_000n, [bob]: 1_000_000n, [carol]: 1_000_000n, [dave]: 1_000_000n };
  const x = await startApp(t, { balances });
  const y = await startApp(t, { balances });
  // Fees go to the same collector either way; sums commute, so the final state is the same.
  const txs = [
    await x.sign(alice, [sendMsg(alice, bob, 11)], { fee: fee(5000) }),
    await x.sign(carol, [sendMsg(carol, dave, 22)], { fee: fee(5000) }),
  ];
  await x.block(txs);
  await y.block([...txs].reverse());
  t.is(toHex(x.store.lastCommit().appHash), toHex(y.store.lastCommit().appHash));
  // And a different state gives a different hash.
  const z = await startApp(t, { balances });
  await z.block([txs[0]!]);
  t.not(toHex(z.store.lastCommit().appHash), toHex(x.store.lastCommit().appHash));
});

test("info reports the last committed height and app hash; restart keeps serving", async (t) => {
  const a = await startApp(t);
  await a.block([]);
  const info = await a.app.info();
  t.is(info.lastBlockHeight, 1n);
  t.is(toHex(info.lastBlockAppHash), toHex(a.store.lastCommit().appHash));
  const restarted = new BaseApplication({
    store: a.store,
    modules: a.modules,
    chainId: "sensorchain-test-1",
  });
  t.is((await restarted.info()).lastBlockHeight, 1n);
  const tx = await a.sign(a.w.addresses[0]!, [sendMsg(a.w.addresses[0]!, a.w.addresses[2]!, 1)]);
  t.is((await restarted.checkTx({ tx, type: "new" })).code, 0);
});
