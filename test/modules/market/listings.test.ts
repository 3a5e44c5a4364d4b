// Market keeper rules for listings through real txs on the real store: creating, ranking by stake,
// delist + cooldown + withdraw, queries, and their failure cases of modules/market/README.md with
// their codes. Invariants (market module balance, supply, listing records) are checked after every block.
import test from "ava";
import { market as pb } from "../../../client/index.ts";
import { eventsOf } from "../../helpers/app.ts";
import { ownerMsg } from "../device/helpers.ts";
import {
  boughtListing,
  buyMsg,
  challengeMsg,
  coin,
  createMsg,
  DEVICE,
  device,
  expectFailure,
  FEE,
  getListing,
  listed,
  MARKET,
  marketMsg,
  responseOf,
  roles,
} from "./helpers.ts";

test("create listing: stake to the module account, record, indexes, event, response", async (t) => {
  const { a, seller } = await roles(t);
  await device(a, seller);
  const before = a.balance(seller);
  const result = await a.exec(seller, [createMsg(seller, { stake: "5000" })]);
  t.is(String(responseOf(result, pb.MsgCreateListingResponse).listingId), "1");
  t.is(a.balance(seller), before - 5000n - FEE);
  t.is(a.balance(MARKET), 5000n);
  const listing = await getListing(a, 1n);
  t.is(listing.seller, seller);
  t.is(listing.deviceId, DEVICE);
  t.is(listing.stake!.amount, "5000");
  t.is(listing.price!.amount, "1001");
  t.is(String(listing.periodSeconds), "3600");
  t.is(listing.status, pb.ListingStatus.LISTING_STATUS_ACTIVE);
  t.deepEqual(eventsOf(result.events, "sensorchain.market.v1.EventListingCreated"), [
    {
      listing_id: "1",
      seller,
      device_id: DEVICE,
      stake: "5000usensor",
      price: "1001usensor",
      period_seconds: "3600",
      msg_index: "0",
    },
  ]);
  const bySeller = await a.ask("ListingsBySeller", { seller }, pb.QueryListingsResponse);
  t.deepEqual(
    bySeller.listings.map((l) => String(l.id)),
    ["1"],
  );
  const byDevice = await a.ask("ListingByDevice", { deviceId: DEVICE }, pb.QueryListingResponse);
  t.is(String(byDevice.listing!.id), "1");
});

test("create listing failures", async (t) => {
  const { a, seller, buyer } = await roles(t);
  await device(a, seller);
  await device(a, seller, "D035_0002");
  await a.exec(seller, [ownerMsg("RetireDevice", seller, "D035_0002")]);
  const cases: [string, string, object, number, string?][] = [
    ["unknown device", seller, { deviceId: "D035_0009" }, 4],
    ["not the owner", buyer, {}, 5],
    ["retired device", seller, { deviceId: "D035_0002" }, 6],
    ["stake in another denom", seller, { denom: "uother" }, 13],
    ["stake below the minimum", seller, { stake: "999" }, 12],
    ["period of 0 seconds", seller, { periodSeconds: 0n }, 2],
    ["period above a year", seller, { periodSeconds: 366n * 86_400n + 1n }, 2],
    ["stake of 0", seller, { stake: "0" }, 3],
    ["stake above the balance", seller, { stake: "2000000000" }, 5, "sdk"],
  ];
  for (const [name, from, fields, code, codespace] of cases) {
    const result = await a.exec(from, [createMsg(from === buyer ? buyer : seller, fields)]);
    t.is(result.code, code, `${name}: ${result.log}`);
    t.is(result.codespace, codespace ?? "market", name);
  }
  const bad = await a.exec(seller, [createMsg(seller, { deviceId: "d035_1" })]);
  expectFailure(t, bad, 2, "market", /is not SSSS_NNNN: invalid listing$/);
  t.is((await a.exec(seller, [createMsg(seller)])).code, 0);
  expectFailure(
    t,
    await a.exec(seller, [createMsg(seller, { stake: "2000" })]),
    7,
    "market",
    /device already has a listing$/,
  );
  t.is(a.balance(MARKET), 10_000n, "only the listing that succeeded holds a stake");
});

