// Market keeper rules for challenges and disputes through real txs on the real store: the threshold
// opening a dispute, both resolutions by > 2/3 of power, challenges during a delist cooldown, and
// their failure cases of modules/market/README.md with their codes. Invariants (market module balance, supply, listing records) are checked after every block.
import test from "ava";
import { market as pb } from "../../../client/index.ts";
import { eventsOf } from "../../helpers/app.ts";
import {
  boughtListing,
  buyMsg,
  challengeMsg,
  coin,
  createMsg,
  DEVICE,
  expectFailure,
  FEE,
  getListing,
  hasAccess,
  MARKET,
  marketMsg,
  POOL,
  responseOf,
  voteMsg,
} from "./helpers.ts";

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
