// Market keeper rules through real txs on the real store: listing, ranking, purchases with the
// 80/10/10 split to the unit, grants and HasAccess, challenges, disputes with both resolutions,
// delist + cooldown + withdraw, and every failure case of modules/market/README.md with its code.
// Invariants (market module balance, supply, listing records) are checked after every block.
import test from "ava";
import { market as pb } from "../../../client/index.ts";
import { moduleAddress } from "../../../modules/auth/keys.ts";
import { eventsOf } from "../../helpers/app.ts";
import { ownerMsg } from "../device/helpers.ts";
import {
  buyMsg,
  challengeMsg,
  coin,
  createMsg,
  DEVICE,
  device,
  expectFailure,
  listed,
  type MarketTestApp,
  marketMsg,
  responseOf,
  startMarketApp,
  voteMsg,
} from "./helpers.ts";

/** Every test tx pays this fee (helpers' fee(10_000, 400_000)). */
const FEE = 10_000n;
const MARKET = moduleAddress("market");
const POOL = moduleAddress("escrow_platform_pool");

async function roles(t: import("ava").ExecutionContext) {
  const a = await startMarketApp(t);
  const [o0, o1, o2, o3, seller, buyer] = a.w.addresses as [string, string, string, string, string, string];
  return { a, o0, o1, o2, o3, seller, buyer };
}

async function getListing(a: MarketTestApp, listingId: bigint) {
  return (await a.ask("Listing", { listingId }, pb.QueryListingResponse)).listing!;
}

async function hasAccess(a: MarketTestApp, account: string, at: bigint, deviceId = DEVICE) {
  return (await a.ask("HasAccess", { deviceId, account, at }, pb.QueryHasAccessResponse)).hasAccess;
}

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

test("buy access: 80/10/10 split to the unit, grant, chained periods, HasAccess, grants queries", async (t) => {
  const { a, o1, seller, buyer } = await roles(t);
  const id = await listed(a, seller, { price: "1001", periodSeconds: 3600n });
  const sellerBefore = a.balance(seller);
  const buyerBefore = a.balance(buyer);
  const gatewayBefore = a.balance(o1);
  const poolBefore = a.balance(POOL);
  const result = await a.exec(buyer, [buyMsg(buyer, id, o1, 3)]);
  const time = a.lastTime();
  const response = responseOf(result, pb.MsgBuyAccessResponse);
  t.is(String(response.grantId), "1");
  t.is(String(response.startTime), String(time));
  t.is(String(response.endTime), String(time + 3n * 3600n));
  // 3003: gateway floor(300.3) = 300, platform 300, seller the rest 2403.
  t.is(a.balance(seller) - sellerBefore, 2403n);
  t.is(a.balance(o1) - gatewayBefore, 300n);
  t.is(a.balance(POOL) - poolBefore, 300n);
  t.is(buyerBefore - a.balance(buyer), 3003n + FEE);
  t.is(a.balance(MARKET), 10_000n, "purchases never pass through the module account");
  t.deepEqual(eventsOf(result.events, "sensorchain.market.v1.EventAccessBought")[0], {
    listing_id: "1",
    grant_id: "1",
    buyer,
    device_id: DEVICE,
    gateway: o1,
    seller,
    paid: "3003usensor",
    seller_share: "2403usensor",
    gateway_share: "300usensor",
    platform_share: "300usensor",
    start_time: String(time),
    end_time: String(time + 10_800n),
    msg_index: "0",
  });
  t.true(await hasAccess(a, buyer, time));
  t.true(await hasAccess(a, buyer, time + 10_799n));
  t.false(await hasAccess(a, buyer, time + 10_800n));
  t.false(await hasAccess(a, buyer, time - 1n));
  t.false(await hasAccess(a, seller, time));
  // A second purchase starts where the first ends.
  const again = responseOf(await a.exec(buyer, [buyMsg(buyer, id, o1, 1)]), pb.MsgBuyAccessResponse);
  t.is(String(again.startTime), String(time + 10_800n));
  t.is(String(again.endTime), String(time + 14_400n));
  t.true(await hasAccess(a, buyer, time + 10_800n));
  const access = await a.ask(
    "HasAccess",
    { deviceId: DEVICE, account: buyer, at: time + 12_000n },
    pb.QueryHasAccessResponse,
  );
  t.is(String(access.grant!.id), "2");
  const byBuyer = await a.ask("GrantsByBuyer", { buyer }, pb.QueryGrantsResponse);
  t.deepEqual(
    byBuyer.grants.map((g) => [String(g.id), g.gateway, g.paid!.amount]),
    [
      ["1", o1, "3003"],
      ["2", o1, "1001"],
    ],
  );
  t.is((await a.ask("GrantsByDevice", { deviceId: DEVICE }, pb.QueryGrantsResponse)).grants.length, 2);
  t.is((await a.ask("Grant", { grantId: 2n }, pb.QueryGrantResponse)).grant!.buyer, buyer);
  t.is(String((await getListing(a, id)).purchases), "2");
  expectFailure(t, await a.askFailure("Grant", { grantId: 9n }), 28);
  // HasAccess through the keeper (what the bridge calls) agrees.
  t.is((await a.market.accessAt(a.context(), DEVICE, buyer, time + 1n))?.id, 1n);
});

