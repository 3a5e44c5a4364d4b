// app_state.market: sensorchain.market.v1.GenesisState in proto3 JSON with snake_case field names
// (as the SDK writes genesis): enums by name, uint64/int64 as strings. Import checks every record
// and their agreement (listing counters against challenges, disputes against flags) and rebuilds the
// indexes; export writes records in key order, so export → import → export is the identity.
import type { Context } from "../../chain/app/module.ts";
import { type GenesisMessageType, genesisChecks, type Json, messageToGenesisJson } from "../genesis-json.ts";
import { toBigInt } from "../proto-values.ts";
import {
  type AccessGrant,
  type Challenge,
  challengeFromProto,
  challengeToProto,
  DEFAULT_PARAMS,
  type Dispute,
  type DisputeVote,
  disputeFromProto,
  disputeToProto,
  grantFromProto,
  grantToProto,
  type Listing,
  listingFromProto,
  listingToProto,
  type MarketParams,
  paramsToProto,
  pb,
  voteFromProto,
  voteToProto,
} from "./codec.ts";
import type { MarketKeeper } from "./keeper.ts";
import { MAX_AMOUNT } from "./keys.ts";
import {
  checkAddress,
  checkCoin,
  checkDeviceId,
  checkParams,
  checkPeriodSeconds,
  checkReason,
} from "./validation.ts";

export interface MarketGenesis {
  params: MarketParams;
  nextListingId: bigint;
  nextGrantId: bigint;
  listings: Listing[];
  grants: AccessGrant[];
  challenges: Challenge[];
  disputes: Dispute[];
  votes: DisputeVote[];
}

const toJson = <T>(type: GenesisMessageType<T>, message: object) =>
  messageToGenesisJson(type, message, { longs: String, enums: String });

export function defaultMarketGenesis(): Json {
  return { params: toJson(pb.Params, paramsToProto(DEFAULT_PARAMS)) as Json };
}

const { fail, at, decode } = genesisChecks("market");

function parseListing(message: object, field: string): Listing {
  const listing = at(field, () => listingFromProto(message));
  at(`${field}.seller`, () => checkAddress(listing.seller, "seller"));
  at(`${field}.device_id`, () => checkDeviceId(listing.deviceId));
  at(`${field}.stake`, () =>
    checkCoin({ denom: listing.stake.denom, amount: listing.stake.amount.toString() }, "stake", 1n),
  );
  at(`${field}.price`, () =>
    checkCoin({ denom: listing.price.denom, amount: listing.price.amount.toString() }, "price", 0n),
  );
  at(`${field}.period_seconds`, () => checkPeriodSeconds(listing.periodSeconds));
  if (listing.id <= 0n) fail(`${field}: id must be above 0`);
  if (listing.challengeStake < 0n || listing.challengeStake > MAX_AMOUNT)
    fail(`${field}: challenge_stake out of range`);
  return listing;
}

