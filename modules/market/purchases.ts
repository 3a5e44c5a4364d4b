// Purchases of access (paid to seller, gateway operator and platform pool at once) and the rule that
// decides whether a grant covers a moment (README.md, Design choices: one live listing per device).
// queries.ts HasAccess applies the same rule to committed state.
import type { Context } from "../../chain/app/module.ts";
import type { AccessGrant } from "./codec.ts";
import { marketError } from "./errors.ts";
import type { MarketDependencies } from "./keeper.ts";
import { accessKey, accessPrefix, decodeUint64, NEXT_GRANT_ID_KEY, prefixEnd, STORE_NAME } from "./keys.ts";
import { requireActive, requireUndisputed } from "./listings.ts";
import { splitPurchase } from "./split.ts";
import {
  getGrant,
  insertGrant,
  loadParams,
  nextGrantId,
  platformPoolAccount,
  requireListing,
  saveCounter,
  saveListing,
} from "./state.ts";
import { EVENT_ACCESS_BOUGHT } from "./type-urls.ts";

/** Grants of one (device, buyer) pair never overlap (each purchase starts where the last ended),
 * so the first grant ending after `at` is the only one that can cover it. */
export async function accessAt(
  ctx: Context,
  deviceId: string,
  account: string,
  at: bigint,
): Promise<AccessGrant | undefined> {
  if (at < 0n) return undefined;
  const prefix = accessPrefix(deviceId, account);
  const start = accessKey(deviceId, account, at + 1n, 0n);
  for await (const [key] of ctx.store(STORE_NAME).iterate({ start, end: prefixEnd(prefix)!, limit: 1 })) {
    const grant = getGrant(ctx, decodeUint64(key.subarray(key.length - 8)));
    if (grant === undefined) throw new Error(`market state: access index names a missing grant`);
    return grant.startTime <= at ? grant : undefined;
  }
  return undefined;
}

/** Where a new grant of the buyer on the device starts: now, or where the buyer's last grant on the
 * device ends, whichever is later (the access index orders a pair's grants by end time). */
async function nextGrantStart(ctx: Context, deviceId: string, buyer: string): Promise<bigint> {
  let startTime = ctx.time.seconds;
  const prefix = accessPrefix(deviceId, buyer);
  for await (const [key] of ctx.store(STORE_NAME).iterate({
    start: prefix,
    end: prefixEnd(prefix)!,
    reverse: true,
    limit: 1,
  })) {
    const lastEnd = decodeUint64(key.subarray(key.length - 16, key.length - 8));
    if (lastEnd > startTime) startTime = lastEnd;
  }
  return startTime;
}

/** Pays price × periods (seller / gateway / platform split) and grants access for the periods,
 * starting now or where the buyer's last grant on the device ends, whichever is later. */
export async function buyAccess(
  ctx: Context,
  deps: MarketDependencies,
  buyer: string,
  id: bigint,
  periods: number,
  gateway: string,
): Promise<AccessGrant> {
  const listing = requireListing(ctx, id);
  if (buyer === listing.seller) throw marketError("selfDealing", `${buyer} sells listing ${id}`);
  requireActive(listing);
  requireUndisputed(listing);
  if (!deps.validators.isOperator(ctx, gateway))
    throw marketError("invalidGateway", `${gateway} operates no current validator`);
  const device = deps.devices.getDevice(ctx, listing.deviceId);
  if (device === undefined || device.owner !== listing.seller)
    throw marketError("sellerNotOwner", `device ${listing.deviceId} of listing ${id}`);
  if (device.status !== "active") throw marketError("deviceRetired", `device ${listing.deviceId}`);
  const params = loadParams(ctx);
  const denom = listing.price.denom;
  const total = listing.price.amount * BigInt(periods);
  const shares = splitPurchase(total, params.gatewayBps, params.platformBps);
  const bank = deps.bank;
  if (shares.seller > 0n) bank.sendCoins(ctx, buyer, listing.seller, [{ denom, amount: shares.seller }]);
  if (shares.gateway > 0n) bank.sendCoins(ctx, buyer, gateway, [{ denom, amount: shares.gateway }]);
  if (shares.platform > 0n)
    bank.sendCoins(ctx, buyer, platformPoolAccount(), [{ denom, amount: shares.platform }]);

  const startTime = await nextGrantStart(ctx, listing.deviceId, buyer);
  const grantId = nextGrantId(ctx);
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
  insertGrant(ctx, grant);
  saveCounter(ctx, NEXT_GRANT_ID_KEY, grantId + 1n);
  saveListing(ctx, { ...listing, purchases: listing.purchases + 1n }, listing);
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