test("buy access failures", async (t) => {
  const { a, o1, o2, seller, buyer } = await roles(t);
  const id = await listed(a, seller);
  expectFailure(t, await a.exec(seller, [buyMsg(seller, id, o1)]), 16);
  expectFailure(
    t,
    await a.exec(buyer, [buyMsg(buyer, id, buyer)]),
    14,
    "market",
    /operates no current validator/,
  );
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1, 0)]), 15);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1, 10_001)]), 15);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, 7n, o1)]), 8);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, 0n, o1)]), 8);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, "sensor1xyz")]), 7, "sdk");
  // The seller moved the device away: the listing cannot sell it any more.
  await a.exec(seller, [ownerMsg("TransferDeviceOwnership", seller, DEVICE, { newOwner: o2 })]);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1)]), 26);
  await a.exec(o2, [ownerMsg("TransferDeviceOwnership", o2, DEVICE, { newOwner: seller })]);
  t.is((await a.exec(buyer, [buyMsg(buyer, id, o1)])).code, 0);
  await a.exec(seller, [ownerMsg("RetireDevice", seller, DEVICE)]);
  expectFailure(t, await a.exec(buyer, [buyMsg(buyer, id, o1)]), 6);
});

test("update listing price: seller only, active only; purchases use the new price", async (t) => {
  const { a, o1, seller, buyer } = await roles(t);
  const id = await listed(a, seller);
  const result = await a.exec(seller, [
    marketMsg("UpdateListing", { seller, listingId: id, price: coin(50) }),
  ]);
  t.is(result.code, 0, result.log);
  t.deepEqual(eventsOf(result.events, "sensorchain.market.v1.EventListingUpdated")[0], {
    listing_id: "1",
    seller,
    price: "50usensor",
    previous_price: "1001usensor",
    msg_index: "0",
  });
  const before = a.balance(buyer);
  await a.exec(buyer, [buyMsg(buyer, id, o1, 2)]);
  t.is(before - a.balance(buyer), 100n + FEE);
  expectFailure(
    t,
    await a.exec(buyer, [marketMsg("UpdateListing", { seller: buyer, listingId: id, price: coin(1) })]),
    9,
  );
  expectFailure(
    t,
    await a.exec(seller, [
      marketMsg("UpdateListing", { seller, listingId: id, price: { denom: "x", amount: "1" } }),
    ]),
    3,
  );
  await a.exec(seller, [marketMsg("Delist", { seller, listingId: id })]);
  expectFailure(
    t,
    await a.exec(seller, [marketMsg("UpdateListing", { seller, listingId: id, price: coin(1) })]),
    10,
  );
});

/** A listing with stake 10000 bought by buyer, o0 and o2 (gateway o1). */
async function boughtListing(t: import("ava").ExecutionContext) {
  const r = await roles(t);
  const id = await listed(r.a, r.seller);
  for (const who of [r.buyer, r.o0, r.o2]) {
    const result = await r.a.exec(who, [buyMsg(who, id, r.o1)]);
    if (result.code !== 0) throw new Error(result.log);
  }
  return { ...r, id };
}

