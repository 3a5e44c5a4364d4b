// A listing's life outside disputes: created with a stake by the device's owner, repriced, its stake
// raised, delisted, and after the cooldown withdrawn (README.md, Messages).
import { type Coin, formatCoins } from "../../chain/app/coins.ts";
import type { Context } from "../../chain/app/module.ts";
import type { Listing, MarketParams } from "./codec.ts";
import { marketError } from "./errors.ts";
import type { CreateListing, MarketDependencies } from "./keeper.ts";
import { challengeKey, MODULE_NAME, NEXT_LISTING_ID_KEY, STORE_NAME } from "./keys.ts";
import {
  challengesOf,
  insertListing,
  listingIdOfDevice,
  loadParams,
  nextListingId,
  removeListing,
  requireOwnListing,
  saveCounter,
  saveListing,
} from "./state.ts";
import {
  EVENT_LISTING_CREATED,
  EVENT_LISTING_DELISTED,
  EVENT_LISTING_UPDATED,
  EVENT_STAKE_INCREASED,
  EVENT_STAKE_WITHDRAWN,
} from "./type-urls.ts";

/** Throws unless the listing is active: the only state in which its terms or stake may change. */
export function requireActive(listing: Listing): void {
  if (listing.status !== "active")
    throw marketError("listingNotActive", `listing ${listing.id} is ${listing.status}`);
}

/** Throws while a dispute is open on the listing: its stake is what the dispute is about. */
export function requireUndisputed(listing: Listing): void {
  if (listing.disputed) throw marketError("listingDisputed", `listing ${listing.id}`);
}

function checkStake(params: MarketParams, stake: Coin, min: bigint, field: string): void {
  if (stake.denom !== params.stakeDenom)
    throw marketError("denomMismatch", `${field} must be in ${params.stakeDenom}, got ${stake.denom}`);
  if (stake.amount < min) throw marketError("stakeTooLow", `${field} ${stake.amount} < ${min}${stake.denom}`);
}

export function createListing(ctx: Context, deps: MarketDependencies, input: CreateListing): Listing {
  const device = deps.devices.getDevice(ctx, input.deviceId);
  if (device === undefined) throw marketError("deviceNotFound", `device ${input.deviceId}`);
  if (device.owner !== input.seller)
    throw marketError("notDeviceOwner", `${input.seller} does not own device ${input.deviceId}`);
  if (device.status !== "active") throw marketError("deviceRetired", `device ${input.deviceId}`);
  const listed = listingIdOfDevice(ctx, input.deviceId);
  if (listed !== undefined)
    throw marketError("deviceListed", `device ${input.deviceId} is listed as ${listed}`);
  const params = loadParams(ctx);
  checkStake(params, input.stake, params.minListingStake, "stake");
  deps.bank.sendCoinsFromAccountToModule(ctx, input.seller, MODULE_NAME, [input.stake]);
  const id = nextListingId(ctx);
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
  insertListing(ctx, listing);
  saveCounter(ctx, NEXT_LISTING_ID_KEY, id + 1n);
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

export function updateListing(ctx: Context, seller: string, id: bigint, price: Coin): void {
  const listing = requireOwnListing(ctx, seller, id);
  requireActive(listing);
  saveListing(ctx, { ...listing, price }, listing);
  ctx.events.emit(EVENT_LISTING_UPDATED, {
    listing_id: id.toString(),
    seller,
    price: formatCoins([price]),
    previous_price: formatCoins([listing.price]),
  });
}

export function increaseStake(
  ctx: Context,
  deps: MarketDependencies,
  seller: string,
  id: bigint,
  amount: Coin,
): Listing {
  const listing = requireOwnListing(ctx, seller, id);
  requireActive(listing);
  requireUndisputed(listing);
  if (amount.denom !== listing.stake.denom)
    throw marketError(
      "denomMismatch",
      `stake of listing ${id} is in ${listing.stake.denom}, got ${amount.denom}`,
    );
  deps.bank.sendCoinsFromAccountToModule(ctx, seller, MODULE_NAME, [amount]);
  const updated = { ...listing, stake: { ...listing.stake, amount: listing.stake.amount + amount.amount } };
  saveListing(ctx, updated, listing);
  ctx.events.emit(EVENT_STAKE_INCREASED, {
    listing_id: id.toString(),
    seller,
    amount: formatCoins([amount]),
    stake: formatCoins([updated.stake]),
  });
  return updated;
}

/** Stops new purchases; the stake can be withdrawn from the returned height. */
export function delist(ctx: Context, seller: string, id: bigint): bigint {
  const listing = requireOwnListing(ctx, seller, id);
  requireActive(listing);
  requireUndisputed(listing);
  const withdrawHeight = ctx.height + loadParams(ctx).delistCooldownBlocks;
  saveListing(ctx, { ...listing, status: "delisting", withdrawHeight }, listing);
  ctx.events.emit(EVENT_LISTING_DELISTED, {
    listing_id: id.toString(),
    seller,
    withdraw_height: withdrawHeight.toString(),
  });
  return withdrawHeight;
}

/** After the cooldown: the stake back to the seller, open challenges (below the threshold) back to
 * their challengers, the listing removed. */
export async function withdrawStake(
  ctx: Context,
  deps: MarketDependencies,
  seller: string,
  id: bigint,
): Promise<void> {
  const listing = requireOwnListing(ctx, seller, id);
  if (listing.status !== "delisting") throw marketError("notDelisting", `listing ${id} is ${listing.status}`);
  requireUndisputed(listing);
  if (ctx.height < listing.withdrawHeight)
    throw marketError(
      "cooldownNotOver",
      `listing ${id} can be withdrawn from height ${listing.withdrawHeight}`,
    );
  const denom = listing.stake.denom;
  const store = ctx.store(STORE_NAME);
  for (const challenge of await challengesOf(ctx, id)) {
    store.delete(challengeKey(id, challenge.challenger));
    deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, challenge.challenger, [
      { denom, amount: challenge.stake },
    ]);
  }
  deps.bank.sendCoinsFromModuleToAccount(ctx, MODULE_NAME, seller, [listing.stake]);
  removeListing(ctx, listing);
  ctx.events.emit(EVENT_STAKE_WITHDRAWN, {
    listing_id: id.toString(),
    seller,
    stake: formatCoins([listing.stake]),
    refunded_challenges: String(listing.openChallenges),
  });
}
