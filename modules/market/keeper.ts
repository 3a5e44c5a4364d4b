// Market keeper: staked listings of device data ranked by stake, purchases split between seller,
// gateway operator and platform pool, access grants, challenges, disputes resolved by > 2/3 of
// validator power, delisting with a cooldown. Message handlers are thin; the rules live here
// (README.md). Other modules and the MQTT bridge get AccessReader.
import { type Coin, formatCoins } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import { moduleAddress } from "../auth/keys.ts";
import type { BankSendKeeper } from "../bank/keeper.ts";
import type { DeviceReader } from "../device/keeper.ts";
import type { ValidatorOperators } from "../poa/keeper.ts";
import {
  type AccessGrant,
  type Challenge,
  challengeCodec,
  DEFAULT_PARAMS,
  type Dispute,
  type DisputeVote,
  disputeCodec,
  grantCodec,
  type Listing,
  listingCodec,
  type MarketParams,
  paramsCodec,
  type VerdictName,
  voteCodec,
} from "./codec.ts";
import { marketError } from "./errors.ts";
import {
  accessKey,
  accessPrefix,
  buyerGrantKey,
  CHALLENGE_PREFIX,
  challengeKey,
  challengePrefix,
  DISPUTE_PREFIX,
  decodeUint64,
  deviceIndexKey,
  disputeKey,
  encodeUint64,
  GRANT_PREFIX,
  grantKey,
  INDEX_MARKER,
  LISTING_PREFIX,
  listingKey,
  MODULE_NAME,
  NEXT_GRANT_ID_KEY,
  NEXT_LISTING_ID_KEY,
  PARAMS_KEY,
  PLATFORM_POOL_MODULE,
  PURCHASED_PREFIX,
  prefixEnd,
  purchasedKey,
  rankKey,
  STORE_NAME,
  sellerIndexKey,
  VOTE_PREFIX,
  voteKey,
  votePrefix,
} from "./keys.ts";
import { splitForfeit, splitPurchase } from "./split.ts";
import {
  EVENT_ACCESS_BOUGHT,
  EVENT_DISPUTE_OPENED,
  EVENT_DISPUTE_RESOLVED,
  EVENT_DISPUTE_VOTE,
  EVENT_LISTING_CHALLENGED,
  EVENT_LISTING_CREATED,
  EVENT_LISTING_DELISTED,
  EVENT_LISTING_UPDATED,
  EVENT_STAKE_INCREASED,
  EVENT_STAKE_WITHDRAWN,
} from "./type-urls.ts";

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