test("challenge failures and the threshold opening a dispute", async (t) => {
  const { a, o0, o2, o3, seller, buyer, id } = await boughtListing(t);
  expectFailure(t, await a.exec(o3, [challengeMsg(o3, id)]), 17, "market", /never bought access/);
  expectFailure(t, await a.exec(seller, [challengeMsg(seller, id)]), 16);
  expectFailure(t, await a.exec(buyer, [challengeMsg(buyer, id, "99")]), 12);
  expectFailure(
    t,
    await a.exec(buyer, [
      marketMsg("ChallengeListing", { challenger: buyer, listingId: id, stake: coin(100, "uother") }),
    ]),
    13,
  );
  expectFailure(t, await a.exec(buyer, [challengeMsg(buyer, id, "100", "x".repeat(257))]), 19);
  expectFailure(t, await a.exec(buyer, [challengeMsg(buyer, id, "100", "bad\u0007")]), 19);
  expectFailure(t, await a.exec(buyer, [challengeMsg(buyer, 9n)]), 8);
  const first = await a.exec(buyer, [challengeMsg(buyer, id, "100")]);
  t.false(responseOf(first, pb.MsgChallengeListingResponse).disputeOpened);
  expectFailure(t, await a.exec(buyer, [challengeMsg(buyer, id, "100")]), 18);
  await a.exec(o0, [challengeMsg(o0, id, "200")]);
  t.is(a.balance(MARKET), 10_300n);
  const third = await a.exec(o2, [challengeMsg(o2, id, "400")]);
  t.true(responseOf(third, pb.MsgChallengeListingResponse).disputeOpened);
  t.deepEqual(eventsOf(third.events, "sensorchain.market.v1.EventDisputeOpened")[0], {
    listing_id: "1",
    challenges: "3",
    challenge_stake: "700usensor",
    seller_stake: "10000usensor",
    msg_index: "0",
  });
  const listing = await getListing(a, id);
  t.true(listing.disputed);
  t.is(listing.openChallenges, 3);
  t.is(listing.challengeStake, "700");
  const disputes = await a.ask("Disputes", {}, pb.QueryDisputesResponse);
  t.deepEqual(
    disputes.disputes.map((d) => String(d.listingId)),
    ["1"],
  );
  const challenges = await a.ask("Challenges", { listingId: id }, pb.QueryChallengesResponse);
  t.deepEqual(challenges.challenges.map((c) => c.stake).sort(), ["100", "200", "400"]);
  // Under dispute: no purchases, no more challenges, no delisting, no stake changes.
  expectFailure(t, await a.exec(o3, [buyMsg(o3, id, o0)]), 11);
  expectFailure(t, await a.exec(seller, [marketMsg("Delist", { seller, listingId: id })]), 11);
  expectFailure(
    t,
    await a.exec(seller, [marketMsg("IncreaseStake", { seller, listingId: id, amount: coin(1) })]),
    11,
  );
});

async function disputed(t: import("ava").ExecutionContext) {
  const r = await boughtListing(t);
  await r.a.exec(r.buyer, [challengeMsg(r.buyer, r.id, "100")]);
  await r.a.exec(r.o0, [challengeMsg(r.o0, r.id, "200")]);
  await r.a.exec(r.o2, [challengeMsg(r.o2, r.id, "400")]);
  return r;
}

