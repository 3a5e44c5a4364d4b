import { accountFromAny } from "@cosmjs/stargate";
import test from "ava";
import { QueryAccountRequest } from "cosmjs-types/cosmos/auth/v1beta1/query";
import {
  QueryAllBalancesRequest,
  QueryAllBalancesResponse,
  QueryBalanceRequest,
  QueryBalanceResponse,
  QueryTotalSupplyRequest,
  QueryTotalSupplyResponse,
} from "cosmjs-types/cosmos/bank/v1beta1/query";
import { moduleAddress } from "../../modules/auth/keys.ts";
import { balanceKey } from "../../modules/bank/keys.ts";
import { DENOM, sendMsg, startApp, wallets } from "../helpers/app.ts";
import { cosmjsQueryClient } from "../helpers/cosmjs-query.ts";

const DENOMS = ["aaa", "bbb", "ccc", "ddd", "eee", DENOM];

async function richApp(t: Parameters<typeof startApp>[0]) {
  const { addresses } = await wallets();
  const [alice, bob] = addresses as [string, string];
  const genesis = {
    bank: {
      balances: [
        { address: alice, coins: DENOMS.map((denom, i) => ({ denom, amount: String(1_000_000 + i) })) },
        { address: bob, coins: [{ denom: DENOM, amount: "1000000000" }] },
      ],
    },
  };
  const a = await startApp(t, { genesis });
  await a.block([]);
  return a;
}

test("AllBalances pages by key and by offset, sorted by denom, with count_total", async (t) => {
  const a = await richApp(t);
  const alice = a.w.addresses[0]!;
  const page = async (
    pagination: Partial<{
      key: Uint8Array;
      offset: bigint;
      limit: bigint;
      countTotal: boolean;
      reverse: boolean;
    }>,
  ) => {
    const response = await a.query(
      "/cosmos.bank.v1beta1.Query/AllBalances",
      QueryAllBalancesRequest.encode({
        address: alice,
        resolveDenom: false,
        pagination: {
          key: new Uint8Array(0),
          offset: 0n,
          limit: 0n,
          countTotal: false,
          reverse: false,
          ...pagination,
        },
      }).finish(),
    );
    t.is(response.code, 0, response.log);
    return QueryAllBalancesResponse.decode(response.value);
  };
  const first = await page({ limit: 4n, countTotal: true });
  t.deepEqual(
    first.balances.map((c) => c.denom),
    ["aaa", "bbb", "ccc", "ddd"],
  );
  t.is(first.pagination!.total, 6n);
  t.is(new TextDecoder().decode(first.pagination!.nextKey), "eee");
  const second = await page({ limit: 4n, key: first.pagination!.nextKey });
  t.deepEqual(
    second.balances.map((c) => c.denom),
    ["eee", DENOM],
  );
  t.is(second.pagination!.nextKey.length, 0);
  const byOffset = await page({ offset: 2n, limit: 2n });
  t.deepEqual(
    byOffset.balances.map((c) => `${c.amount}${c.denom}`),
    ["1000002ccc", "1000003ddd"],
  );
  const reversed = await page({ limit: 2n, reverse: true });
  t.deepEqual(
    reversed.balances.map((c) => c.denom),
    [DENOM, "eee"],
  );
  const all = await cosmjsQueryClient(a.app).bank.allBalances(alice);
  t.deepEqual(
    all.map((c) => c.denom),
    DENOMS,
  );

  const both = await a.query(
    "/cosmos.bank.v1beta1.Query/AllBalances",
    QueryAllBalancesRequest.encode({
      address: alice,
      resolveDenom: false,
      pagination: { key: Uint8Array.of(1), offset: 1n, limit: 0n, countTotal: false, reverse: false },
    }).finish(),
  );
  t.is(both.code, 18);
});

test("TotalSupply pages; Balance always answers a coin; SupplyOf", async (t) => {
  const a = await richApp(t);
  const q = cosmjsQueryClient(a.app);
  const response = await a.query(
    "/cosmos.bank.v1beta1.Query/TotalSupply",
    QueryTotalSupplyRequest.encode({
      pagination: { key: new Uint8Array(0), offset: 0n, limit: 5n, countTotal: true, reverse: false },
    }).finish(),
  );
  const supply = QueryTotalSupplyResponse.decode(response.value);
  t.deepEqual(
    supply.supply.map((c) => c.denom),
    ["aaa", "bbb", "ccc", "ddd", "eee"],
  );
  t.is(supply.pagination!.total, 6n);
  t.deepEqual(await q.bank.supplyOf(DENOM), { denom: DENOM, amount: String(1_000_000_000 + 1_000_005) });
  t.deepEqual(await q.bank.balance(a.w.addresses[3]!, "nothing"), { denom: "nothing", amount: "0" });
});

