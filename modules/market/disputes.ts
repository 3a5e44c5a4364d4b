// Challenges by buyers, the dispute that opens at challenge_threshold, the arbiters' votes and the
// resolution once > 2/3 of validator power agree: the loser's stake split between the winners and
// the platform pool (README.md, Messages and Design choices: forfeits).
import { type Coin, formatCoins } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import { weighVotes } from "../poa/tally.ts";
import type { Listing, VerdictName } from "./codec.ts";
import { marketError } from "./errors.ts";
import type { MarketDependencies, VoteOutcome } from "./keeper.ts";
import { challengeKey, disputeKey, MODULE_NAME, purchasedKey, STORE_NAME, voteKey } from "./keys.ts";
import { requireUndisputed } from "./listings.ts";
import { splitForfeit } from "./split.ts";
import {
  challengesOf,
  loadParams,
  marketAccount,
  platformPoolAccount,
  removeListing,
  requireListing,
  saveChallenge,
  saveDispute,
  saveListing,
  saveVote,
  votesOf,
} from "./state.ts";
import {
  EVENT_DISPUTE_OPENED,
  EVENT_DISPUTE_RESOLVED,
  EVENT_DISPUTE_VOTE,
  EVENT_LISTING_CHALLENGED,
} from "./type-urls.ts";

/** Stakes a challenge; returns true when it is the one that opens the dispute. */
export function challenge(
  ctx: Context,
  deps: MarketDependencies,
  challenger: string,
  id: bigint,
  stake: Coin,
  reason: string,
): boolean {
  const listing = requireListing(ctx, id);
  if (challenger === listing.seller) throw marketError("selfDealing", `${challenger} sells listing ${id}`);
  requireUndisputed(listing);
  const store = ctx.store(STORE_NAME);
  if (!store.has(purchasedKey(id, challenger)))
    throw marketError("notBuyer", `${challenger} never bought access on listing ${id}`);
  if (store.has(challengeKey(id, challenger)))
    throw marketError("alreadyChallenged", `${challenger} on listing ${id}`);
  const params = loadParams(ctx);
  if (stake.denom !== listing.stake.denom)
    throw marketError(
      "denomMismatch",
      `challenge stake must be in ${listing.stake.denom}, got ${stake.denom}`,
    );
  if (stake.amount < params.minChallengeStake)
    throw marketError(
      "stakeTooLow",
      `challenge stake ${stake.amount} < ${params.minChallengeStake}${stake.denom}`,
    );
  deps.bank.sendCoinsFromAccountToModule(ctx, challenger, MODULE_NAME, [stake]);
  saveChallenge(ctx, { listingId: id, challenger, stake: stake.amount, reason, height: ctx.height });
  const updated: Listing = {
    ...listing,
    openChallenges: listing.openChallenges + 1,
    challengeStake: listing.challengeStake + stake.amount,
  };
  const opens = updated.openChallenges >= params.challengeThreshold;
  if (opens) {
    updated.disputed = true;
    saveDispute(ctx, { listingId: id, openedHeight: ctx.height });
  }
  saveListing(ctx, updated, listing);
  ctx.events.emit(EVENT_LISTING_CHALLENGED, {
    listing_id: id.toString(),
    challenger,
    stake: formatCoins([stake]),
    open_challenges: String(updated.openChallenges),
    reason,
  });
  if (opens)
    ctx.events.emit(EVENT_DISPUTE_OPENED, {
      listing_id: id.toString(),
      challenges: String(updated.openChallenges),
      challenge_stake: `${updated.challengeStake}${listing.stake.denom}`,
      seller_stake: formatCoins([listing.stake]),
    });
  return opens;
}

/** Records an arbiter's verdict; resolves the dispute once current operators holding more than
 * 2/3 of the total power voted the same verdict. Votes of former operators weigh nothing. */
export async function vote(
  ctx: Context,
  deps: MarketDependencies,
  arbiter: string,
  id: bigint,
  verdict: VerdictName,
): Promise<VoteOutcome> {
  // Authority first: a non-operator learns nothing about the listing from the error.
  if (!deps.validators.isOperator(ctx, arbiter))
    throw marketError("notArbiter", `${arbiter} operates no current validator`);
  const listing = requireListing(ctx, id);
  const store = ctx.store(STORE_NAME);
  if (!listing.disputed || !store.has(disputeKey(id))) throw marketError("noDispute", `listing ${id}`);
  if (store.has(voteKey(id, arbiter))) throw marketError("alreadyVoted", `${arbiter} on listing ${id}`);
  saveVote(ctx, { listingId: id, arbiter, verdict, height: ctx.height });
  // Arbiters are the current validators' operators, weighed by their power now.
  const arbiters = deps.validators
    .operators(ctx)
    .map((info) => ({ address: info.operator, power: info.power }));
  const weighed = await weighVotes(arbiters, votesOf(ctx, id), (cast) =>
    cast.verdict === verdict ? cast.arbiter : undefined,
  );
  const resolved = weighed.passed;
  ctx.events.emit(EVENT_DISPUTE_VOTE, {
    listing_id: id.toString(),
    arbiter,
    verdict,
    voted_power: weighed.voted.toString(),
    total_power: weighed.total.toString(),
    resolved: String(resolved),
  });
  if (!resolved) return { resolved, verdict: undefined };
  await resolve(ctx, deps, listing, verdict);
  return { resolved, verdict };
}

/** Closes the dispute: seller_wins pays the challenge stakes to the seller and keeps the listing;
 * challengers_win returns each challenge stake with its share of the seller's and removes it. */
async function resolve(
  ctx: Context,
  deps: MarketDependencies,
  listing: Listing,
  verdict: VerdictName,
): Promise<void> {
  const store = ctx.store(STORE_NAME);
  const id = listing.id;
  const challenges = await challengesOf(ctx, id);
  for (const open of challenges) store.delete(challengeKey(id, open.challenger));
  for await (const cast of votesOf(ctx, id)) store.delete(voteKey(id, cast.arbiter));
  store.delete(disputeKey(id));
  const params = loadParams(ctx);
  const denom = listing.stake.denom;
  const pay = (to: string, amount: bigint) => {
    if (amount > 0n) deps.bank.sendCoins(ctx, marketAccount(), to, [{ denom, amount }]);
  };
  let platform: bigint;
  let sellerReceived = 0n;
  if (verdict === "seller_wins") {
    const split = splitForfeit(listing.challengeStake, [1n], params.slashPlatformBps);
    platform = split.platform;
    sellerReceived = split.winners[0]!;
    pay(listing.seller, sellerReceived);
    saveListing(ctx, { ...listing, disputed: false, openChallenges: 0, challengeStake: 0n }, listing);
  } else {
    const split = splitForfeit(
      listing.stake.amount,
      challenges.map((open) => open.stake),
      params.slashPlatformBps,
    );
    platform = split.platform;
    for (const [index, open] of challenges.entries())
      pay(open.challenger, open.stake + split.winners[index]!);
    removeListing(ctx, listing);
  }
  pay(platformPoolAccount(), platform);
  ctx.events.emit(EVENT_DISPUTE_RESOLVED, {
    listing_id: id.toString(),
    verdict,
    seller: listing.seller,
    forfeited: verdict === "seller_wins" ? `${listing.challengeStake}${denom}` : formatCoins([listing.stake]),
    platform_share: `${platform}${denom}`,
    seller_received: `${sellerReceived}${denom}`,
    challengers: String(challenges.length),
    listing_removed: String(verdict === "challengers_win"),
  });
}
