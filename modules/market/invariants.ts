// Invariants of the market module: the module account holds exactly the listing stakes plus the open
// challenge stakes, denom by denom (purchases never pass through it, so nothing else is pending);
// every listing's counters agree with its challenges, its dispute flag with the dispute records, and
// its index entries are present.
import type { Invariant } from "../../chain/app/module.ts";
import { type BalanceReader, moduleBalanceMismatch } from "../module-balance.ts";
import type { MarketKeeper } from "./keeper.ts";
import { deviceIndexKey, disputeKey, encodeUint64, rankKey, STORE_NAME, sellerIndexKey } from "./keys.ts";

export type { BalanceReader };

export function marketInvariants(
  keeper: MarketKeeper,
  balances: () => BalanceReader | undefined,
): Invariant[] {
  return [
    {
      name: "module-balance",
      async check(ctx) {
        const owed = new Map<string, bigint>();
        const add = (denom: string, amount: bigint) => owed.set(denom, (owed.get(denom) ?? 0n) + amount);
        const denoms = new Map<bigint, string>();
        for await (const listing of keeper.iterateListings(ctx)) {
          add(listing.stake.denom, listing.stake.amount);
          denoms.set(listing.id, listing.stake.denom);
        }
        for await (const challenge of keeper.iterateChallenges(ctx)) {
          const denom = denoms.get(challenge.listingId);
          if (denom === undefined) return `challenge on missing listing ${challenge.listingId}`;
          add(denom, challenge.stake);
        }
        const reader = balances();
        if (reader === undefined) return undefined;
        return moduleBalanceMismatch(ctx, reader, keeper.moduleAccount, owed, "listing + challenge stakes");
      },
    },
    {
      name: "listing-records",
      async check(ctx) {
        const tallies = new Map<bigint, { count: number; stake: bigint }>();
        for await (const challenge of keeper.iterateChallenges(ctx)) {
          const tally = tallies.get(challenge.listingId) ?? { count: 0, stake: 0n };
          tally.count++;
          tally.stake += challenge.stake;
          tallies.set(challenge.listingId, tally);
        }
        const store = ctx.store(STORE_NAME);
        const threshold = keeper.params(ctx).challengeThreshold;
        for await (const listing of keeper.iterateListings(ctx)) {
          const tally = tallies.get(listing.id) ?? { count: 0, stake: 0n };
          if (tally.count !== listing.openChallenges || tally.stake !== listing.challengeStake)
            return `listing ${listing.id}: counters ${listing.openChallenges}/${listing.challengeStake}, challenges ${tally.count}/${tally.stake}`;
          if (listing.disputed !== store.has(disputeKey(listing.id)))
            return `listing ${listing.id}: disputed flag disagrees with the dispute record`;
          if (!listing.disputed && listing.openChallenges >= threshold)
            return `listing ${listing.id}: ${listing.openChallenges} open challenges and no dispute`;
          if (listing.id >= keeper.nextListingId(ctx))
            return `listing ${listing.id} is not below the next id`;
          if (store.has(rankKey(listing.stake.amount, listing.id)) !== (listing.status === "active"))
            return `listing ${listing.id}: stake ranking disagrees with status ${listing.status}`;
          if (!store.has(sellerIndexKey(listing.seller, listing.id)))
            return `listing ${listing.id} missing from seller index`;
          const indexed = store.get(deviceIndexKey(listing.deviceId));
          if (indexed === undefined || Buffer.compare(indexed, encodeUint64(listing.id)) !== 0)
            return `listing ${listing.id} missing from device index`;
        }
        return undefined;
      },
    },
  ];
}
