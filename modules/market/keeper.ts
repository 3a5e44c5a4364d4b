// Market keeper: staked listings of device data ranked by stake, purchases split between seller,
// gateway operator and platform pool, access grants, challenges, disputes resolved by > 2/3 of
// validator power, delisting with a cooldown. Message handlers are thin; the rules live in
// listings.ts, purchases.ts and disputes.ts, the records in state.ts (README.md). Other modules and
// the MQTT bridge get AccessReader.
import type { Coin } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import type { BankSendKeeper } from "../bank/keeper.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import {
  type AccessGrant,
  type Challenge,
  challengeCodec,
  type Dispute,
  type DisputeVote,
  disputeCodec,
  grantCodec,
  type Listing,
  listingCodec,
  type VerdictName,
  voteCodec,
} from "./codec.ts";
import { challenge, vote } from "./disputes.ts";
import {
  CHALLENGE_PREFIX,
  DISPUTE_PREFIX,
  GRANT_PREFIX,
  LISTING_PREFIX,
  NEXT_GRANT_ID_KEY,
  NEXT_LISTING_ID_KEY,
  VOTE_PREFIX,
} from "./keys.ts";
import { createListing, delist, increaseStake, updateListing, withdrawStake } from "./listings.ts";
import { accessAt, buyAccess } from "./purchases.ts";
import {
  countPurchaseMarkers,
  getGrant,
  getListing,
  insertGrant,
  insertListing,
  loadParams,
  marketAccount,
  nextGrantId,
  nextListingId,
  platformPoolAccount,
  recordsUnder,
  saveChallenge,
  saveCounter,
  saveDispute,
  saveParams,
  saveVote,
} from "./state.ts";

/** What the MQTT bridge (and any module) needs: the grant covering `at` (unix seconds), if any. */
export interface AccessReader {
  accessAt(ctx: Context, deviceId: string, account: string, at: bigint): Promise<AccessGrant | undefined>;
}

export interface MarketDependencies {
  devices: DeviceReader;
  bank: BankSendKeeper;
  /** Gateways and arbiters: the current validator operators and their power. */
  validators: ValidatorOperators;
}

export interface CreateListing {
  seller: string;
  deviceId: string;
  stake: Coin;
  price: Coin;
  periodSeconds: bigint;
}

export interface VoteOutcome {
  resolved: boolean;
  verdict: VerdictName | undefined;
}

export class MarketKeeper implements AccessReader {
  #deps: MarketDependencies | undefined;

  constructor(deps?: MarketDependencies) {
    this.#deps = deps;
  }

  connect(deps: MarketDependencies): void {
    this.#deps = deps;
  }

  get deps(): MarketDependencies {
    if (this.#deps === undefined) throw new Error("market keeper used before it was connected");
    return this.#deps;
  }

  get moduleAccount(): string {
    return marketAccount();
  }

  get platformPool(): string {
    return platformPoolAccount();
  }

  // ---- params, counters, reads -------------------------------------------------------------------

  params = loadParams;
  setParams = saveParams;
  nextListingId = nextListingId;
  nextGrantId = nextGrantId;

  setNextIds(ctx: Context, listingId: bigint, grantId: bigint): void {
    saveCounter(ctx, NEXT_LISTING_ID_KEY, listingId);
    saveCounter(ctx, NEXT_GRANT_ID_KEY, grantId);
  }

  getListing = getListing;
  getGrant = getGrant;
  accessAt = accessAt;

  // ---- messages (listings.ts, purchases.ts, disputes.ts) -----------------------------------------

  createListing(ctx: Context, input: CreateListing): Listing {
    return createListing(ctx, this.deps, input);
  }

  updateListing(ctx: Context, seller: string, id: bigint, price: Coin): void {
    updateListing(ctx, seller, id, price);
  }

  increaseStake(ctx: Context, seller: string, id: bigint, amount: Coin): Listing {
    return increaseStake(ctx, this.deps, seller, id, amount);
  }

  buyAccess(ctx: Context, buyer: string, id: bigint, periods: number, gateway: string): Promise<AccessGrant> {
    return buyAccess(ctx, this.deps, buyer, id, periods, gateway);
  }

  challenge(ctx: Context, challenger: string, id: bigint, stake: Coin, reason: string): boolean {
    return challenge(ctx, this.deps, challenger, id, stake, reason);
  }

  vote(ctx: Context, arbiter: string, id: bigint, verdict: VerdictName): Promise<VoteOutcome> {
    return vote(ctx, this.deps, arbiter, id, verdict);
  }

  delist(ctx: Context, seller: string, id: bigint): bigint {
    return delist(ctx, seller, id);
  }

  withdrawStake(ctx: Context, seller: string, id: bigint): Promise<void> {
    return withdrawStake(ctx, this.deps, seller, id);
  }

  // ---- iteration and genesis import --------------------------------------------------------------

  iterateListings = (ctx: Context): AsyncIterable<Listing> =>
    recordsUnder(ctx, LISTING_PREFIX, listingCodec.decode);
  iterateGrants = (ctx: Context): AsyncIterable<AccessGrant> =>
    recordsUnder(ctx, GRANT_PREFIX, grantCodec.decode);
  iterateChallenges = (ctx: Context): AsyncIterable<Challenge> =>
    recordsUnder(ctx, CHALLENGE_PREFIX, challengeCodec.decode);
  iterateDisputes = (ctx: Context): AsyncIterable<Dispute> =>
    recordsUnder(ctx, DISPUTE_PREFIX, disputeCodec.decode);
  iterateVotes = (ctx: Context): AsyncIterable<DisputeVote> =>
    recordsUnder(ctx, VOTE_PREFIX, voteCodec.decode);

  countPurchaseMarkers = countPurchaseMarkers;
  /** Writes a listing with its indexes (genesis import). */
  importListing = insertListing;
  /** Writes a grant with its buyer, access and purchase indexes (genesis import). */
  importGrant = insertGrant;
  importChallenge = saveChallenge;
  importDispute = saveDispute;
  importVote = saveVote;
}