test("Account: BaseAccount without pub_key until the first tx, ModuleAccount, NotFound like the SDK", async (t) => {
  const a = await richApp(t);
  const q = cosmjsQueryClient(a.app);
  const [alice, bob, , dave] = a.w.addresses as [string, string, string, string];
  const before = accountFromAny((await q.auth.account(bob))!);
  t.is(before.pubkey, null);
  t.is(before.address, bob);

  const missing = await a.query(
    "/cosmos.auth.v1beta1.Query/Account",
    QueryAccountRequest.encode({ address: dave }).finish(),
  );
  t.is(missing.code, 38);
  t.is(missing.codespace, "sdk");
  t.is(missing.log, `rpc error: code = NotFound desc = account ${dave} not found: key not found`);
  t.is(missing.height, 0n);

  const collector = accountFromAny((await q.auth.account(moduleAddress("fee_collector")))!);
  t.is(collector.address, moduleAddress("fee_collector"));

  const bad = await a.query(
    "/cosmos.auth.v1beta1.Query/Account",
    QueryAccountRequest.encode({ address: "cosmos1xyz" }).finish(),
  );
  t.is(bad.code, 7);
  const unknown = await a.query("/cosmos.nothing.v1/Query", new Uint8Array(0));
  t.is(unknown.code, 6);
  t.is(unknown.codespace, "sdk");
  const malformed = await a.query("/cosmos.bank.v1beta1.Query/Balance", Uint8Array.of(0x0a, 0xff));
  t.is(malformed.code, 18);
  void alice;
});

test("queries at a past height read that height's state and report it", async (t) => {
  const a = await richApp(t); // height 1
  const [alice, , carol] = a.w.addresses as [string, string, string];
  await a.block([await a.sign(alice, [sendMsg(alice, carol, 99)])]); // height 2
  const balanceAt = async (height: bigint) => {
    const response = await a.query(
      "/cosmos.bank.v1beta1.Query/Balance",
      QueryBalanceRequest.encode({ address: carol, denom: DENOM }).finish(),
      height,
    );
    t.is(response.code, 0, response.log);
    return { amount: QueryBalanceResponse.decode(response.value).balance!.amount, height: response.height };
  };
  t.deepEqual(await balanceAt(1n), { amount: "0", height: 1n });
  t.deepEqual(await balanceAt(2n), { amount: "99", height: 2n });
  t.deepEqual(await balanceAt(0n), { amount: "99", height: 2n });
  const future = await a.query(
    "/cosmos.bank.v1beta1.Query/Balance",
    QueryBalanceRequest.encode({ address: carol, denom: DENOM }).finish(),
    10n,
  );
  t.is(future.code, 26);
});

test("raw store queries return the value and, with prove, ICS-23 proof ops", async (t) => {
  const a = await richApp(t);
  const alice = a.w.addresses[0]!;
  const key = balanceKey(alice, DENOM);
  const plain = await a.query("/store/bank/key", key);
  t.is(plain.code, 0, plain.log);
  t.is(new TextDecoder().decode(plain.value), "1000005");
  t.is(plain.height, 1n);
  const proven = await a.query("/store/bank/key", key, 0n, true);
  t.is(new TextDecoder().decode(proven.value), "1000005");
  t.deepEqual(
    proven.proofOps.map((op) => op.type),
    ["ics23:smt", "ics23:simple"],
  );
  const absent = await a.query("/store/bank/key", balanceKey(alice, "zzz"));
  t.is(absent.code, 0);
  t.is(absent.value.length, 0);
  const noStore = await a.query("/store/nope/key", key);
  t.not(noStore.code, 0);
});

test("the node can register extra query handlers (e.g. GetTx over its block store)", async (t) => {
  const a = await startApp(t);
  await a.block([]);
  a.app.registerQueryHandler("/cosmos.tx.v1beta1.Service/GetTx", async (ctx, data) => {
    t.is(ctx.height, 1n);
    return data.slice().reverse();
  });
  const response = await a.query("/cosmos.tx.v1beta1.Service/GetTx", Uint8Array.of(1, 2, 3));
  t.deepEqual([...response.value], [3, 2, 1]);
  t.throws(() =>
    a.app.registerQueryHandler("/cosmos.bank.v1beta1.Query/Balance", async () => new Uint8Array(0)),
  );
});