/** More than two thirds of the total power, in integers: voted × 3 > total × 2 (identity's rule). */
export function passesTwoThirds(votedPower: bigint, totalPower: bigint): boolean {
  return totalPower > 0n && votedPower * 3n > totalPower * 2n;
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
    return moduleAddress(MODULE_NAME);
  }

  get platformPool(): string {
    return moduleAddress(PLATFORM_POOL_MODULE);
  }

  // ---- params and counters -----------------------------------------------------------------------

  params(ctx: Context): MarketParams {
    const bytes = ctx.store(STORE_NAME).get(PARAMS_KEY);
    return bytes === undefined ? { ...DEFAULT_PARAMS } : paramsCodec.decode(bytes);
  }

  setParams(ctx: Context, params: MarketParams): void {
    ctx.store(STORE_NAME).set(PARAMS_KEY, paramsCodec.encode(params));
  }

  #counter(ctx: Context, key: Uint8Array): bigint {
    const bytes = ctx.store(STORE_NAME).get(key);
    return bytes === undefined ? 1n : decodeUint64(bytes);
  }

  nextListingId(ctx: Context): bigint {
    return this.#counter(ctx, NEXT_LISTING_ID_KEY);
  }

  nextGrantId(ctx: Context): bigint {
    return this.#counter(ctx, NEXT_GRANT_ID_KEY);
  }

  setNextIds(ctx: Context, listingId: bigint, grantId: bigint): void {
    ctx.store(STORE_NAME).set(NEXT_LISTING_ID_KEY, encodeUint64(listingId));
    ctx.store(STORE_NAME).set(NEXT_GRANT_ID_KEY, encodeUint64(grantId));
  }

  // ---- reads -------------------------------------------------------------------------------------

  getListing(ctx: Context, id: bigint): Listing | undefined {
    const bytes = ctx.store(STORE_NAME).get(listingKey(id));
    return bytes === undefined ? undefined : listingCodec.decode(bytes);
  }

  getGrant(ctx: Context, id: bigint): AccessGrant | undefined {
    const bytes = ctx.store(STORE_NAME).get(grantKey(id));
    return bytes === undefined ? undefined : grantCodec.decode(bytes);
  }

  /** Grants of one (device, buyer) pair never overlap (each purchase starts where the last ended),
   * so the first grant ending after `at` is the only one that can cover it. */
  async accessAt(
    ctx: Context,
    deviceId: string,
    account: string,
    at: bigint,
  ): Promise<AccessGrant | undefined> {
    if (at < 0n) return undefined;
    const prefix = accessPrefix(deviceId, account);
    const start = accessKey(deviceId, account, at + 1n, 0n);
    for await (const [key] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(prefix)!, limit: 1 })) {
      const grant = this.getGrant(ctx, decodeUint64(key.subarray(key.length - 8)));
      if (grant === undefined) throw new Error(`market state: access index names a missing grant`);
      return grant.startTime <= at ? grant : undefined;
    }
    return undefined;
  }

  #load(ctx: Context, id: bigint): Listing {
    const listing = this.getListing(ctx, id);
    if (listing === undefined) throw marketError("listingNotFound", `listing ${id}`);
    return listing;
  }

  #ownListing(ctx: Context, seller: string, id: bigint): Listing {
    const listing = this.#load(ctx, id);
    if (listing.seller !== seller)
      throw marketError("notSeller", `${seller} is not the seller of listing ${id}`);
    return listing;
  }

  /** Saves the listing and keeps the stake ranking in step: ranked exactly while active. */
  #save(ctx: Context, listing: Listing, previous?: Listing): void {
    const store = ctx.store(STORE_NAME);
    if (previous?.status === "active") store.delete(rankKey(previous.stake.amount, previous.id));
    if (listing.status === "active") store.set(rankKey(listing.stake.amount, listing.id), INDEX_MARKER);
    store.set(listingKey(listing.id), listingCodec.encode(listing));
  }

  #remove(ctx: Context, listing: Listing): void {
    const store = ctx.store(STORE_NAME);
    if (listing.status === "active") store.delete(rankKey(listing.stake.amount, listing.id));
    store.delete(listingKey(listing.id));
    store.delete(sellerIndexKey(listing.seller, listing.id));
    store.delete(deviceIndexKey(listing.deviceId));
  }

  // ---- listings ----------------------------------------------------------------------------------

  createListing(ctx: Context, input: CreateListing): Listing {
    const device = this.deps.devices.getDevice(ctx, input.deviceId);
    if (device === undefined) throw marketError("deviceNotFound", `device ${input.deviceId}`);
    if (device.owner !== input.seller)
      throw marketError("notDeviceOwner", `${input.seller} does not own device ${input.deviceId}`);
    if (device.status !== "active") throw marketError("deviceRetired", `device ${input.deviceId}`);
    const store = ctx.store(STORE_NAME);
    const listed = store.get(deviceIndexKey(input.deviceId));
    if (listed !== undefined)
      throw marketError("deviceListed", `device ${input.deviceId} is listed as ${decodeUint64(listed)}`);
    const params = this.params(ctx);
    this.#checkStake(params, input.stake, params.minListingStake, "stake");
    this.deps.bank.sendCoinsFromAccountToModule(ctx, input.seller, MODULE_NAME, [input.stake]);
    const id = this.nextListingId(ctx);
    const listing: Listing = {
      id,
      seller: input.seller,
      deviceId: input.deviceId,
      stake: input.stake,
      price: input.price,
      periodSeconds: input.periodSeconds,
      status: "active",
      disputed: false,
      createdHeight: ctx.height,
      withdrawHeight: 0n,
      openChallenges: 0,
      challengeStake: 0n,
      purchases: 0n,
    };
    this.#save(ctx, listing);
    store.set(sellerIndexKey(listing.seller, id), INDEX_MARKER);
    store.set(deviceIndexKey(listing.deviceId), encodeUint64(id));
    store.set(NEXT_LISTING_ID_KEY, encodeUint64(id + 1n));
    ctx.events.emit(EVENT_LISTING_CREATED, {
      listing_id: id.toString(),
      seller: listing.seller,
      device_id: listing.deviceId,
      stake: formatCoins([listing.stake]),
      price: formatCoins([listing.price]),
      period_seconds: listing.periodSeconds.toString(),
    });
    return listing;
  }

  #checkStake(params: MarketParams, stake: Coin, min: bigint, field: string): void {
    if (stake.denom !== params.stakeDenom)
      throw marketError("denomMismatch", `${field} must be in ${params.stakeDenom}, got ${stake.denom}`);
    if (stake.amount < min)
      throw marketError("stakeTooLow", `${field} ${stake.amount} < ${min}${stake.denom}`);
  }

  updateListing(ctx: Context, seller: string, id: bigint, price: Coin): void {
    const listing = this.#ownListing(ctx, seller, id);
    if (listing.status !== "active")
      throw marketError("listingNotActive", `listing ${id} is ${listing.status}`);
    this.#save(ctx, { ...listing, price }, listing);
    ctx.events.emit(EVENT_LISTING_UPDATED, {
      listing_id: id.toString(),
      seller,
      price: formatCoins([price]),
      previous_price: formatCoins([listing.price]),
    });
  }

  increaseStake(ctx: Context, seller: string, id: bigint, amount: Coin): Listing {
    const listing = this.#ownListing(ctx, seller, id);
    if (listing.status !== "active")
      throw marketError("listingNotActive", `listing ${id} is ${listing.status}`);
    if (listing.disputed) throw marketError("listingDisputed", `listing ${id}`);
    if (amount.denom !== listing.stake.denom)
      throw marketError(
        "denomMismatch",
        `stake of listing ${id} is in ${listing.stake.denom}, got ${amount.denom}`,
      );
    this.deps.bank.sendCoinsFromAccountToModule(ctx, seller, MODULE_NAME, [amount]);
    const updated = { ...listing, stake: { ...listing.stake, amount: listing.stake.amount + amount.amount } };
    this.#save(ctx, updated, listing);
    ctx.events.emit(EVENT_STAKE_INCREASED, {
      listing_id: id.toString(),
      seller,
      amount: formatCoins([amount]),
      stake: formatCoins([updated.stake]),
    });
    return updated;
  }

  // ---- purchases ---------------------------------------------------------------------------------

  /** Pays price × periods (seller / gateway / platform split) and grants access for the periods,
   * starting now or where the buyer's last grant on the device ends, whichever is later. */
  async buyAccess(
    ctx: Context,
    buyer: string,
    id: bigint,
    periods: number,
    gateway: string,
  ): Promise<AccessGrant> {
    const listing = this.#load(ctx, id);
    if (buyer === listing.seller) throw marketError("selfDealing", `${buyer} sells listing ${id}`);
    if (listing.status !== "active")
      throw marketError("listingNotActive", `listing ${id} is ${listing.status}`);
    if (listing.disputed) throw marketError("listingDisputed", `listing ${id}`);
    if (!this.deps.validators.isOperator(ctx, gateway))
      throw marketError("invalidGateway", `${gateway} operates no current validator`);
    const device = this.deps.devices.getDevice(ctx, listing.deviceId);
    if (device === undefined || device.owner !== listing.seller)
      throw marketError("sellerNotOwner", `device ${listing.deviceId} of listing ${id}`);
    if (device.status !== "active") throw marketError("deviceRetired", `device ${listing.deviceId}`);
    const params = this.params(ctx);
    const denom = listing.price.denom;
    const total = listing.price.amount * BigInt(periods);
    const shares = splitPurchase(total, params.gatewayBps, params.platformBps);
    const bank = this.deps.bank;
    if (shares.seller > 0n) bank.sendCoins(ctx, buyer, listing.seller, [{ denom, amount: shares.seller }]);
    if (shares.gateway > 0n) bank.sendCoins(ctx, buyer, gateway, [{ denom, amount: shares.gateway }]);
    if (shares.platform > 0n)
      bank.sendCoins(ctx, buyer, this.platformPool, [{ denom, amount: shares.platform }]);

    const store = ctx.store(STORE_NAME);
    let startTime = ctx.time.seconds;
    const prefix = accessPrefix(listing.deviceId, buyer);
    for await (const [key] of store.iterate({
      start: prefix,
      end: prefixEnd(prefix)!,
      reverse: true,
      limit: 1,
    })) {
      const lastEnd = decodeUint64(key.subarray(key.length - 16, key.length - 8));
      if (lastEnd > startTime) startTime = lastEnd;
    }
    const grantId = this.nextGrantId(ctx);
    const grant: AccessGrant = {
      id: grantId,
      listingId: id,
      buyer,
      deviceId: listing.deviceId,
      gateway,
      startTime,
      endTime: startTime + listing.periodSeconds * BigInt(periods),
      paid: { denom, amount: total },
      height: ctx.height,
    };
    this.importGrant(ctx, grant);
    store.set(NEXT_GRANT_ID_KEY, encodeUint64(grantId + 1n));
    this.#save(ctx, { ...listing, purchases: listing.purchases + 1n }, listing);
    ctx.events.emit(EVENT_ACCESS_BOUGHT, {
      listing_id: id.toString(),
      grant_id: grantId.toString(),
      buyer,
      device_id: listing.deviceId,
      gateway,
      seller: listing.seller,
      paid: `${total}${denom}`,
      seller_share: `${shares.seller}${denom}`,
      gateway_share: `${shares.gateway}${denom}`,
      platform_share: `${shares.platform}${denom}`,
      start_time: grant.startTime.toString(),
      end_time: grant.endTime.toString(),
    });
    return grant;
  }

  // ---- challenges and disputes -------------------------------------------------------------------

  /** Stakes a challenge; returns true when it is the one that opens the dispute. */
  challenge(ctx: Context, challenger: string, id: bigint, stake: Coin, reason: string): boolean {
    const listing = this.#load(ctx, id);
    if (challenger === listing.seller) throw marketError("selfDealing", `${challenger} sells listing ${id}`);
    if (listing.disputed) throw marketError("listingDisputed", `listing ${id}`);
    const store = ctx.store(STORE_NAME);
    if (!store.has(purchasedKey(id, challenger)))
      throw marketError("notBuyer", `${challenger} never bought access on listing ${id}`);
    if (store.has(challengeKey(id, challenger)))
      throw marketError("alreadyChallenged", `${challenger} on listing ${id}`);
    const params = this.params(ctx);
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
    this.deps.bank.sendCoinsFromAccountToModule(ctx, challenger, MODULE_NAME, [stake]);
    store.set(
      challengeKey(id, challenger),
      challengeCodec.encode({ listingId: id, challenger, stake: stake.amount, reason, height: ctx.height }),
    );
    const updated: Listing = {
      ...listing,
      openChallenges: listing.openChallenges + 1,
      challengeStake: listing.challengeStake + stake.amount,
    };
    const opens = updated.openChallenges >= params.challengeThreshold;
    if (opens) {
      updated.disputed = true;
      store.set(disputeKey(id), disputeCodec.encode({ listingId: id, openedHeight: ctx.height }));
    }
    this.#save(ctx, updated, listing);
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
  async vote(ctx: Context, arbiter: string, id: bigint, verdict: VerdictName): Promise<VoteOutcome> {
    // Authority first: a non-operator learns nothing about the listing from the error.
    if (!this.deps.validators.isOperator(ctx, arbiter))
      throw marketError("notArbiter", `${arbiter} operates no current validator`);
    const listing = this.#load(ctx, id);
    const store = ctx.store(STORE_NAME);
    if (!listing.disputed || !store.has(disputeKey(id))) throw marketError("noDispute", `listing ${id}`);
    if (store.has(voteKey(id, arbiter))) throw marketError("alreadyVoted", `${arbiter} on listing ${id}`);
    store.set(
      voteKey(id, arbiter),
      voteCodec.encode({ listingId: id, arbiter, verdict, height: ctx.height }),
    );
    const operators = this.deps.validators.operators(ctx);
    const power = new Map(operators.map((info) => [info.operator, info.power]));
    const total = operators.reduce((sum, info) => sum + info.power, 0n);
    let voted = 0n;
    for await (const vote of this.#votes(ctx, id))
      if (vote.verdict === verdict) voted += power.get(vote.arbiter) ?? 0n;
    const resolved = passesTwoThirds(voted, total);
    ctx.events.emit(EVENT_DISPUTE_VOTE, {
      listing_id: id.toString(),
      arbiter,
      verdict,
      voted_power: voted.toString(),
      total_power: total.toString(),
      resolved: String(resolved),
    });
    if (!resolved) return { resolved, verdict: undefined };
    await this.#resolve(ctx, listing, verdict);
    return { resolved, verdict };
  }

  async #resolve(ctx: Context, listing: Listing, verdict: VerdictName): Promise<void> {
    const store = ctx.store(STORE_NAME);
    const id = listing.id;
    const challenges = await this.#challengesOf(ctx, id);
    for (const challenge of challenges) store.delete(challengeKey(id, challenge.challenger));
    for await (const vote of this.#votes(ctx, id)) store.delete(voteKey(id, vote.arbiter));
    store.delete(disputeKey(id));
    const params = this.params(ctx);
    const denom = listing.stake.denom;
    const bank = this.deps.bank;
    const pay = (to: string, amount: bigint) => {
      if (amount > 0n) bank.sendCoins(ctx, this.moduleAccount, to, [{ denom, amount }]);
    };
    let platform: bigint;
    let sellerReceived = 0n;
    if (verdict === "seller_wins") {
      const pot = listing.challengeStake;
      const split = splitForfeit(pot, [1n], params.slashPlatformBps);
      platform = split.platform;
      sellerReceived = split.winners[0]!;
      pay(listing.seller, sellerReceived);
      this.#save(ctx, { ...listing, disputed: false, openChallenges: 0, challengeStake: 0n }, listing);
    } else {
      const split = splitForfeit(
        listing.stake.amount,
        challenges.map((challenge) => challenge.stake),
        params.slashPlatformBps,
      );
      platform = split.platform;
      for (const [index, challenge] of challenges.entries())
        pay(challenge.challenger, challenge.stake + split.winners[index]!);
      this.#remove(ctx, listing);
    }
    pay(this.platformPool, platform);
    ctx.events.emit(EVENT_DISPUTE_RESOLVED, {
      listing_id: id.toString(),
      verdict,
      seller: listing.seller,
      forfeited:
        verdict === "seller_wins" ? `${listing.challengeStake}${denom}` : formatCoins([listing.stake]),
      platform_share: `${platform}${denom}`,
      seller_received: `${sellerReceived}${denom}`,
      challengers: String(challenges.length),
      listing_removed: String(verdict === "challengers_win"),
    });
  }

  // ---- delisting ---------------------------------------------------------------------------------

  delist(ctx: Context, seller: string, id: bigint): bigint {
    const listing = this.#ownListing(ctx, seller, id);
    if (listing.status !== "active")
      throw marketError("listingNotActive", `listing ${id} is ${listing.status}`);
    if (listing.disputed) throw marketError("listingDisputed", `listing ${id}`);
    const withdrawHeight = ctx.height + this.params(ctx).delistCooldownBlocks;
    this.#save(ctx, { ...listing, status: "delisting", withdrawHeight }, listing);
    ctx.events.emit(EVENT_LISTING_DELISTED, {
      listing_id: id.toString(),
      seller,
      withdraw_height: withdrawHeight.toString(),
    });
    return withdrawHeight;
  }

  /** After the cooldown: the stake back to the seller, open challenges (below the threshold) back to
   * their challengers, the listing removed. */
  async withdrawStake(ctx: Context, seller: string, id: bigint): Promise<void> {
    const listing = this.#ownListing(ctx, seller, id);
    if (listing.status !== "delisting")
      throw marketError("notDelisting", `listing ${id} is ${listing.status}`);
    if (listing.disputed) throw marketError("listingDisputed", `listing ${id}`);
    if (ctx.height < listing.withdrawHeight)
      throw marketError(
        "cooldownNotOver",
        `listing ${id} can be withdrawn from height ${listing.withdrawHeight}`,
      );
    const denom = listing.stake.denom;
    const store = ctx.store(STORE_NAME);
    for (const challenge of await this.#challengesOf(ctx, id)) {
      store.delete(challengeKey(id, challenge.challenger));
      this.deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, challenge.challenger, [
        { denom, amount: challenge.stake },
      ]);
    }
    this.deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, seller, [listing.stake]);
    this.#remove(ctx, listing);
    ctx.events.emit(EVENT_STAKE_WITHDRAWN, {
      listing_id: id.toString(),
      seller,
      stake: formatCoins([listing.stake]),
      refunded_challenges: String(listing.openChallenges),
    });
  }

  // ---- iteration and genesis import --------------------------------------------------------------

  async #challengesOf(ctx: Context, id: bigint): Promise<Challenge[]> {
    const prefix = challengePrefix(id);
    const list: Challenge[] = [];
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
      list.push(challengeCodec.decode(value));
    return list;
  }

  /** Votes on one dispute: at most one per current or former operator (MAX_VALIDATORS-bounded). */
  async *#votes(ctx: Context, id: bigint): AsyncIterable<DisputeVote> {
    const prefix = votePrefix(id);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start: prefix, end: prefixEnd(prefix)! }))
      yield voteCodec.decode(value);
  }

  async *#all<T>(ctx: Context, prefix: number, decode: (bytes: Uint8Array) => T): AsyncIterable<T> {
    const start = Uint8Array.of(prefix);
    for await (const [, value] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! }))
      yield decode(value);
  }

  iterateListings = (ctx: Context): AsyncIterable<Listing> =>
    this.#all(ctx, LISTING_PREFIX, listingCodec.decode);
  iterateGrants = (ctx: Context): AsyncIterable<AccessGrant> =>
    this.#all(ctx, GRANT_PREFIX, grantCodec.decode);
  iterateChallenges = (ctx: Context): AsyncIterable<Challenge> =>
    this.#all(ctx, CHALLENGE_PREFIX, challengeCodec.decode);
  iterateDisputes = (ctx: Context): AsyncIterable<Dispute> =>
    this.#all(ctx, DISPUTE_PREFIX, disputeCodec.decode);
  iterateVotes = (ctx: Context): AsyncIterable<DisputeVote> => this.#all(ctx, VOTE_PREFIX, voteCodec.decode);

  /** Every (listing, buyer) purchase marker, as raw keys (invariants). */
  async countPurchaseMarkers(ctx: Context): Promise<number> {
    const start = Uint8Array.of(PURCHASED_PREFIX);
    let count = 0;
    for await (const _ of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(start)! })) count++;
    return count;
  }

  /** Writes a listing with its indexes (genesis import). */
  importListing(ctx: Context, listing: Listing): void {
    this.#save(ctx, listing);
    ctx.store(STORE_NAME).set(sellerIndexKey(listing.seller, listing.id), INDEX_MARKER);
    ctx.store(STORE_NAME).set(deviceIndexKey(listing.deviceId), encodeUint64(listing.id));
  }

  /** Writes a grant with its buyer, access and purchase indexes (purchases and genesis import). */
  importGrant(ctx: Context, grant: AccessGrant): void {
    const store = ctx.store(STORE_NAME);
    store.set(grantKey(grant.id), grantCodec.encode(grant));
    store.set(buyerGrantKey(grant.buyer, grant.id), INDEX_MARKER);
    store.set(accessKey(grant.deviceId, grant.buyer, grant.endTime, grant.id), INDEX_MARKER);
    store.set(purchasedKey(grant.listingId, grant.buyer), INDEX_MARKER);
  }

  importChallenge(ctx: Context, challenge: Challenge): void {
    ctx
      .store(STORE_NAME)
      .set(challengeKey(challenge.listingId, challenge.challenger), challengeCodec.encode(challenge));
  }

  importDispute(ctx: Context, dispute: Dispute): void {
    ctx.store(STORE_NAME).set(disputeKey(dispute.listingId), disputeCodec.encode(dispute));
  }

  importVote(ctx: Context, vote: DisputeVote): void {
    ctx.store(STORE_NAME).set(voteKey(vote.listingId, vote.arbiter), voteCodec.encode(vote));
  }
}