test("challengers win at > 2/3 of power: seller's stake pro rata to challengers, 10% + dust to the pool, listing removed", async (t) => {
  const { a, o0, o1, o2, o3, seller, buyer, id } = await disputed(t);
  expectFailure(t, await a.exec(buyer, [voteMsg(buyer, id, false)]), 20);
  expectFailure(
    t,
    await a.exec(o1, [marketMsg("VoteDispute", { arbiter: o1, listingId: id, verdict: 0 })]),
    23,
  );
  const before = new Map([seller, buyer, o0, o1, o2, o3, POOL].map((x) => [x, a.balance(x)]));
  const v1 = await a.exec(o1, [voteMsg(o1, id, false)]);
  t.false(responseOf(v1, pb.MsgVoteDisputeResponse).resolved);
  expectFailure(t, await a.exec(o1, [voteMsg(o1, id, false)]), 22);
  // 20 of 40 is not > 2/3; a vote for the other verdict does not help.
  await a.exec(o3, [voteMsg(o3, id, false)]);
  await a.exec(o0, [voteMsg(o0, id, true)]);
  t.is((await a.ask("DisputeVotes", { listingId: id }, pb.QueryDisputeVotesResponse)).votes.length, 3);
  t.true((await getListing(a, id)).disputed);
  const last = await a.exec(o2, [voteMsg(o2, id, false)]);
  t.true(responseOf(last, pb.MsgVoteDisputeResponse).resolved);
  // Pot 10000: pool 1000; 9000 × 100/700 = 1285, × 200/700 = 2571, × 400/700 = 5142; dust 2 to the pool.
  const delta = (x: string) => a.balance(x) - before.get(x)!;
  t.is(delta(buyer), 100n + 1285n);
  t.is(delta(o0), 200n + 2571n - FEE);
  t.is(delta(o2), 400n + 5142n - FEE);
  t.is(delta(POOL), 1002n);
  t.is(delta(seller), 0n);
  t.is(a.balance(MARKET), 0n);
  t.deepEqual(eventsOf(last.events, "sensorchain.market.v1.EventDisputeResolved")[0], {
    listing_id: "1",
    verdict: "challengers_win",
    seller,
    forfeited: "10000usensor",
    platform_share: "1002usensor",
    seller_received: "0usensor",
    challengers: "3",
    listing_removed: "true",
    msg_index: "0",
  });
  expectFailure(t, await a.askFailure("Listing", { listingId: id }), 8);
  expectFailure(t, await a.askFailure("ListingByDevice", { deviceId: DEVICE }), 8);
  t.is((await a.ask("Disputes", {}, pb.QueryDisputesResponse)).disputes.length, 0);
  t.is((await a.ask("DisputeVotes", { listingId: id }, pb.QueryDisputeVotesResponse)).votes.length, 0);
  expectFailure(t, await a.exec(o3, [voteMsg(o3, id, false)]), 8);
  // Access already bought stays valid; the device can be listed again.
  t.true(await hasAccess(a, buyer, a.lastTime()));
  t.is((await a.exec(seller, [createMsg(seller)])).code, 0);
});

test("seller wins: challengers' stakes to the seller less 10%; listing back to active and challengeable", async (t) => {
  const { a, o0, o1, o2, o3, seller, buyer, id } = await disputed(t);
  const sellerBefore = a.balance(seller);
  const poolBefore = a.balance(POOL);
  await a.exec(o1, [voteMsg(o1, id, true)]);
  await a.exec(o2, [voteMsg(o2, id, false)]);
  await a.exec(o3, [voteMsg(o3, id, true)]);
  const last = await a.exec(o0, [voteMsg(o0, id, true)]);
  t.true(responseOf(last, pb.MsgVoteDisputeResponse).resolved);
  t.is(a.balance(seller) - sellerBefore, 630n);
  t.is(a.balance(POOL) - poolBefore, 70n);
  t.is(a.balance(MARKET), 10_000n);
  const listing = await getListing(a, id);
  t.false(listing.disputed);
  t.is(listing.openChallenges, 0);
  t.is(listing.challengeStake, "0");
  t.is((await a.ask("Challenges", { listingId: id }, pb.QueryChallengesResponse)).challenges.length, 0);
  expectFailure(t, await a.exec(o1, [voteMsg(o1, id, true)]), 21);
  t.is((await a.exec(buyer, [challengeMsg(buyer, id)])).code, 0, "a buyer may challenge again");
  t.is((await a.exec(o1, [buyMsg(o1, id, o2)])).code, 0, "purchases resume");
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

test("challenges reaching the threshold during the cooldown block the withdrawal until resolved", async (t) => {
  const { a, o0, o1, o2, o3, seller, buyer, id } = await boughtListing(t);
  await a.exec(seller, [marketMsg("Delist", { seller, listingId: id })]);
  await a.exec(buyer, [challengeMsg(buyer, id)]);
  await a.exec(o0, [challengeMsg(o0, id)]);
  await a.exec(o2, [challengeMsg(o2, id)]);
  for (let i = 0; i < 5; i++) await a.finalize();
  expectFailure(t, await a.exec(seller, [marketMsg("WithdrawStake", { seller, listingId: id })]), 11);
  for (const arbiter of [o1, o3, o0]) await a.exec(arbiter, [voteMsg(arbiter, id, true)]);
  t.is((await getListing(a, id)).status, pb.ListingStatus.LISTING_STATUS_DELISTING);
  t.is((await a.exec(seller, [marketMsg("WithdrawStake", { seller, listingId: id })])).code, 0);
  t.is(a.balance(MARKET), 0n);
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