test("listings rank by stake, highest first, equal stakes by id; pages; increase stake re-ranks", async (t) => {
  const { a, seller, buyer } = await roles(t);
  for (const [n, from] of [
    [1, seller],
    [2, buyer],
    [3, seller],
  ] as const)
    await device(a, from, `D035_000${n}`);
  await a.exec(seller, [createMsg(seller, { deviceId: "D035_0001", stake: "5000" })]);
  await a.exec(buyer, [createMsg(buyer, { deviceId: "D035_0002", stake: "2000" })]);
  await a.exec(seller, [createMsg(seller, { deviceId: "D035_0003", stake: "5000" })]);
  const ids = async (pagination?: object) =>
    (await a.ask("Listings", pagination ? { pagination } : {}, pb.QueryListingsResponse)).listings.map((l) =>
      String(l.id),
    );
  t.deepEqual(await ids(), ["1", "3", "2"]);
  const first = await a.ask("Listings", { pagination: { limit: 2n } }, pb.QueryListingsResponse);
  t.is(first.listings.length, 2);
  t.deepEqual(await ids({ key: first.pagination!.nextKey }), ["2"]);
  const increase = await a.exec(buyer, [
    marketMsg("IncreaseStake", { seller: buyer, listingId: 2n, amount: coin(3001) }),
  ]);
  t.is(increase.code, 0, increase.log);
  t.deepEqual(await ids(), ["2", "1", "3"]);
  t.is((await getListing(a, 2n)).stake!.amount, "5001");
  t.is(a.balance(MARKET), 15_001n);
  expectFailure(
    t,
    await a.exec(seller, [marketMsg("IncreaseStake", { seller, listingId: 2n, amount: coin(1) })]),
    9,
  );
  expectFailure(
    t,
    await a.exec(buyer, [
      marketMsg("IncreaseStake", { seller: buyer, listingId: 2n, amount: coin(1, "uother") }),
    ]),
    13,
  );
  await a.exec(seller, [marketMsg("Delist", { seller, listingId: 1n })]);
  t.deepEqual(await ids(), ["2", "3"], "a delisting listing leaves the ranking");
  expectFailure(
    t,
    await a.exec(seller, [marketMsg("IncreaseStake", { seller, listingId: 1n, amount: coin(1) })]),
    10,
  );
});

test("delist, cooldown, withdraw: stake and open challenges returned, listing removed", async (t) => {
  const { a, o1, seller, buyer, id } = await boughtListing(t);
  await a.exec(buyer, [challengeMsg(buyer, id, "150")]);
  expectFailure(t, await a.exec(seller, [marketMsg("WithdrawStake", { seller, listingId: id })]), 24);
  expectFailure(t, await a.exec(buyer, [marketMsg("Delist", { seller: buyer, listingId: id })]), 9);
  const delist = await a.exec(seller, [marketMsg("Delist", { seller, listingId: id })]);
  const withdrawHeight = BigInt(responseOf(delist, pb.MsgDelistResponse).withdrawHeight.toString());
  t.is(withdrawHeight, a.height + 5n);
  expectFailure(t, await a.exec(seller, [marketMsg("Delist", { seller, listingId: id })]), 10);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1)]), 10);
  expectFailure(t, await a.exec(seller, [marketMsg("WithdrawStake", { seller, listingId: id })]), 25);
  while (a.height + 1n < withdrawHeight) await a.finalize();
  const sellerBefore = a.balance(seller);
  const buyerBefore = a.balance(buyer);
  const withdraw = await a.exec(seller, [marketMsg("WithdrawStake", { seller, listingId: id })]);
  t.is(withdraw.code, 0, withdraw.log);
  t.is(a.height, withdrawHeight);
  t.is(a.balance(seller) - sellerBefore, 10_000n - FEE);
  t.is(a.balance(buyer) - buyerBefore, 150n);
  t.is(a.balance(MARKET), 0n);
  t.deepEqual(eventsOf(withdraw.events, "sensorchain.market.v1.EventStakeWithdrawn")[0], {
    listing_id: "1",
    seller,
    stake: "10000usensor",
    refunded_challenges: "1",
    msg_index: "0",
  });
  expectFailure(t, await a.askFailure("Listing", { listingId: id }), 8);
  expectFailure(t, await a.exec(seller, [marketMsg("WithdrawStake", { seller, listingId: id })]), 8);
});

test("queries: params, proofs of raw keys through /store/market/key, bad requests", async (t) => {
  const { a, seller } = await roles(t);
  const params = (await a.ask("Params", {}, pb.QueryParamsResponse)).params!;
  t.is(params.challengeThreshold, 3);
  t.is(String(params.delistCooldownBlocks), "5");
  t.is(params.gatewayBps, 1000);
  const id = await listed(a, seller);
  const { listingKey } = await import("../../../modules/market/keys.ts");
  const raw = await a.query("/store/market/key", listingKey(id), 0n, true);
  t.is(raw.code, 0, raw.log);
  t.deepEqual(pb.Listing.decode(raw.value).seller, seller);
  t.is(raw.proofOps?.length, 2);
  expectFailure(t, await a.askFailure("Listing", { listingId: 0n }), 8);
  expectFailure(t, await a.askFailure("ListingsBySeller", { seller: "nope" }), 7, "sdk");
  expectFailure(t, await a.askFailure("HasAccess", { deviceId: "bad", account: seller, at: 1n }), 2);
});