export function parseMarketGenesis(value: unknown): MarketGenesis {
  const json = value as Json;
  const message = decode(value, pb.GenesisState);
  const params =
    json.params === undefined ? { ...DEFAULT_PARAMS } : at("params", () => checkParams(message.params));
  const listings = message.listings.map((item, i) => parseListing(item, `listings[${i}]`));
  const byId = new Map<bigint, Listing>();
  const devices = new Set<string>();
  for (const listing of listings) {
    if (byId.has(listing.id)) fail(`duplicate listing ${listing.id}`);
    if (devices.has(listing.deviceId)) fail(`device ${listing.deviceId} has two listings`);
    byId.set(listing.id, listing);
    devices.add(listing.deviceId);
  }
  const nextListingId = toBigInt(message.nextListingId) || 1n;
  for (const id of byId.keys())
    if (id >= nextListingId) fail(`listing ${id} is not below next_listing_id ${nextListingId}`);

  const grants = message.grants.map((item, i) => {
    const grant = at(`grants[${i}]`, () => grantFromProto(item));
    at(`grants[${i}].buyer`, () => checkAddress(grant.buyer, "buyer"));
    at(`grants[${i}].gateway`, () => checkAddress(grant.gateway, "gateway"));
    at(`grants[${i}].device_id`, () => checkDeviceId(grant.deviceId));
    if (grant.id <= 0n || grant.listingId <= 0n) fail(`grants[${i}]: id and listing_id must be above 0`);
    if (grant.startTime < 0n || grant.endTime <= grant.startTime)
      fail(`grants[${i}]: end_time must follow start_time`);
    return grant;
  });
  const nextGrantId = toBigInt(message.nextGrantId) || 1n;
  const grantIds = new Set<bigint>();
  const purchased = new Set<string>();
  for (const grant of grants) {
    if (grantIds.has(grant.id)) fail(`duplicate grant ${grant.id}`);
    if (grant.id >= nextGrantId) fail(`grant ${grant.id} is not below next_grant_id ${nextGrantId}`);
    grantIds.add(grant.id);
    purchased.add(`${grant.listingId}/${grant.buyer}`);
  }

  const tallies = new Map<bigint, { count: number; stake: bigint; seen: Set<string> }>();
  const challenges = message.challenges.map((item, i) => {
    const challenge = at(`challenges[${i}]`, () => challengeFromProto(item));
    at(`challenges[${i}].challenger`, () => checkAddress(challenge.challenger, "challenger"));
    at(`challenges[${i}].reason`, () => checkReason(challenge.reason));
    if (!byId.has(challenge.listingId)) fail(`challenges[${i}]: unknown listing ${challenge.listingId}`);
    if (challenge.stake <= 0n || challenge.stake > MAX_AMOUNT) fail(`challenges[${i}]: stake out of range`);
    if (!purchased.has(`${challenge.listingId}/${challenge.challenger}`))
      fail(`challenges[${i}]: ${challenge.challenger} holds no grant on listing ${challenge.listingId}`);
    const tally = tallies.get(challenge.listingId) ?? { count: 0, stake: 0n, seen: new Set() };
    if (tally.seen.has(challenge.challenger)) fail(`challenges[${i}]: duplicate challenger`);
    tally.seen.add(challenge.challenger);
    tally.count++;
    tally.stake += challenge.stake;
    tallies.set(challenge.listingId, tally);
    return challenge;
  });
  for (const listing of listings) {
    const tally = tallies.get(listing.id) ?? { count: 0, stake: 0n };
    if (tally.count !== listing.openChallenges || tally.stake !== listing.challengeStake)
      fail(`listing ${listing.id}: open_challenges/challenge_stake disagree with its challenges`);
  }

  const disputes = message.disputes.map((item, i) => at(`disputes[${i}]`, () => disputeFromProto(item)));
  const disputed = new Set(disputes.map((dispute) => dispute.listingId));
  if (disputed.size !== disputes.length) fail("duplicate dispute");
  for (const listing of listings)
    if (listing.disputed !== disputed.has(listing.id))
      fail(`listing ${listing.id}: disputed flag disagrees with disputes`);
  for (const id of disputed) if (!byId.has(id)) fail(`dispute on unknown listing ${id}`);

  const voted = new Set<string>();
  const votes = message.votes.map((item, i) => {
    const vote = at(`votes[${i}]`, () => voteFromProto(item));
    at(`votes[${i}].arbiter`, () => checkAddress(vote.arbiter, "arbiter"));
    if (!disputed.has(vote.listingId)) fail(`votes[${i}]: listing ${vote.listingId} has no dispute`);
    const key = `${vote.listingId}/${vote.arbiter}`;
    if (voted.has(key)) fail(`votes[${i}]: duplicate vote`);
    voted.add(key);
    return vote;
  });
  return { params, nextListingId, nextGrantId, listings, grants, challenges, disputes, votes };
}

export function initMarketGenesis(ctx: Context, keeper: MarketKeeper, genesis: MarketGenesis): void {
  keeper.setParams(ctx, genesis.params);
  keeper.setNextIds(ctx, genesis.nextListingId, genesis.nextGrantId);
  for (const listing of genesis.listings) keeper.importListing(ctx, listing);
  for (const grant of genesis.grants) keeper.importGrant(ctx, grant);
  for (const challenge of genesis.challenges) keeper.importChallenge(ctx, challenge);
  for (const dispute of genesis.disputes) keeper.importDispute(ctx, dispute);
  for (const vote of genesis.votes) keeper.importVote(ctx, vote);
}

async function collect<T>(
  items: AsyncIterable<T>,
  toProto: (item: T) => object,
  type: Parameters<typeof toJson>[0],
) {
  const list: unknown[] = [];
  for await (const item of items) list.push(toJson(type, toProto(item)));
  return list;
}

export async function exportMarketGenesis(ctx: Context, keeper: MarketKeeper): Promise<Json> {
  return {
    params: toJson(pb.Params, paramsToProto(keeper.params(ctx))),
    next_listing_id: keeper.nextListingId(ctx).toString(),
    next_grant_id: keeper.nextGrantId(ctx).toString(),
    listings: await collect(keeper.iterateListings(ctx), listingToProto, pb.Listing),
    grants: await collect(keeper.iterateGrants(ctx), grantToProto, pb.AccessGrant),
    challenges: await collect(keeper.iterateChallenges(ctx), challengeToProto, pb.Challenge),
    disputes: await collect(keeper.iterateDisputes(ctx), disputeToProto, pb.Dispute),
    votes: await collect(keeper.iterateVotes(ctx), voteToProto, pb.DisputeVote),
  };
}
